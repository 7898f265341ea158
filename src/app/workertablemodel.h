// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterfeed.h"
#include "colors.h"

#include <QAbstractTableModel>

namespace clusterlab {

// The live per-worker table: reset from each chart feed (a snapshot), never
// per request. GUI thread.
class WorkerTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Index, Pid, State, Root, Main, Worker, Child, InFlight, Rps, LagP99, Cpu, Rss, Restarts, ColumnCount };

    explicit WorkerTableModel(QObject* parent = nullptr);

    void update(const ChartFeed& feed);
    // The row of a pid gets highlighted (the last response's server).
    void setHighlightedPid(qint64 pid);
    int rowOfPid(qint64 pid) const;
    int indexAtRow(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Row
    {
        Engine::WorkerInfo info;
        std::array<std::uint64_t, 4> byRoute {};
        int inFlight = 0;
        bool outside = false; // a process of a server the lab did not start: in flight and lag not known
        double rps = 0;
        double lagMs = -1; // -1: not known
        double cpuPercent = 0;
        double rssMiB = 0;
    };
    QList<Row> m_rows;
    qint64 m_highlight = 0;
};

} // namespace clusterlab
