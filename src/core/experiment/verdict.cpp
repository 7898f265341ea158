#include "verdict.h"

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

namespace {

using Results = QList<ExperimentResult>;

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

VerdictCell notMeasured(const QString& experiment, const QString& why = {})
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

// ---- the rules, one per cell ------------------------------------------------

VerdictCell clusterScales(const Results& results, int cores, bool multiCore)
{
    const ExperimentResult* r = find(results, QStringLiteral("scaling"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("scaling"));
    const Estimate one = r->metric(QStringLiteral("rps.w1"));
    const Estimate many = r->metric(QStringLiteral("rps.w%1").arg(cores));
    const Estimate fibOne = r->metric(QStringLiteral("rps.fib25.w1"));
    const Estimate fibMany = r->metric(QStringLiteral("rps.fib25.w%1").arg(cores));
    if (cores < 2 || !many.valid())
        return cell(QStringLiteral("scaling"), QStringLiteral("scaling-throughput"), Verdict::NotDecided,
                    QStringLiteral("One core here: there is nothing to scale onto."));
    // `/` is the row's own question; when the generator caps it, the
    // server-bound route decides (either rising decidedly confirms; both
    // falling decidedly contradicts).
    const Verdict root = claimGreater(many, one);
    const Verdict fib = claimGreater(fibMany, fibOne);
    Verdict v = Verdict::NotDecided;
    if (root == Verdict::Confirmed || fib == Verdict::Confirmed)
        v = Verdict::Confirmed;
    else if (root == Verdict::Contradicted && (fib == Verdict::Contradicted || !fibOne.valid()))
        v = Verdict::Contradicted;
    const auto ratio = [](const Estimate& a, const Estimate& b) { return n2(b.mean > 0 ? a.mean / b.mean : 0); };
    const QString what = multiCore ? QStringLiteral("The same server code in %1 processes. ").arg(cores) : QString();
    QString evidence = what
        + QStringLiteral("`/`: %1 req/s with 1 worker, %2 with %3 (%4×); the load generator used %5 of the %3 cores.")
              .arg(n0(one.mean), n0(many.mean))
              .arg(cores)
              .arg(ratio(many, one), n2(r->value(QStringLiteral("generatorCoresAtCores"), 0)));
    if (fibOne.valid())
        evidence += QStringLiteral(" /main?n=25: %1 req/s with 1 worker, %2 with %3 (%4×).")
                        .arg(n0(fibOne.mean), n0(fibMany.mean))
                        .arg(cores)
                        .arg(ratio(fibMany, fibOne));
    return cell(QStringLiteral("scaling"), QStringLiteral("scaling-throughput"), v, evidence);
}

// "❌ for scaling HTTP": handing a trivial request to the pool (or a task)
// lowers throughput against answering it on the event loop.
VerdictCell offloadDoesNotScaleHttp(const Results& results, const QString& path)
{
    const ExperimentResult* r = find(results, QStringLiteral("crossover"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("crossover"));
    const int wide = wideOf(*r);
    const QList<double> mainRounds = r->metrics.value(QStringLiteral("rps.main.c%1.n0").arg(wide));
    const QList<double> otherRounds = r->metrics.value(QStringLiteral("rps.%1.c%2.n0").arg(path).arg(wide));
    const Verdict v = claimGreaterPaired(mainRounds, otherRounds);
    return cell(QStringLiteral("crossover"), QStringLiteral("crossover-throughput"), v,
                QStringLiteral("A trivial request (n = 0) at %1 connections: %2 req/s on the event loop, %3 req/s through "
                               "%4; the loop's advantage%5.")
                    .arg(wide)
                    .arg(n0(estimate(mainRounds).mean), n0(estimate(otherRounds).mean),
                         path == QLatin1String("worker") ? QStringLiteral("the thread pool") : QStringLiteral("child processes"),
                         ratioText(mainRounds, otherRounds)));
}

// "❌ for CPU work" on the cluster: a worker computes on its one event loop,
// so more concurrent heavy requests do not raise its throughput.
VerdictCell clusterDoesNotOffload(const Results& results)
{
    const ExperimentResult* r = find(results, QStringLiteral("crossover"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("crossover"));
    const int wide = wideOf(*r);
    const QString n = topN(*r);
    const QList<double> oneRounds = r->metrics.value(QStringLiteral("rps.main.c1.n%1").arg(n));
    const QList<double> manyRounds = r->metrics.value(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(n));
    // Another core would give about wide×; halfway there is the line. The
    // bounds are those of the per-round ratio (the two run side by side).
    const double line = 1.0 + (wide - 1) / 2.0;
    const Estimate ratio = ratioEstimate(manyRounds, oneRounds);
    Verdict v = Verdict::NotDecided;
    if (ratio.rounds > 1 && ratio.high < line)
        v = Verdict::Confirmed;
    else if (ratio.rounds > 1 && ratio.low > line)
        v = Verdict::Contradicted;
    return cell(QStringLiteral("crossover"), QStringLiteral("crossover-throughput"), v,
                QStringLiteral("fib(%1) on one worker's event loop: %2 req/s at 1 connection, %3 req/s at %4%5: the work "
                               "does not leave its one thread (another core would give about %6×).")
                    .arg(n, n0(estimate(oneRounds).mean), n0(estimate(manyRounds).mean))
                    .arg(wide)
                    .arg(ratioText(manyRounds, oneRounds))
                    .arg(wide));
}

// "✅ for CPU work": at the heaviest n, the path out-runs the event loop.
VerdictCell offloadBeatsLoop(const Results& results, const QString& path)
{
    const ExperimentResult* r = find(results, QStringLiteral("crossover"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("crossover"));
    const int wide = wideOf(*r);
    const QString n = topN(*r);
    const QList<double> mainRounds = r->metrics.value(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(n));
    const QList<double> otherRounds = r->metrics.value(QStringLiteral("rps.%1.c%2.n%3").arg(path).arg(wide).arg(n));
    const Estimate main = estimate(mainRounds);
    const Estimate other = estimate(otherRounds);
    const int from = static_cast<int>(r->value(path == QLatin1String("worker") ? QStringLiteral("threadPaysFromN")
                                                                                : QStringLiteral("childPaysFromN"),
                                               -1));
    return cell(QStringLiteral("crossover"), QStringLiteral("crossover-throughput"), claimGreaterPaired(otherRounds, mainRounds),
                QStringLiteral("fib(%1) at %2 connections on one worker: %3 req/s %4, %5 req/s on the event loop%6; "
                               "it pays %7.")
                    .arg(n)
                    .arg(wide)
                    .arg(n0(other.mean),
                         path == QLatin1String("worker") ? QStringLiteral("on the thread pool") : QStringLiteral("in child processes"),
                         n0(main.mean), ratioText(otherRounds, mainRounds),
                         from < 0 ? QStringLiteral("nowhere in the sweep") : QStringLiteral("from n = %1 on").arg(from)));
}

// Background work: p99 of `/` beside heavy work on the loop vs elsewhere.
VerdictCell loopFreezes(const Results& results)
{
    const ExperimentResult* r = find(results, QStringLiteral("blocking"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("blocking"));
    // Mean latency: how much everyone waits (the p99 is in the evidence).
    const QList<double> alone = r->metrics.value(QStringLiteral("rootMeanMs.none"));
    const QList<double> main = r->metrics.value(QStringLiteral("rootMeanMs.main"));
    return cell(QStringLiteral("blocking"), QStringLiteral("blocking-latency"), claimGreaterPaired(main, alone),
                QStringLiteral("`/` mean latency %1 ms alone, %2 ms while fib(%3) runs on the same worker's event loop%4; "
                               "p99 %5 → %6 ms.")
                    .arg(n3(estimate(alone).mean), n3(estimate(main).mean))
                    .arg(r->data.value(QStringLiteral("heavyN")).toInt())
                    .arg(ratioText(main, alone), n2(r->value(QStringLiteral("rootP99ms.none"), 0)),
                         n2(r->value(QStringLiteral("rootP99ms.main"), 0))));
}

VerdictCell offloadKeepsLoopFree(const Results& results, const QString& path)
{
    const ExperimentResult* r = find(results, QStringLiteral("blocking"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("blocking"));
    const QList<double> main = r->metrics.value(QStringLiteral("rootMeanMs.main"));
    const QList<double> other = r->metrics.value(QStringLiteral("rootMeanMs.") + path);
    return cell(QStringLiteral("blocking"), QStringLiteral("blocking-latency"), claimGreaterPaired(main, other),
                QStringLiteral("`/` mean latency %1 ms with the heavy work %2, against %3 ms with it on the event loop%4; "
                               "p99 %5 against %6 ms.")
                    .arg(n3(estimate(other).mean),
                         path == QLatin1String("worker") ? QStringLiteral("on the thread pool") : QStringLiteral("in child processes"),
                         n3(estimate(main).mean), ratioText(main, other),
                         n2(r->value(QStringLiteral("rootP99ms.") + path, 0)), n2(r->value(QStringLiteral("rootP99ms.main"), 0))));
}

VerdictCell sharing(const Results& results, bool threads)
{
    const ExperimentResult* r = find(results, QStringLiteral("sharing"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("sharing"));
    int s = 0;
    for (const QString& key : r->metrics.keys()) {
        if (key.startsWith(QLatin1String("ms.child.s")))
            s = qMax(s, key.mid(10).toInt());
    }
    const QList<double> threadRounds = r->metrics.value(QStringLiteral("ms.thread.s%1").arg(s));
    const QList<double> childRounds = r->metrics.value(QStringLiteral("ms.child.s%1").arg(s));
    const Estimate thread = estimate(threadRounds);
    const Estimate child = estimate(childRounds);
    const double rssMiB = r->value(QStringLiteral("rssKiB.child.s%1").arg(s), 0) / 1024;
    Verdict v = claimGreaterPaired(childRounds, threadRounds);
    if (!threads && v == Verdict::Confirmed && rssMiB < 0.9 * s)
        v = Verdict::NotDecided; // slower, but the copy is not visible in the task's memory
    return cell(QStringLiteral("sharing"), QStringLiteral("sharing-time"), v,
                threads ? QStringLiteral("%1 MiB read in place by a pool thread: %2 ms; the same through a pipe to a child: "
                                         "%3 ms.")
                              .arg(s)
                              .arg(n2(thread.mean), n2(child.mean))
                        : QStringLiteral("%1 MiB through a pipe to a child: %2 ms and %3 MiB of the task's own memory; read "
                                         "in place by a pool thread: %4 ms, no copy.")
                              .arg(s)
                              .arg(n2(child.mean), n2(rssMiB), n2(thread.mean)));
}

VerdictCell clusterSharesNothing(const Results& results)
{
    VerdictCell c = notMeasured(QString(), QStringLiteral("By construction: workers are separate processes; nothing but "
                                                          "the listening socket is shared between them."));
    if (const ExperimentResult* r = find(results, QStringLiteral("footprint"))) {
        c.source = QStringLiteral("footprint");
        c.chart = QStringLiteral("footprint-memory");
        c.evidence += QStringLiteral(" Each idle worker holds %1 MiB of its own.")
                          .arg(n2(r->value(QStringLiteral("workerIdleKiB"), 0) / 1024));
    }
    return c;
}

VerdictCell externalTools(const Results& results, bool child)
{
    if (!child)
        return notMeasured(QString(), QStringLiteral("By construction: a worker or a pool thread runs this program's own "
                                                     "code; running another program takes a process."));
    const ExperimentResult* r = find(results, QStringLiteral("footprint"));
    if (r == nullptr || !r->has(QStringLiteral("taskStartMs")))
        return notMeasured(QStringLiteral("footprint"));
    return cell(QStringLiteral("footprint"), QStringLiteral("footprint-start"), Verdict::Confirmed,
                QStringLiteral("Every /child request ran clusterlab-task, a separate program: %1 ms to start and reap, "
                               "%2 MiB at its peak.")
                    .arg(n2(r->value(QStringLiteral("taskStartMs"), 0)),
                         n2(r->value(QStringLiteral("taskKiB"), 0) / 1024)));
}

VerdictCell parallelWithin(const Results& results, const QString& path, int cores)
{
    const ExperimentResult* r = find(results, QStringLiteral("crossover"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("crossover"));
    if (cores < 2)
        return cell(QStringLiteral("crossover"), QStringLiteral("crossover-throughput"), Verdict::NotDecided,
                    QStringLiteral("One core here: no parallelism to show."));
    const int wide = wideOf(*r);
    const QString n = topN(*r);
    const QList<double> oneRounds = r->metrics.value(QStringLiteral("rps.%1.c1.n%2").arg(path).arg(n));
    const QList<double> manyRounds = r->metrics.value(QStringLiteral("rps.%1.c%2.n%3").arg(path).arg(wide).arg(n));
    return cell(QStringLiteral("crossover"), QStringLiteral("crossover-throughput"), claimGreaterPaired(manyRounds, oneRounds),
                QStringLiteral("fib(%1) %2 in one worker: %3 req/s at 1 connection, %4 req/s at %5%6.")
                    .arg(n,
                         path == QLatin1String("worker") ? QStringLiteral("on the thread pool") : QStringLiteral("in child processes"),
                         n0(estimate(oneRounds).mean), n0(estimate(manyRounds).mean))
                    .arg(wide)
                    .arg(ratioText(manyRounds, oneRounds)));
}

VerdictCell isolation(const Results& results, int column)
{
    const ExperimentResult* r = find(results, QStringLiteral("isolation"));
    if (r == nullptr)
        return notMeasured(QStringLiteral("isolation"));
    const QList<double> threadDied = r->metrics.value(QStringLiteral("thread.workerDied"));
    const QList<double> childDied = r->metrics.value(QStringLiteral("child.workerDied"));
    const QList<double> childStatus = r->metrics.value(QStringLiteral("child.faultStatus"));
    const QList<double> childCollateral = r->metrics.value(QStringLiteral("child.collateral"));
    const auto all = [](const QList<double>& v, double x) { return !v.isEmpty() && v.count(x) == v.size(); };
    const auto any = [](const QList<double>& v, const std::function<bool(double)>& p) {
        for (double x : v) {
            if (p(x))
                return true;
        }
        return false;
    };
    const QString source = QStringLiteral("isolation");
    const QString chart = QStringLiteral("isolation-collateral");
    if (column == 0) {
        // The cluster: one worker's crash leaves the others alive and serving.
        const QList<double> survived = r->metrics.value(QStringLiteral("thread.othersSurvived"));
        const double served = r->value(QStringLiteral("thread.othersServedInRun"), -1);
        Verdict v = Verdict::NotDecided;
        if (any(survived, [](double x) { return x == 0; }))
            v = Verdict::Contradicted;
        else if (all(threadDied, 1) && all(survived, 1) && served > 0)
            v = Verdict::Confirmed;
        return cell(source, chart, v,
                    QStringLiteral("One worker crashed; the other workers %1 and served %2 requests of that run; the "
                                   "supervisor had the crashed one replaced %3 ms after its exit.")
                        .arg(all(survived, 1) ? QStringLiteral("lived on") : QStringLiteral("did not all survive"),
                             served < 0 ? QStringLiteral("no") : n0(served),
                             n0(r->value(QStringLiteral("thread.recoveryMs"), 0))));
    }
    if (column == 1) {
        Verdict v = Verdict::NotDecided;
        if (all(threadDied, 1))
            v = Verdict::Confirmed;
        else if (all(threadDied, 0))
            v = Verdict::Contradicted;
        return cell(source, chart, v,
                    QStringLiteral("A crash on a pool thread took its whole worker down in %1 of %2 rounds, failing %3 "
                                   "other requests on average.")
                        .arg(threadDied.count(1.0))
                        .arg(threadDied.size())
                        .arg(QString::number(r->metric(QStringLiteral("thread.collateral")).mean, 'f', 1)));
    }
    Verdict v = Verdict::NotDecided;
    if (any(childDied, [](double x) { return x > 0; }) || any(childCollateral, [](double x) { return x > 0; }))
        v = Verdict::Contradicted;
    else if (all(childStatus, 502) && all(childDied, 0) && all(childCollateral, 0))
        v = Verdict::Confirmed;
    return cell(source, chart, v,
                QStringLiteral("A crash in a child task: that request got %1, %2 other requests failed, and the worker %3.")
                    .arg(n0(r->value(QStringLiteral("child.faultStatus"), 0)),
                         n0(r->metric(QStringLiteral("child.collateral")).mean),
                         any(childDied, [](double x) { return x > 0; }) ? QStringLiteral("died") : QStringLiteral("went on")));
}

} // namespace

VerdictTable VerdictTable::decide(const QList<ExperimentResult>& results, int cores)
{
    struct Row
    {
        const char* useCase;
        std::array<const char*, 3> claims;
        std::array<std::function<VerdictCell()>, 3> rules;
    };
    const Results& rs = results;
    const std::array<Row, 7> table { {
        { "Scale HTTP server", { "✅", "❌", "❌" },
          { [&] { return clusterScales(rs, cores, false); },
            [&] { return offloadDoesNotScaleHttp(rs, QStringLiteral("worker")); },
            [&] { return offloadDoesNotScaleHttp(rs, QStringLiteral("child")); } } },
        { "CPU-intensive tasks", { "❌", "✅", "✅ (in JS or other)" },
          { [&] { return clusterDoesNotOffload(rs); }, [&] { return offloadBeatsLoop(rs, QStringLiteral("worker")); },
            [&] { return offloadBeatsLoop(rs, QStringLiteral("child")); } } },
        { "Background jobs / Workers", { "❌", "✅", "✅" },
          { [&] { return loopFreezes(rs); }, [&] { return offloadKeepsLoopFree(rs, QStringLiteral("worker")); },
            [&] { return offloadKeepsLoopFree(rs, QStringLiteral("child")); } } },
        { "Need shared memory", { "❌", "✅", "❌" },
          { [&] { return clusterSharesNothing(rs); }, [&] { return sharing(rs, true); },
            [&] { return sharing(rs, false); } } },
        { "Run external scripts/tools", { "❌", "❌", "✅" },
          { [&] { return externalTools(rs, false); }, [&] { return externalTools(rs, false); },
            [&] { return externalTools(rs, true); } } },
        { "Multi-core parallelism (same code)", { "✅", "✅ (fine-grained)", "✅" },
          { [&] { return clusterScales(rs, cores, true); },
            [&] { return parallelWithin(rs, QStringLiteral("worker"), cores); },
            [&] { return parallelWithin(rs, QStringLiteral("child"), cores); } } },
        { "Process-level isolation", { "✅", "❌", "✅" },
          { [&] { return isolation(rs, 0); }, [&] { return isolation(rs, 1); }, [&] { return isolation(rs, 2); } } },
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
