#pragma once

#include <QStringList>

namespace clusterlab {

// `clusterlab serve [--workers N] [--port P] [--host H] [--policy ...]
//  [--max-children K] [--pool-threads T]`: the cluster without a window.
// Prints the URL, the policy and one line per lifecycle event; SIGINT and
// SIGTERM stop it gracefully. Returns the exit code (0, 1 runtime failure
// such as a busy port, 2 bad usage). `args` excludes the program name and
// "serve". Needs a QCoreApplication.
int runServe(const QStringList& args);

} // namespace clusterlab
