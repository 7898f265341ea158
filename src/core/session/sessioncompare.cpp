// SPDX-License-Identifier: GPL-3.0-or-later
#include "session/sessioncompare.h"

#include <QJsonArray>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace clusterlab {

namespace {

// Student's t at 97.5% (a two-sided 95% interval) for df degrees of freedom.
double t975(double df)
{
    static const double table[] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                    2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                    2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
    if (!(df >= 1))
        return table[0];
    if (df <= 30)
        return table[static_cast<int>(std::floor(df)) - 1]; // rounded down: the wider interval
    return 1.960 + 2.4 / df; // close to the table beyond 30
}

RatioInterval judged(double ratio, double low, double high)
{
    RatioInterval r;
    r.ratio = ratio;
    r.low = std::min(low, ratio);
    r.high = std::max(high, ratio);
    r.verdict = (r.low > 1.0 || r.high < 1.0) ? RatioInterval::Verdict::Differs : RatioInterval::Verdict::NoDifference;
    return r;
}

RatioInterval notComparable(const QString& why)
{
    RatioInterval r;
    r.why = why;
    return r;
}

// A histogram's non-empty buckets: each one's value (as valueAtPercentile
// reports it) and count.
struct Buckets
{
    std::vector<std::int64_t> values;
    std::vector<std::int64_t> counts;
    std::int64_t total = 0;
};

Buckets bucketsOf(const HdrHistogram& h)
{
    Buckets b;
    for (int i = 0; i < h.countsLength(); ++i) {
        const std::int64_t c = h.countAtIndex(i);
        if (c > 0) {
            b.values.push_back(h.highestEquivalentValue(h.valueFromIndex(i)));
            b.counts.push_back(c);
            b.total += c;
        }
    }
    return b;
}

double percentileMs(const std::vector<std::int64_t>& values, const std::vector<std::int64_t>& counts, std::int64_t total, double p)
{
    if (total <= 0)
        return 0;
    const auto target = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(p / 100.0 * static_cast<double>(total))));
    std::int64_t seen = 0;
    for (std::size_t k = 0; k < values.size(); ++k) {
        seen += counts[k];
        if (seen >= target)
            return static_cast<double>(values[k]) / 1e3;
    }
    return static_cast<double>(values.back()) / 1e3;
}

// A resample of the run's requests, with replacement: a multinomial draw
// over the buckets, one binomial per bucket (as many draws as requests).
void resample(const Buckets& b, std::mt19937_64& rng, std::vector<std::int64_t>* into)
{
    into->assign(b.counts.size(), 0);
    std::int64_t remaining = b.total;
    double remainingShare = 1.0;
    for (std::size_t k = 0; k < b.counts.size() && remaining > 0; ++k) {
        const double share = static_cast<double>(b.counts[k]) / static_cast<double>(b.total);
        const double p = k + 1 == b.counts.size() ? 1.0 : std::clamp(share / remainingShare, 0.0, 1.0);
        std::binomial_distribution<std::int64_t> draw(remaining, p);
        const std::int64_t x = draw(rng);
        (*into)[k] = x;
        remaining -= x;
        remainingShare -= share;
    }
}

double quantileOf(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const double at = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(at));
    const auto hi = std::min(lo + 1, v.size() - 1);
    const double frac = at - static_cast<double>(lo);
    if (frac <= 0 || !std::isfinite(v[hi]))
        return frac <= 0 ? v[lo] : v[hi]; // no 0 × infinity
    return v[lo] + (v[hi] - v[lo]) * frac;
}

