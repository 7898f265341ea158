// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: the primary's side of the control channel. The input is the
// byte stream a worker writes (4-byte big-endian length + one CBOR map per
// frame); it reaches clusterlab::control::FrameReader in pieces, and every
// decoded "telemetry" message goes to a fresh TelemetryAggregator, as
// WorkerInstance does with what a (possibly hostile or broken) worker sends.
// A trap (abort) means an invariant broke.

#include "fuzzcheck.h"
#include "server/controlmessage.h"
#include "telemetry/telemetryaggregator.h"

#include <QByteArray>
#include <QCborMap>
#include <QCborValue>
#include <QCoreApplication>
#include <QString>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace {

constexpr const char* kFuzzTarget = "fuzz_controlframe";

// The aggregator is a QObject with a QTimer: it wants an application
// object. One for the whole process; its event loop never runs.
void ensureApplication()
{
    if (QCoreApplication::instance() != nullptr)
        return;
    static int argc = 1;
    static char arg0[] = "fuzz_controlframe";
    static char* argv[] = { arg0, nullptr };
    static QCoreApplication app(argc, argv);
}

// Piece sizes come from a hash of the whole input, so the seed files stay
// plain streams of frames: 0 = all at once, 1 = byte by byte, else pieces
// of 1..64 bytes.
std::uint32_t hashOf(const std::uint8_t* data, std::size_t size)
{
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < size; ++i)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

// A fresh TelemetryAggregator per input, built only when the first
// telemetry message arrives, in one heap block kept for the whole process:
// it holds ~4 MB of histograms, and mapping and faulting in new pages for
// every input would cost far more than the input itself.
class AggregatorSlot
{
public:
    AggregatorSlot(int index, qint64 pid)
        : m_index(index)
        , m_pid(pid)
    {
    }
    ~AggregatorSlot()
    {
        if (m_live != nullptr)
            m_live->~TelemetryAggregator();
    }
    AggregatorSlot(const AggregatorSlot&) = delete;
    AggregatorSlot& operator=(const AggregatorSlot&) = delete;

    clusterlab::TelemetryAggregator& get()
    {
        if (m_live == nullptr) {
            static void* const block = ::operator new(sizeof(clusterlab::TelemetryAggregator));
            m_live = new (block) clusterlab::TelemetryAggregator();
            m_live->workerStarted(m_index, m_pid);
        }
        return *m_live;
    }
    bool live() const { return m_live != nullptr; }

private:
    int m_index;
    qint64 m_pid;
    clusterlab::TelemetryAggregator* m_live = nullptr;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ensureApplication();

    std::uint32_t h = hashOf(data, size);
    const unsigned mode = h % 4;
    // What the primary knows of the worker on this channel (its slot and its
    // QProcess pid), not what the worker says: the seeds' records carry the
    // same two values, so that mutated records still reach the aggregation.
    const int index = 0;
    const qint64 pid = 4321;

    clusterlab::control::FrameReader reader;
    AggregatorSlot aggregator(index, pid);

    std::size_t pos = 0;
    int messages = 0;
    int telemetry = 0;
    while (pos < size) {
        std::size_t piece = size - pos;
        if (mode == 1) {
            piece = 1;
        } else if (mode >= 2) {
            h = h * 1103515245u + 12345u;
            piece = std::min<std::size_t>(piece, 1 + (h >> 16) % 64);
        }
        reader.append(QByteArray(reinterpret_cast<const char*>(data + pos), static_cast<qsizetype>(piece)));
        pos += piece;

        QCborMap message;
        while (reader.next(&message)) {
            ++messages;
            FUZZ_CHECK(!reader.broken());
            // A frame is at least its 4-byte length and a one-byte map.
            FUZZ_CHECK(static_cast<std::size_t>(messages) * 5 <= pos);
            if (message.value(QStringLiteral("type")).toString() == QLatin1String("telemetry")) {
                ++telemetry;
                aggregator.get().ingest(index, pid, message);
            }
        }
        if (reader.broken()) {
            FUZZ_CHECK(!reader.error().isEmpty());
            // Broken is final: nothing more comes out, whatever arrives.
            reader.append(QByteArray(reinterpret_cast<const char*>(data), static_cast<qsizetype>(std::min<std::size_t>(size, 16))));
            FUZZ_CHECK(!reader.next(&message));
            FUZZ_CHECK(reader.broken());
            break; // the primary drops the channel
        }
    }

    if (aggregator.live()) {
        // What the primary does with the figures later: accounts, the
        // summary (percentiles), raw records as CSV.
        const clusterlab::TelemetryAggregator& a = aggregator.get();
        const QList<clusterlab::WorkerAccount> accounts = a.accounts();
        FUZZ_CHECK(accounts.size() == 1);
        // Nothing lost silently: every batch is counted, as received or as
        // malformed.
        FUZZ_CHECK(accounts.constFirst().batches + a.malformedBatches() >= static_cast<std::uint64_t>(telemetry));
        (void)a.summaryJson();
        std::size_t shown = 0;
        for (const clusterlab::StoredRecord& r : a.records()) {
            FUZZ_CHECK(!clusterlab::TelemetryAggregator::csvRow(r, "0.2.0,2026-12-06T00:00:00.000Z").isEmpty());
            if (++shown == 64)
                break;
        }
        (void)a.samples(index);
    }
    return 0;
}
