#include "experimentpdf.h"

#include "experiment/report.h"

#include <QAbstractTextDocumentLayout>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgRenderer>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextObjectInterface>

namespace clusterlab {

namespace {

constexpr int kSvgObject = QTextFormat::UserObject + 1;
constexpr int kSvgData = 1;
constexpr double kChartAspect = 0.5; // height / width, as chartSvg draws them

// Draws a chart's SVG in the text flow: QSvgRenderer paints paths and text,
// so on a PDF writer the chart stays vector.
class SvgObject : public QObject, public QTextObjectInterface
{
    Q_OBJECT
    Q_INTERFACES(QTextObjectInterface)
public:
    explicit SvgObject(double width, QObject* parent = nullptr)
        : QObject(parent)
        , m_width(width)
    {
    }
    QSizeF intrinsicSize(QTextDocument*, int, const QTextFormat&) override
    {
        return QSizeF(m_width, m_width * kChartAspect);
    }
    void drawObject(QPainter* painter, const QRectF& rect, QTextDocument*, int, const QTextFormat& format) override
    {
        QSvgRenderer renderer(format.property(kSvgData).toByteArray());
        renderer.render(painter, rect);
    }

private:
    double m_width;
};

} // namespace

bool writeExperimentPdf(const experiment::RunReport& report, const QString& path, QString* error)
{
    QPdfWriter writer(path);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    writer.setResolution(96);
    writer.setTitle(QStringLiteral("ClusterLab experiments"));
    writer.setCreator(QStringLiteral("ClusterLab"));
    const QRectF page = writer.pageLayout().paintRectPixels(writer.resolution());

    QTextDocument doc;
    doc.setPageSize(page.size()); // paginated already: print() uses this document, handlers and all
    QFont font = doc.defaultFont();
    font.setPointSizeF(9.5);
    doc.setDefaultFont(font);
    doc.setDefaultStyleSheet(QStringLiteral("h1 { font-size: 17pt; } h2 { font-size: 13pt; } th { background-color: #f0f0f0; }"));
    const double chartWidth = page.width() * 0.92;
    auto* handler = new SvgObject(chartWidth, &doc);
    doc.documentLayout()->registerHandler(kSvgObject, handler);

    QTextCursor cursor(&doc);
    const QList<experiment::ReportPiece> pieces = experiment::reportPieces(report);
    for (const experiment::ReportPiece& p : pieces) {
        if (p.chart == nullptr) {
            cursor.insertHtml(p.html);
            continue;
        }
        // Width x height as drawn; the SVG scales to the object's rect.
        QTextCharFormat chart;
        chart.setObjectType(kSvgObject);
        chart.setProperty(kSvgData, experiment::chartSvg(*p.chart, 640, static_cast<int>(640 * kChartAspect)).toUtf8());
        QTextBlockFormat block;
        block.setAlignment(Qt::AlignHCenter);
        block.setTopMargin(6);
        block.setBottomMargin(10);
        block.setNonBreakableLines(true);
        cursor.insertBlock(block);
        cursor.insertText(QString(QChar::ObjectReplacementCharacter), chart);
        cursor.insertBlock(QTextBlockFormat());
    }
    // No shaping, so no ligatures: text copied out of the PDF (or searched
    // in it) reads "confirmed", not "con\ufb01rmed". Latin text loses
    // nothing by it.
    QTextCursor all(&doc);
    all.select(QTextCursor::Document);
    QTextCharFormat plain;
    plain.setFontStyleStrategy(QFont::PreferNoShaping);
    all.mergeCharFormat(plain);
    doc.print(&writer);
    // print() reports nothing: a file that is not there says it failed.
    if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0) {
        *error = QStringLiteral("cannot write %1").arg(path);
        return false;
    }
    return true;
}

} // namespace clusterlab

#include "experimentpdf.moc"