// Per-second answer counts of a route in one run: its whole seconds (the
// first and last are partial and left out), idle ones as 0.
std::vector<double> wholeSeconds(const SessionSummary& s, const QString& route)
{
    std::vector<double> out;
    const auto it = s.routeSeconds.constFind(route);
    if (it == s.routeSeconds.cend() || it->size() < 3)
        return out;
    const qint64 first = it->firstKey();
    const qint64 last = it->lastKey();
    if (last - first > 10'000'000)
        return out; // not a run of this program's
    out.reserve(static_cast<std::size_t>(last - first - 1));
    for (qint64 sec = first + 1; sec < last; ++sec)
        out.push_back(static_cast<double>(it->value(sec, 0)));
    return out;
}

void meanAndVariance(const std::vector<double>& x, double* mean, double* variance)
{
    double sum = 0;
    for (double v : x)
        sum += v;
    *mean = x.empty() ? 0 : sum / static_cast<double>(x.size());
    double ss = 0;
    for (double v : x)
        ss += (v - *mean) * (v - *mean);
    *variance = x.size() > 1 ? ss / static_cast<double>(x.size() - 1) : 0;
}

// The ratio of two means of per-second counts, its interval from the
// logarithm's standard error (the delta method: what a bootstrap of the
// seconds converges to).
RatioInterval meanRatio(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() < static_cast<std::size_t>(RunComparison::kMinSeconds) || b.size() < static_cast<std::size_t>(RunComparison::kMinSeconds))
        return notComparable(QObject::tr("fewer than %1 whole seconds of requests on a side").arg(RunComparison::kMinSeconds));
    double ma = 0, va = 0, mb = 0, vb = 0;
    meanAndVariance(a, &ma, &va);
    meanAndVariance(b, &mb, &vb);
    if (ma <= 0 || mb <= 0)
        return notComparable(QObject::tr("no requests answered on a side"));
    const double se = std::sqrt(va / (static_cast<double>(a.size()) * ma * ma) + vb / (static_cast<double>(b.size()) * mb * mb));
    const double t = t975(static_cast<double>(std::min(a.size(), b.size()) - 1));
    const double r = mb / ma;
    return judged(r, r * std::exp(-t * se), r * std::exp(t * se));
}

// Welch's t on the logarithms of per-run figures: the ratio of geometric
// means and its interval, widened by `widen` (the buckets' width, for
// percentiles: runs that land in the same bucket are not called equal
// to a precision the histograms do not have).
RatioInterval betweenRuns(const std::vector<double>& a, const std::vector<double>& b, double widen = 1.0)
{
    std::vector<double> la, lb;
    for (double v : a)
        if (v > 0)
            la.push_back(std::log(v));
    for (double v : b)
        if (v > 0)
            lb.push_back(std::log(v));
    if (la.size() < 2 || lb.size() < 2)
        return notComparable(QObject::tr("fewer than two runs with this figure on a side"));
    double ma = 0, va = 0, mb = 0, vb = 0;
    meanAndVariance(la, &ma, &va);
    meanAndVariance(lb, &mb, &vb);
    const double na = static_cast<double>(la.size());
    const double nb = static_cast<double>(lb.size());
    const double se2 = va / na + vb / nb;
    const double r = std::exp(mb - ma);
    if (se2 <= 0)
        return judged(r, r / widen, r * widen);
    const double df = se2 * se2 / ((va / na) * (va / na) / (na - 1) + (vb / nb) * (vb / nb) / (nb - 1));
    const double half = t975(df) * std::sqrt(se2);
    return judged(r, std::exp(mb - ma - half) / widen, std::exp(mb - ma + half) * widen);
}

// A percentile is known to its bucket's width only (0.8% at the lab's
// layout): the relative width at a value.
double resolutionAt(const HdrHistogram& h, double valueMs)
{
    const auto us = static_cast<std::int64_t>(valueMs * 1e3);
    return us > 0 ? static_cast<double>(h.sizeOfEquivalentValueRange(us)) / static_cast<double>(us) : 0.0;
}

// Enough requests for a percentile to be estimated at all: at least 10
// beyond it (p50: 20, p99: 1,000), as a bootstrap of the tail needs.
bool enoughFor(double percentile, quint64 count)
{
    return static_cast<double>(count) * (1.0 - percentile / 100.0) >= 10.0 - 1e-9;
}

