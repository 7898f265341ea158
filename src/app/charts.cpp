// SPDX-License-Identifier: GPL-3.0-or-later
#include "charts.h"

#include "cluster/clusterfeed.h"
#include "colors.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QStackedBarSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace clusterlab {

double niceStep(double span, int ticks)
{
    if (!(span > 0) || ticks < 1)
        return 1;
    const double raw = span / ticks;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : { 1.0, 2.0, 5.0 }) {
        if (raw <= m * p * (1 + 1e-9))
            return m * p;
    }
    return 10 * p;
}

QString labelFormatFor(double step)
{
    if (step >= 1)
        return QStringLiteral("%.0f");
    const int decimals = std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    return QStringLiteral("%.") + QString::number(decimals) + QStringLiteral("f");
}

void setAxisTicks(QValueAxis* axis, double lo, double hi, double step)
{
    // Qt Charts lays out the ticks after each setter: a wide range with the
    // old, fine interval would make (and then drop) one label per tick —
    // 80,000 of them when requests/s jump from 0 to 80k, a second's stall.
    // So the interval changes first when it grows, last when it shrinks.
    // And a setter called with the value the axis has lays the whole chart
    // out again all the same (every label measured): each is called only
    // for a change, so that a refresh that moves nothing costs nothing.
    if (axis->tickType() != QValueAxis::TicksDynamic)
        axis->setTickType(QValueAxis::TicksDynamic);
    if (axis->tickAnchor() != 0)
        axis->setTickAnchor(0);
    const bool coarser = step > axis->tickInterval();
    if (coarser)
        axis->setTickInterval(step);
    if (axis->min() != lo || axis->max() != hi)
        axis->setRange(lo, hi);
    if (!coarser && axis->tickInterval() != step)
        axis->setTickInterval(step);
    const QString format = labelFormatFor(step);
    if (axis->labelFormat() != format)
        axis->setLabelFormat(format);
}

void addPercentileAxes(QChart* chart, QLogValueAxis** x, QValueAxis** y)
{
    *x = new QLogValueAxis;
    (*x)->setBase(10);
    (*x)->setTitleText(QObject::tr("1/(1-p)"));
    (*x)->setLabelFormat(QStringLiteral("%g"));
    (*x)->setRange(1, 10000);
    *y = new QValueAxis;
    (*y)->setTitleText(QObject::tr("ms"));
    chart->addAxis(*x, Qt::AlignBottom);
    chart->addAxis(*y, Qt::AlignLeft);
}

QList<QPointF> percentileCurve(const HdrHistogram& h, double* maxY)
{
    static const double ps[] = { 0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
    QList<QPointF> points;
    if (h.totalCount() == 0)
        return points;
    for (double p : ps) {
        const double y = h.percentileMs(p);
        points.append(QPointF(1.0 / (1.0 - p / 100.0), y));
        *maxY = std::max(*maxY, y);
    }
    return points;
}

void setNiceAxis(QValueAxis* axis, double maxValue, bool integerValues)
{
    double step = niceStep(maxValue > 0 ? maxValue : 1, 4);
    if (integerValues)
        step = std::max(1.0, std::round(step)); // counts: never a tick between two integers
    const double top = std::max(step, std::ceil(maxValue / step - 1e-9) * step);
    setAxisTicks(axis, 0, top, step);
}

namespace {

const int kChartRoutes[] = { int(RouteId::Root), int(RouteId::Main), int(RouteId::Worker), int(RouteId::Child),
                             int(RouteId::Healthz), int(RouteId::Other) };

QString routeLabel(int route)
{
    return QString::fromLatin1(routeName(static_cast<RouteId>(route)));
}

// Keeps a series to a few thousand points: every k-th point when longer.
QList<QPointF> decimate(const QList<QPointF>& points, int maxPoints = 1500)
{
    if (points.size() <= maxPoints)
        return points;
    QList<QPointF> out;
    out.reserve(maxPoints + 1);
    const double step = static_cast<double>(points.size()) / maxPoints;
    for (int i = 0; i < maxPoints; ++i)
        out.append(points[static_cast<qsizetype>(i * step)]);
    out.append(points.constLast());
    return out;
}

// The last `window` seconds (at least 10 s shown), ticks at a round step.
void setTimeRange(QValueAxis* x, double now, double window = 120)
{
    // Up to the window, the axis starts at 0 and grows; then it slides. It
    // moves in steps of half a tick, not at every refresh: each move lays
    // the chart out again (Qt Charts measures every label), which at 10 Hz
    // on three charts was the window's largest cost under a load test.
    const double span = std::clamp(now, 10.0, std::max(10.0, window));
    const double quantum = niceStep(span, 5) / 2;
    const double hi = std::max(10.0, std::ceil(now / quantum - 1e-9) * quantum);
    const double lo = now <= window ? 0.0 : std::max(0.0, hi - window);
    const double top = std::max(lo + 10.0, hi);
    setAxisTicks(x, lo, top, niceStep(top - lo, 5));
}

} // namespace

// ---------------------------------------------------------------- routing

RoutingChart::RoutingChart(QWidget* parent)
    : ChartPanel(tr("Routing: requests per worker"),
                 tr("Which worker served what, by route. With round-robin and a new connection per request the "
                    "bars are level; with keep-alive each connection sticks to one worker, so a few busy "
                    "connections make uneven bars — the unit of balancing is the connection, not the request."),
                 parent)
{
    m_values = new QValueAxis;
    m_values->setTitleText(tr("requests"));
    m_chart->addAxis(m_values, Qt::AlignLeft);
    m_categories = new QBarCategoryAxis;
    m_chart->addAxis(m_categories, Qt::AlignBottom);
}

void RoutingChart::rebuild(int workers)
{
    m_chart->removeAllSeries();
    m_sets.clear();
    m_series = new QStackedBarSeries;
    for (int route : kChartRoutes) {
        auto* set = new QBarSet(routeLabel(route));
        set->setColor(routeColor(route));
        for (int i = 0; i < workers; ++i)
            set->append(0);
        m_series->append(set);
        m_sets.append(set);
    }
    m_chart->addSeries(m_series);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_values);
    m_workers = workers;
    m_connSeries = nullptr;
    m_connSet = nullptr;
}

