// SPDX-License-Identifier: GPL-3.0-or-later
#include "comparisonview.h"

#include "csv.h"

#include "cluster/clusterfeed.h"
#include "colors.h"
#include "chartgrid.h"
#include "charts.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QSaveFile>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace clusterlab {

namespace {

// A route's colour by its name ("/main?n=30" is a /main).
QColor colorOfRoute(const QString& route)
{
    const QString path = route.section(QLatin1Char('?'), 0, 0);
    for (int r = 0; r < kRouteCount; ++r) {
        if (path == QLatin1String(routeName(static_cast<RouteId>(r))))
            return routeColor(r);
    }
    return routeColor(static_cast<int>(RouteId::Other));
}

QString ratioText(double r)
{
    return r > 0 ? QStringLiteral("%1×").arg(r, 0, 'f', r < 10 ? 2 : 1) : QStringLiteral("—");
}

QString msText(double v)
{
    return QString::number(v, 'f', v < 1 ? 3 : v < 100 ? 2 : 0);
}

// Total responses per second of a session (server side, else client side).
QList<QPointF> totalThroughput(const SessionSummary& s)
{
    if (s.measuredByClient())
        return s.clientThroughput;
    std::map<double, double> sum;
    for (auto it = s.throughput.cbegin(); it != s.throughput.cend(); ++it) {
        for (const QPointF& p : it.value())
            sum[p.x()] += p.y();
    }
    QList<QPointF> out;
    for (const auto& [x, y] : sum)
        out.append(QPointF(x, y));
    // Seconds from the first request, so that two runs line up.
    if (!out.isEmpty()) {
        const double first = out.constFirst().x() - 1;
        for (QPointF& p : out)
            p.setX(p.x() - first);
    }
    return out;
}

} // namespace

ComparisonView::ComparisonView(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_heading = new QLabel(this);
    m_heading->setObjectName(QStringLiteral("comparisonHeading"));
    m_heading->setWordWrap(true);
    m_heading->setTextFormat(Qt::RichText);
    layout->addWidget(m_heading);
    m_table = new QTableWidget(this);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8); // compact rows: the charts follow
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_table);
    m_grid = new ChartGrid(this);
    m_charts = { new ComparisonPercentileChart(m_grid), new ComparisonThroughputChart(m_grid), new ComparisonRoutingChart(m_grid) };
    m_grid->setCharts({ m_charts.begin(), m_charts.end() });
    layout->addWidget(m_grid, 1);
}

void ComparisonView::setSessions(std::shared_ptr<const SessionSummary> a, std::shared_ptr<const SessionSummary> b)
{
    auto runs = std::make_shared<ComparedRuns>();
    runs->a = { a };
    runs->b = { b };
    runs->stats = RunComparison::of({ a.get() }, { b.get() });
    setRuns(std::move(runs));
}

