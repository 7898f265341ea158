// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "result.h"
#include "stats.h"
#include "verdict.h"

#include <QList>
#include <QString>

// What every experiment's verdict rules use: its result among a run's, a
// cell, "not measured", claims decided on intervals, ratios in words.
namespace clusterlab::experiment::rules {

using Results = QList<ExperimentResult>;

// The experiment's result in a run (none when it failed or was cancelled).
const ExperimentResult* find(const Results& results, const QString& name);

// A cell nobody measured: which experiment would (or why not).
VerdictCell notMeasured(const QString& experiment, const QString& why = {});

// Numbers for the evidence, with 0, 2 or 3 decimals.
QString n0(double v);
QString n2(double v);
QString n3(double v);

// The claim "a is better than b" with a's and b's rounds: confirmed when a
// is decidedly greater, contradicted when decidedly less.
Verdict claimGreater(const Estimate& a, const Estimate& b);

// The same claim on rounds measured side by side (see comparePaired).
Verdict claimGreaterPaired(const QList<double>& a, const QList<double>& b);

// " (2.06×, 95%: 1.95–2.17)": a paired ratio for the evidence.
QString ratioText(const QList<double>& a, const QList<double>& b);

VerdictCell cell(const QString& source, const QString& chart, Verdict v, const QString& evidence);

// The heaviest n a crossover sweep ran, and a wide run's concurrency.
QString topN(const ExperimentResult& r);
int wideOf(const ExperimentResult& r);

} // namespace clusterlab::experiment::rules
