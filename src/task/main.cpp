// clusterlab-task N
//
// Computes fib(N) and prints one line on stdout:
//     <result> <computeStartNs> <computeEndNs>
// (steady-clock nanoseconds, the same clock the worker stamps with), then
// exits 0. Bad usage prints a message on stderr and exits 2.
//
// It links no Qt library on purpose: spawning a Qt-linked executable costs
// several milliseconds more, and spawn time is what /child measures.

#include "compute/fib.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <sys/event.h>
#include <unistd.h>

#include <thread>
#endif

namespace {

bool parseN(const char* text, int* n)
{
    if (text == nullptr || *text == '\0' || std::strlen(text) > 3)
        return false;
    int value = 0;
    for (const char* p = text; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + (*p - '0');
    }
    if (value > clusterlab::kMaxFibN)
        return false;
    *n = value;
    return true;
}

void dieWithParent()
{
#if defined(__linux__)
    // Second line of defence against orphans: if the worker dies (even by
    // SIGKILL) the kernel kills us too. The worker tells us its pid so the
    // race "parent died before prctl" is caught as well.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (const char* expected = std::getenv("CLUSTERLAB_PARENT_PID")) {
        if (std::strtol(expected, nullptr, 10) != static_cast<long>(::getppid()))
            std::_Exit(3);
    }
#elif defined(__APPLE__)
    // No parent-death signal on macOS: a thread waits on a kqueue for the
    // worker's exit. (Windows: the worker's kill-on-close Job Object.)
    const pid_t parent = ::getppid();
    const int kq = ::kqueue();
    struct kevent change {};
    EV_SET(&change, parent, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, nullptr);
    if (kq < 0 || ::kevent(kq, &change, 1, nullptr, 0, nullptr) < 0) {
        if (::getppid() != parent || parent == 1)
            std::_Exit(3); // already orphaned
        return;
    }
    std::thread([kq]() {
        struct kevent event {};
        while (::kevent(kq, nullptr, 0, &event, 1, nullptr) < 0) {
        }
        std::_Exit(3);
    }).detach();
#endif
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::puts("usage: clusterlab-task N\n"
                  "Computes fib(N) (0 <= N <= 45) and prints \"<result> <startNs> <endNs>\".");
        return 0;
    }
    int n = 0;
    if (argc != 2 || !parseN(argv[1], &n)) {
        std::fprintf(stderr, "clusterlab-task: expected one integer N in 0..%d\n", clusterlab::kMaxFibN);
        return 2;
    }
    dieWithParent();
    const std::int64_t start = clusterlab::steadyNowNs();
    const std::uint64_t result = clusterlab::fib(n);
    const std::int64_t end = clusterlab::steadyNowNs();
    std::printf("%" PRIu64 " %" PRId64 " %" PRId64 "\n", result, start, end);
    return std::fflush(stdout) == 0 ? 0 : 1;
}
