#include "sseparser.h"

namespace confab::client {

void SseParser::reset()
{
    *this = SseParser(m_max);
}

bool SseParser::feed(QByteArrayView bytes, QList<SseMessage> *out)
{
    if (m_failed)
        return false;
    for (char c : bytes) {
        if (m_lastWasCr) {
            m_lastWasCr = false;
            if (c == '\n')
                continue; // CRLF: the line already ended at the CR
        }
        if (c == '\r' || c == '\n') {
            m_lastWasCr = c == '\r';
            takeLine(m_line, out);
            m_line.clear();
            continue;
        }
        m_line.append(c);
        if (++m_messageBytes > m_max) {
            m_failed = true;
            return false;
        }
    }
    return true;
}

void SseParser::takeLine(QByteArrayView line, QList<SseMessage> *out)
{
    if (line.isEmpty()) { // the message is complete
        if (m_hasData || !m_message.event.isEmpty())
            out->append(m_message);
        m_message = {};
        m_hasData = false;
        m_messageBytes = 0;
        return;
    }
    if (line.front() == ':')
        return; // a comment (the server's keep-alive)
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (field == "event") {
        m_message.event = value.toByteArray();
    } else if (field == "data") {
        if (m_hasData)
            m_message.data.append('\n');
        m_message.data.append(value);
        m_hasData = true;
    } else if (field == "id") {
        m_message.id = value.toByteArray();
    }
}

} // namespace confab::client
