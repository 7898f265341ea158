// SPDX-License-Identifier: GPL-3.0-or-later
#include "pdfdocument.h"

#include <QFileInfo>
#include <QTextCursor>

namespace clusterlab {

PdfDocument::PdfDocument(const QString& path, const QString& title)
    : m_path(path)
    , m_writer(path)
{
    m_writer.setPageSize(QPageSize(QPageSize::A4));
    m_writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    m_writer.setResolution(96);
    m_writer.setTitle(title);
    m_writer.setCreator(QStringLiteral("ClusterLab"));
    m_page = m_writer.pageLayout().paintRectPixels(m_writer.resolution());
    m_doc.setPageSize(m_page.size()); // paginated already: print() uses this document, its object handlers included
    QFont font = m_doc.defaultFont();
    font.setPointSizeF(9.5);
    m_doc.setDefaultFont(font);
    m_doc.setDefaultStyleSheet(QStringLiteral("h1 { font-size: 17pt; } h2 { font-size: 13pt; } "
                                              "th { background-color: #f0f0f0; font-size: 8pt; } td { font-size: 8pt; }"));
}

void PdfDocument::insertObject(QTextCursor& cursor, QTextCharFormat format, int type)
{
    format.setObjectType(type);
    QTextBlockFormat block;
    block.setAlignment(Qt::AlignHCenter);
    block.setTopMargin(6);
    block.setBottomMargin(10);
    block.setNonBreakableLines(true);
    cursor.insertBlock(block);
    cursor.insertText(QString(QChar::ObjectReplacementCharacter), format);
    cursor.insertBlock(QTextBlockFormat());
}

bool PdfDocument::print(QString* error)
{
    // No shaping, so no ligatures: "confirmed", not "con\ufb01rmed". Latin
    // text loses nothing by it.
    QTextCursor all(&m_doc);
    all.select(QTextCursor::Document);
    QTextCharFormat plain;
    plain.setFontStyleStrategy(QFont::PreferNoShaping);
    all.mergeCharFormat(plain);
    m_doc.print(&m_writer);
    // print() reports nothing: a file that is not there says it failed.
    if (!QFileInfo(m_path).exists() || QFileInfo(m_path).size() == 0) {
        *error = QStringLiteral("could not write %1").arg(m_path);
        return false;
    }
    return true;
}

} // namespace clusterlab
