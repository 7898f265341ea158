// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "load/loadconfig.h"
#include "load/loadresult.h"

#include <QList>
#include <functional>
#include <QObject>
#include <QString>

class QMenu;
class QWidget;

namespace clusterlab {

class ChartPanel;
class ComparisonView;
class ClusterFeed;
class ExperimentsPage;
class SessionController;
class WorkerTableModel;

// What the File menu writes: every chart (PNG, SVG, PDF), the typeset lab
// report (PDF or HTML), the raw records (CSV or JSON) and the summary
// (JSON). Each reports through failed() or written(); the synchronous ones
// also return an empty string or the reason. Reads the live state only
// through the feed and the session.
class LabExports : public QObject
{
    Q_OBJECT
public:
    LabExports(ClusterFeed* feed, SessionController* sessions, WorkerTableModel* workers, QList<ChartPanel*> charts,
               ExperimentsPage* experiments, QObject* parent = nullptr);

    // The File menu's export entries, each asking where with a dialog over
    // `dialogParent`.
    void addActions(QMenu* file, QWidget* dialogParent);
    // The comparison view: the report includes a comparison once made.
    void setComparison(ComparisonView* view) { m_comparison = view; }
    // Called before the charts are drawn to a file (they take the newest feed).
    void setBeforeDrawing(std::function<void()> before) { m_beforeDrawing = std::move(before); }
    // The last load test, for the report's settings and summary.
    void setLastLoad(const LoadConfig& config, const LoadSummary& summary);

    QString charts(const QString& folder);
    QString report(const QString& path);
    // The raw records come from the session file, on a worker thread: these
    // return at once, and written() or failed() follows.
    void recordsCsv(const QString& path);
    void recordsJson(const QString& path);
    QString summaryJson(const QString& path);

Q_SIGNALS:
    void failed(const QString& what, const QString& reason);
    void written(const QString& message);

private:
    QString finish(const QString& error, const QString& what, const QString& done);

    ClusterFeed* m_feed;
    SessionController* m_sessions;
    WorkerTableModel* m_workers;
    QList<ChartPanel*> m_charts;
    ExperimentsPage* m_experiments;
    ComparisonView* m_comparison = nullptr;
    std::function<void()> m_beforeDrawing;
    bool m_hasLoad = false;
    LoadConfig m_loadConfig;
    LoadSummary m_load;
};

} // namespace clusterlab
