// SPDX-License-Identifier: GPL-3.0-or-later
// MSVC has no <sys/wait.h>. Before poison.h has pulled in the system headers that
// mingw-w64 builds on, this passes through to mingw's own; after, an
// include of it from our code stops the Windows compile check where an
// MSVC build would stop. (No include guard on purpose: each include is
// judged.)
#ifndef CLUSTERLAB_POISON_ARMED
#include_next <sys/wait.h>
#else
#error "<sys/wait.h> is POSIX (MSVC lacks it): include it only in a *_unix.cpp platform file or under Q_OS_UNIX"
#endif
