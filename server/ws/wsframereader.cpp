#include "wsframereader.h"

#include <QStringDecoder>

#include <cstring>

namespace confab::server {

namespace {

constexpr quint8 kContinuation = 0x0;
constexpr quint8 kText = 0x1;
constexpr quint8 kBinary = 0x2;
constexpr quint8 kClose = 0x8;
constexpr quint8 kPing = 0x9;
constexpr quint8 kPong = 0xA;

// Strict UTF-8 (no surrogates, no overlongs, nothing past U+10FFFF) into a QString; false
// when `bytes` is not UTF-8.
bool decodeUtf8(QByteArrayView bytes, QString *text)
{
    // ConvertInitialBom: a leading U+FEFF is part of the text, as the peer sent it.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless
                                                     | QStringDecoder::Flag::ConvertInitialBom);
    *text = decoder.decode(bytes);
    return !decoder.hasError();
}

} // namespace

bool WsFrameReader::isValidCloseCode(int code)
{
    // 1004, 1005, 1006 and 1015 are reserved, never sent; 1016-2999 are for later standards.
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
}

bool WsFrameReader::fail(int code, const char *reason)
{
    m_failCode = code;
    m_failReason = reason;
    m_message = QByteArray();
    m_control = QByteArray();
    return false;
}

void WsFrameReader::unmaskInto(char *to, const char *from, qint64 n)
{
    qint64 i = 0;
    // Eight bytes at a time with the mask turned to where this piece starts.
    if (n >= 16) {
        quint8 m8[8];
        for (int k = 0; k < 8; ++k)
            m8[k] = m_mask[(m_maskAt + k) & 3];
        quint64 mask;
        std::memcpy(&mask, m8, 8);
        for (; i + 8 <= n; i += 8) {
            quint64 v;
            std::memcpy(&v, from + i, 8);
            v ^= mask;
            std::memcpy(to + i, &v, 8);
        }
    }
    quint8 at = quint8((m_maskAt + i) & 3);
    for (; i < n; ++i) {
        to[i] = char(quint8(from[i]) ^ m_mask[at]);
        at = (at + 1) & 3;
    }
    m_maskAt = at;
}

bool WsFrameReader::startFrame()
{
    const quint8 b0 = m_header[0];
    const quint8 b1 = m_header[1];
    m_fin = b0 & 0x80;
    m_opcode = b0 & 0x0F;
    if (b0 & 0x70)
        return fail(1002, "reserved bits set (no extension was negotiated)");
    const bool control = m_opcode & 0x8;
    if (control) {
        if (m_opcode != kClose && m_opcode != kPing && m_opcode != kPong)
            return fail(1002, "unknown opcode");
        if (!m_fin)
            return fail(1002, "fragmented control frame");
    } else if (m_opcode == kContinuation) {
        if (!m_messageOpcode)
            return fail(1002, "continuation frame without a message to continue");
    } else if (m_opcode == kText || m_opcode == kBinary) {
        if (m_messageOpcode)
            return fail(1002, "new message inside a fragmented one");
    } else {
        return fail(1002, "unknown opcode");
    }
    quint64 length = b1 & 0x7F;
    if (length == 126) {
        length = (quint64(m_header[2]) << 8) | m_header[3];
    } else if (length == 127) {
        length = 0;
        for (int k = 2; k < 10; ++k)
            length = (length << 8) | m_header[k];
        if (length >> 63)
            return fail(1002, "frame length with its top bit set");
    }
    if (control && length > 125)
        return fail(1002, "control frame longer than 125 bytes");
    if (!control && quint64(m_message.size()) + length > quint64(m_maxMessageBytes))
        return fail(1009, "message too big");
    std::memcpy(m_mask, m_header + m_headerNeed - 4, 4);
    m_maskAt = 0;
    m_remaining = length;
    if (m_opcode == kText || m_opcode == kBinary)
        m_messageOpcode = m_opcode;
    return true;
}

bool WsFrameReader::endFrame(QList<Message> *out)
{
    switch (m_opcode) {
    case kPing:
    case kPong: {
        Message m;
        m.kind = m_opcode == kPing ? Kind::Ping : Kind::Pong;
        m.payload = std::exchange(m_control, QByteArray());
        out->append(std::move(m));
        return true;
    }
    case kClose: {
        const QByteArray p = std::exchange(m_control, QByteArray());
        Message m;
        m.kind = Kind::Close;
        if (p.size() == 1)
            return fail(1002, "close frame of one byte");
        if (p.size() >= 2) {
            m.closeCode = (quint8(p[0]) << 8) | quint8(p[1]);
            if (!isValidCloseCode(m.closeCode))
                return fail(1002, "close code no endpoint may send");
            if (!decodeUtf8(QByteArrayView(p).sliced(2), &m.text))
                return fail(1007, "close reason is not UTF-8");
        }
        out->append(std::move(m));
        return true;
    }
    default: // a data frame
        if (!m_fin)
            return true; // more frames of this message to come
        Message m;
        if (m_messageOpcode == kText) {
            m.kind = Kind::Text;
            const bool ok = decodeUtf8(m_message, &m.text);
            m_message = QByteArray();
            if (!ok)
                return fail(1007, "text message is not UTF-8");
        } else {
            m.kind = Kind::Binary;
            m.payload = std::exchange(m_message, QByteArray());
        }
        m_messageOpcode = 0;
        out->append(std::move(m));
        return true;
    }
}

bool WsFrameReader::feed(QByteArrayView bytes, QList<Message> *out)
{
    if (m_failCode)
        return false;
    const char *p = bytes.data();
    qint64 left = bytes.size();
    while (left > 0 || (m_state == State::Payload && m_remaining == 0)) {
        if (m_state == State::Header) {
            const qint64 take = qMin<qint64>(m_headerNeed - m_headerHave, left);
            std::memcpy(m_header + m_headerHave, p, size_t(take));
            m_headerHave += quint8(take);
            p += take;
            left -= take;
            if (m_headerHave < m_headerNeed)
                break;
            if (m_headerNeed == 2) {
                // The first two bytes say how long the header is.
                if (!(m_header[1] & 0x80))
                    return fail(1002, "client frames must be masked (RFC 6455 5.1)");
                const quint8 len = m_header[1] & 0x7F;
                m_headerNeed = quint8(2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + 4);
                continue;
            }
            if (!startFrame())
                return false;
            m_headerHave = 0;
            m_headerNeed = 2;
            m_state = State::Payload;
            continue;
        }
        // Payload: unmasked straight into the message (or control frame) it belongs to.
        if (m_remaining > 0) {
            const qint64 take = qint64(qMin<quint64>(m_remaining, quint64(left)));
            QByteArray &to = (m_opcode & 0x8) ? m_control : m_message;
            const qsizetype at = to.size();
            to.resize(at + take);
            unmaskInto(to.data() + at, p, take);
            p += take;
            left -= take;
            m_remaining -= quint64(take);
            if (m_remaining > 0)
                break;
        }
        m_state = State::Header;
        if (!endFrame(out))
            return false;
    }
    return true;
}

} // namespace confab::server
