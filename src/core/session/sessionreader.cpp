// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessionreader.h"

#include "sessionfile.h"

#include "telemetry/telemetryaggregator.h"

#include <QFileInfo>
#include <QSet>
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
    // At most three seconds are open at once, whatever order the file
    // holds: a second older than the newest seen minus two is closed (12,000
    // records in decreasing time once opened 12,000 seconds: 4 GiB).
    void add(std::int64_t second, int route, std::int64_t value)
    {
        m_newest = std::max(m_newest, second);
        if (second < m_closedBefore || second < m_newest - 2)
            return;
        auto& hists = m_open[second];
        if (!hists)
            hists = std::make_unique<std::array<HdrHistogram, kRouteCount>>();
        (*hists)[static_cast<std::size_t>(route)].recordNs(value);
        while (!m_open.empty() && m_open.begin()->first < m_newest - 2)
            close();
    }
    qsizetype points() const { return m_points; }
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
            const HdrHistogram& h = (*it->second)[static_cast<std::size_t>(r)];
            if (h.totalCount() > 0) {
                (*m_out)[static_cast<std::size_t>(r)].append(
                    QPointF(static_cast<double>(it->first) + 1 - m_origin, h.percentileMs(99)));
                ++m_points;
            }
        }
        m_closedBefore = it->first + 1;
        m_open.erase(it);
    }
    std::array<QList<QPointF>, kRouteCount>* m_out;
    std::map<std::int64_t, std::unique_ptr<std::array<HdrHistogram, kRouteCount>>> m_open;
    std::int64_t m_closedBefore = INT64_MIN;
    std::int64_t m_newest = INT64_MIN;
    qsizetype m_points = 0;
    double m_origin = 0;
};

QString routeNameOf(int route)
{
    return QString::fromLatin1(routeName(static_cast<RouteId>(std::clamp(route, 0, kRouteCount - 1))));
}

} // namespace

bool readSession(const QString& path, SessionSummary* out, QString* error, const std::function<bool()>& cancelled)
{
    SessionReadOptions options;
    options.open.cancelled = cancelled;
    return readSession(path, out, error, options);
}

namespace {

// Times from a file, kept where arithmetic on them cannot overflow: steady
// instants in 0..2^62 ns (146 years), durations in 0..2^50 ns (13 days).
std::int64_t instantNs(const QVariant& v)
{
    return std::clamp<qint64>(v.toLongLong(), 0, qint64 { 1 } << 62);
}
std::int64_t durationNs(const QVariant& v)
{
    return std::clamp<qint64>(v.toLongLong(), 0, qint64 { 1 } << 50);
}

} // namespace

