# SPDX-License-Identifier: GPL-3.0-or-later
# FindLlhttp
# ----------
# Provides the imported target llhttp::llhttp.
#
# 1. An installed llhttp package (Homebrew, vcpkg, a source install) through
#    its own CMake config: find_package(llhttp CONFIG).
# 2. Debian/Ubuntu: the generated C sources of the node-llhttp package
#    (llhttp.h, llhttp.c, api.c, http.c), built here as a static library.
#
# Hints: LLHTTP_SOURCE_DIR (folder holding llhttp.c, api.c, http.c) and
#        LLHTTP_INCLUDE_DIR (folder holding llhttp.h).

if(TARGET llhttp::llhttp)
    set(Llhttp_FOUND TRUE)
    return()
endif()

find_package(llhttp CONFIG QUIET)
if(llhttp_FOUND)
    if(TARGET llhttp::llhttp_static)
        add_library(llhttp::llhttp ALIAS llhttp::llhttp_static)
    elseif(TARGET llhttp::llhttp_shared)
        add_library(llhttp::llhttp ALIAS llhttp::llhttp_shared)
    endif()
    if(TARGET llhttp::llhttp)
        set(Llhttp_FOUND TRUE)
        message(STATUS "llhttp: using the installed package (${llhttp_DIR})")
        return()
    endif()
endif()

find_path(LLHTTP_INCLUDE_DIR llhttp.h
    HINTS ${LLHTTP_INCLUDE_DIR}
    PATHS /usr/share/include/llhttp /usr/include/llhttp /usr/local/include/llhttp
    NO_CACHE)
find_path(LLHTTP_SOURCE_DIR llhttp.c
    HINTS ${LLHTTP_SOURCE_DIR}
    PATHS /usr/share/llhttp /usr/src/llhttp
    NO_CACHE)

if(LLHTTP_INCLUDE_DIR AND LLHTTP_SOURCE_DIR
        AND EXISTS "${LLHTTP_SOURCE_DIR}/api.c" AND EXISTS "${LLHTTP_SOURCE_DIR}/http.c")
    add_library(clusterlab_llhttp STATIC
        "${LLHTTP_SOURCE_DIR}/llhttp.c"
        "${LLHTTP_SOURCE_DIR}/api.c"
        "${LLHTTP_SOURCE_DIR}/http.c")
    target_include_directories(clusterlab_llhttp SYSTEM PUBLIC "${LLHTTP_INCLUDE_DIR}")
    set_target_properties(clusterlab_llhttp PROPERTIES
        C_STANDARD 99 POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
    add_library(llhttp::llhttp ALIAS clusterlab_llhttp)
    file(STRINGS "${LLHTTP_INCLUDE_DIR}/llhttp.h" _llhttp_major REGEX "#define LLHTTP_VERSION_MAJOR")
    message(STATUS "llhttp: building the sources in ${LLHTTP_SOURCE_DIR} (${_llhttp_major})")
    set(Llhttp_FOUND TRUE)
else()
    set(Llhttp_FOUND FALSE)
    set(_llhttp_msg "llhttp (the HTTP parser Node.js uses) was not found.
  Debian/Ubuntu:  sudo apt-get install -y node-llhttp
  macOS:          brew install llhttp
  Windows:        vcpkg install llhttp
  Or point LLHTTP_INCLUDE_DIR at llhttp.h and LLHTTP_SOURCE_DIR at llhttp.c/api.c/http.c.")
    if(Llhttp_FIND_REQUIRED)
        message(FATAL_ERROR "${_llhttp_msg}")
    elseif(NOT Llhttp_FIND_QUIETLY)
        message(WARNING "${_llhttp_msg}")
    endif()
endif()
