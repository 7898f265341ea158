#pragma once

#include "load/loadconfig.h"
#include "load/loadresult.h"

#include <QList>
#include <QObject>
#include <QString>

namespace clusterlab {

class ChartPanel;
class ClusterFeed;
class ExperimentsPage;
class WorkerTableModel;

// What the File menu writes: every chart (PNG, SVG, PDF), the typeset lab
// report (PDF or HTML), the raw records (CSV or JSON) and the summary
// (JSON). Each returns an empty string or the reason, and reports it through
// failed() or written() too. Reads the live state only through the feed.
class LabExports : public QObject
{
    Q_OBJECT
public:
    LabExports(ClusterFeed* feed, WorkerTableModel* workers, QList<ChartPanel*> charts, ExperimentsPage* experiments,
               QObject* parent = nullptr);

    // The last load test, for the report's settings and summary.
    void setLastLoad(const LoadConfig& config, const LoadSummary& summary);

    QString charts(const QString& folder);
    QString report(const QString& path);
    QString recordsCsv(const QString& path);
    QString recordsJson(const QString& path);
    QString summaryJson(const QString& path);

Q_SIGNALS:
    void failed(const QString& what, const QString& reason);
    void written(const QString& message);

private:
    QString finish(const QString& error, const QString& what, const QString& done);

    ClusterFeed* m_feed;
    WorkerTableModel* m_workers;
    QList<ChartPanel*> m_charts;
    ExperimentsPage* m_experiments;
    bool m_hasLoad = false;
    LoadConfig m_loadConfig;
    LoadSummary m_load;
};

} // namespace clusterlab
