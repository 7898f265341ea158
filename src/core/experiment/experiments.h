// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Every experiment, one file each (its run and its verdict rules); the
// registry (Experiment::all, byName, names) is in experiments.cpp.
#include "experiment.h"

#include "balance.h"
#include "blocking.h"
#include "crossover.h"
#include "footprint.h"
#include "isolation.h"
#include "scaling.h"
#include "sharing.h"
