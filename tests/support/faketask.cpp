// SPDX-License-Identifier: GPL-3.0-or-later
// A misbehaving stand-in for clusterlab-task, for the worker's tests.
// FAKE_TASK_MODE (from the worker's environment) says how to misbehave:
//   crash    abort() -> the worker answers 502
//   garbage  print something that is not "<result> <start> <end> <rss> <sum>" -> 502
//   exit3    exit with code 3 -> 502
//   hang     block until killed -> 504 past --task-timeout-ms, or killed
//            when its client leaves
//   fds      write the numbers of its open descriptors (Linux: from
//            /proc/self/fd) to the file FAKE_TASK_FDS_FILE, then answer
//            like the real task for N = 0
// No Qt, like the real task.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <chrono>
#include <string>

#if defined(__unix__)
#include <dirent.h>
#include <unistd.h>
#endif

int main()
{
    const char* mode = std::getenv("FAKE_TASK_MODE");
    if (mode == nullptr || std::strcmp(mode, "crash") == 0)
        std::abort();
    if (std::strcmp(mode, "garbage") == 0) {
        std::puts("this is not a number");
        return 0;
    }
    if (std::strcmp(mode, "exit3") == 0)
        return 3;
    if (std::strcmp(mode, "fds") == 0) {
        const long long start = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count();
        std::string list;
#if defined(__linux__)
        if (DIR* dir = ::opendir("/proc/self/fd")) {
            const int own = ::dirfd(dir);
            while (const dirent* e = ::readdir(dir)) {
                if (e->d_name[0] == '.' || std::atoi(e->d_name) == own)
                    continue;
                list += e->d_name;
                list += ' ';
            }
            ::closedir(dir);
        }
#endif
        if (const char* path = std::getenv("FAKE_TASK_FDS_FILE")) {
            if (FILE* f = std::fopen(path, "w")) {
                std::fputs(list.c_str(), f);
                std::fclose(f);
            }
        }
        const long long end = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
        std::printf("0 %lld %lld 0 0\n", start, end);
        return 0;
    }
    if (std::strcmp(mode, "hang") == 0) {
#if defined(__unix__)
        for (;;)
            ::pause(); // woken only by the signal that kills us
#endif
    }
    return 1;
}