void RoutingChart::refresh(const ChartFeed& feed)
{
    if (m_byConnection) {
        // The last load test, by server connection: one bar per (pid, connection).
        if (!m_showingConnections) {
            m_chart->removeAllSeries();
            m_sets.clear();
            m_series = nullptr;
            m_workers = -1;
            m_connSeries = new QBarSeries;
            m_connSet = new QBarSet(tr("requests on this connection"));
            m_connSeries->append(m_connSet);
            m_chart->addSeries(m_connSeries);
            m_connSeries->attachAxis(m_categories);
            m_connSeries->attachAxis(m_values);
            m_showingConnections = true;
        }
        QList<QPair<QPair<qint64, quint64>, qint64>> items;
        for (auto it = feed.loadTestConnections.cbegin(); it != feed.loadTestConnections.cend(); ++it)
            items.append({ it.key(), it.value() });
        std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        if (items.size() > 40)
            items = items.mid(0, 40);
        QStringList labels;
        QList<qreal> values;
        double maxValue = 0;
        for (const auto& item : items) {
            labels << QStringLiteral("%1:%2").arg(item.first.first).arg(item.first.second);
            values << static_cast<qreal>(item.second);
            maxValue = std::max(maxValue, static_cast<double>(item.second));
        }
        m_connSet->remove(0, m_connSet->count());
        m_connSet->append(values);
        m_categories->setCategories(labels);
        setNiceAxis(m_values, maxValue, true);
        setEmpty(!(maxValue > 0));
        return;
    }
    const int workers = static_cast<int>(feed.workers.size());
    if (m_showingConnections || workers != m_workers) {
        m_showingConnections = false;
        rebuild(workers);
    }
    QStringList labels;
    for (const Engine::WorkerInfo& w : feed.workers)
        labels << QStringLiteral("w%1 (%2)").arg(w.index).arg(w.pid);
    if (m_categories->categories() != labels)
        m_categories->setCategories(labels);
    double maxTotal = 0;
    for (int i = 0; i < workers; ++i) {
        double total = 0;
        const auto counts = feed.snapshot ? feed.snapshot->counts.value(feed.workers[i].index)
                                          : std::array<std::array<std::uint64_t, 4>, kRouteCount> {};
        for (int k = 0; k < m_sets.size(); ++k) {
            double v = 0;
            for (std::uint64_t c : counts[static_cast<std::size_t>(kChartRoutes[k])])
                v += static_cast<double>(c);
            if (m_sets[k]->at(i) != v)
                m_sets[k]->replace(i, v);
            total += v;
        }
        maxTotal = std::max(maxTotal, total);
    }
    setNiceAxis(m_values, maxTotal, true);
    setEmpty(!(maxTotal > 0));
}

double RoutingChart::total() const
{
    double sum = 0;
    for (const QBarSet* set : m_sets) {
        for (int i = 0; i < set->count(); ++i)
            sum += set->at(i);
    }
    return sum;
}

