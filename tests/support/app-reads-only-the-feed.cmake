# SPDX-License-Identifier: GPL-3.0-or-later
# The window's code draws from ClusterFeed's published snapshots only: no file
# in src/app may reach into the live telemetry aggregator (run by CTest as
# app_reads_only_the_feed; `cmake -DAPP_DIR=src/app -P` this file).
file(GLOB sources "${APP_DIR}/*.cpp" "${APP_DIR}/*.h")
set(offenders "")
foreach(source IN LISTS sources)
    file(READ "${source}" text)
    foreach(needle "telemetry()" "TelemetryAggregator" ".samples(" "->samples(")
        string(FIND "${text}" "${needle}" at)
        if(NOT at EQUAL -1)
            list(APPEND offenders "${source}: ${needle}")
        endif()
    endforeach()
endforeach()
list(LENGTH sources count)
if(count EQUAL 0)
    message(FATAL_ERROR "no sources under ${APP_DIR}")
endif()
if(offenders)
    string(REPLACE ";" "\n  " offenders "${offenders}")
    message(FATAL_ERROR "src/app reads the live aggregator instead of the feed:\n  ${offenders}")
endif()
message(STATUS "${count} files in src/app read the feed only")