QString ms(double v)
{
    return QString::number(v, 'f', v < 10 ? 3 : 1);
}

} // namespace

QString RatioInterval::text() const
{
    switch (verdict) {
    case Verdict::NotComparable:
        return QObject::tr("n/a (%1)").arg(why);
    case Verdict::NoDifference:
        return QObject::tr("~ (no difference at 95%)");
    case Verdict::Differs:
        break;
    }
    return QStringLiteral("%1× (%2–%3)").arg(ratio, 0, 'f', 2).arg(low, 0, 'f', 2).arg(high, 0, 'f', 2);
}

RunComparison RunComparison::of(const QList<const SessionSummary*>& a, const QList<const SessionSummary*>& b, std::uint64_t seed)
{
    RunComparison c;
    auto describe = [](const QList<const SessionSummary*>& runs, Side* side) {
        side->runs = static_cast<int>(runs.size());
        for (const SessionSummary* s : runs) {
            side->titles << s->title();
            side->byClient = side->byClient || s->measuredByClient();
            for (const auto& f : s->routeFigures())
                side->requests += f.count;
        }
    };
    describe(a, &c.a);
    describe(b, &c.b);
    const bool overRuns = a.size() >= 2 && b.size() >= 2;
    c.method = overRuns
        ? QObject::tr("95% intervals from the variation between runs (Welch's t on the logarithms of each run's figure), "
                      "%1 runs against %2")
              .arg(a.size())
              .arg(b.size())
        : QObject::tr("95% intervals from the variation within the runs: percentiles by bootstrap over the requests "
                      "(%1 resamples), throughput over the whole seconds; run-to-run drift is not in them (give each "
                      "side several runs for that)")
              .arg(kReplicates);

    // Every route either side has, in the order the sides list them.
    QStringList routes;
    std::vector<QMap<QString, SessionSummary::RouteFigures>> figuresA, figuresB;
    for (const SessionSummary* s : a)
        figuresA.push_back(s->routeFigures());
    for (const SessionSummary* s : b)
        figuresB.push_back(s->routeFigures());
    for (const auto* side : { &figuresA, &figuresB })
        for (const auto& f : *side)
            for (const QString& r : f.keys())
                if (!routes.contains(r))
                    routes << r;

    std::mt19937_64 rng(seed);
    for (const QString& route : std::as_const(routes)) {
        Route row;
        row.route = route;
        // Each side's runs pooled: the figures shown.
        auto pooled = [&route](const std::vector<QMap<QString, SessionSummary::RouteFigures>>& figures, quint64* count) {
            HdrHistogram h;
            for (const auto& f : figures) {
                const auto it = f.constFind(route);
                if (it != f.cend() && it->histogram != nullptr)
                    h.add(*it->histogram);
            }
            *count = static_cast<quint64>(h.totalCount());
            return h;
        };
        const HdrHistogram ha = pooled(figuresA, &row.aCount);
        const HdrHistogram hb = pooled(figuresB, &row.bCount);
        row.aP50 = ha.percentileMs(50);
        row.bP50 = hb.percentileMs(50);
        row.aP99 = ha.percentileMs(99);
        row.bP99 = hb.percentileMs(99);
        auto seconds = [&route](const QList<const SessionSummary*>& runs) {
            std::vector<double> all;
            for (const SessionSummary* s : runs) {
                const std::vector<double> one = wholeSeconds(*s, route);
                all.insert(all.end(), one.begin(), one.end());
            }
            return all;
        };
        const std::vector<double> sa = seconds(a);
        const std::vector<double> sb = seconds(b);
        double variance = 0;
        meanAndVariance(sa, &row.aRps, &variance);
        meanAndVariance(sb, &row.bRps, &variance);

        if (overRuns) {
            std::vector<double> p50a, p50b, p99a, p99b, rpsa, rpsb;
            auto perRun = [&route](const QList<const SessionSummary*>& runs, const std::vector<QMap<QString, SessionSummary::RouteFigures>>& figures,
                                   std::vector<double>* p50, std::vector<double>* p99, std::vector<double>* rps) {
                for (std::size_t i = 0; i < figures.size(); ++i) {
                    const auto it = figures[i].constFind(route);
                    if (it != figures[i].cend() && enoughFor(50, it->count))
                        p50->push_back(it->p50Ms);
                    if (it != figures[i].cend() && enoughFor(99, it->count))
                        p99->push_back(it->p99Ms);
                    const std::vector<double> secs = wholeSeconds(*runs[static_cast<qsizetype>(i)], route);
                    double m = 0, v = 0;
                    meanAndVariance(secs, &m, &v);
                    if (secs.size() >= static_cast<std::size_t>(kMinSeconds))
                        rps->push_back(m);
                }
            };
            perRun(a, figuresA, &p50a, &p99a, &rpsa);
            perRun(b, figuresB, &p50b, &p99b, &rpsb);
            row.p50 = betweenRuns(p50a, p50b, (1 + resolutionAt(ha, row.aP50)) * (1 + resolutionAt(hb, row.bP50)));
            row.p99 = betweenRuns(p99a, p99b, (1 + resolutionAt(ha, row.aP99)) * (1 + resolutionAt(hb, row.bP99)));
            row.throughput = betweenRuns(rpsa, rpsb);
        } else {
            const Buckets ba = bucketsOf(ha);
            const Buckets bb = bucketsOf(hb);
            std::vector<double> r50, r99;
            std::vector<std::int64_t> ca, cb;
            const bool p50Known = enoughFor(50, row.aCount) && enoughFor(50, row.bCount);
            const bool p99Known = enoughFor(99, row.aCount) && enoughFor(99, row.bCount);
            for (int i = 0; (p50Known || p99Known) && i < kReplicates; ++i) {
                resample(ba, rng, &ca);
                resample(bb, rng, &cb);
                // A resample is a ratio of what it drew; a 0 on side A is a
                // ratio of infinity, kept as such (it widens the interval).
                auto ratioOf = [&](double p) {
                    const double va = percentileMs(ba.values, ca, ba.total, p);
                    const double vb = percentileMs(bb.values, cb, bb.total, p);
                    return va > 0 ? vb / va : std::numeric_limits<double>::infinity();
                };
                if (p50Known)
                    r50.push_back(ratioOf(50));
                if (p99Known)
                    r99.push_back(ratioOf(99));
            }
            auto interval = [&](double p, bool known, double pointA, double pointB, const std::vector<double>& ratios) {
                if (!known)
                    return notComparable(QObject::tr("fewer than %1 requests on a side for p%2")
                                             .arg(static_cast<int>(std::ceil(10.0 / (1.0 - p / 100.0) - 1e-9)))
                                             .arg(p));
                if (pointA <= 0 || pointB <= 0 || ratios.empty())
                    return notComparable(QObject::tr("a latency of 0 on a side"));
                const double widen = (1 + resolutionAt(ha, pointA)) * (1 + resolutionAt(hb, pointB));
                return judged(pointB / pointA, quantileOf(ratios, 0.025) / widen, quantileOf(ratios, 0.975) * widen);
            };
            row.p50 = interval(50, p50Known, row.aP50, row.bP50, r50);
            row.p99 = interval(99, p99Known, row.aP99, row.bP99, r99);
            row.throughput = meanRatio(sa, sb);
        }
        c.routes.append(row);
    }
    return c;
}

