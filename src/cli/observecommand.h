// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace clusterlab {

// `clusterlab observe --port P [--interval MS] [--count N]` or
// `clusterlab observe [--port P] [...] -- COMMAND [ARGS...]`: the live
// process table of a server this program did not start (the owner of the
// port's listening socket and its descendants) or of a command it starts
// for the user (its process group), found through the OS
// (platform/attribution.h): per process its parent, whether it listens,
// state, CPU, resident memory, threads and established connections to the
// port; processes that appear and exit are said as they do. Ends on
// Ctrl-C, after --count tables, or when the command exits (the command's
// group is stopped first when observe ends). Exit codes: 0 done (the
// command's own exit code is printed), 1 nothing listens on the port or
// the command cannot start, 2 bad usage. Needs a QCoreApplication.
int runObserve(const QStringList& args);

} // namespace clusterlab
