#include "sessionreader.h"

#include "sessionfile.h"

#include "telemetry/telemetryaggregator.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <map>

namespace clusterlab {

namespace {

QJsonObject parseObject(const QString& text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// Per-second p99 of each route, in bounded memory: records come almost in
// time order (each worker's batch every 50 ms), so a second is closed once
// one three seconds later has been seen; a straggler later than that
// counts in the whole-run histogram only.
class SecondsP99
{
public:
    // `origin`: the session's second 0, in steady seconds.
    SecondsP99(std::array<QList<QPointF>, kRouteCount>* out, double origin)
        : m_out(out)
        , m_origin(origin)
    {
    }
    void add(std::int64_t second, int route, std::int64_t value)
    {
        if (second < m_closedBefore)
            return;
        auto& hists = m_open[second];
        if (!hists)
            hists = std::make_unique<std::array<LatencyHistogram, kRouteCount>>();
        (*hists)[static_cast<std::size_t>(route)].record(value);
        while (!m_open.empty() && m_open.begin()->first < second - 2)
            close();
    }
    void finish()
    {
        while (!m_open.empty())
            close();
    }

private:
    void close()
    {
        auto it = m_open.begin();
        for (int r = 0; r < kRouteCount; ++r) {
            const LatencyHistogram& h = (*it->second)[static_cast<std::size_t>(r)];
            if (h.count() > 0)
                (*m_out)[static_cast<std::size_t>(r)].append(
                    QPointF(static_cast<double>(it->first) + 1 - m_origin, static_cast<double>(h.percentile(99)) / 1e6));
        }
        m_closedBefore = it->first + 1;
        m_open.erase(it);
    }
    std::array<QList<QPointF>, kRouteCount>* m_out;
    std::map<std::int64_t, std::unique_ptr<std::array<LatencyHistogram, kRouteCount>>> m_open;
    std::int64_t m_closedBefore = INT64_MIN;
    double m_origin = 0;
};

QString routeNameOf(int route)
{
    return QString::fromLatin1(routeName(static_cast<RouteId>(std::clamp(route, 0, kRouteCount - 1))));
}

} // namespace

bool readSession(const QString& path, SessionSummary* out, QString* error, const std::function<bool()>& cancelled)
{
    *out = SessionSummary();
    out->path = path;
    const QString name = session::newConnectionName("reader");
    bool ok = false;
    {
        QSqlDatabase db;
        if (session::openForReading(path, name, &db, error)) {
            ok = true;
            out->meta = session::readMeta(db);
            out->settings = parseObject(out->meta.value(QStringLiteral("settings")).toString());
            out->originNs = out->meta.value(QStringLiteral("origin_ns")).toString().toLongLong();
            const double origin = static_cast<double>(out->originNs) / 1e9;
            auto seconds = [out](std::int64_t ns) { return static_cast<double>(ns - out->originNs) / 1e9; };
            double lastSeen = 0;
            QSqlQuery q(db);
            q.setForwardOnly(true);

            // Requests: counts, histograms, breakdown, per-second series.
            std::array<std::array<double, 4>, kRouteCount> sums {};
            std::array<std::uint64_t, kRouteCount> timed {};
            std::map<std::pair<int, std::int64_t>, quint64> perSecond; // (worker, second) -> requests
            SecondsP99 p99(&out->latencyP99, origin);
            ok = q.exec(QStringLiteral("SELECT headers_ns, worker, pid, route, path, status, queue_ns, compute_ns, "
                                       "spawn_ns, total_ns FROM requests"));
            std::uint64_t rows = 0;
            while (ok && q.next()) {
                if (cancelled && (++rows & 0xffff) == 0 && cancelled()) {
                    *error = QObject::tr("cancelled");
                    ok = false;
                    break;
                }
                const std::int64_t headers = q.value(0).toLongLong();
                const int worker = q.value(1).toInt();
                const int route = std::clamp(q.value(3).toInt(), 0, kRouteCount - 1);
                const int pathId = std::clamp(q.value(4).toInt(), 0, 3);
                const int status = q.value(5).toInt();
                const std::int64_t total = q.value(9).toLongLong();
                ++out->requests;
                out->lastPid[worker] = q.value(2).toLongLong();
                if (out->firstRequestNs == 0 || headers < out->firstRequestNs)
                    out->firstRequestNs = headers;
                out->lastRequestNs = std::max(out->lastRequestNs, headers + total);
                if (status == 0)
                    continue; // dropped: its client left; accounted, not a latency (as live)
                ++out->counts[worker][static_cast<std::size_t>(route)][static_cast<std::size_t>(pathId)];
                out->latency[static_cast<std::size_t>(route)].record(total);
                const double queue = static_cast<double>(q.value(6).toLongLong());
                const double compute = static_cast<double>(q.value(7).toLongLong());
                const double spawn = static_cast<double>(q.value(8).toLongLong());
                auto& s = sums[static_cast<std::size_t>(route)];
                s[0] += queue / 1e6;
                s[1] += compute / 1e6;
                s[2] += spawn / 1e6;
                s[3] += std::max(0.0, static_cast<double>(total) - queue - compute - spawn) / 1e6;
                ++timed[static_cast<std::size_t>(route)];
                const std::int64_t written = headers + total;
                const std::int64_t second = (written - out->originNs) / 1000000000LL;
                ++perSecond[{ worker, second }];
                p99.add(written / 1000000000LL, route, total);
            }
            p99.finish();
            for (int r = 0; r < kRouteCount; ++r) {
                for (int k = 0; k < 4; ++k)
                    out->breakdownMs[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)]
                        = timed[static_cast<std::size_t>(r)] ? sums[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)]
                            / static_cast<double>(timed[static_cast<std::size_t>(r)])
                                                             : 0;
            }
            for (const auto& [key, n] : perSecond)
                out->throughput[key.first].append(QPointF(static_cast<double>(key.second) + 1, static_cast<double>(n)));
            if (out->lastRequestNs > 0)
                lastSeen = std::max(lastSeen, seconds(out->lastRequestNs));

            // Worker samples.
            if (ok && (ok = q.exec(QStringLiteral("SELECT t_ns, worker, pid, lag_max_us, lag_mean_us, cpu_us, rss_kib, "
                                                  "in_flight, pool_busy, tasks, connections FROM worker_samples ORDER BY rowid")))) {
                while (q.next()) {
                    WorkerSample s;
                    s.t = q.value(0).toLongLong();
                    const int worker = q.value(1).toInt();
                    s.lagMaxUs = q.value(3).toLongLong();
                    s.lagMeanUs = q.value(4).toLongLong();
                    s.cpuUs = q.value(5).toLongLong();
                    s.rssKiB = q.value(6).toLongLong();
                    s.inFlight = q.value(7).toInt();
                    s.poolBusy = q.value(8).toInt();
                    s.tasks = q.value(9).toInt();
                    s.connections = q.value(10).toInt();
                    ++out->samples;
                    out->lagMs[worker].append(QPointF(seconds(s.t), static_cast<double>(s.lagMaxUs) / 1000.0));
                    out->lastSample[worker] = s;
                    if (!out->lastPid.contains(worker))
                        out->lastPid[worker] = q.value(2).toLongLong();
                    lastSeen = std::max(lastSeen, seconds(s.t));
                }
            }
            if (ok && (ok = q.exec(QStringLiteral("SELECT t_ns, text FROM events ORDER BY rowid")))) {
                while (q.next())
                    out->events << QStringLiteral("[%1] %2").arg(seconds(q.value(0).toLongLong()), 8, 'f', 3).arg(q.value(1).toString());
            }

            // Load tests and their client-side records.
            QHash<QPair<int, int>, QString> routePaths;
            if (ok && (ok = q.exec(QStringLiteral("SELECT load_test, idx, path FROM load_routes")))) {
                while (q.next())
                    routePaths.insert({ q.value(0).toInt(), q.value(1).toInt() }, q.value(2).toString());
            }
            if (ok && (ok = q.exec(QStringLiteral("SELECT id, target, config, summary FROM load_tests ORDER BY id")))) {
                while (q.next()) {
                    SessionSummary::LoadTest t;
                    t.id = q.value(0).toInt();
                    t.target = q.value(1).toString();
                    t.config = parseObject(q.value(2).toString());
                    t.summary = parseObject(q.value(3).toString());
                    out->loadTests.append(t);
                }
            }
            std::map<std::int64_t, quint64> clientPerSecond;
            if (ok && (ok = q.exec(QStringLiteral("SELECT load_test, route, intended_ns, start_ns, end_ns, status, error "
                                                  "FROM load_requests")))) {
                while (q.next()) {
                    if (cancelled && (++rows & 0xffff) == 0 && cancelled()) {
                        *error = QObject::tr("cancelled");
                        ok = false;
                        break;
                    }
                    ++out->loadRequests;
                    const std::int64_t start = q.value(3).toLongLong();
                    const std::int64_t end = q.value(4).toLongLong();
                    if (out->firstLoadNs == 0 || start < out->firstLoadNs)
                        out->firstLoadNs = start;
                    out->lastLoadNs = std::max(out->lastLoadNs, end);
                    if (q.value(6).toInt() != 0 || q.value(5).toInt() == 0)
                        continue; // failed: in the summary's errors, not a latency
                    ++clientPerSecond[(end - out->originNs) / 1000000000LL];
                    const QString route = routePaths.value({ q.value(0).toInt(), q.value(1).toInt() }, QStringLiteral("?"));
                    std::shared_ptr<LatencyHistogram>& h = out->clientLatency[route];
                    if (!h)
                        h = std::make_shared<LatencyHistogram>();
                    h->record(end - q.value(2).toLongLong());
                }
                if (out->lastLoadNs > 0)
                    lastSeen = std::max(lastSeen, seconds(out->lastLoadNs));
                for (const auto& [second, n] : clientPerSecond)
                    out->clientThroughput.append(QPointF(static_cast<double>(second) + 1, static_cast<double>(n)));
            }
            if (ok && (ok = q.exec(QStringLiteral("SELECT report FROM experiments ORDER BY id")))) {
                while (q.next())
                    out->experiments.append(parseObject(q.value(0).toString()));
            }
            if (!ok && error->isEmpty())
                *error = QObject::tr("cannot read %1: %2").arg(QFileInfo(path).fileName(), q.lastError().text());
            out->durationSeconds = lastSeen;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

std::shared_ptr<const ChartFeed> SessionSummary::toFeed() const
{
    auto feed = std::make_shared<ChartFeed>();
    auto snapshot = std::make_shared<TelemetrySnapshot>();
    snapshot->totalRecords = requests;
    snapshot->counts = counts;
    snapshot->latencyAll = latency;
    snapshot->breakdownMs = breakdownMs;
    snapshot->lastSample = lastSample;
    // The last ten seconds' window is not kept: the whole run stands in.
    snapshot->latencyWindow = latency;
    QList<int> workers = lastPid.keys();
    std::sort(workers.begin(), workers.end());
    for (int index : workers) {
        Cluster::WorkerInfo w;
        w.index = index;
        w.pid = lastPid.value(index);
        w.state = Cluster::WorkerState::Listening;
        feed->workers.append(w);
    }
    feed->snapshot = snapshot;
    feed->running = false;
    feed->policy = settings.value(QStringLiteral("policy")).toString();
    feed->poolThreads = std::max(1, settings.value(QStringLiteral("poolThreads")).toInt());
    feed->maxChildren = std::max(1, settings.value(QStringLiteral("maxChildren")).toInt());
    feed->nowSeconds = std::max(1.0, durationSeconds);
    feed->timeWindowSeconds = std::max(10.0, durationSeconds);
    feed->throughput = throughput;
    feed->lagMs = lagMs;
    feed->latencyP99 = latencyP99;
    for (auto it = lagMs.cbegin(); it != lagMs.cend(); ++it) {
        QList<double> ys;
        for (const QPointF& p : it.value())
            ys.append(p.y());
        std::sort(ys.begin(), ys.end());
        if (!ys.isEmpty())
            feed->lagP99Ms[it.key()] = ys[std::min<qsizetype>(ys.size() - 1, ys.size() * 99 / 100)];
    }
    feed->sequence = 1;
    return feed;
}

QMap<QString, SessionSummary::RouteFigures> SessionSummary::routeFigures() const
{
    QMap<QString, RouteFigures> figures;
    auto fill = [](const LatencyHistogram& h, double seconds) {
        RouteFigures f;
        f.count = h.count();
        f.p50Ms = static_cast<double>(h.percentile(50)) / 1e6;
        f.p90Ms = static_cast<double>(h.percentile(90)) / 1e6;
        f.p99Ms = static_cast<double>(h.percentile(99)) / 1e6;
        f.maxMs = static_cast<double>(h.max()) / 1e6;
        f.requestsPerSecond = seconds > 0 ? static_cast<double>(h.count()) / seconds : 0;
        f.histogram = &h;
        return f;
    };
    if (requests > 0) {
        const double seconds = static_cast<double>(lastRequestNs - firstRequestNs) / 1e9;
        for (int r = 0; r < kRouteCount; ++r) {
            if (latency[static_cast<std::size_t>(r)].count() > 0)
                figures.insert(routeNameOf(r), fill(latency[static_cast<std::size_t>(r)], seconds));
        }
    } else {
        const double seconds = static_cast<double>(lastLoadNs - firstLoadNs) / 1e9;
        for (auto it = clientLatency.cbegin(); it != clientLatency.cend(); ++it)
            figures.insert(it.key(), fill(*it.value(), seconds));
    }
    return figures;
}

QString SessionSummary::title() const
{
    const QString created = meta.value(QStringLiteral("created_utc")).toString().left(16).replace(QLatin1Char('T'), QLatin1Char(' '));
    QString what = settings.value(QStringLiteral("policy")).toString();
    if (measuredByClient())
        what = loadTests.isEmpty() ? QObject::tr("load test") : loadTests.constLast().target;
    return QStringLiteral("%1 (%2%3)").arg(QFileInfo(path).completeBaseName(), what.isEmpty() ? QString() : what + QStringLiteral(", "), created);
}

SessionComparison SessionComparison::of(const SessionSummary& a, const SessionSummary& b)
{
    SessionComparison c;
    c.aTitle = a.title();
    c.bTitle = b.title();
    c.aByClient = a.measuredByClient();
    c.bByClient = b.measuredByClient();
    const auto fa = a.routeFigures();
    const auto fb = b.routeFigures();
    QStringList routes = fa.keys();
    for (const QString& r : fb.keys()) {
        if (!routes.contains(r))
            routes << r;
    }
    for (const QString& route : routes) {
        Row row;
        row.route = route;
        row.a = fa.value(route);
        row.b = fb.value(route);
        auto ratio = [](double x, double y) { return x > 0 && y > 0 ? y / x : 0.0; };
        row.p50Ratio = ratio(row.a.p50Ms, row.b.p50Ms);
        row.p99Ratio = ratio(row.a.p99Ms, row.b.p99Ms);
        row.throughputRatio = ratio(row.a.requestsPerSecond, row.b.requestsPerSecond);
        c.rows.append(row);
    }
    return c;
}

bool exportSessionRequests(const QString& sessionPath, QIODevice* out, bool json, QString* error)
{
    const QString name = session::newConnectionName("export");
    bool ok = false;
    {
        QSqlDatabase db;
        if (session::openForReading(sessionPath, name, &db, error)) {
            QSqlQuery q(db);
            q.setForwardOnly(true);
            ok = q.exec(QStringLiteral("SELECT headers_ns, worker, pid, connection, seq, route, path, n, status, bytes, "
                                       "queue_ns, compute_ns, spawn_ns, total_ns, thread_or_task FROM requests ORDER BY rowid"));
            QByteArray buf = json ? QByteArray("[") : TelemetryAggregator::csvHeader();
            bool first = true;
            while (ok && q.next()) {
                // Back to the stored form, so that both exports share one writer.
                StoredRecord r;
                r.headersNs = q.value(0).toLongLong();
                r.workerIndex = static_cast<std::uint16_t>(q.value(1).toInt());
                r.pid = static_cast<std::int32_t>(q.value(2).toLongLong());
                r.connectionId = static_cast<std::uint32_t>(q.value(3).toLongLong());
                r.requestSeq = static_cast<std::uint32_t>(q.value(4).toLongLong());
                r.route = static_cast<RouteId>(std::clamp(q.value(5).toInt(), 0, kRouteCount - 1));
                r.path = static_cast<PathId>(std::clamp(q.value(6).toInt(), 0, 3));
                r.n = q.value(7).isNull() ? std::int8_t(-1) : static_cast<std::int8_t>(q.value(7).toInt());
                r.status = static_cast<std::uint16_t>(q.value(8).toInt());
                r.bytes = static_cast<std::uint32_t>(q.value(9).toLongLong());
                const auto ticks = [](qint64 ns) { return static_cast<std::uint32_t>(ns / 100); };
                const std::uint32_t queue = ticks(q.value(10).toLongLong());
                const std::uint32_t compute = ticks(q.value(11).toLongLong());
                r.queued = queue;
                r.computeStart = queue;
                r.computeEnd = queue + compute;
                r.spawn = ticks(q.value(12).toLongLong());
                r.written = ticks(q.value(13).toLongLong());
                r.threadOrTask = static_cast<std::uint32_t>(q.value(14).toLongLong());
                if (json) {
                    if (!first)
                        buf += ",\n";
                    buf += TelemetryAggregator::jsonRow(r);
                } else {
                    buf += TelemetryAggregator::csvRow(r);
                }
                first = false;
                if (buf.size() > (1 << 20)) {
                    ok = out->write(buf) == buf.size();
                    buf.clear();
                }
            }
            if (json)
                buf += "]\n";
            if (!q.lastError().isValid() || q.lastError().type() == QSqlError::NoError)
                ok = ok && out->write(buf) == buf.size();
            else
                ok = false;
            if (!ok && error->isEmpty())
                *error = q.lastError().isValid() && q.lastError().type() != QSqlError::NoError ? q.lastError().text()
                                                                                             : out->errorString();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace clusterlab
