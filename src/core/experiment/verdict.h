// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "result.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <array>

namespace clusterlab::experiment {

enum class Verdict { Confirmed, Contradicted, NotDecided, NotMeasured };
QString verdictName(Verdict v);   // "confirmed", "contradicted", "not decided here", "not measured"
QString verdictSymbol(Verdict v); // "✓", "✗", "?", "–"

// One cell of the seed's summary table: what the seed claims (✅ or ❌), what
// was measured, and the verdict. source/chart name where the evidence came
// from (an experiment and one of its charts).
struct VerdictCell
{
    QString seedClaim;   // the seed's own text: "✅", "❌", "✅ (fine-grained)"
    bool claimYes = false;
    Verdict verdict = Verdict::NotMeasured;
    QString evidence;
    QString source;      // experiment name; empty when nothing was measured
    QString chart;       // chart id within it

    QJsonObject toJson() const;
};

// "yes", "no", "yes (fine-grained)": the claim in words (the seed's emoji
// are missing from many fonts, PDF ones included).
QString claimText(const VerdictCell& cell);

struct VerdictRow
{
    QString useCase;
    std::array<VerdictCell, 3> cells; // Cluster, Worker Threads, Child Process
};

// The seed's table, filled in from results (any subset of experiments: a
// cell whose experiment did not run says "not measured"). The rules are
// plain code, one function per cell, in the file of the
// experiment that measures it (scaling.cpp, crossover.cpp, …); verdict.cpp
// lays the table out.
struct VerdictTable
{
    static QStringList columns(); // "Cluster", "Worker Threads", "Child Process"
    QList<VerdictRow> rows;

    static VerdictTable decide(const QList<ExperimentResult>& results, int cores);
    QJsonObject toJson() const;
    // A fixed-width table for the terminal, then the evidence per cell.
    QString toText() const;
    int count(Verdict v) const;
};

} // namespace clusterlab::experiment
