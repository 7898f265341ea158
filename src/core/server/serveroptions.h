// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "server/serverconfig.h"

#include <QString>

class QCommandLineParser;

namespace clusterlab {

// The server options shared by clusterlab-worker and clusterlab: registers
// them on a parser (test-only tuning options hidden from --help) and reads them back with validation, so that both
// programs spell and check them the same way.
void addServerOptions(QCommandLineParser* parser);

// Fills *config from a processed parser. On bad input returns false with a
// one-line message in *error (the caller exits 2).
bool readServerOptions(const QCommandLineParser& parser, ServerConfig* config, QString* error);

// Raises the soft open-file limit to the hard one: every connection and
// every running task costs descriptors. No-op where there is no such limit.
void raiseFileDescriptorLimit();

} // namespace clusterlab
