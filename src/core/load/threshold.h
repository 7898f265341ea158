// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace clusterlab {

struct LoadSummary;

// One `bench --fail-on` threshold, k6-style: an expression that, when true
// of a finished run, fails it (exit code 1, the expression named).
//   p50 p90 p95 p99 p99.9 (any pNN[.N]), min, mean (avg), max  OP  TIME
//       TIME: 50ms, 0.5s, 800us (µs), 2m, 1h; a bare number is milliseconds
//   errors OP N%   the share of requests that failed or were answered 4xx/5xx
//   errors OP N    their count
//   rps OP N       requests per second
//   status!=2xx    any request without a 2xx answer; status!=200 (a code),
//   status==5xx    any 5xx answer (a class or a code)
// OP is one of > >= < <= (and == != for status). Spaces are allowed.
struct Threshold
{
    enum class Metric { Percentile, Min, Mean, Max, ErrorShare, ErrorCount, Rps, Status };
    enum class Op { Greater, GreaterOrEqual, Less, LessOrEqual, Equal, NotEqual };

    QString text;          // as given, for messages
    Metric metric = Metric::Percentile;
    double percentile = 0; // Metric::Percentile
    Op op = Op::Greater;
    double value = 0;      // ms, a share in percent, a count or req/s
    int statusLow = 0;     // Metric::Status: the codes named, inclusive
    int statusHigh = 0;

    // False with a one-line reason.
    static bool parse(const QString& text, Threshold* out, QString* error);
};

struct ThresholdVerdict
{
    bool crossed = false;
    QString observed; // "p99 was 73.210 ms", "3 of 200 requests (1.50%)"
};

ThresholdVerdict evaluate(const Threshold& t, const LoadSummary& s);

} // namespace clusterlab
