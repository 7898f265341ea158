// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chartpanel.h"

#include "telemetry/histogram.h"

#include <QHash>

#include <functional>

class QBarCategoryAxis;
class QChart;
class QBarSeries;
class QBarSet;
class QLineSeries;
class QLogValueAxis;
class QStackedBarSeries;
class QValueAxis;

namespace clusterlab {

// Axis scales a person reads at a glance: a step of 1, 2 or 5 × 10^k giving
// about `ticks` intervals over `span`; the printf format that shows it
// (no decimals from 1 up); and a value axis from 0 to a whole number of
// such steps above maxValue, ticking at each (integerValues: counts, whose
// step is never below 1).
double niceStep(double span, int ticks);
QString labelFormatFor(double step);
void setNiceAxis(QValueAxis* axis, double maxValue, bool integerValues);
// The percentile charts' axes: x = 1/(1-p) on a log scale (1 to 10,000), y
// in ms; and one route's curve from a histogram (raising *maxY).
void addPercentileAxes(QChart* chart, QLogValueAxis** x, QValueAxis** y);
QList<QPointF> percentileCurve(const HdrHistogram& h, double* maxY);
// Range and tick interval together, never passing through a state with
// thousands of ticks.
void setAxisTicks(QValueAxis* axis, double lo, double hi, double step);

// The six charts of the lab, kept together because each is only its series
// set-up and its refresh.

class RoutingChart : public ChartPanel
{
    Q_OBJECT
public:
    explicit RoutingChart(QWidget* parent = nullptr);
    void refresh(const ChartFeed& feed) override;
    void setByConnection(bool on) { m_byConnection = on; }
    bool byConnection() const { return m_byConnection; }
    // Sum of every bar drawn (by route): what tests compare with requests sent.
    double total() const;

private:
    void rebuild(int workers);
    QStackedBarSeries* m_series = nullptr;
    QList<QBarSet*> m_sets; // one per route
    QBarSeries* m_connSeries = nullptr;
    QBarSet* m_connSet = nullptr;
    QBarCategoryAxis* m_categories = nullptr;
    QValueAxis* m_values = nullptr;
    int m_workers = -1;
    bool m_byConnection = false;
    bool m_showingConnections = false;
};

// A line per worker or per route over the last two minutes. The latency
// timeline, the throughput and the event-loop lag charts are this one class
// with three data sources.
class TimeSeriesChart : public ChartPanel
{
    Q_OBJECT
public:
    struct Line
    {
        int key = 0; // worker index or route: the line's identity and colour
        QString name;
        QColor color;
        QList<QPointF> points;
    };
    // The lines to draw from a feed, in legend order. A line that stops
    // being listed (a worker scaled away) leaves the chart.
    using Source = std::function<QList<Line>(const ChartFeed&)>;

    TimeSeriesChart(const QString& title, const QString& explanation, const QString& unit, bool integerValues,
                    Source source, QWidget* parent = nullptr);
    void refresh(const ChartFeed& feed) override;
    // Names of the lines drawn, in legend order.
    // Points drawn, all lines together (none while the chart is empty).
    int pointCount() const;
    QStringList lineNames() const;

    // The three sources.
    static TimeSeriesChart* latencyTimeline(QWidget* parent = nullptr); // p99 by route, 10 s window
    static TimeSeriesChart* throughput(QWidget* parent = nullptr);      // req/s by worker
    static TimeSeriesChart* eventLoopLag(QWidget* parent = nullptr);    // worst lag per 100 ms, by worker

private:
    Source m_source;
    bool m_integerValues = false;
    QList<QPair<int, QLineSeries*>> m_series; // in legend order
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

class PercentileChart : public ChartPanel
{
    Q_OBJECT
public:
    explicit PercentileChart(QWidget* parent = nullptr);
    void refresh(const ChartFeed& feed) override;

private:
    QList<QLineSeries*> m_series; // per route
    QLogValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

class BreakdownChart : public ChartPanel
{
    Q_OBJECT
public:
    explicit BreakdownChart(QWidget* parent = nullptr);
    void refresh(const ChartFeed& feed) override;

private:
    QStackedBarSeries* m_series = nullptr;
    QList<QBarSet*> m_parts; // queue, compute, spawn, transport
    QBarCategoryAxis* m_categories = nullptr;
    QValueAxis* m_values = nullptr;
    bool m_outside = false; // the server's own times are not known
};

} // namespace clusterlab