QString RunComparison::toText() const
{
    QString t;
    QTextStream out(&t);
    auto side = [&out](const char* name, const Side& s) {
        out << name << ": " << s.runs << (s.runs == 1 ? " run, " : " runs, ") << s.requests << " requests"
            << (s.byClient ? " (as the client saw them)" : "") << "\n";
        for (const QString& title : s.titles)
            out << "   " << title << "\n";
    };
    side("A", a);
    side("B", b);
    out << method << ".\n\n";
    const QStringList head { QObject::tr("route"), QObject::tr("A n"), QObject::tr("B n"), QObject::tr("p50 A ms"), QObject::tr("p50 B ms"),
                             QObject::tr("p50 B/A"), QObject::tr("p99 A ms"), QObject::tr("p99 B ms"), QObject::tr("p99 B/A"),
                             QObject::tr("req/s A"), QObject::tr("req/s B"), QObject::tr("req/s B/A") };
    QList<QStringList> rows { head };
    for (const Route& r : routes)
        rows.append({ r.route, QString::number(r.aCount), QString::number(r.bCount), ms(r.aP50), ms(r.bP50), r.p50.text(), ms(r.aP99),
                      ms(r.bP99), r.p99.text(), QString::number(r.aRps, 'f', 1), QString::number(r.bRps, 'f', 1), r.throughput.text() });
    QList<int> widths(head.size(), 0);
    for (const QStringList& row : rows)
        for (int i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], static_cast<int>(row[i].size()));
    for (const QStringList& row : rows) {
        QString line;
        for (int i = 0; i < row.size(); ++i)
            line += (i == 0 ? row[i].leftJustified(widths[i]) : row[i].rightJustified(widths[i])) + QStringLiteral("  ");
        out << line.trimmed() << "\n";
    }
    out << "\n" << QObject::tr("B/A: a ratio with its 95% interval where the interval leaves 1; ~ where it includes 1 "
                               "(no difference shown at 95%).") << "\n";
    return t;
}