bool readSession(const QString& path, SessionSummary* out, QString* error, const SessionReadOptions& options)
{
    *out = SessionSummary();
    out->path = path;
    const SessionReadLimits& limits = options.limits;
    const QString name = session::newConnectionName("reader");
    const QString file = QFileInfo(path).fileName();
    bool ok = false;
    {
        QSqlDatabase db;
        session::OpenedSession opened;
        if (session::openForReading(path, name, &db, error, &opened, options.open)) {
            ok = true;
            QString refusal; // a limit reached: the read stops and says which
            auto refuse = [&](const QString& why) {
                if (refusal.isEmpty())
                    refusal = QObject::tr("%1 is refused: %2").arg(file, why);
                ok = false;
            };
            std::uint64_t rows = 0;
            auto stop = [&]() {
                if ((++rows & 0xffff) == 0 && options.open.cancelled && options.open.cancelled()) {
                    *error = QObject::tr("cancelled");
                    ok = false;
                }
                return !ok;
            };
            qint64 seriesPoints = 0;
            auto addPoints = [&](qint64 n) {
                seriesPoints += n;
                if (seriesPoints > limits.maxSeriesPoints)
                    refuse(QObject::tr("its time series pass %1 points (the limit; this program writes one point per "
                                       "worker per second and per sample)").arg(limits.maxSeriesPoints));
            };
            auto newWorker = [&](int worker, bool known) {
                if (!known && out->lastPid.size() >= limits.maxWorkers)
                    refuse(QObject::tr("it names more than %1 distinct workers (the limit; the app runs at most 256)").arg(limits.maxWorkers));
                Q_UNUSED(worker);
            };

            QSqlQuery meta(db);
            if (session::execGuarded(meta, QStringLiteral("SELECT key, value FROM meta LIMIT 1001"), opened)) {
                int n = 0;
                while (meta.next()) {
                    const QString value = meta.value(1).toString();
                    if (++n > 1000 || value.size() > limits.maxTextChars) {
                        refuse(QObject::tr("its meta table holds more than 1,000 keys or a value over %1 characters").arg(limits.maxTextChars));
                        break;
                    }
                    out->meta.insert(meta.value(0).toString().left(256), value);
                }
            }
            out->settings = parseObject(out->meta.value(QStringLiteral("settings")).toString());
            out->originNs = std::clamp<qint64>(out->meta.value(QStringLiteral("origin_ns")).toString().toLongLong(), 0, qint64 { 1 } << 62);
            const double origin = static_cast<double>(out->originNs) / 1e9;
            auto seconds = [out](std::int64_t ns) { return static_cast<double>(ns - out->originNs) / 1e9; };
            double lastSeen = 0;
            QSqlQuery q(db);
            q.setForwardOnly(true);

            // Requests: counts, histograms, breakdown, per-second series.
            std::array<std::array<double, 4>, kRouteCount> sums {};
            std::array<std::uint64_t, kRouteCount> timed {};
            std::map<std::pair<int, std::int64_t>, quint64> perSecond; // (worker, second) -> requests
            std::map<std::pair<int, std::int64_t>, quint64> routePerSecond; // (route, second) -> requests
            SecondsP99 p99(&out->latencyP99, origin);
            ok = ok && session::execGuarded(q, QStringLiteral("SELECT headers_ns, worker, pid, route, path, status, queue_ns, compute_ns, "
                                       "spawn_ns, total_ns FROM requests"), opened);
            while (ok && q.next()) {
                if (stop())
                    break;
                if (out->requests >= static_cast<quint64>(limits.maxRows)) {
                    refuse(QObject::tr("it holds more than %1 requests (the limit)").arg(limits.maxRows));
                    break;
                }
                const std::int64_t headers = instantNs(q.value(0));
                const int worker = q.value(1).toInt();
                const int route = std::clamp(q.value(3).toInt(), 0, kRouteCount - 1);
                const int pathId = std::clamp(q.value(4).toInt(), 0, 3);
                const int status = q.value(5).toInt();
                const std::int64_t total = durationNs(q.value(9));
                ++out->requests;
                auto pidIt = out->lastPid.find(worker);
                if (pidIt == out->lastPid.end()) {
                    newWorker(worker, false);
                    if (!ok)
                        break;
                    pidIt = out->lastPid.insert(worker, 0);
                }
                *pidIt = q.value(2).toLongLong();
                if (out->firstRequestNs == 0 || headers < out->firstRequestNs)
                    out->firstRequestNs = headers;
                out->lastRequestNs = std::max(out->lastRequestNs, headers + total);
                if (status == 0)
                    continue; // dropped: its client left; accounted, not a latency (as live)
                ++out->counts[worker][static_cast<std::size_t>(route)][static_cast<std::size_t>(pathId)];
                out->latency[static_cast<std::size_t>(route)].recordNs(total);
                const double queue = static_cast<double>(durationNs(q.value(6)));
                const double compute = static_cast<double>(durationNs(q.value(7)));
                const double spawn = static_cast<double>(durationNs(q.value(8)));
                auto& s = sums[static_cast<std::size_t>(route)];
                s[0] += queue / 1e6;
                s[1] += compute / 1e6;
                s[2] += spawn / 1e6;
                s[3] += std::max(0.0, static_cast<double>(total) - queue - compute - spawn) / 1e6;
                ++timed[static_cast<std::size_t>(route)];
                const std::int64_t written = headers + total;
                const std::int64_t second = (written - out->originNs) / 1000000000LL;
                auto [slot, added] = perSecond.try_emplace({ worker, second }, 0);
                ++slot->second;
                if (added)
                    addPoints(1);
                auto [routeSlot, routeAdded] = routePerSecond.try_emplace({ route, second }, 0);
                ++routeSlot->second;
                if (routeAdded)
                    addPoints(1);
                p99.add(written / 1000000000LL, route, total);
            }
            p99.finish();
            addPoints(p99.points());
            for (int r = 0; r < kRouteCount; ++r) {
                for (int k = 0; k < 4; ++k)
                    out->breakdownMs[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)]
                        = timed[static_cast<std::size_t>(r)] ? sums[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)]
                            / static_cast<double>(timed[static_cast<std::size_t>(r)])
                                                             : 0;
            }
            for (const auto& [key, n] : perSecond)
                out->throughput[key.first].append(QPointF(static_cast<double>(key.second) + 1, static_cast<double>(n)));
            perSecond.clear();
            for (const auto& [key, n] : routePerSecond)
                out->routeSeconds[routeNameOf(key.first)].insert(key.second, n);
            if (out->lastRequestNs > 0)
                lastSeen = std::max(lastSeen, seconds(out->lastRequestNs));

            // Worker samples.
            if (ok && (ok = session::execGuarded(q, QStringLiteral("SELECT t_ns, worker, pid, lag_max_us, lag_mean_us, cpu_us, rss_kib, "
                                                  "in_flight, pool_busy, tasks, connections FROM worker_samples ORDER BY rowid"), opened))) {
                while (q.next()) {
                    if (stop())
                        break;
                    if (out->samples >= static_cast<quint64>(limits.maxRows)) {
                        refuse(QObject::tr("it holds more than %1 worker samples (the limit)").arg(limits.maxRows));
                        break;
                    }
                    WorkerSample s;
                    s.t = instantNs(q.value(0));
                    const int worker = q.value(1).toInt();
                    s.lagMaxUs = std::clamp<qint64>(q.value(3).toLongLong(), 0, qint64 { 1 } << 40);
                    s.lagMeanUs = std::clamp<qint64>(q.value(4).toLongLong(), 0, qint64 { 1 } << 40);
                    s.cpuUs = std::clamp<qint64>(q.value(5).toLongLong(), 0, qint64 { 1 } << 60);
                    s.rssKiB = std::clamp<qint64>(q.value(6).toLongLong(), 0, qint64 { 1 } << 40);
                    s.inFlight = std::clamp(q.value(7).toInt(), 0, 1 << 24);
                    s.poolBusy = std::clamp(q.value(8).toInt(), 0, 1 << 24);
                    s.tasks = std::clamp(q.value(9).toInt(), 0, 1 << 24);
                    s.connections = std::clamp(q.value(10).toInt(), 0, 1 << 24);
                    ++out->samples;
                    if (!out->lastPid.contains(worker)) {
                        newWorker(worker, false);
                        if (!ok)
                            break;
                        out->lastPid[worker] = q.value(2).toLongLong();
                    }
                    addPoints(1);
                    if (!ok)
                        break;
                    out->lagMs[worker].append(QPointF(seconds(s.t), static_cast<double>(s.lagMaxUs) / 1000.0));
                    out->lastSample[worker] = s;
                    lastSeen = std::max(lastSeen, seconds(s.t));
                }
            }
            if (ok && (ok = session::execGuarded(q, QStringLiteral("SELECT t_ns, text FROM events ORDER BY rowid"), opened))) {
                qint64 skipped = 0;
                while (q.next()) {
                    if (stop())
                        break;
                    if (out->events.size() >= limits.maxEventsKept) {
                        ++skipped;
                        continue;
                    }
                    out->events << QStringLiteral("[%1] %2").arg(seconds(instantNs(q.value(0))), 8, 'f', 3).arg(q.value(1).toString().left(1000));
                }
                if (skipped > 0)
                    out->events << QObject::tr("… and %1 more events, not shown (the reader keeps the first %2)").arg(skipped).arg(limits.maxEventsKept);
            }

            // Load tests and their client-side records.
            QHash<QPair<int, int>, QString> routePaths;
            QSet<QString> distinctRoutes;
            if (ok && (ok = session::execGuarded(q, QStringLiteral("SELECT load_test, idx, path FROM load_routes"), opened))) {
                while (q.next()) {
                    if (stop())
                        break;
                    const QString route = q.value(2).toString().left(2048);
                    distinctRoutes.insert(route);
                    if (distinctRoutes.size() > limits.maxLoadRoutes || routePaths.size() >= limits.maxLoadRoutes * 64) {
                        refuse(QObject::tr("its load tests name more than %1 distinct routes (the limit)").arg(limits.maxLoadRoutes));
                        break;
                    }
                    routePaths.insert({ q.value(0).toInt(), q.value(1).toInt() }, route);
                }
            }
            if (ok && (ok = session::execGuarded(q, QStringLiteral("SELECT id, target, config, summary FROM load_tests ORDER BY id"), opened))) {
                while (q.next()) {
                    if (stop())
                        break;
                    const QString config = q.value(2).toString();
                    const QString summary = q.value(3).toString();
                    if (out->loadTests.size() >= limits.maxLoadTests || config.size() > limits.maxTextChars
                        || summary.size() > limits.maxTextChars) {
                        refuse(QObject::tr("it holds more than %1 load tests, or one whose settings or summary pass %2 characters (the limits)")
                                   .arg(limits.maxLoadTests)
                                   .arg(limits.maxTextChars));
                        break;
                    }
                    SessionSummary::LoadTest t;
                    t.id = q.value(0).toInt();
                    t.target = q.value(1).toString().left(2048);
                    t.config = parseObject(config);
                    t.summary = parseObject(summary);
                    out->loadTests.append(t);
                }
            }
            std::map<std::int64_t, quint64> clientPerSecond;
            std::map<std::pair<QString, std::int64_t>, quint64> clientRoutePerSecond; // (route path, second) -> answers
            if (ok && (ok = session::execGuarded(q, QStringLiteral("SELECT load_test, route, intended_ns, start_ns, end_ns, status, error "
                                                  "FROM load_requests"), opened))) {
                while (q.next()) {
                    if (stop())
                        break;
                    if (out->loadRequests >= static_cast<quint64>(limits.maxRows)) {
                        refuse(QObject::tr("it holds more than %1 client-side requests (the limit)").arg(limits.maxRows));
                        break;
                    }
                    ++out->loadRequests;
                    const std::int64_t start = instantNs(q.value(3));
                    const std::int64_t end = instantNs(q.value(4));
                    if (out->firstLoadNs == 0 || start < out->firstLoadNs)
                        out->firstLoadNs = start;
                    out->lastLoadNs = std::max(out->lastLoadNs, end);
                    if (q.value(6).toInt() != 0 || q.value(5).toInt() == 0)
                        continue; // failed: in the summary's errors, not a latency
                    auto [slot, added] = clientPerSecond.try_emplace((end - out->originNs) / 1000000000LL, 0);
                    ++slot->second;
                    if (added) {
                        addPoints(1);
                        if (!ok)
                            break;
                    }
                    const QString route = routePaths.value({ q.value(0).toInt(), q.value(1).toInt() }, QStringLiteral("?"));
                    if (out->requests == 0) { // the client's figures are the comparison's
                        auto [routeSlot, routeAdded] = clientRoutePerSecond.try_emplace({ route, (end - out->originNs) / 1000000000LL }, 0);
                        ++routeSlot->second;
                        if (routeAdded) {
                            addPoints(1);
                            if (!ok)
                                break;
                        }
                    }
                    std::shared_ptr<HdrHistogram>& h = out->clientLatency[route];
                    if (!h) {
                        if (out->clientLatency.size() > limits.maxLoadRoutes + 1) {
                            refuse(QObject::tr("its load tests name more than %1 distinct routes (the limit)").arg(limits.maxLoadRoutes));
                            break;
                        }
                        h = std::make_shared<HdrHistogram>();
                    }
                    h->recordNs(std::clamp<std::int64_t>(end - instantNs(q.value(2)), 0, qint64 { 1 } << 50));
                }
                if (out->lastLoadNs > 0)
                    lastSeen = std::max(lastSeen, seconds(out->lastLoadNs));
                for (const auto& [second, n] : clientPerSecond)
                    out->clientThroughput.append(QPointF(static_cast<double>(second) + 1, static_cast<double>(n)));
                for (const auto& [key, n] : clientRoutePerSecond)
                    out->routeSeconds[key.first].insert(key.second, n);
            }
            if (ok && (ok = session::execGuarded(q, QStringLiteral("SELECT report FROM experiments ORDER BY id"), opened))) {
                qint64 chars = 0;
                while (q.next()) {
                    if (stop())
                        break;
                    const QString report = q.value(0).toString();
                    chars += report.size();
                    if (out->experiments.size() >= limits.maxExperiments || chars > qint64 { 64 } * limits.maxTextChars) {
                        refuse(QObject::tr("it holds more than %1 experiment runs, or more than %2 characters of them (the limits)")
                                   .arg(limits.maxExperiments)
                                   .arg(qint64 { 64 } * limits.maxTextChars));
                        break;
                    }
                    out->experiments.append(parseObject(report));
                }
            }
            if (!refusal.isEmpty())
                *error = refusal;
            else if (!opened.guard->reason().isEmpty() && (!ok || q.lastError().type() != QSqlError::NoError))
                *error = QObject::tr("%1: %2").arg(file, opened.guard->reason()), ok = false;
            if (!ok && error->isEmpty())
                *error = QObject::tr("cannot read %1: %2").arg(file, q.lastError().text());
            out->durationSeconds = lastSeen;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    if (!ok) {
        const QString keep = out->path;
        *out = SessionSummary(); // nothing half-read reaches a caller
        out->path = keep;
    }
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
        Engine::WorkerInfo w;
        w.index = index;
        w.pid = lastPid.value(index);
        w.state = Engine::WorkerState::Listening;
        feed->workers.append(w);
    }
    feed->snapshot = snapshot;
    feed->running = false;
    feed->policy = settings.value(QStringLiteral("policy")).toString().left(32);
    // What the app could have written: serve's --pool-threads and
    // --max-children ranges (2,000,000,000 threads froze the topology).
    feed->poolThreads = std::clamp(settings.value(QStringLiteral("poolThreads")).toInt(), 1, 1024);
    feed->maxChildren = std::clamp(settings.value(QStringLiteral("maxChildren")).toInt(), 1, 4096);
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
    auto fill = [](const HdrHistogram& h, double seconds) {
        RouteFigures f;
        f.count = static_cast<std::uint64_t>(h.totalCount());
        f.p50Ms = h.percentileMs(50);
        f.p90Ms = h.percentileMs(90);
        f.p99Ms = h.percentileMs(99);
        f.maxMs = h.maxMs();
        f.requestsPerSecond = seconds > 0 ? static_cast<double>(h.totalCount()) / seconds : 0;
        f.histogram = &h;
        return f;
    };
    if (requests > 0) {
        const double seconds = static_cast<double>(lastRequestNs - firstRequestNs) / 1e9;
        for (int r = 0; r < kRouteCount; ++r) {
            if (latency[static_cast<std::size_t>(r)].totalCount() > 0)
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
    QString what = settings.value(QStringLiteral("policy")).toString().left(32);
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

bool exportSessionRequests(const QString& sessionPath, QIODevice* out, bool json, QString* error,
                           const session::ReadOptions& options)
{
    const QString name = session::newConnectionName("export");
    bool ok = false;
    {
        QSqlDatabase db;
        session::OpenedSession opened;
        if (session::openForReading(sessionPath, name, &db, error, &opened, options)) {
            // The recording's version and wall-clock start, for every CSV row.
            QString version;
            QString created;
            {
                QSqlQuery meta(db);
                if (session::execGuarded(meta, QStringLiteral("SELECT key, value FROM meta WHERE key IN ('app_version', 'created_utc')"),
                                         opened)) {
                    while (meta.next())
                        (meta.value(0).toString() == QLatin1String("app_version") ? version : created) = meta.value(1).toString();
                }
            }
            const QByteArray runColumns = TelemetryAggregator::csvRunColumns(version, created);
            QSqlQuery q(db);
            q.setForwardOnly(true);
            ok = session::execGuarded(q, QStringLiteral("SELECT headers_ns, worker, pid, connection, seq, route, path, n, status, bytes, "
                                       "queue_ns, compute_ns, spawn_ns, total_ns, thread_or_task FROM requests ORDER BY rowid"), opened);
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
                    buf += TelemetryAggregator::csvRow(r, runColumns);
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
