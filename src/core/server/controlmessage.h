// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QCborMap>
#include <QString>

namespace clusterlab {

// The control channel between the primary and each worker: frames of a
// 4-byte big-endian length followed by one CBOR map whose "type" names the
// message. Version 1. Worker -> primary: "hello" {index, pid},
// "listening" {port}, "draining". Primary -> worker: "stop" {graceMs};
// on Windows also "socket" {info: WSAPROTOCOL_INFOW bytes}, the listening
// socket or handoff channel a worker started with --socket-from-primary
// opens its own handle to (platform::kSocketsByDuplication).
namespace control {
constexpr int kProtocolVersion = 1;
constexpr qsizetype kMaxFrameBytes = 1 << 20;

QByteArray encode(const QCborMap& message);

// Accumulates bytes and yields complete messages. A frame that is not a
// CBOR map is skipped and counted: the framing is intact, so the stream
// goes on. A frame announcing more than kMaxFrameBytes marks the stream
// broken (no sender of ours writes one: the stream is corrupt); after that
// next() yields nothing and append() keeps nothing, so a broken stream
// costs no memory. Never buffers more than one frame plus one read.
class FrameReader
{
public:
    void append(const QByteArray& bytes);
    // False when no complete frame is buffered or the stream is broken.
    bool next(QCborMap* message);
    bool broken() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }
    // Frames skipped because they were not CBOR maps.
    quint64 skipped() const { return m_skipped; }

private:
    QByteArray m_buffer;
    qsizetype m_offset = 0;
    QString m_error;
    quint64 m_skipped = 0;
};

} // namespace control
} // namespace clusterlab
