// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace clusterlab::experiment {

// A quantity measured in repeated rounds: its mean and a 95% confidence
// interval (Student's t), so that two quantities are only called different
// when their intervals do not overlap.
struct Estimate
{
    int rounds = 0;
    double mean = 0;
    double low = 0;  // 95% interval; = mean with one round
    double high = 0;
    double median = 0;

    bool valid() const { return rounds > 0; }
    // "12.3 (11.8–12.9)" with the given unit and precision.
    QString text(int decimals = 1, const QString& unit = {}) const;
};

Estimate estimate(const QList<double>& values);

// How two estimates compare: only "decided" when the intervals are apart
// and there are at least two rounds on each side.
enum class Order { Less, Greater, Undecided };
Order compare(const Estimate& a, const Estimate& b);

// Rounds measured side by side (the same round interleaves both), compared
// by their per-round ratio a_i / b_i: what drifts on a shared machine
// between rounds cancels out. The estimate is of that ratio (geometric
// mean, interval from the logarithms); Greater when its interval lies
// above 1, Less below. Falls back to compare() on the two
// estimates when the rounds do not pair (different counts).
Estimate ratioEstimate(const QList<double>& a, const QList<double>& b);
Order comparePaired(const QList<double>& a, const QList<double>& b);

// Jain's fairness index of shares x1..xn: (Σx)² / (n·Σx²), 1 = perfectly
// even, 1/n = everything to one. 0 for no data.
double jainIndex(const QList<double>& shares);

double medianOf(QList<double> values);

} // namespace clusterlab::experiment
