#pragma once

#include <QByteArray>
#include <QCborMap>
#include <QString>

namespace clusterlab {

// The control channel between the primary and each worker: frames of a
// 4-byte big-endian length followed by one CBOR map whose "type" names the
// message. Version 1. Worker -> primary: "hello" {index, pid},
// "listening" {port}, "draining". Primary -> worker: "stop" {graceMs}.
namespace control {
constexpr int kProtocolVersion = 1;
constexpr qsizetype kMaxFrameBytes = 1 << 20;

QByteArray encode(const QCborMap& message);

// Accumulates bytes and yields complete messages. A frame larger than
// kMaxFrameBytes or one that is not a CBOR map marks the stream broken:
// the caller drops the channel.
class FrameReader
{
public:
    void append(const QByteArray& bytes) { m_buffer += bytes; }
    // False when no complete frame is buffered or the stream is broken.
    bool next(QCborMap* message);
    bool broken() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }

private:
    QByteArray m_buffer;
    qsizetype m_offset = 0;
    QString m_error;
};

} // namespace control
} // namespace clusterlab
