// SocketWorker: WebSocket I/O on a thread of its own, so the sockets' cost (Qt's dispatcher
// polls each socket on every loop iteration, framing, masking, writing) leaves the hub's thread
// and uses another core. The RealtimeHub keeps every decision (auth, rooms, ordering, delivery)
// on its own thread; a worker only moves bytes:
//  - hub → worker: batches of commands (send this frame, close, abort, ping), posted once per
//    event-loop pass per worker, applied in order;
//  - worker → hub: opened (with the Authorization header), text, binary, pong, closed.
// Unsent bytes per connection are published in WsLink::pending for the hub's slow-consumer cut.
// Frames are gathered per socket (FrameSocket) and written with one sendmsg() per socket; the
// sockets with something to send queue oldest first and are written in slices of ~2 ms, with
// the event loop (reads, commits coming back, deliveries) running between slices.
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace confab::server {

class FrameSocket;
class SendRing;

struct WsLink : std::enable_shared_from_this<WsLink>
{
    quint64 id = 0;
    int worker = 0;
    std::atomic<qint64> pending { 0 }; // bytes written to the socket but not yet sent
    // The worker's thread only (and the hub's when it runs no worker threads, see sendFrame):
    FrameSocket *tcp = nullptr; // null once the socket is gone
    bool closing = false; // a close frame is going out: nothing may follow it
};

class SocketWorker : public QObject
{
    Q_OBJECT
public:
    struct Command
    {
        enum Kind { Send, Close, Abort, Ping } kind = Send;
        quint64 link = 0;
        QByteArray frame; // Send: a complete text frame (FrameSocket::textFrame), shared
        QString text; // Close: the reason
        int code = 0; // Close
    };

    SocketWorker(int index, qint64 maxMessageBytes);
    ~SocketWorker() override;

    // In the worker's thread.
    void adopt(QTcpSocket *socket); // a validated upgrade request; the handshake happens here
    void apply(const QList<Command> &commands); // a batch; then a slice of the flush queue
    void apply(const Command &command); // one; the flush queue runs on the next pass
    // A Send without a command (no lookup, no copy): for a hub on this worker's thread. False
    // when the link cannot take it this way (no FrameSocket): use apply() then.
    bool sendFrame(WsLink &link, const QByteArray &frame);
    void shutdown(); // sends what is gathered, then deletes every socket

    // How long one flush may write before the event loop runs again (reads, deliveries); at
    // least kSocketsPerClockCheck sockets are written per flush. Tests shorten it.
    static constexpr std::chrono::nanoseconds kDefaultFlushSlice = std::chrono::milliseconds(2);
    static constexpr int kSocketsPerClockCheck = 32;
    static constexpr int kPrefetchAhead = 4; // sockets between a prefetch and the write
    void setFlushSlice(std::chrono::nanoseconds slice);

signals:
    void opened(std::shared_ptr<confab::server::WsLink> link, const QByteArray &authorization);
    void textReceived(quint64 link, const QString &text);
    void binaryReceived(quint64 link);
    void pongReceived(quint64 link);
    void closed(quint64 link);

private:
    void onNewConnection();
    void applyOne(const Command &command);
    void appendFrame(WsLink &link, const QByteArray &frame);
    // One sendmsg() per socket that gathered frames, oldest first, for one slice of time
    // (setFlushSlice); the rest after the event loop has run again.
    void sendGathered();
    void postSendGathered();
    // Sends a batch lined up by prepareSend() through the ring and finishes each socket.
    void sendBatch(FrameSocket *const *sockets, int n);
    void onSendPosted();

    int m_index;
    qint64 m_maxMessageBytes;
    QWebSocketServer *m_server = nullptr;
    struct Socket
    {
        QWebSocket *ws = nullptr;
        std::shared_ptr<WsLink> link; // link->tcp: under ws, frames go straight to it
    };
    QHash<quint64, Socket> m_sockets; // by WsLink::id
    using Endpoint = std::pair<QHostAddress, quint16>; // the peer's
    struct Handshaking
    {
        FrameSocket *socket = nullptr;
        QMetaObject::Connection onDestroyed;
    };
    QHash<Endpoint, Handshaking> m_handshaking; // adopted, not yet a QWebSocket
    // Links whose FrameSocket holds frames to send, in the order they began to gather (a FIFO:
    // m_gatherHead is the first not yet sent).
    QList<std::shared_ptr<WsLink>> m_gathering;
    qsizetype m_gatherHead = 0;
    bool m_sendPosted = false;
    std::chrono::nanoseconds m_flushSlice = kDefaultFlushSlice;
    std::unique_ptr<SendRing> m_ring; // io_uring sends, if the kernel allows (sendring.h)
};

} // namespace confab::server

Q_DECLARE_METATYPE(std::shared_ptr<confab::server::WsLink>)
