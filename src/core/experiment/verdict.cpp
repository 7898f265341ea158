// SPDX-License-Identifier: GPL-3.0-or-later
#include "verdict.h"

#include "experiments.h"
#include "verdictrules.h"

#include <QJsonArray>

#include <QHash>

#include <algorithm>
#include <functional>

namespace clusterlab::experiment {

QString verdictName(Verdict v)
{
    switch (v) {
    case Verdict::Confirmed: return QStringLiteral("confirmed");
    case Verdict::Contradicted: return QStringLiteral("contradicted");
    case Verdict::NotDecided: return QStringLiteral("not decided here");
    case Verdict::NotMeasured: return QStringLiteral("not measured");
    }
    return {};
}

QString verdictSymbol(Verdict v)
{
    switch (v) {
    case Verdict::Confirmed: return QStringLiteral("✓");
    case Verdict::Contradicted: return QStringLiteral("✗");
    case Verdict::NotDecided: return QStringLiteral("?");
    case Verdict::NotMeasured: return QStringLiteral("–");
    }
    return {};
}

QJsonObject VerdictCell::toJson() const
{
    return { { QStringLiteral("variant"), variant }, { QStringLiteral("verdict"), verdictName(verdict) },
             { QStringLiteral("evidence"), evidence }, { QStringLiteral("source"), source },
             { QStringLiteral("chart"), chart } };
}

const VerdictCell* VerdictClaim::on(const QString& variant) const
{
    for (const VerdictCell& c : engines) {
        if (c.variant == variant)
            return &c;
    }
    return nullptr;
}

bool VerdictClaim::enginesDiffer() const
{
    for (const VerdictCell& c : engines) {
        if (c.verdict != engines.first().verdict)
            return true;
    }
    return false;
}

QJsonObject VerdictClaim::toJson() const
{
    QJsonArray engineArray;
    for (const VerdictCell& c : engines)
        engineArray.append(c.toJson());
    QJsonObject o { { QStringLiteral("seedClaim"), seedClaim }, { QStringLiteral("claimYes"), claimYes },
                    { QStringLiteral("engines"), engineArray } };
    if (!why.isEmpty())
        o.insert(QStringLiteral("why"), why);
    return o;
}

QString claimText(const VerdictClaim& cell)
{
    QString rest = cell.seedClaim;
    rest.remove(QStringLiteral("✅")).remove(QStringLiteral("❌"));
    rest = rest.trimmed();
    return (cell.claimYes ? QStringLiteral("yes") : QStringLiteral("no")) + (rest.isEmpty() ? QString() : QLatin1Char(' ') + rest);
}

QString engineLabel(const VerdictClaim& claim, const VerdictCell& cell)
{
    const EngineVariant v = EngineVariant::of(cell.variant);
    return claim.perEngine ? v.engineLabel() : v.label();
}

QStringList VerdictTable::columns()
{
    return { QStringLiteral("Cluster"), QStringLiteral("Worker Threads"), QStringLiteral("Child Process") };
}

namespace {

using Results = QList<ExperimentResult>;

// The variants the results were measured on, in the table's order.
QStringList variantsOf(const Results& results)
{
    QStringList out;
    for (const char* id : { "native", "node", "node-pool" }) {
        for (const ExperimentResult& r : results) {
            if (r.variant == QLatin1String(id)) {
                out.append(QLatin1String(id));
                break;
            }
        }
    }
    if (out.isEmpty())
        out.append(QStringLiteral("native"));
    return out;
}

// What a variant's rules read: its own results, and for an experiment that
// ran once per engine (not per offload mode), the same engine's other run.
Results resultsFor(const Results& results, const QString& variant)
{
    const EngineVariant mine = EngineVariant::of(variant);
    Results out;
    for (const ExperimentResult& r : results) {
        if (r.variant == variant)
            out.append(r);
    }
    for (const ExperimentResult& r : results) {
        if (r.variant == variant || EngineVariant::of(r.variant).engine != mine.engine)
            continue;
        const bool have = std::any_of(out.cbegin(), out.cend(), [&r](const ExperimentResult& o) { return o.name == r.name; });
        if (!have)
            out.append(r);
    }
    return out;
}

QString labelOf(const QString& variant)
{
    return EngineVariant::of(variant).label();
}

// Why the engines decided one cell differently, in words: who said what,
// and the measured cause where the lab knows one (a new Worker's or
// fork's start-up per request, the load generator's share of the cores).
QString whyTheyDiffer(int column, bool scalingRow, const VerdictClaim& claim, const QHash<QString, Results>& byVariant)
{
    QStringList said;
    for (const VerdictCell& c : claim.engines)
        said.append(QStringLiteral("%1 %2").arg(labelOf(c.variant), verdictName(c.verdict)));
    QString out = QStringLiteral("Decided differently (%1).").arg(said.join(QStringLiteral("; ")));
    if (column == 1 || column == 2) {
        const QString path = column == 1 ? QStringLiteral("worker") : QStringLiteral("child");
        QStringList costs;
        for (const VerdictCell& c : claim.engines) {
            const ExperimentResult* r = rules::find(byVariant.value(c.variant), QStringLiteral("crossover"));
            if (r == nullptr || !r->has(QStringLiteral("handoffMs.") + path))
                continue;
            const EngineVariant v = EngineVariant::of(c.variant);
            const double ms = r->value(QStringLiteral("handoffMs.") + path);
            costs.append(QStringLiteral("%1: %2 ms").arg(v.pathNoun(path), rules::n2(qMax(0.0, ms))));
        }
        if (!costs.isEmpty())
            out += QStringLiteral(" What handing a trivial task to /%1 costs over answering it on the event loop (the "
                                  "median round trip at n = 0, less the loop's) — %2: a new Worker or fork per request "
                                  "pays its start-up every time, a pool only the hand-off.")
                       .arg(path, costs.join(QStringLiteral(", ")));
    } else if (scalingRow) {
        QStringList generator;
        for (const VerdictCell& c : claim.engines) {
            const ExperimentResult* r = rules::find(byVariant.value(c.variant), QStringLiteral("scaling"));
            if (r == nullptr || !r->has(QStringLiteral("generatorCoresAtCores")))
                continue;
            generator.append(QStringLiteral("%1 beside %2's workers").arg(rules::n2(r->value(QStringLiteral("generatorCoresAtCores"))),
                                                                          labelOf(c.variant)));
        }
        if (!generator.isEmpty())
            out += QStringLiteral(" The load generator shares this machine's cores: it used %1. A server that answers "
                                  "`/` faster leaves the workers less of the machine to scale onto.")
                       .arg(generator.join(QStringLiteral(", ")));
    }
    return out;
}

} // namespace

VerdictTable VerdictTable::decide(const QList<ExperimentResult>& results, int cores)
{
    using Rule = std::function<VerdictCell(const Results&)>;
    struct Row
    {
        const char* useCase;
        std::array<const char*, 3> claims;
        std::array<Rule, 3> rules;
    };
    const std::array<Row, 7> table { {
        { "Scale HTTP server", { "✅", "❌", "❌" },
          { [cores](const Results& rs) { return ScalingExperiment::clusterScales(rs, cores, false); },
            [](const Results& rs) { return CrossoverExperiment::offloadDoesNotScaleHttp(rs, QStringLiteral("worker")); },
            [](const Results& rs) { return CrossoverExperiment::offloadDoesNotScaleHttp(rs, QStringLiteral("child")); } } },
        { "CPU-intensive tasks", { "❌", "✅", "✅ (in JS or other)" },
          { [](const Results& rs) { return CrossoverExperiment::clusterDoesNotOffload(rs); },
            [](const Results& rs) { return CrossoverExperiment::offloadBeatsLoop(rs, QStringLiteral("worker")); },
            [](const Results& rs) { return CrossoverExperiment::offloadBeatsLoop(rs, QStringLiteral("child")); } } },
        { "Background jobs / Workers", { "❌", "✅", "✅" },
          { [](const Results& rs) { return BlockingExperiment::loopFreezes(rs); },
            [](const Results& rs) { return BlockingExperiment::offloadKeepsLoopFree(rs, QStringLiteral("worker")); },
            [](const Results& rs) { return BlockingExperiment::offloadKeepsLoopFree(rs, QStringLiteral("child")); } } },
        { "Need shared memory", { "❌", "✅", "❌" },
          { [](const Results& rs) { return FootprintExperiment::clusterSharesNothing(rs); },
            [](const Results& rs) { return SharingExperiment::sharing(rs, true); },
            [](const Results& rs) { return SharingExperiment::sharing(rs, false); } } },
        { "Run external scripts/tools", { "❌", "❌", "✅" },
          { [](const Results& rs) { return FootprintExperiment::externalTools(rs, false); },
            [](const Results& rs) { return FootprintExperiment::externalTools(rs, false); },
            [](const Results& rs) { return FootprintExperiment::externalTools(rs, true); } } },
        { "Multi-core parallelism (same code)", { "✅", "✅ (fine-grained)", "✅" },
          { [cores](const Results& rs) { return ScalingExperiment::clusterScales(rs, cores, true); },
            [cores](const Results& rs) { return CrossoverExperiment::parallelWithin(rs, QStringLiteral("worker"), cores); },
            [cores](const Results& rs) { return CrossoverExperiment::parallelWithin(rs, QStringLiteral("child"), cores); } } },
        { "Process-level isolation", { "✅", "❌", "✅" },
          { [](const Results& rs) { return IsolationExperiment::isolation(rs, 0); },
            [](const Results& rs) { return IsolationExperiment::isolation(rs, 1); },
            [](const Results& rs) { return IsolationExperiment::isolation(rs, 2); } } },
    } };
    VerdictTable t;
    t.variants = variantsOf(results);
    QHash<QString, Results> byVariant;
    for (const QString& v : std::as_const(t.variants))
        byVariant.insert(v, resultsFor(results, v));
    for (std::size_t ri = 0; ri < table.size(); ++ri) {
        const Row& row = table[ri];
        VerdictRow out;
        out.useCase = QString::fromUtf8(row.useCase);
        for (std::size_t c = 0; c < 3; ++c) {
            VerdictClaim& claim = out.cells[c];
            claim.seedClaim = QString::fromUtf8(row.claims[c]);
            claim.claimYes = claim.seedClaim.startsWith(QStringLiteral("✅"));
            for (const QString& v : std::as_const(t.variants)) {
                const Results& mine = byVariant[v];
                VerdictCell cell = row.rules[c](mine);
                cell.variant = v;
                cell.sourceVariant = v;
                for (const ExperimentResult& r : mine) {
                    if (r.name == cell.source)
                        cell.sourceVariant = r.variant;
                }
                claim.engines.append(cell);
            }
            if (claim.enginesDiffer())
                claim.why = whyTheyDiffer(static_cast<int>(c), ri == 0 || ri == 5, claim, byVariant);
        }
        t.rows.append(out);
    }
    t.distribution = DistributionExperiment::rows(results);
    return t;
}

QJsonObject VerdictTable::toJson() const
{
    QJsonArray rowArray;
    for (const VerdictRow& row : rows) {
        QJsonArray cellArray;
        for (const VerdictClaim& c : row.cells)
            cellArray.append(c.toJson());
        rowArray.append(QJsonObject { { QStringLiteral("useCase"), row.useCase }, { QStringLiteral("cells"), cellArray } });
    }
    QJsonArray distributionArray;
    for (const DistributionRow& row : distribution)
        distributionArray.append(QJsonObject { { QStringLiteral("platform"), row.platform }, { QStringLiteral("claim"), row.claim.toJson() } });
    QJsonObject o { { QStringLiteral("columns"), QJsonArray::fromStringList(columns()) },
                    { QStringLiteral("variants"), QJsonArray::fromStringList(variants) },
                    { QStringLiteral("rows"), rowArray } };
    if (!distribution.isEmpty())
        o.insert(QStringLiteral("distribution"), distributionArray);
    return o;
}

int VerdictTable::count(Verdict v) const
{
    int n = 0;
    for (const VerdictRow& row : rows) {
        for (const VerdictClaim& c : row.cells) {
            for (const VerdictCell& e : c.engines)
                n += e.verdict == v ? 1 : 0;
        }
    }
    for (const DistributionRow& row : distribution) {
        for (const VerdictCell& e : row.claim.engines)
            n += e.verdict == v ? 1 : 0;
    }
    return n;
}

QString VerdictTable::toText() const
{
    // Widths in characters (the claims' emoji are two columns wide on a
    // terminal: the claim is shown as yes/no here instead). A cell: the
    // claim, then one symbol per engine, in the order of the legend.
    const auto pad = [](QString s, int w) -> QString {
        if (s.size() > w)
            s = s.left(w - 1) + QStringLiteral("…");
        return s + QString(w - s.size(), QLatin1Char(' '));
    };
    const int first = 36;
    const int width = 26;
    QStringList legend;
    for (const QString& v : variants)
        legend.append(labelOf(v));
    QString out = pad(QStringLiteral("Use case"), first);
    for (const QString& c : columns())
        out += pad(c, width);
    out += QLatin1Char('\n') + QString(first + 3 * width, QLatin1Char('-')) + QLatin1Char('\n');
    for (const VerdictRow& row : rows) {
        out += pad(row.useCase, first);
        for (const VerdictClaim& c : row.cells) {
            QString symbols;
            for (const VerdictCell& e : c.engines)
                symbols += verdictSymbol(e.verdict) + QLatin1Char(' ');
            out += pad(QStringLiteral("%1: %2%3").arg(c.claimYes ? QStringLiteral("yes") : QStringLiteral("no"), symbols,
                                                      c.engines.size() == 1 ? verdictName(c.first().verdict) : QString()),
                       width);
        }
        out += QLatin1Char('\n');
    }
    out += QStringLiteral("\n(yes/no: the seed's claim; then one verdict per engine: %1. ✓ confirmed, ✗ contradicted, "
                          "? not decided here, – not measured)\n")
               .arg(legend.join(QStringLiteral(", ")));
    if (!distribution.isEmpty()) {
        out += QStringLiteral("\nThe seed's Q2, \"10 requests come to port 3000: which server?\"\n");
        for (const DistributionRow& row : distribution) {
            QString symbols;
            for (const VerdictCell& e : row.claim.engines)
                symbols += QStringLiteral("%1 %2  ").arg(verdictSymbol(e.verdict), engineLabel(row.claim, e));
            out += QStringLiteral("  %1: \"%2\": %3\n").arg(row.platform, row.claim.seedClaim, symbols.trimmed());
        }
    }
    out += QLatin1Char('\n');
    const auto evidence = [&](const QString& title, const VerdictClaim& claim) {
        for (const VerdictCell& e : claim.engines) {
            out += QStringLiteral("%1 %2%3: %4\n")
                       .arg(verdictSymbol(e.verdict), title,
                            variants.size() > 1 ? QStringLiteral(" [%1]").arg(engineLabel(claim, e)) : QString(), e.evidence);
        }
        if (!claim.why.isEmpty())
            out += QStringLiteral("  ≠ %1\n").arg(claim.why);
    };
    for (const VerdictRow& row : rows) {
        for (int c = 0; c < 3; ++c)
            evidence(QStringLiteral("%1 / %2").arg(row.useCase, columns()[c]), row.cells[static_cast<std::size_t>(c)]);
    }
    for (const DistributionRow& row : distribution)
        evidence(QStringLiteral("Q2, %1").arg(row.platform), row.claim);
    return out;
}

QString VerdictTable::toMarkdown() const
{
    const auto cellText = [](const VerdictClaim& claim, const QString& seed) {
        QStringList parts;
        for (const VerdictCell& e : claim.engines) {
            const EngineVariant v = EngineVariant::of(e.variant);
            parts.append(claim.engines.size() == 1 ? QStringLiteral("%1 %2").arg(verdictSymbol(e.verdict), verdictName(e.verdict))
                                                   : QStringLiteral("%1 %2").arg(verdictSymbol(e.verdict),
                                                                                 claim.perEngine ? v.engineLabel() : v.shortLabel()));
        }
        return QStringLiteral("%1: %2").arg(seed, parts.join(QStringLiteral(" · ")));
    };
    QStringList legend;
    for (const QString& v : variants)
        legend.append(labelOf(v));
    QString out = QStringLiteral("| Use case | Cluster | Worker Threads | Child Process |\n|---|---|---|---|\n");
    for (const VerdictRow& row : rows) {
        out += QStringLiteral("| %1 |").arg(row.useCase);
        for (const VerdictClaim& c : row.cells)
            out += QStringLiteral(" %1 |").arg(cellText(c, claimText(c)));
        out += QLatin1Char('\n');
    }
    QStringList shortLegend;
    for (const QString& v : variants)
        if (EngineVariant::of(v).shortLabel() != labelOf(v))
            shortLegend.append(QStringLiteral("%1 = %2").arg(EngineVariant::of(v).shortLabel(), labelOf(v)));
    out += QStringLiteral("\nEach cell: the seed's claim, then a verdict per engine (%1): ✓ confirmed, ✗ contradicted, ? not "
                          "decided here, – not measured.\n")
               .arg(variants.size() > 1 ? shortLegend.join(QStringLiteral("; ")) : legend.join(QStringLiteral("; ")));
    if (!distribution.isEmpty()) {
        out += QStringLiteral("\n| The seed's Q2 | Its claim | Measured |\n|---|---|---|\n");
        for (const DistributionRow& row : distribution)
            out += QStringLiteral("| %1 | %2 | %3 |\n").arg(row.platform, row.claim.seedClaim, cellText(row.claim, QString()).mid(2));
    }
    QString why;
    for (const VerdictRow& row : rows) {
        for (int c = 0; c < 3; ++c) {
            const VerdictClaim& claim = row.cells[static_cast<std::size_t>(c)];
            if (!claim.why.isEmpty())
                why += QStringLiteral("- **%1 / %2.** %3\n").arg(row.useCase, columns()[c], claim.why);
        }
    }
    if (!why.isEmpty())
        out += QStringLiteral("\nWhere the engines differ:\n\n") + why;
    return out;
}

} // namespace clusterlab::experiment
