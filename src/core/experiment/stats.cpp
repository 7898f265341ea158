// SPDX-License-Identifier: GPL-3.0-or-later
#include "stats.h"

#include <QtMath>

#include <algorithm>
#include <array>

namespace clusterlab::experiment {

namespace {
// Two-sided 95% Student's t for 1..30 degrees of freedom; 1.96 beyond.
double tCritical(int dof)
{
    static constexpr std::array<double, 30> table { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
                                                    2.228,  2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101,
                                                    2.093,  2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
                                                    2.048,  2.045, 2.042 };
    if (dof <= 0)
        return 0;
    return dof <= 30 ? table[static_cast<std::size_t>(dof - 1)] : 1.96;
}
} // namespace

double medianOf(QList<double> values)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

Estimate estimate(const QList<double>& values)
{
    Estimate e;
    e.rounds = static_cast<int>(values.size());
    if (values.isEmpty())
        return e;
    double sum = 0;
    for (double v : values)
        sum += v;
    e.mean = sum / static_cast<double>(values.size());
    e.median = medianOf(values);
    if (values.size() < 2) {
        e.low = e.high = e.mean;
        return e;
    }
    double ss = 0;
    for (double v : values)
        ss += (v - e.mean) * (v - e.mean);
    const double sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
    const double half = tCritical(e.rounds - 1) * sd / std::sqrt(static_cast<double>(values.size()));
    e.low = e.mean - half;
    e.high = e.mean + half;
    return e;
}

Order compare(const Estimate& a, const Estimate& b)
{
    if (a.rounds < 2 || b.rounds < 2)
        return Order::Undecided;
    if (a.low > b.high)
        return Order::Greater;
    if (a.high < b.low)
        return Order::Less;
    return Order::Undecided;
}

Estimate ratioEstimate(const QList<double>& a, const QList<double>& b)
{
    // On logarithms: ratios multiply, and a tail round (one stall) weighs
    // as a factor, not as an absolute amount. The mean is the geometric
    // mean of the ratios, the interval exp() of the logs' interval.
    QList<double> logs;
    if (a.size() != b.size())
        return {};
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (b[i] <= 0 || a[i] <= 0)
            return {};
        logs.append(std::log(a[i] / b[i]));
    }
    Estimate e = estimate(logs);
    e.mean = std::exp(e.mean);
    e.low = std::exp(e.low);
    e.high = std::exp(e.high);
    e.median = std::exp(e.median);
    return e;
}

Order comparePaired(const QList<double>& a, const QList<double>& b)
{
    if (a.size() != b.size())
        return compare(estimate(a), estimate(b));
    const Estimate r = ratioEstimate(a, b);
    if (r.rounds < 2)
        return Order::Undecided;
    if (r.low > 1)
        return Order::Greater;
    if (r.high < 1)
        return Order::Less;
    return Order::Undecided;
}

double jainIndex(const QList<double>& shares)
{
    double sum = 0;
    double squares = 0;
    for (double x : shares) {
        sum += x;
        squares += x * x;
    }
    if (shares.isEmpty() || squares <= 0)
        return 0;
    return sum * sum / (static_cast<double>(shares.size()) * squares);
}

QString Estimate::text(int decimals, const QString& unit) const
{
    const QString u = unit.isEmpty() ? QString() : QLatin1Char(' ') + unit;
    if (rounds < 2)
        return QString::number(mean, 'f', decimals) + u;
    return QStringLiteral("%1%2 (95%: %3–%4)")
        .arg(QString::number(mean, 'f', decimals), u, QString::number(low, 'f', decimals),
             QString::number(high, 'f', decimals));
}

} // namespace clusterlab::experiment
