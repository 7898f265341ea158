// SPDX-License-Identifier: GPL-3.0-or-later
#include "controlmessage.h"

#include <QCborValue>
#include <QtEndian>

namespace clusterlab::control {

QByteArray encode(const QCborMap& message)
{
    const QByteArray body = message.toCborValue().toCbor();
    QByteArray frame(4, '\0');
    qToBigEndian<quint32>(static_cast<quint32>(body.size()), frame.data());
    frame += body;
    return frame;
}

void FrameReader::append(const QByteArray& bytes)
{
    if (!broken())
        m_buffer += bytes;
}

bool FrameReader::next(QCborMap* message)
{
    while (!broken() && m_buffer.size() - m_offset >= 4) {
        const quint32 length = qFromBigEndian<quint32>(m_buffer.constData() + m_offset);
        if (length > static_cast<quint32>(kMaxFrameBytes)) {
            m_error = QStringLiteral("control frame of %1 bytes exceeds the %2-byte limit")
                          .arg(length)
                          .arg(kMaxFrameBytes);
            m_buffer.clear();
            m_offset = 0;
            return false;
        }
        if (m_buffer.size() - m_offset - 4 < static_cast<qsizetype>(length))
            return false;
        QCborParserError parseError;
        const QCborValue value
            = QCborValue::fromCbor(m_buffer.mid(m_offset + 4, static_cast<qsizetype>(length)), &parseError);
        m_offset += 4 + static_cast<qsizetype>(length);
        if (m_offset > 64 * 1024 || m_offset == m_buffer.size()) {
            m_buffer.remove(0, m_offset);
            m_offset = 0;
        }
        if (parseError.error != QCborError::NoError || !value.isMap()) {
            ++m_skipped; // the framing holds: skip this one and go on
            continue;
        }
        *message = value.toMap();
        return true;
    }
    return false;
}

} // namespace clusterlab::control
