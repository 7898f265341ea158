// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

Q_LOGGING_CATEGORY(lcCluster, "clusterlab.cluster", QtWarningMsg)
Q_LOGGING_CATEGORY(lcHttp, "clusterlab.http", QtWarningMsg)
Q_LOGGING_CATEGORY(lcTelemetry, "clusterlab.telemetry", QtWarningMsg)
Q_LOGGING_CATEGORY(lcLoad, "clusterlab.load", QtWarningMsg)
Q_LOGGING_CATEGORY(lcExperiment, "clusterlab.experiment", QtWarningMsg)
