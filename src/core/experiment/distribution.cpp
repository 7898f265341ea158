// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "distributionstats.h"
#include "experimentsupport.h"
#include "verdictrules.h"

#include "cluster/nodeengine.h"
#include "server/distributionpolicy.h"

#include <QJsonArray>

#include <algorithm>
#include <map>
#include <set>

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

namespace {

// The policies a run measures on an engine, by their metric names, with the
// cluster setting that gives each. "default" is the engine's own default:
// the native engine's round-robin, Node's cluster module left alone.
struct PolicyRun
{
    QString name;                  // "default", "round-robin", "shared", "reuseport"
    DistributionPolicy policy = DistributionPolicy::RoundRobin;
    bool nodeDefault = false;      // --policy node-default
};

QString thisOs()
{
#if defined(Q_OS_LINUX)
    return QStringLiteral("linux");
#elif defined(Q_OS_WIN)
    return QStringLiteral("windows");
#elif defined(Q_OS_MACOS)
    return QStringLiteral("macos");
#else
    return QStringLiteral("other");
#endif
}

QString osName(const QString& os)
{
    if (os == QLatin1String("linux"))
        return QStringLiteral("Linux");
    if (os == QLatin1String("windows"))
        return QStringLiteral("Windows");
    if (os == QLatin1String("macos"))
        return QStringLiteral("macOS");
    return os;
}

QString pct(double fraction)
{
    return QStringLiteral("%1%").arg(QString::number(100.0 * fraction, 'f', 0));
}

} // namespace

QString DistributionExperiment::question() const
{
    return QStringLiteral("When new connections reach the cluster's port one after another, which worker serves each, "
                          "and who decides — the operating system or the primary? And with keep-alive, do requests "
                          "follow the connection?");
}

double DistributionExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    // Four policies at most; per round k short requests, then a keep-alive run.
    return 4 * (s.effectiveRounds() * (s.quick ? 0.25 : 0.6) + 0.5);
}

void DistributionExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int workers = qMax(2, lab.workers());
    // Enough that one hiccup of a busy machine (a phase shift: up to
    // workers + 1 misses) leaves a rotation above kStrictRotationAtLeast.
    const int k = lab.repeats(20 * workers, 50 * workers);
    const int keepAliveConnections = 2 * workers + 1;
    const int perConnection = lab.repeats(10, 20);
    const bool node = lab.onNode();
    r.method = QStringLiteral("%1: a cluster of %2 workers (one per core, as the seed's Q1 has it) under each distribution "
                              "policy this engine offers here%3. New connections: %4 requests to `/`, one after another, "
                              "each on a fresh connection; the X-Worker-Pid of each answer gives the sequence of workers, "
                              "and from it the fraction that follows strict rotation (the worker %2 places back, not the "
                              "previous one), the longest run on one worker, Jain's index and the busiest worker's "
                              "share. Keep-alive: %5 connections send %6 requests each; a connection is pinned when all "
                              "its requests reach one worker. %7 rounds.")
                   .arg(lab.variant().engine == EngineKind::Node ? QStringLiteral("Node.js") : QStringLiteral("Native"))
                   .arg(workers)
                   .arg(node ? QStringLiteral(", and with Node's cluster module left to its own default") : QString())
                   .arg(k)
                   .arg(keepAliveConnections)
                   .arg(perConnection)
                   .arg(lab.rounds());
    QList<PolicyRun> policies;
    if (node)
        policies.append(PolicyRun { QStringLiteral("default"), DistributionPolicy::RoundRobin, true });
    for (DistributionPolicy p : { DistributionPolicy::RoundRobin, DistributionPolicy::Shared, DistributionPolicy::ReusePort })
        policies.append(PolicyRun { policyName(p), p, false });
    r.data.insert(QStringLiteral("os"), thisOs());
    r.data.insert(QStringLiteral("engine"), node ? QStringLiteral("node") : QStringLiteral("native"));
    r.data.insert(QStringLiteral("workers"), workers);
    r.data.insert(QStringLiteral("defaultPolicy"), node ? QStringLiteral("default") : policyName(ClusterConfig().policy));
    const QByteArray envPolicy = qgetenv("NODE_CLUSTER_SCHED_POLICY");
    if (node && !envPolicy.isEmpty())
        r.data.insert(QStringLiteral("nodeClusterSchedPolicyEnv"), QString::fromLatin1(envPolicy));
    QStringList measured;
    QStringList skipped;
    QJsonObject sequences;
    for (qsizetype i = 0; i < policies.size(); ++i) {
        const PolicyRun& p = policies[i];
        if (!node) {
            const QString why = policyUnsupportedReason(p.policy);
            if (!why.isEmpty()) {
                skipped.append(QStringLiteral("%1 (%2)").arg(p.name, why));
                continue;
            }
        }
        ClusterConfig config;
        config.workers = workers;
        config.policy = p.policy;
        config.telemetry = false;
        if (p.nodeDefault)
            config.extraWorkerArgs << QStringLiteral("--policy") << QStringLiteral("node-default");
        QString error;
        lab.progress(QStringLiteral("%1: starting").arg(p.name), static_cast<double>(i) / static_cast<double>(policies.size()));
        if (!lab.startCluster(config, &error)) {
            if (stopIfCancelled(lab, r))
                return;
            // A policy this runtime refuses (reusePort before Node 22.12)
            // is "not available here", said with the runtime's reason.
            if (node && p.policy == DistributionPolicy::ReusePort) {
                skipped.append(QStringLiteral("%1 (%2)").arg(p.name, error));
                continue;
            }
            failRun(r, QStringLiteral("cannot start the %1 cluster: %2").arg(p.name, error));
            return;
        }
        if (p.nodeDefault) {
            if (const auto* nodeEngine = dynamic_cast<const NodeEngine*>(lab.cluster()))
                r.data.insert(QStringLiteral("nodeDefaultScheduling"), nodeEngine->scheduling());
        }
        QList<qint64> pids;
        for (const Engine::WorkerInfo& w : lab.cluster()->workers())
            pids.append(w.pid);
        lab.load(loadOf("/", 1, 50, false)); // warm-up: every worker has accepted before the sequence counts
        for (int round = 0; round < lab.rounds(); ++round) {
            lab.progress(QStringLiteral("%1, round %2/%3").arg(p.name).arg(round + 1).arg(lab.rounds()),
                         (static_cast<double>(i) + static_cast<double>(round) / lab.rounds()) / static_cast<double>(policies.size()));
            LoadConfig fresh = loadOf("/", 1, 0, false);
            fresh.requests = k;
            fresh.keepRecords = true;
            const Lab::LoadRun run = lab.load(fresh);
            if (stopIfCancelled(lab, r))
                return;
            if (!run.error.isEmpty() || run.summary.succeeded == 0)
                return void(failRun(r, QStringLiteral("%1: the new connections got no answer: %2").arg(p.name, whyNothing(run))));
            std::vector<LoadRecord> records = run.records;
            std::sort(records.begin(), records.end(), [](const LoadRecord& a, const LoadRecord& b) { return a.startNs < b.startNs; });
            QList<qint64> servedBy;
            for (const LoadRecord& rec : records) {
                if (rec.status == 200)
                    servedBy.append(rec.workerPid);
            }
            const DistributionStats st = analyzeDistribution(servedBy, pids);
            r.add(QStringLiteral("rotation.") + p.name, st.strictRotation);
            r.add(QStringLiteral("longestRun.") + p.name, st.longestRun);
            r.add(QStringLiteral("jain.") + p.name, st.jain);
            r.add(QStringLiteral("maxShare.") + p.name, st.maxShare);
            r.add(QStringLiteral("repeats.") + p.name, st.connections > 1 ? static_cast<double>(st.repeats) / (st.connections - 1) : 0);
            r.add(QStringLiteral("class.") + p.name, static_cast<double>(classifyDistribution(st)));
            r.add(QStringLiteral("connections.") + p.name, st.connections);
            if (round == lab.rounds() - 1) {
                QStringList seq;
                for (qint64 pid : servedBy.mid(0, 24))
                    seq.append(QStringLiteral("W%1").arg(pids.indexOf(pid) + 1));
                sequences.insert(p.name, seq.join(QLatin1Char(' ')));
            }

            LoadConfig kept = loadOf("/", keepAliveConnections, 0, true);
            kept.requests = static_cast<std::int64_t>(keepAliveConnections) * perConnection;
            kept.keepRecords = true;
            const Lab::LoadRun keptRun = lab.load(kept);
            if (stopIfCancelled(lab, r))
                return;
            std::map<std::uint64_t, std::set<std::int64_t>> workersOf; // server connection -> workers seen
            std::set<std::int64_t> used;
            for (const LoadRecord& rec : keptRun.records) {
                if (rec.status != 200 || rec.workerPid == 0)
                    continue;
                // One client connection may be replaced (a server's close):
                // the server's connection id tells them apart.
                const std::uint64_t key = (static_cast<std::uint64_t>(rec.clientConnection) << 40) ^ rec.serverConnectionId;
                workersOf[key].insert(rec.workerPid);
                used.insert(rec.workerPid);
            }
            int pinned = 0;
            for (const auto& [connection, seen] : workersOf)
                pinned += seen.size() == 1 ? 1 : 0;
            if (!workersOf.empty())
                r.add(QStringLiteral("pinned.") + p.name, static_cast<double>(pinned) / static_cast<double>(workersOf.size()));
            r.add(QStringLiteral("keepAliveWorkersUsed.") + p.name, static_cast<double>(used.size()));
        }
        measured.append(p.name);
    }
    lab.stopCluster();
    r.data.insert(QStringLiteral("policies"), QJsonArray::fromStringList(measured));
    r.data.insert(QStringLiteral("lastRoundSequence"), sequences);
    if (!skipped.isEmpty())
        r.data.insert(QStringLiteral("skipped"), skipped.join(QStringLiteral("; ")));

    Chart chart { QStringLiteral("distribution-rotation"),
                  QStringLiteral("Who picks the worker for each new connection (%1 workers)").arg(workers), QString(),
                  QStringLiteral("fraction of connections"), false, false, true, measured, {} };
    QList<Estimate> rotation;
    QList<Estimate> repeats;
    QList<Estimate> share;
    for (const QString& n : measured) {
        rotation.append(r.metric(QStringLiteral("rotation.") + n));
        repeats.append(r.metric(QStringLiteral("repeats.") + n));
        share.append(r.metric(QStringLiteral("maxShare.") + n));
    }
    const QList<double> xs = categoryXs(static_cast<int>(measured.size()));
    chart.lines = { lineOf(QStringLiteral("in strict rotation"), xs, rotation),
                    lineOf(QStringLiteral("same worker as the previous one"), xs, repeats),
                    lineOf(QStringLiteral("busiest worker's share"), xs, share) };
    r.charts = { chart };
    for (const QString& n : measured) {
        const auto d = static_cast<Distribution>(static_cast<int>(r.value(QStringLiteral("class.") + n, 0)));
        r.findings.append(QStringLiteral("%1: %2 — %3 of new connections in strict rotation, the same worker twice in a row "
                                         "%4 of the time, longest run %5, Jain %6; %7 of keep-alive connections pinned "
                                         "to one worker. Last sequence: %8.")
                              .arg(n == QLatin1String("default") ? QStringLiteral("Node's default (%1)")
                                                                        .arg(r.data.value(QStringLiteral("nodeDefaultScheduling")).toString())
                                                                 : n,
                                   distributionName(d), pct(r.value(QStringLiteral("rotation.") + n, 0)),
                                   pct(r.value(QStringLiteral("repeats.") + n, 0)),
                                   num(r.value(QStringLiteral("longestRun.") + n, 0), 0),
                                   num(r.value(QStringLiteral("jain.") + n, 0), 2),
                                   pct(r.value(QStringLiteral("pinned.") + n, 0)),
                                   sequences.value(n).toString()));
    }
    if (!skipped.isEmpty())
        r.findings.append(QStringLiteral("Not available here: %1.").arg(skipped.join(QStringLiteral(", "))));
}

