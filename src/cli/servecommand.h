// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace clusterlab {

// `clusterlab serve [--workers N] [--port P] [--host H] [--policy ...]
//  [--max-children K] [--pool-threads T]`: the cluster without a window.
// Prints the URL, the policy and one line per lifecycle event; SIGINT and
// SIGTERM stop it gracefully. Returns the exit code (0, 1 runtime failure
// such as a busy port, 2 bad usage). `args` excludes the program name and
// "serve". Needs a QCoreApplication.
// `fallbackToFreePort`: when no --port is given and 3000 is busy, try the
// next ports (what the desktop app does) instead of failing.
int runServe(const QStringList& args, bool fallbackToFreePort = false);

} // namespace clusterlab
