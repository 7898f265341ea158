# SPDX-License-Identifier: GPL-3.0-or-later
# Each process links only what it runs (docs/ARCHITECTURE.md): a worker
# never names the command-line front end, sessions, Qt SQL or anything
# graphical, in its link line (Ninja's build.ninja) or at run time (ldd);
# a task links no Qt at all; nothing in src/app or src/worker includes
# src/cli (the window's main.cpp aside: it is the `clusterlab` command too).
# Run by CTest as executables_link_only_what_they_run:
#   cmake -DBUILD_NINJA=… -DWORKER=… -DTASK=… -DSOURCE_DIR=… -P this file
set(failures "")

function(check_link_line target forbidden)
    if(NOT EXISTS "${BUILD_NINJA}")
        message(STATUS "${BUILD_NINJA}: not a Ninja build, link lines not checked")
        return()
    endif()
    file(STRINGS "${BUILD_NINJA}" lines REGEX "^build bin/${target}(\\.exe)?:")
    list(LENGTH lines found)
    if(found EQUAL 0)
        set(failures "${failures}\n  no link step for ${target} in ${BUILD_NINJA}" PARENT_SCOPE)
        return()
    endif()
    file(READ "${BUILD_NINJA}" ninja)
    string(REGEX MATCH "build bin/${target}(\\.exe)?:[^\n]*\n([ ]+[^\n]*\n)*" step "${ninja}")
    foreach(name IN LISTS forbidden)
        string(FIND "${step}" "${name}" at)
        if(NOT at EQUAL -1)
            set(failures "${failures}\n  ${target}'s link line names ${name}" PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

function(check_loaded program forbidden)
    find_program(LDD ldd)
    if(NOT LDD OR NOT EXISTS "${program}")
        return()
    endif()
    execute_process(COMMAND "${LDD}" "${program}" OUTPUT_VARIABLE loaded RESULT_VARIABLE rc)
    foreach(name IN LISTS forbidden)
        string(FIND "${loaded}" "${name}" at)
        if(NOT at EQUAL -1)
            set(failures "${failures}\n  ${program} loads ${name}" PARENT_SCOPE)
        endif()
    endforeach()
endfunction()

set(worker_forbidden clusterlab_cli clusterlab_session clusterlab_gui Qt6Sql Qt6Gui Qt6Widgets Qt6Charts)
check_link_line(clusterlab-worker "${worker_forbidden}")
check_loaded("${WORKER}" "libQt6Sql;libQt6Gui;libQt6Widgets;libQt6Charts")
check_link_line(clusterlab-task "Qt6;clusterlab_core;clusterlab_cli;clusterlab_session")
check_loaded("${TASK}" "libQt6")

file(GLOB sources "${SOURCE_DIR}/src/app/*.cpp" "${SOURCE_DIR}/src/app/*.h" "${SOURCE_DIR}/src/worker/*.cpp"
     "${SOURCE_DIR}/src/worker/*.h")
list(REMOVE_ITEM sources "${SOURCE_DIR}/src/app/main.cpp")
foreach(source IN LISTS sources)
    file(STRINGS "${source}" includes REGEX "^#include \"(benchcommand|commandline|experimentcommand|servecommand)\\.h\"")
    if(includes)
        set(failures "${failures}\n  ${source} includes src/cli: ${includes}")
    endif()
endforeach()

if(failures)
    message(FATAL_ERROR "a process links or includes what it does not run:${failures}")
endif()
message(STATUS "clusterlab-worker and clusterlab-task link only what they run; src/app and src/worker include no front end")