// ---- its verdicts (the seed's Q2 table, and its 10-request example)

namespace {

// The engine's default policy's class, and the words for it.
struct DefaultSeen
{
    const ExperimentResult* result = nullptr;
    QString policy;  // metric name: "default" or "round-robin"
    Distribution distribution = Distribution::TooFew;
    QString engineWords; // "Node's default (SCHED_RR)" or "ClusterLab's default (round-robin)"
};

DefaultSeen defaultOf(const ExperimentResult* r)
{
    DefaultSeen d;
    d.result = r;
    d.policy = r->data.value(QStringLiteral("defaultPolicy")).toString();
    d.distribution = r->has(QStringLiteral("class.") + d.policy)
        ? static_cast<Distribution>(static_cast<int>(r->value(QStringLiteral("class.") + d.policy, 0)))
        : Distribution::TooFew;
    const bool node = r->data.value(QStringLiteral("engine")).toString() == QLatin1String("node");
    if (node) {
        const QString s = r->data.value(QStringLiteral("nodeDefaultScheduling")).toString();
        d.engineWords = QStringLiteral("Node's default policy (%1)")
                            .arg(s == QLatin1String("rr") ? QStringLiteral("SCHED_RR: the primary accepts and hands out")
                                 : s == QLatin1String("none") ? QStringLiteral("SCHED_NONE: the workers accept")
                                                              : s);
    } else {
        d.engineWords = QStringLiteral("ClusterLab's default policy (%1: the primary accepts and hands out)").arg(d.policy);
    }
    return d;
}

QString sequenceText(const ExperimentResult* r, const QString& policy)
{
    const QString s = r->data.value(QStringLiteral("lastRoundSequence")).toObject().value(policy).toString();
    return s.isEmpty() ? QString() : QStringLiteral(" (%1 …)").arg(s.section(QLatin1Char(' '), 0, 11));
}

QString otherPoliciesText(const ExperimentResult* r, const QString& except)
{
    QStringList parts;
    for (const QJsonValue& v : r->data.value(QStringLiteral("policies")).toArray()) {
        const QString n = v.toString();
        if (n == except)
            continue;
        const auto d = static_cast<Distribution>(static_cast<int>(r->value(QStringLiteral("class.") + n, 0)));
        parts.append(QStringLiteral("%1: %2, %3 in rotation").arg(n, distributionName(d), pct(r->value(QStringLiteral("rotation.") + n, 0))));
    }
    return parts.isEmpty() ? QString() : QStringLiteral(" Other policies: %1.").arg(parts.join(QStringLiteral("; ")));
}

VerdictCell linuxDefault(const ExperimentResult* r)
{
    const QString os = r->data.value(QStringLiteral("os")).toString();
    const DefaultSeen d = defaultOf(r);
    const QString chart = QStringLiteral("distribution-rotation");
    if (os != QLatin1String("linux"))
        return cell(QLatin1String(DistributionExperiment::kName), chart, Verdict::NotDecided,
                    QStringLiteral("Measured on %1, not Linux.").arg(osName(os)));
    Verdict v = Verdict::NotDecided;
    QString what;
    switch (d.distribution) {
    case Distribution::StrictRotation:
        v = Verdict::Contradicted;
        what = QStringLiteral("the primary, not the OS, deals new connections out in strict rotation");
        break;
    case Distribution::KernelSpread:
    case Distribution::OneWorker:
        v = Verdict::Confirmed;
        what = QStringLiteral("the OS picks: %1").arg(distributionName(d.distribution));
        break;
    case Distribution::TooFew:
        what = distributionName(d.distribution);
        break;
    }
    return cell(QLatin1String(DistributionExperiment::kName), chart, v,
                QStringLiteral("With %1, %2: %3 of %4 new connections followed strict rotation%5, the same worker twice "
                               "in a row %6 of the time.%7%8")
                    .arg(d.engineWords, what, pct(r->value(QStringLiteral("rotation.") + d.policy, 0)),
                         num(r->value(QStringLiteral("connections.") + d.policy, 0), 0), sequenceText(r, d.policy),
                         pct(r->value(QStringLiteral("repeats.") + d.policy, 0)), otherPoliciesText(r, d.policy),
                         r->data.contains(QStringLiteral("nodeClusterSchedPolicyEnv"))
                             ? QStringLiteral(" NODE_CLUSTER_SCHED_POLICY=%1 was set in this environment.")
                                   .arg(r->data.value(QStringLiteral("nodeClusterSchedPolicyEnv")).toString())
                             : QString()));
}

VerdictCell windowsMac(const ExperimentResult* r)
{
    const QString os = r->data.value(QStringLiteral("os")).toString();
    const QString chart = QStringLiteral("distribution-rotation");
    if (os != QLatin1String("windows") && os != QLatin1String("macos"))
        return cell(QLatin1String(DistributionExperiment::kName), chart, Verdict::NotDecided,
                    QStringLiteral("Measured on %1: run the experiment on Windows or macOS to decide this row (Node's "
                                   "documentation says SCHED_RR is its default everywhere except Windows).")
                        .arg(osName(os)));
    const DefaultSeen d = defaultOf(r);
    Verdict v = Verdict::NotDecided;
    if (d.distribution == Distribution::StrictRotation)
        v = Verdict::Confirmed;
    else if (d.distribution != Distribution::TooFew)
        v = Verdict::Contradicted;
    return cell(QLatin1String(DistributionExperiment::kName), chart, v,
                QStringLiteral("On %1, with %2: %3, %4 of new connections in strict rotation%5.")
                    .arg(osName(os), d.engineWords, distributionName(d.distribution),
                         pct(r->value(QStringLiteral("rotation.") + d.policy, 0)), sequenceText(r, d.policy)));
}

// The seed's example: 10 requests go W1 W2 W3 W4 W1 … With keep-alive (a
// browser's, a load tester's) the requests of one connection all reach the
// worker that accepted it: the unit of distribution is the connection.
VerdictCell requestsRotate(const ExperimentResult* r)
{
    const DefaultSeen d = defaultOf(r);
    const QList<double> pinned = r->metrics.value(QStringLiteral("pinned.") + d.policy);
    Verdict v = Verdict::NotDecided;
    if (!pinned.isEmpty() && std::all_of(pinned.cbegin(), pinned.cend(), [](double x) { return x >= 0.99; }))
        v = Verdict::Contradicted;
    else if (!pinned.isEmpty() && std::all_of(pinned.cbegin(), pinned.cend(), [](double x) { return x <= 0.5; }))
        v = Verdict::Confirmed;
    return cell(QLatin1String(DistributionExperiment::kName), QStringLiteral("distribution-rotation"), v,
                QStringLiteral("With keep-alive, %1 of connections kept all their requests on one worker (%2); the "
                               "requests of a connection do not rotate, only new connections do — and under this "
                               "policy%3 those %4.")
                    .arg(pct(pinned.isEmpty() ? 0 : medianOf(pinned)), d.engineWords, QString(),
                         d.distribution == Distribution::StrictRotation ? QStringLiteral("follow strict rotation")
                                                                        : distributionName(d.distribution)));
}

} // namespace

