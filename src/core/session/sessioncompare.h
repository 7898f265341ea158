// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "session/sessionreader.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace clusterlab {

// One B/A ratio with its 95% interval, and what it says: a difference is
// only called one when the interval leaves 1 (benchstat's way for Go
// benchmarks); otherwise "~".
struct RatioInterval
{
    enum class Verdict { NotComparable, NoDifference, Differs };
    double ratio = 0; // B / A of the point estimates
    double low = 0;   // the 95% interval of the ratio
    double high = 0;
    Verdict verdict = Verdict::NotComparable;
    QString why;      // NotComparable: the reason ("fewer than 20 requests on side A")

    bool differs() const { return verdict == Verdict::Differs; }
    // "1.20× (1.12–1.29)", "~ (no difference at 95%)" or "n/a (why)".
    QString text() const;
};

// Two groups of sessions compared route by route: A (one or more runs)
// against B. How the intervals are found depends on what each side holds:
//  - one run on a side: that side's variation within its run, by bootstrap
//    (latency percentiles: the run's requests resampled, from its
//    histogram; throughput: its per-second counts, a mean's interval);
//  - several runs on each side: the variation between runs (Welch's t on
//    the logarithms of each run's figure), which also holds what drifts
//    from run to run on a shared machine, and so is the one to trust.
// A percentile needs at least 10 requests beyond it on each side (p50: 20,
// p99: 1,000) and a throughput kMinSeconds whole seconds, else "n/a".
struct RunComparison
{
    static constexpr int kMinSeconds = 3;
    static constexpr int kReplicates = 1000; // bootstrap resamples

    struct Side
    {
        QStringList titles;
        int runs = 0;
        quint64 requests = 0; // answered, every route
        bool byClient = false;
    };
    struct Route
    {
        QString route;
        quint64 aCount = 0, bCount = 0;
        double aP50 = 0, bP50 = 0, aP99 = 0, bP99 = 0; // ms, the side's runs pooled
        double aRps = 0, bRps = 0;                     // mean answered requests per whole second
        RatioInterval p50, p99, throughput;
    };
    Side a, b;
    QList<Route> routes;
    QString method; // how the intervals were found, in a sentence

    // `seed` makes the bootstrap repeatable.
    static RunComparison of(const QList<const SessionSummary*>& a, const QList<const SessionSummary*>& b, std::uint64_t seed = 1);
    QString toText() const; // the table `clusterlab compare` prints
    QJsonObject toJson() const;
};

} // namespace clusterlab