void ComparisonView::setRuns(std::shared_ptr<const ComparedRuns> runs)
{
    if (!runs || runs->a.isEmpty() || runs->b.isEmpty())
        return;
    m_runs = std::move(runs);
    m_a = m_runs->a.constFirst();
    m_b = m_runs->b.constFirst();
    m_comparison = SessionComparison::of(*m_a, *m_b);
    m_stats = m_runs->stats;
    const bool several = m_runs->a.size() > 1 || m_runs->b.size() > 1;
    auto side = [](bool byClient) { return byClient ? tr("measured by the load generator") : tr("measured by the workers"); };
    auto sideText = [&](const RunComparison::Side& s, const QString& title, bool byClient) {
        if (s.runs <= 1)
            return tr("%1 — %2").arg(title.toHtmlEscaped(), side(byClient));
        return tr("%1 runs, %2 requests — %3 — %4")
            .arg(s.runs)
            .arg(QLocale().toString(static_cast<qulonglong>(s.requests)))
            .arg(s.titles.join(QStringLiteral("; ")).toHtmlEscaped(), side(s.byClient));
    };
    m_heading->setText(tr("<b>A</b> (solid): %1<br><b>B</b> (dashed): %2<br>Ratios are B/A with their 95% "
                          "interval; <b>~</b> where the interval includes 1 (no difference shown at 95%). Below 1 means B is "
                          "faster (latency) or slower (requests/s).%3<br><small>%4.</small>")
                           .arg(sideText(m_stats.a, m_comparison.aTitle, m_comparison.aByClient),
                                sideText(m_stats.b, m_comparison.bTitle, m_comparison.bByClient),
                                several ? tr(" The table pools each side's runs; the charts draw the first run of each.") : QString(),
                                m_stats.method.toHtmlEscaped()));
    // One row per route and measure: five columns fit any width the
    // window gives this tab (twelve did not).
    const QStringList header { tr("route"), tr("measure"), tr("A"), tr("B"), tr("B/A (95%)") };
    struct Line
    {
        QString route, measure, a, b, ratio;
        std::optional<RatioInterval> interval;
        QString fullRoute;
    };
    QList<Line> lines;
    // In the table "~" and "n/a" alone (the whole text is the cell's
    // tooltip), so that a ratio with its interval fits its column.
    auto cell = [](const RatioInterval& i) {
        switch (i.verdict) {
        case RatioInterval::Verdict::NotComparable:
            return tr("n/a");
        case RatioInterval::Verdict::NoDifference:
            return QStringLiteral("~");
        case RatioInterval::Verdict::Differs:
            break;
        }
        return i.text();
    };
    auto countRatio = [](quint64 a, quint64 b) {
        return ratioText(a > 0 && b > 0 ? static_cast<double>(b) / static_cast<double>(a) : 0);
    };
    if (several) {
        // Each side's runs pooled: requests in all, percentiles of all, mean req/s.
        for (const RunComparison::Route& r : std::as_const(m_stats.routes)) {
            lines.append({ r.route, tr("requests"), QString::number(r.aCount), QString::number(r.bCount),
                           countRatio(r.aCount, r.bCount), std::nullopt, r.route });
            lines.append({ QString(), tr("p50 ms"), msText(r.aP50), msText(r.bP50), cell(r.p50), r.p50, r.route });
            lines.append({ QString(), tr("p99 ms"), msText(r.aP99), msText(r.bP99), cell(r.p99), r.p99, r.route });
            lines.append({ QString(), tr("req/s"), QString::number(r.aRps, 'f', 0), QString::number(r.bRps, 'f', 0),
                           cell(r.throughput), r.throughput, r.route });
        }
    }
    for (const SessionComparison::Row& r : m_comparison.rows) {
        if (several)
            break;
        RunComparison::Route stats;
        for (const RunComparison::Route& s : std::as_const(m_stats.routes)) {
            if (s.route == r.route)
                stats = s;
        }
        lines.append({ r.route, tr("requests"), QString::number(r.a.count), QString::number(r.b.count),
                       countRatio(static_cast<quint64>(r.a.count), static_cast<quint64>(r.b.count)), std::nullopt, r.route });
        lines.append({ QString(), tr("p50 ms"), msText(r.a.p50Ms), msText(r.b.p50Ms), cell(stats.p50), stats.p50, r.route });
        lines.append({ QString(), tr("p99 ms"), msText(r.a.p99Ms), msText(r.b.p99Ms), cell(stats.p99), stats.p99, r.route });
        // Mean requests per whole second; a run shorter than that: count ÷ duration.
        lines.append({ QString(), tr("req/s"), QString::number(stats.aRps > 0 ? stats.aRps : r.a.requestsPerSecond, 'f', 0),
                       QString::number(stats.bRps > 0 ? stats.bRps : r.b.requestsPerSecond, 'f', 0), cell(stats.throughput),
                       stats.throughput, r.route });
    }
    m_rowIntervals.clear();
    m_table->clear();
    m_table->setColumnCount(static_cast<int>(header.size()));
    m_table->setHorizontalHeaderLabels(header);
    m_table->setRowCount(static_cast<int>(lines.size()));
    for (int i = 0; i < lines.size(); ++i) {
        m_rowIntervals.append(lines[i].interval);
        const QStringList cells { lines[i].route, lines[i].measure, lines[i].a, lines[i].b, lines[i].ratio };
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setData(Qt::TextAlignmentRole, c < 2 ? int(Qt::AlignLeft | Qt::AlignVCenter) : int(Qt::AlignRight | Qt::AlignVCenter));
            if (c == 0)
                item->setToolTip(lines[i].fullRoute);
            if (c == 4 && lines[i].interval)
                item->setToolTip(lines[i].interval->text());
            m_table->setItem(i, c, item);
        }
    }
    // The B/A column as wide as its widest ratio and interval; the others share the rest.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(4, QHeaderView::ResizeToContents);
    m_table->setFixedHeight(m_table->horizontalHeader()->height() + 2 * m_table->frameWidth()
                            + m_table->verticalHeader()->defaultSectionSize() * std::max(1, m_table->rowCount()) + 4);
    static_cast<ComparisonPercentileChart*>(m_charts[0])->setData(m_comparison);
    static_cast<ComparisonThroughputChart*>(m_charts[1])->setData(*m_a, *m_b);
    static_cast<ComparisonRoutingChart*>(m_charts[2])->setData(*m_a, *m_b);
}

