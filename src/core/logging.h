// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

// One logging category per subsystem, so that a user turns on what they
// need, e.g.
//   QT_LOGGING_RULES="clusterlab.cluster.debug=true" clusterlab serve
//   QT_LOGGING_RULES="clusterlab.*.info=true" clusterlab
// Warnings are on by default; info and debug are off until asked for.
Q_DECLARE_LOGGING_CATEGORY(lcCluster)    // clusterlab.cluster: supervision, workers' lives, hand-over
Q_DECLARE_LOGGING_CATEGORY(lcHttp)       // clusterlab.http: connections, errors answered, limits reached
Q_DECLARE_LOGGING_CATEGORY(lcTelemetry)  // clusterlab.telemetry: batches, what was refused
Q_DECLARE_LOGGING_CATEGORY(lcLoad)       // clusterlab.load: the load generator
Q_DECLARE_LOGGING_CATEGORY(lcExperiment) // clusterlab.experiment: steps and results