QList<DistributionRow> DistributionExperiment::rows(const QList<ExperimentResult>& results)
{
    // One verdict per engine (the offload mode does not matter here).
    QList<const ExperimentResult*> runs;
    for (const char* engine : { "native", "node" }) {
        for (const ExperimentResult& r : results) {
            if (r.name == QLatin1String(kName) && r.error.isEmpty() && !r.cancelled && r.variant == QLatin1String(engine)) {
                runs.append(&r);
                break;
            }
        }
    }
    if (runs.isEmpty())
        return {};
    const struct
    {
        const char* platform;
        const char* claim;
        VerdictCell (*rule)(const ExperimentResult*);
    } table[] = {
        { "Linux (default)", "OS uses round-robin or CPU load to assign", &linuxDefault },
        { "Windows/macOS", "Node.js uses internal round-robin logic", &windowsMac },
        { "10 requests to port 3000", "Request 1 → W1, Request 2 → W2, … (each request to the next worker)", &requestsRotate },
    };
    QList<DistributionRow> out;
    for (const auto& row : table) {
        DistributionRow d;
        d.platform = QString::fromUtf8(row.platform);
        d.claim.seedClaim = QString::fromUtf8(row.claim);
        d.claim.claimYes = true;
        d.claim.perEngine = true;
        for (const ExperimentResult* r : runs) {
            VerdictCell c = row.rule(r);
            c.variant = r->variant;
            c.sourceVariant = r->variant;
            d.claim.engines.append(c);
        }
        if (d.claim.enginesDiffer()) {
            QStringList said;
            for (const VerdictCell& c : d.claim.engines)
                said.append(QStringLiteral("%1 %2").arg(engineLabel(d.claim, c), verdictName(c.verdict)));
            d.claim.why = QStringLiteral("Decided differently (%1): each engine's default policy is what is measured.")
                              .arg(said.join(QStringLiteral("; ")));
        }
        out.append(d);
    }
    return out;
}

} // namespace clusterlab::experiment