// ---------------------------------------------------------------- time series

TimeSeriesChart::TimeSeriesChart(const QString& title, const QString& explanation, const QString& unit,
                                 bool integerValues, Source source, QWidget* parent)
    : ChartPanel(title, explanation, parent)
    , m_source(std::move(source))
    , m_integerValues(integerValues)
{
    m_x = new QValueAxis;
    m_x->setTitleText(tr("s"));
    m_y = new QValueAxis;
    m_y->setTitleText(unit);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    setTimeRange(m_x, 0);
    setNiceAxis(m_y, 0, integerValues);
}

void TimeSeriesChart::refresh(const ChartFeed& feed)
{
    const QList<Line> lines = m_source(feed);
    // Lines keep their place (and colour) while listed; a line no longer
    // listed leaves, a new one joins at its place in the source's order.
    bool sameKeys = lines.size() == m_series.size();
    for (qsizetype i = 0; sameKeys && i < lines.size(); ++i)
        sameKeys = lines[i].key == m_series[i].first;
    if (!sameKeys) {
        QHash<int, QLineSeries*> old;
        for (const auto& [key, series] : std::as_const(m_series))
            old.insert(key, series);
        QList<QPair<int, QLineSeries*>> next;
        for (const Line& line : lines) {
            QLineSeries* s = old.take(line.key);
            if (s == nullptr) {
                s = new QLineSeries;
                s->setName(line.name);
                s->setColor(line.color);
                m_chart->addSeries(s);
                s->attachAxis(m_x);
                s->attachAxis(m_y);
            }
            next.append({ line.key, s });
        }
        for (QLineSeries* gone : std::as_const(old)) {
            m_chart->removeSeries(gone);
            delete gone;
        }
        m_series = next;
    }
    double maxY = 0;
    const double from = feed.nowSeconds - feed.timeWindowSeconds;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        m_series[i].second->replace(decimate(lines[i].points));
        for (const QPointF& p : lines[i].points) {
            if (p.x() >= from)
                maxY = std::max(maxY, p.y());
        }
    }
    setTimeRange(m_x, feed.nowSeconds, feed.timeWindowSeconds);
    setNiceAxis(m_y, maxY, m_integerValues);
    // Nothing to show: no line at zero under the notice that says so.
    if (!(maxY > 0)) {
        for (const auto& entry : std::as_const(m_series))
            entry.second->clear();
    }
    setEmpty(!(maxY > 0));
}

int TimeSeriesChart::pointCount() const
{
    int points = 0;
    for (const auto& entry : m_series)
        points += entry.second->count();
    return points;
}

QStringList TimeSeriesChart::lineNames() const
{
    QStringList names;
    for (const auto& entry : m_series)
        names << entry.second->name();
    return names;
}

namespace {
// One line per worker of the feed, from a per-worker history.
QList<TimeSeriesChart::Line> perWorker(const ChartFeed& feed, const QHash<int, QList<QPointF>>& history)
{
    QList<TimeSeriesChart::Line> lines;
    for (const Engine::WorkerInfo& w : feed.workers)
        lines.append({ w.index, QStringLiteral("w%1").arg(w.index), workerColor(w.index), history.value(w.index) });
    return lines;
}
} // namespace

TimeSeriesChart* TimeSeriesChart::latencyTimeline(QWidget* parent)
{
    return new TimeSeriesChart(
        tr("Latency over time (p99, last 10 s)"),
        tr("Server-side latency per route, from the head of the request to its response. /main "
           "climbs for every route when one computation blocks a worker's event loop; /worker and "
           "/child keep the other routes fast."),
        tr("ms"), false,
        [](const ChartFeed& feed) {
            QList<Line> lines;
            for (int route : kChartRoutes)
                lines.append({ route, routeLabel(route), routeColor(route), feed.latencyP99[static_cast<std::size_t>(route)] });
            return lines;
        },
        parent);
}

TimeSeriesChart* TimeSeriesChart::throughput(QWidget* parent)
{
    return new TimeSeriesChart(
        tr("Throughput per worker"),
        tr("Responses per second from each worker. Under a load test the lines show how evenly the "
           "policy spreads connections; a worker that stops (killed, restarting) drops to zero while "
           "the others take its share."),
        tr("req/s"), true, [](const ChartFeed& feed) { return perWorker(feed, feed.throughput); }, parent);
}

