// SPDX-License-Identifier: GPL-3.0-or-later
#include "verdictrules.h"

#include <QJsonArray>

namespace clusterlab::experiment::rules {


const ExperimentResult* find(const Results& results, const QString& name)
{
    for (const ExperimentResult& r : results) {
        if (r.name == name && r.error.isEmpty() && !r.cancelled)
            return &r;
    }
    return nullptr;
}

QString n0(double v)
{
    return QString::number(v, 'f', 0);
}

QString n2(double v)
{
    return QString::number(v, 'f', 2);
}

QString n3(double v)
{
    return QString::number(v, 'f', 3);
}

VerdictCell notMeasured(const QString& experiment, const QString& why)
{
    VerdictCell c;
    c.verdict = Verdict::NotMeasured;
    c.evidence = why.isEmpty() ? QStringLiteral("Run the %1 experiment to measure this.").arg(experiment) : why;
    return c;
}

// The claim "a is better than b" with a's and b's rounds: confirmed when a
// is decidedly greater, contradicted when decidedly less.
Verdict claimGreater(const Estimate& a, const Estimate& b)
{
    switch (compare(a, b)) {
    case Order::Greater: return Verdict::Confirmed;
    case Order::Less: return Verdict::Contradicted;
    case Order::Undecided: break;
    }
    return Verdict::NotDecided;
}

// The same claim on rounds measured side by side (see comparePaired).
Verdict claimGreaterPaired(const QList<double>& a, const QList<double>& b)
{
    switch (comparePaired(a, b)) {
    case Order::Greater: return Verdict::Confirmed;
    case Order::Less: return Verdict::Contradicted;
    case Order::Undecided: break;
    }
    return Verdict::NotDecided;
}

// " (2.06×, 95%: 1.95–2.17)": a paired ratio for the evidence.
QString ratioText(const QList<double>& a, const QList<double>& b)
{
    const Estimate r = ratioEstimate(a, b);
    if (r.rounds < 2)
        return {};
    return QStringLiteral(" (%1×, 95%: %2–%3)")
        .arg(QString::number(r.mean, 'f', 2), QString::number(r.low, 'f', 2), QString::number(r.high, 'f', 2));
}

VerdictCell cell(const QString& source, const QString& chart, Verdict v, const QString& evidence)
{
    VerdictCell c;
    c.source = source;
    c.chart = chart;
    c.verdict = v;
    c.evidence = evidence;
    return c;
}

QString topN(const ExperimentResult& r)
{
    const QJsonArray ns = r.data.value(QStringLiteral("n")).toArray();
    return ns.isEmpty() ? QStringLiteral("30") : QString::number(ns.last().toInt());
}

int wideOf(const ExperimentResult& r)
{
    return qMax(2, r.data.value(QStringLiteral("wideConcurrency")).toInt());
}

} // namespace clusterlab::experiment::rules
