// SPDX-License-Identifier: GPL-3.0-or-later
#include "load/threshold.h"

#include "load/loadresult.h"
#include "load/loadsummaryformat.h"

#include <QRegularExpression>

#include <cmath>

namespace clusterlab {

namespace {

bool compare(double observed, Threshold::Op op, double value)
{
    switch (op) {
    case Threshold::Op::Greater: return observed > value;
    case Threshold::Op::GreaterOrEqual: return observed >= value;
    case Threshold::Op::Less: return observed < value;
    case Threshold::Op::LessOrEqual: return observed <= value;
    case Threshold::Op::Equal: return observed == value;
    case Threshold::Op::NotEqual: return observed != value;
    }
    return false;
}

// "50ms", "0.5s", "800us", "800µs", "2m", "1h", "50" (ms) -> ms; false when not a time.
bool parseTimeMs(QString text, double* ms)
{
    double factor = 1;
    if (text.endsWith(QLatin1String("ms"))) {
        text.chop(2);
    } else if (text.endsWith(QLatin1String("us")) || text.endsWith(QStringLiteral("µs"))) {
        text.chop(2);
        factor = 1e-3;
    } else if (text.endsWith(QLatin1Char('s'))) {
        text.chop(1);
        factor = 1e3;
    } else if (text.endsWith(QLatin1Char('m'))) {
        text.chop(1);
        factor = 60e3;
    } else if (text.endsWith(QLatin1Char('h'))) {
        text.chop(1);
        factor = 3600e3;
    }
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < 0)
        return false;
    *ms = v * factor;
    return true;
}

} // namespace

bool Threshold::parse(const QString& text, Threshold* out, QString* error)
{
    static const QRegularExpression form(QStringLiteral("^\\s*([a-z][a-z0-9.]*)\\s*(>=|<=|==|!=|>|<)\\s*(\\S+)\\s*$"));
    const QRegularExpressionMatch m = form.match(text.toLower());
    const QString help = QStringLiteral(" (expected METRIC OP VALUE, such as p99>50ms, errors>0.1%, rps<1000 or status!=2xx)");
    if (!m.hasMatch()) {
        *error = QStringLiteral("--fail-on '%1': not a threshold").arg(text) + help;
        return false;
    }
    Threshold t;
    t.text = text.trimmed();
    const QString metric = m.captured(1);
    const QString op = m.captured(2);
    const QString value = m.captured(3);
    if (op == QLatin1String(">"))
        t.op = Op::Greater;
    else if (op == QLatin1String(">="))
        t.op = Op::GreaterOrEqual;
    else if (op == QLatin1String("<"))
        t.op = Op::Less;
    else if (op == QLatin1String("<="))
        t.op = Op::LessOrEqual;
    else if (op == QLatin1String("=="))
        t.op = Op::Equal;
    else
        t.op = Op::NotEqual;
    auto fail = [&](const QString& why) {
        *error = QStringLiteral("--fail-on '%1': %2").arg(text, why);
        return false;
    };
    const bool ordering = t.op != Op::Equal && t.op != Op::NotEqual;

    if (metric == QLatin1String("status")) {
        if (ordering)
            return fail(QStringLiteral("status takes == or != (status!=2xx, status==5xx, status!=200)"));
        static const QRegularExpression klass(QStringLiteral("^([1-5])xx$"));
        static const QRegularExpression code(QStringLiteral("^[1-5][0-9][0-9]$"));
        if (const QRegularExpressionMatch k = klass.match(value); k.hasMatch()) {
            t.statusLow = k.captured(1).toInt() * 100;
            t.statusHigh = t.statusLow + 99;
        } else if (code.match(value).hasMatch()) {
            t.statusLow = t.statusHigh = value.toInt();
        } else {
            return fail(QStringLiteral("expected a status class (2xx) or code (200), not '%1'").arg(value));
        }
        t.metric = Metric::Status;
        *out = t;
        return true;
    }
    if (!ordering)
        return fail(QStringLiteral("%1 takes > >= < or <=; == and != are for status").arg(metric));
    if (metric == QLatin1String("errors")) {
        QString number = value;
        t.metric = Metric::ErrorCount;
        if (number.endsWith(QLatin1Char('%'))) {
            number.chop(1);
            t.metric = Metric::ErrorShare;
        }
        bool ok = false;
        t.value = number.toDouble(&ok);
        if (!ok || !std::isfinite(t.value) || t.value < 0 || (t.metric == Metric::ErrorShare && t.value > 100))
            return fail(QStringLiteral("expected a share (0.1%) or a count (5) of errors, not '%1'").arg(value));
        *out = t;
        return true;
    }
    if (metric == QLatin1String("rps")) {
        bool ok = false;
        t.value = value.toDouble(&ok);
        if (!ok || !std::isfinite(t.value) || t.value < 0)
            return fail(QStringLiteral("expected requests per second, not '%1'").arg(value));
        t.metric = Metric::Rps;
        *out = t;
        return true;
    }
    if (metric == QLatin1String("min"))
        t.metric = Metric::Min;
    else if (metric == QLatin1String("mean") || metric == QLatin1String("avg"))
        t.metric = Metric::Mean;
    else if (metric == QLatin1String("max"))
        t.metric = Metric::Max;
    else if (metric.startsWith(QLatin1Char('p'))) {
        bool ok = false;
        // p999 is k6's and oha's p99.9; p99.9 is written out.
        t.percentile = metric == QLatin1String("p999") ? 99.9 : metric.mid(1).toDouble(&ok);
        if (metric != QLatin1String("p999") && (!ok || !(t.percentile > 0) || t.percentile > 100))
            return fail(QStringLiteral("'%1' is not a percentile from p0 to p100").arg(metric));
        t.metric = Metric::Percentile;
    } else {
        return fail(QStringLiteral("unknown metric '%1'").arg(metric) + help);
    }
    if (!parseTimeMs(value, &t.value))
        return fail(QStringLiteral("expected a time such as 50ms, 0.5s or 800us, not '%1'").arg(value));
    *out = t;
    return true;
}

