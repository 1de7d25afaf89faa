// FrameSocket: the QTcpSocket under every accepted connection. Until it is told to gather, it
// is a plain QTcpSocket (the HTTP front end, REST and SSE use it as such). Once a WebSocket
// worker adopts it, everything written to it in one event-loop pass (frames handed over by the
// hub, and QWebSocket's own handshake, pong and close frames) is gathered in order and sent
// with one sendmsg() at the end of the pass:
//  - a room event's frame is encoded once and shared by all its recipients (appendFrame takes
//    a reference, not a copy): no per-recipient UTF-8 conversion, header or buffer copy, which
//    QWebSocket::sendTextMessage costs for each recipient;
//  - no 32 KiB QAbstractSocket write chunk kept per idle connection (RSS: about a page each);
//  - whatever the kernel does not take is handed to QAbstractSocket's own buffer, which then
//    carries every later byte until it has drained (order is kept; backpressure is Qt's).
#pragma once

#include <QByteArray>
#include <QList>
#include <QTcpSocket>

namespace confab::server {

class FrameSocket : public QTcpSocket
{
    Q_OBJECT
public:
    using QTcpSocket::QTcpSocket;
    ~FrameSocket() override;

    // A complete unmasked text frame (FIN, opcode 1) carrying `utf8`: what a server sends.
    static QByteArray textFrame(QByteArrayView utf8);
    // The payload of a frame textFrame() made.
    static QByteArrayView textPayload(const QByteArray &frame);

    // From now on writes are gathered and sent once per pass (call in the socket's thread).
    void setGathering(bool on);
    bool isGathering() const { return m_gathering; }

    // Queues a complete frame (shared, not copied). The caller keeps WebSocket framing whole:
    // frames are only ever appended between QWebSocket's own complete writes.
    void appendFrame(const QByteArray &frame);

    // Sends what was gathered now (the end-of-pass flush calls it; so do close and shutdown).
    void sendGathered();

    qint64 bytesToWrite() const override;
    void disconnectFromHost() override;

protected:
    qint64 writeData(const char *data, qint64 len) override;
    bool event(QEvent *e) override;

private:
    void gather(QByteArray bytes);

    QList<QByteArray> m_gathered;
    qint64 m_gatheredBytes = 0;
    bool m_gathering = false;
    bool m_flushPosted = false;
};

} // namespace confab::server
