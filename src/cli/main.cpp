// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab-cli: the command line of `clusterlab` without the window (no
// Widgets, no Charts): `serve` and `bench` on a server with no display.
// Built always; with CLUSTERLAB_BUILD_GUI=OFF it is the only front end.
// Exit codes: 0 success, 1 runtime failure, 2 bad usage.

#include "commandline.h"

int main(int argc, char** argv)
{
    return clusterlab::runCommandLine(argc, argv, CLUSTERLAB_CLI_NAME, false).value_or(2);
}
