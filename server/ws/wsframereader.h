// WsFrameReader: the server's reading half of RFC 6455 for one connection, fed the bytes a
// client sends (after the opening handshake) in whatever pieces they arrive. It hands back
// whole messages and control frames, unmasked, and fails the connection on the first thing a
// server must refuse, with the close code to send:
//  - 1002: reserved bits set, an unknown opcode, an unmasked frame (§5.1), a 64-bit length with
//    its top bit set, a control frame that is fragmented or longer than 125 bytes, a
//    continuation frame without a message to continue, a new message inside a fragmented one,
//    a close frame of one byte or with a code no endpoint may send (§7.4);
//  - 1007: a text message (or close reason) that is not UTF-8;
//  - 1009: a message longer than the limit, refused at the frame header, before its payload
//    is buffered.
// It holds nothing between frames but its state (about 100 bytes): a message's bytes only
// while it arrives.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace confab::server {

class WsFrameReader
{
public:
    explicit WsFrameReader(qint64 maxMessageBytes = 1 << 20)
        : m_maxMessageBytes(maxMessageBytes)
    {
    }

    enum class Kind { Text, Binary, Ping, Pong, Close };
    struct Message
    {
        Kind kind = Kind::Text;
        QString text; // Text: the message; Close: the reason
        QByteArray payload; // Binary, Ping, Pong: the payload
        int closeCode = 0; // Close: the code, 0 when the frame had none (1005)
    };

    // Reads `bytes` (the next bytes of the stream), appending what they complete to `out`.
    // False once the stream broke the protocol (failCode()/failReason() say how); every later
    // call returns false and reads nothing.
    bool feed(QByteArrayView bytes, QList<Message> *out);

    int failCode() const { return m_failCode; }
    const char *failReason() const { return m_failReason; }

    // The close codes a peer may put in a close frame (RFC 6455 §7.4, IANA registry).
    static bool isValidCloseCode(int code);

private:
    enum class State : quint8 { Header, Payload };
    bool fail(int code, const char *reason);
    bool startFrame(); // m_header is complete: check it and set up the payload
    bool endFrame(QList<Message> *out);
    void unmaskInto(char *to, const char *from, qint64 n);

    qint64 m_maxMessageBytes;
    const char *m_failReason = nullptr;
    int m_failCode = 0;
    State m_state = State::Header;
    quint8 m_headerHave = 0;
    quint8 m_headerNeed = 2;
    quint8 m_opcode = 0; // of the frame being read
    bool m_fin = false;
    quint8 m_messageOpcode = 0; // 1 or 2 while a fragmented message is open, else 0
    quint8 m_maskAt = 0; // where in the mask the next payload byte is
    quint8 m_header[14] {};
    quint8 m_mask[4] {};
    quint64 m_remaining = 0; // payload bytes of this frame still to come
    QByteArray m_message; // the data message so far (all its frames)
    QByteArray m_control; // the control frame's payload so far
};

} // namespace confab::server
