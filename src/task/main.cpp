// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab-task N [--payload BYTES] [--crash | --throw | --hang]
//
// Computes fib(N) and prints one line on stdout:
//     <result> <computeStartNs> <computeEndNs> <peakRssKiB> <payloadChecksum>
// (steady-clock nanoseconds, the same clock the worker stamps with), then
// exits 0. With --payload it first reads BYTES (at most 64 MiB) from its
// standard input into its own memory and checksums them: the sharing
// experiment's "a child must receive the data". --crash aborts, --hang
// never finishes (the worker's task timeout ends it): fault injection for
// the isolation experiment, passed only by a worker run with
// --fault-injection. Bad usage prints a message on stderr and exits 2.
//
// It links no Qt library on purpose: spawning a Qt-linked executable costs
// several milliseconds more, and spawn time is what /child measures.

#include "compute/clock.h"
#include "compute/fib.h"
#include "compute/payload.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <sys/event.h>
#include <sys/resource.h>
#include <unistd.h>
#elif defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#include <psapi.h>
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

long long peakRssKiB()
{
#if defined(__linux__)
    // VmHWM, not getrusage's ru_maxrss: that one survives exec and would
    // report the worker's image this process was forked from.
    if (FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        long long kib = 0;
        while (std::fgets(line, sizeof line, f) != nullptr) {
            if (std::strncmp(line, "VmHWM:", 6) == 0) {
                kib = std::strtoll(line + 6, nullptr, 10);
                break;
            }
        }
        std::fclose(f);
        return kib;
    }
    return 0;
#elif defined(__APPLE__)
    struct rusage usage {};
    return ::getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss / 1024 : 0; // bytes on macOS
#elif defined(_WIN32)
    PROCESS_MEMORY_COUNTERS counters {};
    return K32GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)
        ? static_cast<long long>(counters.PeakWorkingSetSize / 1024)
        : 0;
#else
    return 0;
#endif
}

// Reads exactly `size` bytes from stdin into memory of our own. False on a
// short read.
bool readPayload(std::vector<unsigned char>* into, std::size_t size)
{
#if defined(_WIN32)
    _setmode(_fileno(stdin), _O_BINARY);
#endif
    into->resize(size);
    std::size_t got = 0;
    while (got < size) {
        const std::size_t n = std::fread(into->data() + got, 1, size - got, stdin);
        if (n == 0)
            return false;
        got += n;
    }
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        std::puts("usage: clusterlab-task N [--payload BYTES] [--crash | --throw | --hang]\n"
                  "Computes fib(N) (0 <= N <= 45) and prints\n"
                  "\"<result> <startNs> <endNs> <peakRssKiB> <payloadChecksum>\".\n"
                  "--payload reads BYTES from stdin first and checksums them.");
        return 0;
    }
    int n = 0;
    long long payload = 0;
    bool crash = false;
    bool hang = false;
    bool throws = false;
    bool ok = argc >= 2 && parseN(argv[1], &n);
    for (int i = 2; ok && i < argc; ++i) {
        if (std::strcmp(argv[i], "--crash") == 0 && !hang && !throws) {
            crash = true;
        } else if (std::strcmp(argv[i], "--hang") == 0 && !crash && !throws) {
            hang = true;
        } else if (std::strcmp(argv[i], "--throw") == 0 && !crash && !hang) {
            throws = true;
        } else if (std::strcmp(argv[i], "--payload") == 0 && i + 1 < argc) {
            char* end = nullptr;
            payload = std::strtoll(argv[++i], &end, 10);
            ok = end != argv[i] && *end == '\0' && payload >= 0
                && payload <= static_cast<long long>(clusterlab::kMaxPayloadMb) * 1024 * 1024;
        } else {
            ok = false;
        }
    }
    if (!ok) {
        std::fprintf(stderr,
                     "clusterlab-task: expected N in 0..%d, then optionally --payload BYTES (at most %d MiB) "
                     "and one of --crash, --throw or --hang\n",
                     clusterlab::kMaxFibN, clusterlab::kMaxPayloadMb);
        return 2;
    }
    dieWithParent();
    if (crash)
        std::abort(); // what a bug in the task's code would do
    if (throws) // an exception nobody catches: std::terminate, as C++ does (Node's child exits with code 1)
        throw std::runtime_error("fault=throw: the computation threw");
    if (hang) {
        for (;;) // what a stuck task would do; the worker's timeout kills it
            std::this_thread::sleep_for(std::chrono::hours(1));
    }
    std::vector<unsigned char> data;
    if (payload > 0 && !readPayload(&data, static_cast<std::size_t>(payload))) {
        std::fprintf(stderr, "clusterlab-task: the payload ended early\n");
        return 1;
    }
    const std::int64_t start = clusterlab::steadyNowNs();
    const std::uint64_t checksum = data.empty() ? 0 : clusterlab::payloadChecksum(data.data(), data.size());
    const std::uint64_t result = clusterlab::fib(n);
    const std::int64_t end = clusterlab::steadyNowNs();
    std::printf("%" PRIu64 " %" PRId64 " %" PRId64 " %lld %" PRIu64 "\n", result, start, end, peakRssKiB(), checksum);
    return std::fflush(stdout) == 0 ? 0 : 1;
}