ThresholdVerdict evaluate(const Threshold& t, const LoadSummary& s)
{
    ThresholdVerdict v;
    const std::int64_t errors = s.failed + nonSuccessResponses(s);
    // A -z run whose every request was still waiting at the deadline (a
    // server that never answers): nothing sent completed, so no share or
    // count can pass; it crosses every errors and status threshold.
    if (s.sent == 0 && s.cutAtDeadline > 0
        && (t.metric == Threshold::Metric::ErrorShare || t.metric == Threshold::Metric::ErrorCount || t.metric == Threshold::Metric::Status)) {
        v.crossed = true;
        v.observed = QStringLiteral("no request was answered; %1 were still waiting at the deadline").arg(s.cutAtDeadline);
        return v;
    }
    switch (t.metric) {
    case Threshold::Metric::Percentile:
    case Threshold::Metric::Min:
    case Threshold::Metric::Mean:
    case Threshold::Metric::Max: {
        const double ms = t.metric == Threshold::Metric::Percentile ? s.latency.percentileMs(t.percentile)
            : t.metric == Threshold::Metric::Min                    ? s.latency.minMs()
            : t.metric == Threshold::Metric::Mean                   ? s.latency.meanMs()
                                                                    : s.latency.maxMs();
        // A run where nothing succeeded has no latency to judge: it fails
        // any latency threshold rather than passing it with zeros.
        v.crossed = s.latency.totalCount() == 0 || compare(ms, t.op, t.value);
        const QString name = t.text.section(QRegularExpression(QStringLiteral("[<>=!]")), 0, 0).trimmed();
        v.observed = s.latency.totalCount() == 0 ? QStringLiteral("no request succeeded")
                                                  : QStringLiteral("%1 was %2 ms").arg(name).arg(ms, 0, 'f', 3);
        break;
    }
    case Threshold::Metric::ErrorShare:
    case Threshold::Metric::ErrorCount: {
        const double share = s.sent > 0 ? 100.0 * static_cast<double>(errors) / static_cast<double>(s.sent) : 0.0;
        v.crossed = compare(t.metric == Threshold::Metric::ErrorShare ? share : static_cast<double>(errors), t.op, t.value);
        v.observed = QStringLiteral("%1 of %2 requests failed or were answered 4xx/5xx (%3%)")
                         .arg(errors)
                         .arg(s.sent)
                         .arg(share, 0, 'f', 2);
        break;
    }
    case Threshold::Metric::Rps:
        v.crossed = compare(s.requestsPerSecond, t.op, t.value);
        v.observed = QStringLiteral("%1 requests/s").arg(s.requestsPerSecond, 0, 'f', 2);
        break;
    case Threshold::Metric::Status: {
        std::int64_t inRange = 0;
        std::int64_t answered = 0;
        for (auto it = s.statuses.cbegin(); it != s.statuses.cend(); ++it) {
            answered += it.value();
            if (it.key() >= t.statusLow && it.key() <= t.statusHigh)
                inRange += it.value();
        }
        // != : any request without such an answer (failed ones included);
        // == : any answer with it.
        const std::int64_t matching = t.op == Threshold::Op::NotEqual ? (answered - inRange) + s.failed : inRange;
        v.crossed = matching > 0;
        v.observed = QStringLiteral("%1 of %2 requests").arg(matching).arg(s.sent);
        break;
    }
    }
    return v;
}

} // namespace clusterlab
