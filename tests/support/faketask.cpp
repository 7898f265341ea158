// A misbehaving stand-in for clusterlab-task, for the worker's tests.
// FAKE_TASK_MODE (from the worker's environment) says how to misbehave:
//   crash    abort() -> the worker answers 502
//   garbage  print something that is not "<result> <start> <end>" -> 502
//   exit3    exit with code 3 -> 502
//   hang     block until killed -> 504 past --task-timeout-ms, or killed
//            when its client leaves
// No Qt, like the real task.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__unix__)
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
    if (std::strcmp(mode, "hang") == 0) {
#if defined(__unix__)
        for (;;)
            ::pause(); // woken only by the signal that kills us
#endif
    }
    return 1;
}