QJsonObject RunComparison::toJson() const
{
    auto side = [](const Side& s) {
        return QJsonObject { { QStringLiteral("runs"), s.runs },
                             { QStringLiteral("requests"), static_cast<qint64>(s.requests) },
                             { QStringLiteral("byClient"), s.byClient },
                             { QStringLiteral("titles"), QJsonArray::fromStringList(s.titles) } };
    };
    auto interval = [](const RatioInterval& r) {
        static const char* const verdicts[] = { "not-comparable", "no-difference", "differs" };
        QJsonObject o { { QStringLiteral("verdict"), QLatin1String(verdicts[static_cast<int>(r.verdict)]) } };
        if (r.verdict == RatioInterval::Verdict::NotComparable) {
            o.insert(QStringLiteral("why"), r.why);
        } else {
            o.insert(QStringLiteral("ratio"), r.ratio);
            o.insert(QStringLiteral("low"), r.low);
            o.insert(QStringLiteral("high"), r.high);
        }
        return o;
    };
    QJsonArray rows;
    for (const Route& r : routes)
        rows.append(QJsonObject { { QStringLiteral("route"), r.route },
                                  { QStringLiteral("aCount"), static_cast<qint64>(r.aCount) },
                                  { QStringLiteral("bCount"), static_cast<qint64>(r.bCount) },
                                  { QStringLiteral("aP50Ms"), r.aP50 }, { QStringLiteral("bP50Ms"), r.bP50 },
                                  { QStringLiteral("aP99Ms"), r.aP99 }, { QStringLiteral("bP99Ms"), r.bP99 },
                                  { QStringLiteral("aRps"), r.aRps }, { QStringLiteral("bRps"), r.bRps },
                                  { QStringLiteral("p50"), interval(r.p50) }, { QStringLiteral("p99"), interval(r.p99) },
                                  { QStringLiteral("throughput"), interval(r.throughput) } });
    return { { QStringLiteral("a"), side(a) }, { QStringLiteral("b"), side(b) }, { QStringLiteral("method"), method },
             { QStringLiteral("routes"), rows } };
}

} // namespace clusterlab
