// SocketWorker: WebSocket I/O on a thread of its own, so the sockets' cost (reading, framing,
// unmasking, writing) leaves the hub's thread and uses another core. The RealtimeHub keeps every
// decision (auth, rooms, ordering, delivery) on its own thread; a worker only moves bytes:
//  - hub → worker: batches of commands (send this frame, close, abort, ping), posted once per
//    event-loop pass per worker, applied in order;
//  - worker → hub: opened (with the Authorization header), text, binary, pong, closed.
// Unsent bytes per connection are published in WsLink::pending for the hub's slow-consumer cut.
// Frames are gathered per socket (FrameSocket) and written with one sendmsg() per socket; the
// sockets with something to send queue oldest first and are written in slices of ~2 ms, with
// the event loop (reads, commits coming back, deliveries) running between slices.
//
// The WebSocket protocol itself is ours (ws/): the worker answers the opening handshake
// (answerWsHandshake), reads frames with a WsFrameReader per connection, answers pings and
// close frames, and fails a connection that breaks RFC 6455 with the code the reader names.
// No QWebSocket: one was about 6 KiB per connection (its request copy, timers, ~25 signal
// connections), more than a third of an idle connection's memory.
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include "ws/wsframereader.h"

#include <atomic>
#include <chrono>
#include <memory>

class QTcpSocket;

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
    // A FrameSocket whose unread bytes start with an upgrade request the guard validated (or
    // will receive one): the handshake is answered here. Any other socket is aborted.
    void adopt(QTcpSocket *socket);
    void apply(const QList<Command> &commands); // a batch; then a slice of the flush queue
    void apply(const Command &command); // one; the flush queue runs on the next pass
    // A Send without a command (no lookup, no copy): for a hub on this worker's thread. False
    // when the link cannot take it this way (no FrameSocket): use apply() then.
    bool sendFrame(WsLink &link, const QByteArray &frame);
    // Sends what is gathered and a close frame (1001) on every open connection.
    void shutdown();

    // How long one flush may write before the event loop runs again (reads, deliveries); at
    // least kSocketsPerClockCheck sockets are written per flush. Tests shorten it.
    static constexpr std::chrono::nanoseconds kDefaultFlushSlice = std::chrono::milliseconds(2);
    static constexpr int kSocketsPerClockCheck = 32;
    static constexpr int kPrefetchAhead = 4; // sockets between a prefetch and the write
    // A peer with more than this of our writes unsent (it is not reading) gets no pong.
    static constexpr qint64 kUnreadLimitForPongs = 64 * 1024;
    void setFlushSlice(std::chrono::nanoseconds slice);

signals:
    void opened(std::shared_ptr<confab::server::WsLink> link, const QByteArray &authorization);
    void textReceived(quint64 link, const QString &text);
    void binaryReceived(quint64 link);
    void pongReceived(quint64 link);
    void closed(quint64 link);

private:
    struct Socket
    {
        std::shared_ptr<WsLink> link; // link->tcp: the connection's socket
        WsFrameReader reader;
        bool open = false; // the handshake was answered: `opened` was emitted
    };
    void onReadable(quint64 id);
    bool answerHandshake(quint64 id, Socket &socket);
    void onMessages(quint64 id, const std::shared_ptr<WsLink> &link,
                    const QList<WsFrameReader::Message> &messages);
    void onDisconnected(quint64 id);
    // A close frame, then the socket closes once it is sent.
    void closeLink(WsLink &link, int code, const QString &reason);
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
    QHash<quint64, Socket> m_sockets; // by WsLink::id
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
