// SPDX-License-Identifier: GPL-3.0-or-later
#include "experimentpdf.h"

#include "experiment/report.h"
#include "pdfdocument.h"

#include <QAbstractTextDocumentLayout>
#include <QPainter>
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
    PdfDocument pdf(path, QStringLiteral("ClusterLab experiments"));
    QTextDocument& doc = pdf.document();
    doc.documentLayout()->registerHandler(kSvgObject, new SvgObject(pdf.page().width() * 0.92, &doc));
    QTextCursor cursor(&doc);
    for (const experiment::ReportPiece& p : experiment::reportPieces(report)) {
        if (p.chart == nullptr) {
            cursor.insertHtml(p.html);
            continue;
        }
        // Drawn at 640 px wide; the SVG scales to the object's rect.
        QTextCharFormat chart;
        chart.setProperty(kSvgData, experiment::chartSvg(*p.chart, 640, static_cast<int>(640 * kChartAspect)).toUtf8());
        PdfDocument::insertObject(cursor, chart, kSvgObject);
    }
    return pdf.print(error);
}

} // namespace clusterlab

#include "experimentpdf.moc"
