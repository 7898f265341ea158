// SPDX-License-Identifier: GPL-3.0-or-later
#include "verdict.h"

#include "experiments.h"

#include <QJsonArray>

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
    return { { QStringLiteral("seedClaim"), seedClaim }, { QStringLiteral("claimYes"), claimYes },
             { QStringLiteral("verdict"), verdictName(verdict) }, { QStringLiteral("evidence"), evidence },
             { QStringLiteral("source"), source }, { QStringLiteral("chart"), chart } };
}

QString claimText(const VerdictCell& cell)
{
    QString rest = cell.seedClaim;
    rest.remove(QStringLiteral("✅")).remove(QStringLiteral("❌"));
    rest = rest.trimmed();
    return (cell.claimYes ? QStringLiteral("yes") : QStringLiteral("no")) + (rest.isEmpty() ? QString() : QLatin1Char(' ') + rest);
}

QStringList VerdictTable::columns()
{
    return { QStringLiteral("Cluster"), QStringLiteral("Worker Threads"), QStringLiteral("Child Process") };
}

VerdictTable VerdictTable::decide(const QList<ExperimentResult>& results, int cores)
{
    struct Row
    {
        const char* useCase;
        std::array<const char*, 3> claims;
        std::array<std::function<VerdictCell()>, 3> rules;
    };
    const QList<ExperimentResult>& rs = results;
    const std::array<Row, 7> table { {
        { "Scale HTTP server", { "✅", "❌", "❌" },
          { [&] { return ScalingExperiment::clusterScales(rs, cores, false); },
            [&] { return CrossoverExperiment::offloadDoesNotScaleHttp(rs, QStringLiteral("worker")); },
            [&] { return CrossoverExperiment::offloadDoesNotScaleHttp(rs, QStringLiteral("child")); } } },
        { "CPU-intensive tasks", { "❌", "✅", "✅ (in JS or other)" },
          { [&] { return CrossoverExperiment::clusterDoesNotOffload(rs); }, [&] { return CrossoverExperiment::offloadBeatsLoop(rs, QStringLiteral("worker")); },
            [&] { return CrossoverExperiment::offloadBeatsLoop(rs, QStringLiteral("child")); } } },
        { "Background jobs / Workers", { "❌", "✅", "✅" },
          { [&] { return BlockingExperiment::loopFreezes(rs); }, [&] { return BlockingExperiment::offloadKeepsLoopFree(rs, QStringLiteral("worker")); },
            [&] { return BlockingExperiment::offloadKeepsLoopFree(rs, QStringLiteral("child")); } } },
        { "Need shared memory", { "❌", "✅", "❌" },
          { [&] { return FootprintExperiment::clusterSharesNothing(rs); }, [&] { return SharingExperiment::sharing(rs, true); },
            [&] { return SharingExperiment::sharing(rs, false); } } },
        { "Run external scripts/tools", { "❌", "❌", "✅" },
          { [&] { return FootprintExperiment::externalTools(rs, false); }, [&] { return FootprintExperiment::externalTools(rs, false); },
            [&] { return FootprintExperiment::externalTools(rs, true); } } },
        { "Multi-core parallelism (same code)", { "✅", "✅ (fine-grained)", "✅" },
          { [&] { return ScalingExperiment::clusterScales(rs, cores, true); },
            [&] { return CrossoverExperiment::parallelWithin(rs, QStringLiteral("worker"), cores); },
            [&] { return CrossoverExperiment::parallelWithin(rs, QStringLiteral("child"), cores); } } },
        { "Process-level isolation", { "✅", "❌", "✅" },
          { [&] { return IsolationExperiment::isolation(rs, 0); }, [&] { return IsolationExperiment::isolation(rs, 1); }, [&] { return IsolationExperiment::isolation(rs, 2); } } },
    } };
    VerdictTable t;
    for (const Row& row : table) {
        VerdictRow out;
        out.useCase = QString::fromUtf8(row.useCase);
        for (std::size_t c = 0; c < 3; ++c) {
            VerdictCell cellOut = row.rules[c]();
            cellOut.seedClaim = QString::fromUtf8(row.claims[c]);
            cellOut.claimYes = cellOut.seedClaim.startsWith(QStringLiteral("✅"));
            out.cells[c] = cellOut;
        }
        t.rows.append(out);
    }
    return t;
}

QJsonObject VerdictTable::toJson() const
{
    QJsonArray rowArray;
    for (const VerdictRow& row : rows) {
        QJsonArray cellArray;
        for (const VerdictCell& c : row.cells)
            cellArray.append(c.toJson());
        rowArray.append(QJsonObject { { QStringLiteral("useCase"), row.useCase }, { QStringLiteral("cells"), cellArray } });
    }
    return { { QStringLiteral("columns"), QJsonArray::fromStringList(columns()) }, { QStringLiteral("rows"), rowArray } };
}

int VerdictTable::count(Verdict v) const
{
    int n = 0;
    for (const VerdictRow& row : rows) {
        for (const VerdictCell& c : row.cells)
            n += c.verdict == v ? 1 : 0;
    }
    return n;
}

QString VerdictTable::toText() const
{
    // Widths in characters (the claims' emoji are two columns wide on a
    // terminal: the claim is shown as yes/no here instead).
    const auto pad = [](QString s, int w) -> QString {
        if (s.size() > w)
            s = s.left(w - 1) + QStringLiteral("…");
        return s + QString(w - s.size(), QLatin1Char(' '));
    };
    const int first = 36;
    const int width = 26;
    QString out = pad(QStringLiteral("Use case"), first);
    for (const QString& c : columns())
        out += pad(c, width);
    out += QLatin1Char('\n') + QString(first + 3 * width, QLatin1Char('-')) + QLatin1Char('\n');
    for (const VerdictRow& row : rows) {
        out += pad(row.useCase, first);
        for (const VerdictCell& c : row.cells)
            out += pad(QStringLiteral("%1 %2: %3").arg(verdictSymbol(c.verdict), c.claimYes ? QStringLiteral("yes") : QStringLiteral("no"),
                                                       verdictName(c.verdict)),
                       width);
        out += QLatin1Char('\n');
    }
    out += QStringLiteral("\n(yes/no: the seed's claim; ✓ confirmed, ✗ contradicted, ? not decided here, – not measured)\n\n");
    for (const VerdictRow& row : rows) {
        for (int c = 0; c < 3; ++c) {
            const VerdictCell& cellRef = row.cells[static_cast<std::size_t>(c)];
            out += QStringLiteral("%1 %2 / %3: %4\n")
                       .arg(verdictSymbol(cellRef.verdict), row.useCase, columns()[c], cellRef.evidence);
        }
    }
    return out;
}

} // namespace clusterlab::experiment
