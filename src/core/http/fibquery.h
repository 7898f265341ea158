// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace clusterlab {

// What a fault= parameter asks a computation to do (experiments only).
// crash: a native crash (abort); throw: an exception in the computation;
// hang: it never finishes. Experiments only (--fault-injection).
enum class Fault { None, Crash, Throw, Hang };

// The N of /main, /worker and /child, read from a raw query string
// ("n=30&x=y"). Absent -> the default (30). Present more than once, empty,
// signed, fractional, non-decimal or outside 0..45 -> an error with a
// one-line reason for the 400 response. The same rules hold for the
// experiment parameters fault= (crash|throw|hang) and payload= (MiB, 0..64); the
// router decides whether they are allowed at all.
struct FibQuery
{
    bool ok = false;
    int n = 0;
    Fault fault = Fault::None;
    int payloadMb = 0;
    bool hasExperimentParameter = false; // fault= or payload= was given
    QByteArray error;
};

FibQuery parseFibQuery(const QByteArray& query);

// Decodes %XX escapes and '+' (as a space). Returns false on a broken escape.
bool percentDecode(const QByteArray& in, QByteArray* out);

} // namespace clusterlab
