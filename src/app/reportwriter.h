// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment/result.h"
#include "load/loadconfig.h"
#include "load/loadresult.h"
#include "telemetry/telemetryaggregator.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace clusterlab {

class ChartPanel;
namespace experiment {
struct RunReport;
}

// What the lab's report says: gathered by the window, typeset here.
struct LabReport
{
    experiment::MachineInfo machine;
    QDateTime taken;
    // The cluster.
    QString clusterUrl;   // empty: no cluster running
    QString policy;
    int workers = 0;
    int poolThreads = 0;  // per worker (resolved)
    int maxChildren = 0;
    // The last load test, if there was one.
    bool hasLoad = false;
    LoadConfig load;
    LoadSummary loadSummary;
    // Per-route figures (the whole run) and per-worker rows as the table shows them.
    std::shared_ptr<const TelemetrySnapshot> snapshot;
    QStringList workerHeader;
    QList<QStringList> workerRows;
    QList<ChartPanel*> charts;
    const experiment::RunReport* experiments = nullptr; // verdicts, when experiments ran
    // A comparison of two sessions, when one was made: its table (HTML); its
    // charts are at the end of `charts`.
    QString comparisonHtml;
};

// The lab's report as a typeset document: title, date, the machine, the
// cluster and load settings (with the seed), a per-route table (count, p50,
// p90, p99, max, time breakdown) and a per-worker table with units, every
// chart, and the experiments' verdict table when there is one. PDF (Qt's
// text document; charts drawn as vectors) or HTML (charts as inline SVG).
class ReportWriter
{
public:
    explicit ReportWriter(LabReport report)
        : m_report(std::move(report))
    {
    }
    // By suffix: .pdf or .html. An empty string, or why it failed.
    QString write(const QString& path) const;
    QString html() const;
    bool writePdf(const QString& path, QString* error) const;

private:
    // The text pieces; charts go between them in the order of m_report.charts.
    QString headHtml() const;
    QString tablesHtml() const;

    LabReport m_report;
};

} // namespace clusterlab
