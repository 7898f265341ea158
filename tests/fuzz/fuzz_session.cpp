// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the session reader. A session is a file users hand to each
// other (docs/RELIABILITY.md): the input is written as an SQLite file and
// read with readSession, as the window's File > Open does, under limits
// small enough for a fuzzer's memory. The seeds are real sessions (`serve
// --record`, a `bench --session`) and the crafted ones of issue 22. A trap
// (abort) means an invariant broke; a hang or an out-of-memory is what the
// reader's bounds exist to prevent.

#include "fuzzcheck.h"
#include "session/sessionreader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>

namespace {

constexpr const char* kFuzzTarget = "fuzz_session";

void ensureApplication()
{
    if (QCoreApplication::instance() != nullptr)
        return;
    static int argc = 1;
    static char arg0[] = "fuzz_session";
    static char* argv[] = { arg0, nullptr };
    static QCoreApplication app(argc, argv);
}

// One folder for the whole run, in memory where the system has it.
const QString& inputPath()
{
    static QTemporaryDir dir(QFileInfo::exists(QStringLiteral("/dev/shm")) ? QStringLiteral("/dev/shm/fuzz-session-XXXXXX")
                                                                        : QDir::tempPath() + QStringLiteral("/fuzz-session-XXXXXX"));
    static const QString path = dir.filePath(QStringLiteral("input.sqlite"));
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ensureApplication();
    const QString& path = inputPath();
    QFile::remove(path + QStringLiteral("-wal"));
    QFile::remove(path + QStringLiteral("-journal"));
    QFile::remove(path + QStringLiteral("-shm"));
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        f.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size));
    }
    clusterlab::SessionReadOptions options;
    options.open.statementLimitMs = 5000;
    options.limits.maxRows = 200000;
    options.limits.maxWorkers = 64;
    options.limits.maxLoadRoutes = 16;
    options.limits.maxLoadTests = 1000;
    options.limits.maxEventsKept = 1000;
    options.limits.maxTextChars = 1 << 16;
    options.limits.maxSeriesPoints = 100000;
    options.limits.maxExperiments = 16;
    clusterlab::SessionSummary summary;
    QString error;
    const bool ok = clusterlab::readSession(path, &summary, &error, options);
    FUZZ_CHECK(ok || !error.isEmpty());
    if (ok) {
        FUZZ_CHECK(summary.requests <= 200000 && summary.loadRequests <= 200000);
        FUZZ_CHECK(summary.lastPid.size() <= 64);
        FUZZ_CHECK(summary.clientLatency.size() <= 17);
        const auto feed = summary.toFeed();
        FUZZ_CHECK(feed->poolThreads >= 1 && feed->poolThreads <= 1024);
        FUZZ_CHECK(feed->maxChildren >= 1 && feed->maxChildren <= 4096);
        const auto figures = summary.routeFigures();
        for (auto it = figures.cbegin(); it != figures.cend(); ++it)
            FUZZ_CHECK(it.value().p50Ms <= it.value().p99Ms + 1e-9);
    } else {
        FUZZ_CHECK(summary.requests == 0);
    }
    // Reading wrote nothing beside the input.
    FUZZ_CHECK(!QFile::exists(path + QStringLiteral("-wal")) && !QFile::exists(path + QStringLiteral("-shm")));
    return 0;
}
