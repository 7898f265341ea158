// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace clusterlab {

// `clusterlab compare A.sqlite... -- B.sqlite... [--json FILE|-] [--seed S]`:
// sessions (serve --record, bench --session, the window's) compared route by
// route, B against A, each ratio with its 95% interval, "~" where the
// interval includes 1 (session/sessioncompare.h says how). Prints the table;
// --json writes it as JSON (- : to standard output, the table then to
// standard error). Exit codes: 0 compared, 1 a session cannot be read or
// the JSON written, 2 bad usage. Needs a QCoreApplication.
int runCompare(const QStringList& args);

} // namespace clusterlab
