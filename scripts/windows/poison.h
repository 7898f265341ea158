// SPDX-License-Identifier: GPL-3.0-or-later
// Force-included (-include) into every translation unit by
// scripts/check-windows.sh. mingw-w64 accepts POSIX names that MSVC lacks;
// poisoning them here makes the Windows compile check fail where an MSVC
// build would. Headers that declare them are included first, so that only
// our own code trips on the poison.
#pragma once
#ifndef _WIN32
#error "poison.h is for the Windows compile check only"
#endif
#include <sys/types.h>
#include <time.h>
#include <string.h>
#include <stdlib.h>
#ifdef __cplusplus
#include <ctime>
#include <cstring>
#include <cstdlib>
#include <thread>
#include <mutex>
#include <condition_variable>
#endif
// (Not usleep or sleep: QThread has members of those names.)
#define CLUSTERLAB_POISON_ARMED 1
#pragma GCC poison clock_gettime gettimeofday nanosleep ssize_t fork vfork fcntl pipe2 socketpair strcasecmp strncasecmp getrusage sigaction
