// SseParser: splits a text/event-stream (the server's SSE fallback) into messages, as it
// arrives in pieces of any size. Lines end in LF, CRLF or CR; a blank line ends a message;
// "event", "data" (several are joined with LF) and "id" are kept, comments (":") and other
// fields are ignored. A message may not grow past maxMessageBytes: a hostile or broken stream
// that never ends one makes feed() fail instead of buffering without bound.
#pragma once

#include <QByteArray>
#include <QList>

namespace confab::client {

struct SseMessage
{
    QByteArray event;
    QByteArray data;
    QByteArray id;
    friend bool operator==(const SseMessage &, const SseMessage &) = default;
};

class SseParser
{
public:
    explicit SseParser(qsizetype maxMessageBytes = 1024 * 1024)
        : m_max(maxMessageBytes)
    {
    }

    // Appends the complete messages in `bytes` to *out; false once the stream is malformed
    // (a message over the limit): the caller drops the connection.
    bool feed(QByteArrayView bytes, QList<SseMessage> *out);
    void reset();

private:
    void takeLine(QByteArrayView line, QList<SseMessage> *out);
    qsizetype m_max;
    QByteArray m_line; // the line being read
    bool m_lastWasCr = false; // a CR ended the last line: a LF right after it is part of it
    SseMessage m_message; // fields seen so far
    bool m_hasData = false;
    qsizetype m_messageBytes = 0;
    bool m_failed = false;
};

} // namespace confab::client
