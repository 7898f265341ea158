// SPDX-License-Identifier: GPL-3.0-or-later
#include "labexports.h"

#include "chartpanel.h"
#include "comparisonview.h"
#include "experimentspage.h"
#include "reportwriter.h"
#include "sessioncontroller.h"
#include "workertablemodel.h"

#include "cluster/clusterfeed.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QMenu>

namespace clusterlab {

LabExports::LabExports(ClusterFeed* feed, SessionController* sessions, WorkerTableModel* workers,
                       QList<ChartPanel*> charts, ExperimentsPage* experiments, QObject* parent)
    : QObject(parent)
    , m_feed(feed)
    , m_sessions(sessions)
    , m_workers(workers)
    , m_charts(std::move(charts))
    , m_experiments(experiments)
{
    connect(m_sessions, &SessionController::exported, this,
            [this](const QString& path) { Q_EMIT written(tr("Records written to %1").arg(path)); });
}

void LabExports::addActions(QMenu* file, QWidget* dialogParent)
{
    QAction* charts = file->addAction(tr("Export all charts (PNG, SVG, PDF)…"));
    charts->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    connect(charts, &QAction::triggered, this, [this, dialogParent]() {
        const QString folder = QFileDialog::getExistingDirectory(dialogParent, tr("Export charts to"));
        if (!folder.isEmpty())
            this->charts(folder);
    });
    // A file dialog, then the export (which reports how it went).
    auto saveAs = [this, file, dialogParent](const QString& label, const QString& name, const QString& filter,
                                             std::function<void(const QString&)> write) {
        QAction* a = file->addAction(label);
        connect(a, &QAction::triggered, this, [dialogParent, label, name, filter, write]() {
            const QString path = QFileDialog::getSaveFileName(dialogParent, label, name, filter);
            if (!path.isEmpty())
                write(path);
        });
        return a;
    };
    saveAs(tr("Export report (PDF or HTML)…"), QStringLiteral("clusterlab-report.pdf"), tr("PDF (*.pdf);;HTML (*.html)"),
           [this](const QString& p) { report(p); })
        ->setShortcut(QKeySequence(QStringLiteral("Ctrl+P")));
    saveAs(tr("Export raw records (CSV)…"), QStringLiteral("records.csv"), tr("CSV (*.csv)"),
           [this](const QString& p) { recordsCsv(p); });
    saveAs(tr("Export raw records (JSON)…"), QStringLiteral("records.json"), tr("JSON (*.json)"),
           [this](const QString& p) { recordsJson(p); });
    saveAs(tr("Export summary (JSON)…"), QStringLiteral("summary.json"), tr("JSON (*.json)"),
           [this](const QString& p) { summaryJson(p); });
}

void LabExports::setLastLoad(const LoadConfig& config, const LoadSummary& summary)
{
    m_hasLoad = true;
    m_loadConfig = config;
    m_load = summary;
}

QString LabExports::finish(const QString& error, const QString& what, const QString& done)
{
    if (error.isEmpty())
        Q_EMIT written(done);
    else
        Q_EMIT failed(what, error);
    return error;
}

QString LabExports::charts(const QString& folder)
{
    m_feed->publish(); // the charts show this moment
    if (m_beforeDrawing)
        m_beforeDrawing();
    QStringList problems;
    for (int i = 0; i < m_charts.size(); ++i) {
        const QString base = QDir(folder).filePath(QStringLiteral("chart-%1").arg(i + 1));
        for (const QString& e : { m_charts[i]->exportPng(base + QStringLiteral(".png")),
                                  m_charts[i]->exportSvg(base + QStringLiteral(".svg")),
                                  m_charts[i]->exportPdf(base + QStringLiteral(".pdf")) }) {
            if (!e.isEmpty())
                problems << e;
        }
    }
    problems.removeDuplicates();
    return finish(problems.join(QStringLiteral("; ")), tr("Export failed"), tr("Charts exported to %1").arg(folder));
}

QString LabExports::report(const QString& path)
{
    m_feed->publish();
    if (m_beforeDrawing)
        m_beforeDrawing();
    const auto feed = m_feed->latest();
    LabReport report;
    report.machine = experiment::MachineInfo::current();
    report.taken = QDateTime::currentDateTime();
    if (feed->running) {
        report.clusterUrl = feed->url;
        report.policy = feed->policy;
        report.workers = static_cast<int>(feed->workers.size());
        report.poolThreads = feed->poolThreads;
        report.maxChildren = feed->maxChildren;
    }
    report.snapshot = feed->snapshot;
    report.hasLoad = m_hasLoad;
    report.load = m_loadConfig;
    report.loadSummary = m_load;
    for (int col = 0; col < m_workers->columnCount(); ++col)
        report.workerHeader << m_workers->headerData(col, Qt::Horizontal, Qt::DisplayRole).toString();
    for (int row = 0; row < m_workers->rowCount(); ++row) {
        QStringList cells;
        for (int col = 0; col < m_workers->columnCount(); ++col)
            cells << m_workers->data(m_workers->index(row, col), Qt::DisplayRole).toString();
        report.workerRows << cells;
    }
    report.charts = m_charts;
    if (m_comparison != nullptr && !m_comparison->isEmpty()) {
        report.comparisonHtml = m_comparison->tableHtml();
        report.charts += m_comparison->charts();
    }
    if (m_experiments != nullptr && m_experiments->hasReport())
        report.experiments = &m_experiments->report();
    return finish(ReportWriter(report).write(path), tr("Report failed"), tr("Report written to %1").arg(path));
}

void LabExports::recordsCsv(const QString& path)
{
    m_sessions->exportRecords(path, false);
}

void LabExports::recordsJson(const QString& path)
{
    m_sessions->exportRecords(path, true);
}

QString LabExports::summaryJson(const QString& path)
{
    return finish(m_feed->writeSummary(path), tr("Export failed"), tr("Summary written to %1").arg(path));
}

} // namespace clusterlab
