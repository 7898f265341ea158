// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chartpanel.h"

#include "session/sessionreader.h"
#include "session/sessioncompare.h"
#include "sessioncontroller.h"

#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QLineSeries;
class QLogValueAxis;
class QTableWidget;
class QValueAxis;
class QBarCategoryAxis;

namespace clusterlab {

class ChartGrid;

// Two sessions side by side (B against A): the latency percentile curves of
// both on one chart (A solid, B dashed, a colour per route), throughput over
// time, requests per worker, and a table per route of count, p50, p99 and
// requests/s with B/A. Round-robin against reuseport, before and after a
// change, ClusterLab against the Node.js demo measured as a URL target.
// Exports its charts (PNG, SVG, PDF) and its table (CSV); the report takes
// both. GUI thread.
class ComparisonView : public QWidget
{
    Q_OBJECT
public:
    explicit ComparisonView(QWidget* parent = nullptr);
    // One or more runs a side, compared already (SessionController does it
    // on a worker thread). The table has each side's runs pooled; the charts
    // draw the first run of each side.
    void setRuns(std::shared_ptr<const ComparedRuns> runs);
    // One session a side, compared here (small sessions: tests).
    void setSessions(std::shared_ptr<const SessionSummary> a, std::shared_ptr<const SessionSummary> b);
    bool isEmpty() const { return !m_a; }
    const SessionComparison& comparison() const { return m_comparison; }
    const RunComparison& statistics() const { return m_stats; }
    QList<ChartPanel*> charts() const { return m_charts; }
    QTableWidget* table() const { return m_table; }
    // The table as HTML (the report) and CSV (the export).
    QString tableHtml() const;
    QByteArray tableCsv() const;
    // Every chart as PNG, SVG and PDF, and the table as CSV, into `folder`:
    // an empty string or the reason.
    QString exportTo(const QString& folder) const;

private:
    std::shared_ptr<const ComparedRuns> m_runs;
    std::shared_ptr<const SessionSummary> m_a, m_b; // the first run of each side
    SessionComparison m_comparison;                 // of those two (the charts)
    RunComparison m_stats;                          // of all runs: the table and each B/A's 95% interval
    // Per table row: its B/A interval (null for the requests row, a ratio of counts).
    QList<std::optional<RatioInterval>> m_rowIntervals;
    QLabel* m_heading = nullptr;
    QTableWidget* m_table = nullptr;
    ChartGrid* m_grid = nullptr;
    QList<ChartPanel*> m_charts;
};

// The comparison's charts: one data set (two sessions) each.
class ComparisonPercentileChart : public ChartPanel
{
    Q_OBJECT
public:
    explicit ComparisonPercentileChart(QWidget* parent = nullptr);
    void refresh(const ChartFeed&) override {}
    void setData(const SessionComparison& c);
    QStringList lineNames() const;

private:
    QLogValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

class ComparisonThroughputChart : public ChartPanel
{
    Q_OBJECT
public:
    explicit ComparisonThroughputChart(QWidget* parent = nullptr);
    void refresh(const ChartFeed&) override {}
    void setData(const SessionSummary& a, const SessionSummary& b);

private:
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

class ComparisonRoutingChart : public ChartPanel
{
    Q_OBJECT
public:
    explicit ComparisonRoutingChart(QWidget* parent = nullptr);
    void refresh(const ChartFeed&) override {}
    void setData(const SessionSummary& a, const SessionSummary& b);

private:
    QBarCategoryAxis* m_categories = nullptr;
    QValueAxis* m_values = nullptr;
};

} // namespace clusterlab
