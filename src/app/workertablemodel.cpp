// SPDX-License-Identifier: GPL-3.0-or-later
#include "workertablemodel.h"

#include <QBrush>
#include <QColor>

namespace clusterlab {


WorkerTableModel::WorkerTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void WorkerTableModel::update(const ChartFeed& feed)
{
    QList<Row> rows;
    for (const Engine::WorkerInfo& w : feed.workers) {
        Row r;
        r.info = w;
        if (feed.snapshot) {
            const auto counts = feed.snapshot->counts.value(w.index);
            const RouteId routes[] = { RouteId::Root, RouteId::Main, RouteId::Worker, RouteId::Child };
            for (int k = 0; k < 4; ++k) {
                for (std::uint64_t c : counts[static_cast<std::size_t>(routes[k])])
                    r.byRoute[static_cast<std::size_t>(k)] += c;
            }
            r.rps = feed.snapshot->recentRps.value(w.index);
            const WorkerSample last = feed.snapshot->lastSample.value(w.index);
            r.inFlight = last.inFlight;
            r.cpuPercent = static_cast<double>(last.cpuUs) / 1000.0; // per 100 ms -> %
            r.rssMiB = static_cast<double>(last.rssKiB) / 1024.0;
        }
        r.lagMs = feed.lagP99Ms.value(w.index, -1.0); // -1: not known (an external server's loop cannot be seen)
        r.outside = feed.seenFromOutside;
        rows.append(r);
    }
    if (rows.size() != m_rows.size()) {
        beginResetModel();
        m_rows = rows;
        endResetModel();
    } else {
        m_rows = rows;
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(static_cast<int>(m_rows.size()) - 1, ColumnCount - 1));
    }
}

void WorkerTableModel::setHighlightedPid(qint64 pid)
{
    m_highlight = pid;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(static_cast<int>(m_rows.size()) - 1, ColumnCount - 1), { Qt::BackgroundRole });
}

int WorkerTableModel::rowOfPid(qint64 pid) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].info.pid == pid)
            return i;
    }
    return -1;
}

int WorkerTableModel::indexAtRow(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].info.index : -1;
}

int WorkerTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int WorkerTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkerTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row& r = m_rows[index.row()];
    if (role == Qt::BackgroundRole && r.info.pid == m_highlight && m_highlight != 0)
        return QBrush(QColor(255, 230, 120));
    if (role == Qt::ForegroundRole && index.column() == Index)
        return QBrush(workerColor(r.info.index));
    if (role == Qt::TextAlignmentRole && index.column() != State)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Index: return r.info.index;
    case Pid: return r.info.pid;
    case State:
        if (r.outside) // which program, and its place in the tree
            return r.info.listens ? tr("%1, listens").arg(r.info.name) : tr("%1, child of %2").arg(r.info.name).arg(r.info.parentPid);
        return Engine::stateName(r.info.state);
    case Root: return static_cast<qulonglong>(r.byRoute[0]);
    case Main: return static_cast<qulonglong>(r.byRoute[1]);
    case Worker: return static_cast<qulonglong>(r.byRoute[2]);
    case Child: return static_cast<qulonglong>(r.byRoute[3]);
    case InFlight: return r.outside ? QVariant(tr("n/a")) : QVariant(r.inFlight); // not seen from outside
    case Rps: return QString::number(r.rps, 'f', 0);
    case LagP99: return r.lagMs < 0 ? tr("n/a") : QString::number(r.lagMs, 'f', 1);
    case Cpu: return QString::number(r.cpuPercent, 'f', 0);
    case Rss: return QString::number(r.rssMiB, 'f', 1);
    case Restarts: return r.info.restarts;
    default: return {};
    }
}

QVariant WorkerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    static const char* const names[] = { "#", "PID", "State", "/", "/main", "/worker", "/child", "In flight",
                                         "Req/s", "Lag p99 ms", "CPU %", "RSS MiB", "Restarts" };
    static const char* const tips[] = { "Worker slot", "Process id", "Lifecycle state", "Requests to /",
                                        "fib on the event loop", "fib on the thread pool", "fib in a child process",
                                        "Requests being served now", "Responses in the last second",
                                        "Event-loop lag, p99 of the last 10 s", "CPU use of the worker process",
                                        "Resident memory", "Automatic restarts after crashes" };
    if (role == Qt::DisplayRole && section < ColumnCount)
        return tr(names[section]);
    if (role == Qt::ToolTipRole && section < ColumnCount)
        return tr(tips[section]);
    return {};
}

} // namespace clusterlab
