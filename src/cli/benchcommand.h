// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace clusterlab {

// `clusterlab bench URL [-n N | -z SECONDS] [-c CONNECTIONS] [--no-keepalive]
//  [--rate R] [--route PATH[:WEIGHT]]... [--timeout S] [--json FILE] [--csv FILE]
//  [--hdr-log FILE]`, or `clusterlab bench --merge A.json B.json... [--json FILE]`
// (runs from several load machines summed into one summary).
// Exit codes: 0 done, 1 target unreachable or a file cannot be read or
// written, 2 bad usage (or, with --merge, a file that is not a bench JSON
// summary with "hdr" histograms). `args` excludes the program name and "bench". Needs a
// QCoreApplication.
int runBench(const QStringList& args);

} // namespace clusterlab