QString ComparisonView::tableHtml() const
{
    auto title = [](const RunComparison::Side& s, const QString& first) {
        return s.runs > 1 ? tr("%1 runs: %2").arg(s.runs).arg(s.titles.join(QStringLiteral("; "))) : first;
    };
    QString h = QStringLiteral("<p>A: %1<br>B: %2</p>\n<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr>")
                    .arg(title(m_stats.a, m_comparison.aTitle).toHtmlEscaped(), title(m_stats.b, m_comparison.bTitle).toHtmlEscaped());
    for (int c = 0; c < m_table->columnCount(); ++c)
        h += QStringLiteral("<th>%1</th>").arg(m_table->horizontalHeaderItem(c)->text().toHtmlEscaped());
    h += QStringLiteral("</tr>\n");
    for (int r = 0; r < m_table->rowCount(); ++r) {
        h += QStringLiteral("<tr>");
        for (int c = 0; c < m_table->columnCount(); ++c)
            h += QStringLiteral("<td align=\"%1\">%2</td>").arg(c == 0 ? QStringLiteral("left") : QStringLiteral("right"),
                                                                m_table->item(r, c)->text().toHtmlEscaped());
        h += QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</table>\n");
}

QByteArray ComparisonView::tableCsv() const
{
    // RFC 4180; the B/A column as numbers: the ratio, its 95% interval and
    // what it says (differs, no-difference, not-comparable).
    QByteArray csv = "route,measure,A,B,B_over_A,low_95,high_95,verdict\n";
    for (int r = 0; r < m_table->rowCount(); ++r) {
        const std::optional<RatioInterval>& interval = m_rowIntervals.value(r);
        QString ratio = m_table->item(r, 4)->text();
        QString low, high, verdict;
        if (interval) {
            static const char* const verdicts[] = { "not-comparable", "no-difference", "differs" };
            verdict = QLatin1String(verdicts[static_cast<int>(interval->verdict)]);
            const bool known = interval->verdict != RatioInterval::Verdict::NotComparable;
            ratio = known ? QString::number(interval->ratio, 'f', 3) : QString();
            low = known ? QString::number(interval->low, 'f', 3) : QString();
            high = known ? QString::number(interval->high, 'f', 3) : QString();
        } else {
            ratio.remove(QStringLiteral("×"));
            if (ratio == QStringLiteral("—"))
                ratio.clear();
        }
        const QStringList cells { m_table->item(r, 0)->toolTip(), m_table->item(r, 1)->text(), m_table->item(r, 2)->text(),
                                  m_table->item(r, 3)->text(), ratio, low, high, verdict };
        for (int c = 0; c < cells.size(); ++c)
            csv += (c ? "," : "") + csvField(cells[c].toUtf8());
        csv += '\n';
    }
    return csv;
}

QString ComparisonView::exportTo(const QString& folder) const
{
    QStringList problems;
    static const char* const names[] = { "comparison-percentiles", "comparison-throughput", "comparison-routing" };
    for (int i = 0; i < m_charts.size(); ++i) {
        const QString base = QDir(folder).filePath(QLatin1String(names[i]));
        for (const QString& e : { m_charts[i]->exportPng(base + QStringLiteral(".png")),
                                  m_charts[i]->exportSvg(base + QStringLiteral(".svg")),
                                  m_charts[i]->exportPdf(base + QStringLiteral(".pdf")) }) {
            if (!e.isEmpty())
                problems << e;
        }
    }
    QSaveFile f(QDir(folder).filePath(QStringLiteral("comparison.csv")));
    const QByteArray csv = tableCsv();
    if (!f.open(QIODevice::WriteOnly) || f.write(csv) != csv.size() || !f.commit())
        problems << tr("could not write %1: %2").arg(f.fileName(), f.errorString());
    problems.removeDuplicates();
    return problems.join(QStringLiteral("; "));
}

// ---------------------------------------------------------------- charts

ComparisonPercentileChart::ComparisonPercentileChart(QWidget* parent)
    : ChartPanel(tr("Latency percentiles, A against B"),
                 tr("Each route's whole-run latency distribution in both sessions: A solid, B dashed, one colour "
                    "per route. x is 1/(1-p): 10 is p90, 100 is p99. The lower line is the faster run."),
                 parent)
{
    addPercentileAxes(m_chart, &m_x, &m_y);
    setEmptyHint(tr("compare two sessions: File → Compare with…"));
    setEmpty(true);
}

void ComparisonPercentileChart::setData(const SessionComparison& c)
{
    m_chart->removeAllSeries();
    double maxY = 0;
    for (const SessionComparison::Row& row : c.rows) {
        for (int side = 0; side < 2; ++side) {
            const SessionSummary::RouteFigures& f = side == 0 ? row.a : row.b;
            if (f.histogram == nullptr || f.count == 0)
                continue;
            auto* s = new QLineSeries;
            s->setName(QStringLiteral("%1 %2").arg(row.route, side == 0 ? QStringLiteral("A") : QStringLiteral("B")));
            s->setPen(QPen(colorOfRoute(row.route), 2, side == 0 ? Qt::SolidLine : Qt::DashLine));
            s->replace(percentileCurve(*f.histogram, &maxY));
            m_chart->addSeries(s);
            s->attachAxis(m_x);
            s->attachAxis(m_y);
        }
    }
    setNiceAxis(m_y, maxY, false);
    setEmpty(!(maxY > 0));
}

QStringList ComparisonPercentileChart::lineNames() const
{
    QStringList names;
    for (QAbstractSeries* s : m_chart->series())
        names << s->name();
    return names;
}

ComparisonThroughputChart::ComparisonThroughputChart(QWidget* parent)
    : ChartPanel(tr("Throughput, A against B"),
                 tr("Responses per second of each session, every second, from its first request: A solid, B "
                    "dashed."),
                 parent)
{
    m_x = new QValueAxis;
    m_x->setTitleText(tr("s"));
    m_y = new QValueAxis;
    m_y->setTitleText(tr("req/s"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    setEmptyHint(tr("compare two sessions: File → Compare with…"));
    setEmpty(true);
}

void ComparisonThroughputChart::setData(const SessionSummary& a, const SessionSummary& b)
{
    m_chart->removeAllSeries();
    double maxX = 10, maxY = 0;
    for (int side = 0; side < 2; ++side) {
        const QList<QPointF> points = totalThroughput(side == 0 ? a : b);
        auto* s = new QLineSeries;
        s->setName(side == 0 ? QStringLiteral("A") : QStringLiteral("B"));
        s->setPen(QPen(side == 0 ? QColor(0x1f, 0x77, 0xb4) : QColor(0xd6, 0x27, 0x28), 2, side == 0 ? Qt::SolidLine : Qt::DashLine));
        s->replace(points);
        for (const QPointF& p : points) {
            maxX = std::max(maxX, p.x());
            maxY = std::max(maxY, p.y());
        }
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    setAxisTicks(m_x, 0, std::ceil(maxX / niceStep(maxX, 5)) * niceStep(maxX, 5), niceStep(maxX, 5));
    setNiceAxis(m_y, maxY, true);
    setEmpty(!(maxY > 0));
}

ComparisonRoutingChart::ComparisonRoutingChart(QWidget* parent)
    : ChartPanel(tr("Requests per worker, A against B"),
                 tr("How each session's requests spread over its workers (server-side sessions; a load test "
                    "against a URL counts by the X-Worker-Pid its responses named)."),
                 parent)
{
    m_categories = new QBarCategoryAxis;
    m_values = new QValueAxis;
    m_values->setTitleText(tr("requests"));
    m_chart->addAxis(m_categories, Qt::AlignBottom);
    m_chart->addAxis(m_values, Qt::AlignLeft);
    setEmptyHint(tr("compare two sessions: File → Compare with…"));
    setEmpty(true);
}

void ComparisonRoutingChart::setData(const SessionSummary& a, const SessionSummary& b)
{
    m_chart->removeAllSeries();
    // Per worker slot: server counts; a client-side session, per pid seen in
    // its last load test's summary.
    auto perWorker = [](const SessionSummary& s) {
        QList<double> out;
        if (!s.measuredByClient()) {
            QList<int> workers = s.counts.keys();
            std::sort(workers.begin(), workers.end());
            for (int w : workers) {
                double total = 0;
                for (const auto& byPath : s.counts.value(w))
                    for (std::uint64_t v : byPath)
                        total += static_cast<double>(v);
                out.append(total);
            }
        } else if (!s.loadTests.isEmpty()) {
            const QJsonObject pids = s.loadTests.constLast().summary.value(QStringLiteral("perWorkerPid")).toObject();
            for (auto it = pids.begin(); it != pids.end(); ++it)
                out.append(it.value().toDouble());
            std::sort(out.begin(), out.end(), std::greater<>());
        }
        return out;
    };
    const QList<double> wa = perWorker(a), wb = perWorker(b);
    const qsizetype n = std::max(wa.size(), wb.size());
    QStringList labels;
    for (qsizetype i = 0; i < n; ++i)
        labels << QStringLiteral("w%1").arg(i);
    auto* series = new QBarSeries;
    double maxY = 0;
    for (int side = 0; side < 2; ++side) {
        auto* set = new QBarSet(side == 0 ? QStringLiteral("A") : QStringLiteral("B"));
        set->setColor(side == 0 ? QColor(0x1f, 0x77, 0xb4) : QColor(0xd6, 0x27, 0x28));
        const QList<double>& v = side == 0 ? wa : wb;
        for (qsizetype i = 0; i < n; ++i) {
            set->append(i < v.size() ? v[i] : 0);
            maxY = std::max(maxY, i < v.size() ? v[i] : 0.0);
        }
        series->append(set);
    }
    m_chart->addSeries(series);
    m_categories->setCategories(labels);
    series->attachAxis(m_categories);
    series->attachAxis(m_values);
    setNiceAxis(m_values, maxY, true);
    setEmpty(!(maxY > 0));
}

} // namespace clusterlab
