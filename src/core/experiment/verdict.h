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

// One engine's verdict on one claim of the seed's table: what was
// measured, and the verdict. source/chart name where the evidence came from
// (an experiment and one of its charts).
struct VerdictCell
{
    Verdict verdict = Verdict::NotMeasured;
    QString evidence;
    QString source;      // experiment name; empty when nothing was measured
    QString chart;       // chart id within it
    QString variant = QStringLiteral("native"); // the engine (EngineVariant::id)
    // The run the evidence came from: the variant's own, or, for an
    // experiment that ran once per engine, the engine's other variant.
    QString sourceVariant;

    QJsonObject toJson() const;
};

// One cell of the seed's table: its claim (✅ or ❌) and a verdict per engine
// measured, in the table's order (native, Node per request, Node pooled).
struct VerdictClaim
{
    QString seedClaim;   // the seed's own text: "✅", "❌", "✅ (fine-grained)"
    bool claimYes = false;
    QList<VerdictCell> engines;
    QString why;         // the engines decided it differently: why, in words
    bool perEngine = false; // one verdict per engine, whatever the offload mode (the Q2 rows)

    // The engine's verdict (nullptr when it was not measured on it).
    const VerdictCell* on(const QString& variant) const;
    // The first engine's (a table always has one).
    const VerdictCell& first() const { return engines.first(); }
    bool enginesDiffer() const;
    QJsonObject toJson() const;
};

// "yes", "no", "yes (fine-grained)": the claim in words (the seed's emoji
// are missing from many fonts, PDF ones included).
QString claimText(const VerdictClaim& claim);
// Who decided a verdict of the claim: "native", "Node.js, per request", or
// "Node.js" when the claim is decided per engine.
QString engineLabel(const VerdictClaim& claim, const VerdictCell& cell);

struct VerdictRow
{
    QString useCase;
    std::array<VerdictClaim, 3> cells; // Cluster, Worker Threads, Child Process
};

// A row of the seed's Q2 table ("10 requests come to port 3000: which
// server?"): a platform, its claim, and a verdict per engine.
struct DistributionRow
{
    QString platform;    // "Linux (default)"
    VerdictClaim claim;  // seedClaim holds the seed's words
};

// The seed's table, filled in from results (any subset of experiments, on
// any engines: a cell whose experiment did not run says "not measured").
// The rules are plain code, one function per cell, in the file of the
// experiment that measures it (scaling.cpp, crossover.cpp, …); verdict.cpp
// lays the table out and says why engines differ.
struct VerdictTable
{
    static QStringList columns(); // "Cluster", "Worker Threads", "Child Process"
    QStringList variants;         // EngineVariant ids, in the order of every claim's engines
    QList<VerdictRow> rows;
    QList<DistributionRow> distribution; // empty when the distribution experiment did not run

    static VerdictTable decide(const QList<ExperimentResult>& results, int cores);
    QJsonObject toJson() const;
    // A fixed-width table for the terminal, then the evidence per cell.
    QString toText() const;
    // The table as Markdown (the seed's rows and columns, a verdict per
    // engine in each cell, then the Q2 rows and, per cell where the engines
    // differ, why): what README and docs/EXPERIMENTS.md show.
    QString toMarkdown() const;
    // Cells with this verdict, over every engine.
    int count(Verdict v) const;
};

} // namespace clusterlab::experiment