TimeSeriesChart* TimeSeriesChart::eventLoopLag(QWidget* parent)
{
    return new TimeSeriesChart(
        tr("Event-loop lag per worker"),
        tr("How late each worker's 10 ms timer fired, worst per 100 ms (like Node's "
           "monitorEventLoopDelay). A /main computation blocks its worker's loop: that worker's line "
           "jumps by the computation's length while the others stay near zero."),
        tr("ms"), false, [](const ChartFeed& feed) { return perWorker(feed, feed.lagMs); }, parent);
}

// ---------------------------------------------------------------- percentiles

PercentileChart::PercentileChart(QWidget* parent)
    : ChartPanel(tr("Latency percentiles per route"),
                 tr("The whole run's latency distribution (HDR style): x is 1/(1-p), so 10 is p90, 100 is "
                    "p99, 1000 is p99.9. A flat line is a predictable route; a line that shoots up at the "
                    "right is a route with a tail — look at /main while other requests queue behind it."),
                 parent)
{
    addPercentileAxes(m_chart, &m_x, &m_y);
    for (int route : kChartRoutes) {
        auto* s = new QLineSeries;
        s->setName(routeLabel(route));
        s->setColor(routeColor(route));
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        m_series.append(s);
    }
}

void PercentileChart::refresh(const ChartFeed& feed)
{
    if (!feed.snapshot)
        return;
    double maxY = 0;
    for (int k = 0; k < m_series.size(); ++k)
        m_series[k]->replace(percentileCurve(feed.snapshot->latencyAll[static_cast<std::size_t>(kChartRoutes[k])], &maxY));
    setNiceAxis(m_y, maxY, false);
    setEmpty(!(maxY > 0));
}

// ---------------------------------------------------------------- breakdown

BreakdownChart::BreakdownChart(QWidget* parent)
    : ChartPanel(tr("Where the time goes, per route (mean ms)"),
                 tr("Queue: waiting for the loop, a pool thread or a task slot. Compute: fib itself. Spawn: "
                    "starting and reaping the child process. Transport: the rest, up to the response being "
                    "written. /child pays spawn on every request; /worker pays a hand-off; /main pays nothing "
                    "but blocks everyone else."),
                 parent)
{
    m_series = new QStackedBarSeries;
    const QStringList names { tr("queue"), tr("compute"), tr("spawn"), tr("transport") };
    const QColor colors[] = { QColor(0xff, 0xbb, 0x78), QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28),
                              QColor(0x98, 0xdf, 0x8a) };
    for (int k = 0; k < 4; ++k) {
        auto* set = new QBarSet(names[k]);
        set->setColor(colors[k]);
        m_series->append(set);
        m_parts.append(set);
    }
    m_chart->addSeries(m_series);
    m_categories = new QBarCategoryAxis;
    m_values = new QValueAxis;
    m_values->setTitleText(tr("ms"));
    m_chart->addAxis(m_categories, Qt::AlignBottom);
    m_chart->addAxis(m_values, Qt::AlignLeft);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_values);
}

void BreakdownChart::refresh(const ChartFeed& feed)
{
    if (feed.seenFromOutside != m_outside) {
        // A server the lab did not start says nothing of its own times: the
        // client's whole time would read as transport. Unavailable, not zero.
        m_outside = feed.seenFromOutside;
        setEmptyHint(m_outside ? tr("Not available for a server the lab did not start: its own times (queue, "
                                    "compute, spawn) cannot be seen from outside. The latency charts show the "
                                    "client's side.")
                               : QString());
    }
    if (m_outside) {
        for (QBarSet* set : std::as_const(m_parts))
            set->remove(0, set->count());
        m_categories->setCategories({});
        setNiceAxis(m_values, 0, false);
        setEmpty(true);
        return;
    }
    if (!feed.snapshot)
        return;
    QStringList labels;
    QList<QList<qreal>> values(4);
    double maxTotal = 0;
    for (int route : kChartRoutes) {
        if (feed.snapshot->latencyAll[static_cast<std::size_t>(route)].totalCount() == 0)
            continue;
        labels << routeLabel(route);
        double total = 0;
        for (int k = 0; k < 4; ++k) {
            const double v = feed.snapshot->breakdownMs[static_cast<std::size_t>(route)][static_cast<std::size_t>(k)];
            values[k].append(v);
            total += v;
        }
        maxTotal = std::max(maxTotal, total);
    }
    for (int k = 0; k < 4; ++k) {
        m_parts[k]->remove(0, m_parts[k]->count());
        m_parts[k]->append(values[k]);
    }
    if (m_categories->categories() != labels)
        m_categories->setCategories(labels);
    setNiceAxis(m_values, maxTotal, false);
    setEmpty(!(maxTotal > 0));
}

} // namespace clusterlab
