// SPDX-License-Identifier: GPL-3.0-or-later
#include "reportwriter.h"

#include "chartpanel.h"
#include "experiment/report.h"
#include "experiment/runner.h"
#include "pdfdocument.h"

#include <QAbstractTextDocumentLayout>
#include <QFileInfo>
#include <QLocale>
#include <QPainter>
#include <QSaveFile>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextObjectInterface>

namespace clusterlab {

namespace {

constexpr int kChartObject = QTextFormat::UserObject + 2;
constexpr int kChartIndex = 1;
constexpr double kChartAspect = 0.55;

QString esc(const QString& s)
{
    return s.toHtmlEscaped();
}

QString count(std::int64_t n)
{
    return QLocale(QLocale::English).toString(static_cast<qlonglong>(n));
}

// Milliseconds to as many digits as they deserve: 0.018, 1.31, 236.
QString num(double v)
{
    if (v <= 0)
        return QStringLiteral("0");
    return QString::number(v, 'f', v < 1 ? 3 : v < 100 ? 2 : 0);
}

QString ms(double v)
{
    if (v <= 0)
        return QStringLiteral("0 ms");
    return QString::number(v, 'f', v < 1 ? 3 : v < 100 ? 2 : 0) + QStringLiteral(" ms");
}

// Draws one of the window's charts in the text flow: Qt Charts paints its
// scene into the PDF's painter, so the chart stays vector.
class ChartObject : public QObject, public QTextObjectInterface
{
    Q_OBJECT
    Q_INTERFACES(QTextObjectInterface)
public:
    ChartObject(QList<ChartPanel*> charts, double width, QObject* parent)
        : QObject(parent)
        , m_charts(std::move(charts))
        , m_width(width)
    {
    }
    QSizeF intrinsicSize(QTextDocument*, int, const QTextFormat&) override
    {
        return QSizeF(m_width, m_width * kChartAspect);
    }
    void drawObject(QPainter* painter, const QRectF& rect, QTextDocument*, int, const QTextFormat& format) override
    {
        const int i = format.property(kChartIndex).toInt();
        if (i >= 0 && i < m_charts.size())
            m_charts[i]->renderInto(painter, rect);
    }

private:
    QList<ChartPanel*> m_charts;
    double m_width;
};

} // namespace

QString ReportWriter::headHtml() const
{
    const LabReport& r = m_report;
    QString h;
    h += QStringLiteral("<h1>ClusterLab report</h1>\n");
    h += QStringLiteral("<p>%1, on <b>%2</b>.</p>\n")
             .arg(esc(r.taken.toString(QStringLiteral("yyyy-MM-dd HH:mm"))), esc(r.machine.oneLine()));
    h += QStringLiteral("<h2>Settings</h2>\n<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">");
    const auto kv = [&h](const QString& k, const QString& v) {
        h += QStringLiteral("<tr><th align=\"left\">%1</th><td>%2</td></tr>").arg(esc(k), esc(v));
    };
    kv(QStringLiteral("Machine"), QStringLiteral("%1, %2 cores, %3 (%4)").arg(r.machine.cpuModel).arg(r.machine.cores).arg(r.machine.os, r.machine.kernel));
    kv(QStringLiteral("Qt, build"), r.machine.qtVersion + QStringLiteral(", ") + r.machine.buildType);
    if (r.clusterUrl.isEmpty()) {
        kv(QStringLiteral("Cluster"), QStringLiteral("not running"));
    } else {
        kv(QStringLiteral("Cluster"), QStringLiteral("%1, %2, %3 workers").arg(r.clusterUrl, r.policy).arg(r.workers));
        kv(QStringLiteral("Each worker"), QStringLiteral("%1 pool threads, at most %2 child tasks").arg(r.poolThreads).arg(r.maxChildren));
    }
    if (r.hasLoad) {
        QStringList routes;
        for (const RouteWeight& w : r.load.routes)
            routes << QString::fromLatin1(w.path) + QLatin1Char(':') + QString::number(w.weight);
        kv(QStringLiteral("Last load test"),
           QStringLiteral("%1 connections, %2, %3, routes %4")
               .arg(r.load.connections)
               .arg(r.load.keepAlive ? QStringLiteral("keep-alive") : QStringLiteral("a new connection per request"),
                    r.load.rate > 0 ? QStringLiteral("%1 requests/s").arg(r.load.rate) : QStringLiteral("as fast as it can"),
                    routes.join(QStringLiteral(", "))));
        kv(QStringLiteral("Its seed"), QString::number(r.loadSummary.seed));
        const LoadSummary& s = r.loadSummary;
        kv(QStringLiteral("Its result"),
           QStringLiteral("%1 sent, %2 failed, %3 requests/s over %4 s; latency p50 %5, p99 %6, max %7")
               .arg(count(s.sent), count(s.failed), count(static_cast<std::int64_t>(s.requestsPerSecond)),
                    QString::number(static_cast<double>(s.durationNs) / 1e9, 'f', 1), ms(s.latency.percentileMs(50)),
                    ms(s.latency.percentileMs(99)), ms(s.latency.maxMs())));
    }
    h += QStringLiteral("</table>\n");
    return h;
}

QString ReportWriter::tablesHtml() const
{
    const LabReport& r = m_report;
    QString h;
    h += QStringLiteral("<h2>Per route</h2>\n");
    if (!r.snapshot) {
        h += QStringLiteral("<p>No telemetry: no request was recorded.</p>\n");
    } else {
        h += QStringLiteral("<p>Latency in milliseconds, from the request's headers to its response written, as the "
                            "worker saw it; then the mean time of each part.</p>\n<table border=\"1\" cellspacing=\"0\" "
                            "cellpadding=\"3\" width=\"100%\"><tr><th>route</th><th>requests</th><th>p50</th><th>p90</th>"
                            "<th>p99</th><th>max</th><th>queue</th><th>compute</th><th>spawn</th><th>transport</th></tr>\n");
        for (int i = 0; i < kRouteCount; ++i) {
            const HdrHistogram& l = r.snapshot->latencyAll[static_cast<std::size_t>(i)];
            if (l.totalCount() == 0)
                continue;
            const auto& b = r.snapshot->breakdownMs[static_cast<std::size_t>(i)];
            h += QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td><td align=\"right\">%3</td><td align=\"right\">%4</td>"
                                "<td align=\"right\">%5</td><td align=\"right\">%6</td><td align=\"right\">%7</td>"
                                "<td align=\"right\">%8</td><td align=\"right\">%9</td><td align=\"right\">%10</td></tr>\n")
                     .arg(esc(QString::fromLatin1(routeName(static_cast<RouteId>(i)))), count(l.totalCount()),
                          num(l.percentileMs(50)), num(l.percentileMs(90)), num(l.percentileMs(99)),
                          num(l.maxMs()), num(b[0]), num(b[1]), num(b[2]))
                     .arg(num(b[3]));
        }
        h += QStringLiteral("</table>\n");
    }
    h += QStringLiteral("<h2>Per worker</h2>\n");
    if (r.workerRows.isEmpty()) {
        h += QStringLiteral("<p>No worker.</p>\n");
    } else {
        h += QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" width=\"100%\"><tr>");
        for (const QString& c : r.workerHeader)
            h += QStringLiteral("<th>%1</th>").arg(esc(c));
        h += QStringLiteral("</tr>\n");
        for (const QStringList& row : r.workerRows) {
            h += QStringLiteral("<tr>");
            for (const QString& c : row)
                h += QStringLiteral("<td align=\"right\">%1</td>").arg(esc(c));
            h += QStringLiteral("</tr>\n");
        }
        h += QStringLiteral("</table>\n");
    }
    if (r.experiments != nullptr) {
        h += QStringLiteral("<h2>Experiments: the seed's table, measured</h2>\n<p>%1, %2 s.</p>\n")
                 .arg(esc(r.experiments->started.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"))))
                 .arg(QString::number(r.experiments->seconds, 'f', 0));
        h += experiment::verdictTableHtml(r.experiments->verdicts, false);
    }
    if (!r.comparisonHtml.isEmpty()) {
        h += QStringLiteral("<h2>Two sessions compared</h2>\n") + r.comparisonHtml
            + QStringLiteral("<p>Its three charts (percentiles, throughput, requests per worker) follow the lab's.</p>\n");
    }
    h += QStringLiteral("<h2>Charts</h2>\n");
    return h;
}

QString ReportWriter::html() const
{
    QString h = QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ClusterLab report</title>\n"
                               "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
                               "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:4px 8px}"
                               "th{background:#f0f0f0}svg{max-width:100%;height:auto}</style></head><body>\n");
    h += headHtml() + tablesHtml();
    for (ChartPanel* c : m_report.charts) {
        const QByteArray svg = c->svg(QSize(900, static_cast<int>(900 * kChartAspect)));
        // The generator's XML declaration does not belong inside a page.
        const qsizetype start = svg.indexOf("<svg");
        h += QStringLiteral("<figure>\n") + QString::fromUtf8(start >= 0 ? svg.mid(start) : svg) + QStringLiteral("</figure>\n");
    }
    h += QStringLiteral("</body></html>\n");
    return h;
}

bool ReportWriter::writePdf(const QString& path, QString* error) const
{
    PdfDocument pdf(path, QStringLiteral("ClusterLab report"));
    QTextDocument& doc = pdf.document();
    doc.documentLayout()->registerHandler(kChartObject, new ChartObject(m_report.charts, pdf.page().width() * 0.95, &doc));
    QTextCursor cursor(&doc);
    cursor.insertHtml(headHtml());
    cursor.insertHtml(tablesHtml());
    for (int i = 0; i < m_report.charts.size(); ++i) {
        QTextCharFormat chart;
        chart.setProperty(kChartIndex, i);
        PdfDocument::insertObject(cursor, chart, kChartObject);
    }
    return pdf.print(error);
}

QString ReportWriter::write(const QString& path) const
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QFileInfo(dir).isDir() || !QFileInfo(dir).isWritable())
        return QStringLiteral("could not write %1: no such folder, or not writable").arg(path);
    if (QFileInfo(path).suffix().compare(QLatin1String("html"), Qt::CaseInsensitive) == 0
        || QFileInfo(path).suffix().compare(QLatin1String("htm"), Qt::CaseInsensitive) == 0) {
        QSaveFile f(path);
        const QByteArray bytes = html().toUtf8();
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
            return QStringLiteral("could not write %1: %2").arg(path, f.errorString());
        return {};
    }
    QString error;
    return writePdf(path, &error) ? QString() : error;
}

} // namespace clusterlab

#include "reportwriter.moc"
