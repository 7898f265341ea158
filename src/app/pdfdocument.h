// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPdfWriter>
#include <QString>
#include <QTextDocument>
#include <QTextFormat>

class QTextCursor;

namespace clusterlab {

// The typesetting every ClusterLab report shares: an A4 PDF writer and a
// text document laid out on its page (15 mm margins, 9.5 pt text, the
// headings' and tables' sizes), objects (charts) inserted as centred
// blocks, and printing without ligatures, so that text copied or searched
// in the PDF reads as written.
class PdfDocument
{
public:
    PdfDocument(const QString& path, const QString& title);

    QTextDocument& document() { return m_doc; }
    QRectF page() const { return m_page; }
    // An object of `type` (a registered QTextObjectInterface) on a line of
    // its own, centred, with `format`'s properties.
    static void insertObject(QTextCursor& cursor, QTextCharFormat format, int type);
    // Prints; false with a reason when the file was not written.
    bool print(QString* error);

private:
    QString m_path;
    QPdfWriter m_writer;
    QTextDocument m_doc;
    QRectF m_page;
};

} // namespace clusterlab
