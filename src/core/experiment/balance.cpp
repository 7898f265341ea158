// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "server/distributionpolicy.h"

#include <QJsonArray>

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

QString BalanceExperiment::question() const
{
    return QStringLiteral("How evenly do round-robin, a shared socket and SO_REUSEPORT spread requests over workers, with "
                          "a new connection per request and with keep-alive?");
}

double BalanceExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return 3 * (2 * s.effectiveRounds() * (qMax(0.05, (s.quick ? 0.2 : 0.6) * s.timeScale) + 0.02) + 0.4);
}

void BalanceExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int workers = qMax(2, lab.workers());
    const std::int64_t step = lab.stepMs(0.2, 0.6);
    r.method = QStringLiteral("%1 workers serve `/` under each distribution policy available here. \"New connection\": "
                              "8 connections, each request on a fresh one. \"Keep-alive\": %2 connections kept open "
                              "(one more than the workers). Each worker's share of the requests from the X-Worker-Pid "
                              "header; Jain's fairness index (1 = even, 1/%1 = all on one worker). %3 s per run, %4 "
                              "rounds.")
                   .arg(workers)
                   .arg(workers + 1)
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds());
    QList<DistributionPolicy> policies;
    QStringList names;
    QStringList skipped;
    for (DistributionPolicy p : { DistributionPolicy::RoundRobin, DistributionPolicy::Shared, DistributionPolicy::ReusePort }) {
        if (policyUnsupportedReason(p).isEmpty()) {
            policies.append(p);
            names.append(policyName(p));
        } else {
            skipped.append(policyName(p) + QStringLiteral(" (") + policyUnsupportedReason(p) + QLatin1Char(')'));
        }
    }
    QJsonObject shares;
    for (qsizetype i = 0; i < policies.size(); ++i) {
        ClusterConfig config;
        config.workers = workers;
        config.policy = policies[i];
        config.telemetry = false;
        QString error;
        if (!lab.startCluster(config, &error)) {
            if (stopIfCancelled(lab, r))
                return;
            // A policy this runtime refuses (Node's reusePort before 22.12)
            // is "not available here", with the runtime's reason.
            if (lab.onNode() && policies[i] == DistributionPolicy::ReusePort) {
                skipped.append(names[i] + QStringLiteral(" (") + error + QLatin1Char(')'));
                names.removeAt(i);
                policies.removeAt(i);
                --i;
                continue;
            }
            failRun(r, QStringLiteral("cannot start the %1 cluster: %2").arg(names[i], error));
            return;
        }
        for (int round = 0; round < lab.rounds(); ++round) {
            lab.progress(QStringLiteral("%1, round %2/%3").arg(names[i]).arg(round + 1).arg(lab.rounds()),
                         static_cast<double>(i * lab.rounds() + round) / static_cast<double>(policies.size() * lab.rounds()));
            for (const bool keepAlive : { false, true }) {
                const Lab::LoadRun run = loadStep(lab, loadOf("/", keepAlive ? workers + 1 : 8, step, keepAlive), r);
                if (stopIfCancelled(lab, r))
                    return;
                QList<double> counts;
                QJsonArray countArray;
                for (const Engine::WorkerInfo& w : lab.cluster()->workers()) {
                    const double c = static_cast<double>(run.summary.perWorker.value(w.pid, 0));
                    counts.append(c);
                    countArray.append(c);
                }
                const QString mode = keepAlive ? QStringLiteral("keepalive") : QStringLiteral("new");
                r.add(QStringLiteral("jain.%1.%2").arg(names[i], mode), jainIndex(counts));
                shares.insert(QStringLiteral("%1.%2").arg(names[i], mode), countArray);
            }
        }
    }
    lab.stopCluster();
    r.data.insert(QStringLiteral("lastRoundRequestsPerWorker"), shares);
    if (!skipped.isEmpty())
        r.data.insert(QStringLiteral("skipped"), skipped.join(QStringLiteral("; ")));
    Chart chart { QStringLiteral("balance-fairness"), QStringLiteral("Fairness of the spread over %1 workers").arg(workers),
                  QString(), QStringLiteral("Jain's index (1 = even)"), false, false, true, names, {} };
    QList<Estimate> fresh;
    QList<Estimate> kept;
    for (const QString& n : names) {
        fresh.append(r.metric(QStringLiteral("jain.%1.new").arg(n)));
        kept.append(r.metric(QStringLiteral("jain.%1.keepalive").arg(n)));
    }
    chart.lines = { lineOf(QStringLiteral("new connection per request"), categoryXs(static_cast<int>(names.size())), fresh),
                    lineOf(QStringLiteral("keep-alive, %1 connections").arg(workers + 1),
                           categoryXs(static_cast<int>(names.size())), kept) };
    r.charts = { chart };
    QStringList parts;
    for (qsizetype i = 0; i < names.size(); ++i)
        parts << QStringLiteral("%1 %2 / %3").arg(names[i], num(fresh[i].mean, 3), num(kept[i].mean, 3));
    r.findings.append(QStringLiteral("Jain's index, new connection per request / keep-alive: %1.").arg(parts.join(QStringLiteral("; "))));
    r.findings.append(QStringLiteral("With keep-alive the unit of balancing is the connection: %1 connections over %2 "
                                     "workers cannot split evenly, whatever the policy.")
                          .arg(workers + 1)
                          .arg(workers));
    if (!skipped.isEmpty())
        r.findings.append(QStringLiteral("Not available here: %1.").arg(skipped.join(QStringLiteral(", "))));
}

} // namespace clusterlab::experiment
