#include "socketworker.h"

#include "framesocket.h"
#include "sendring.h"

#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {
std::atomic<quint64> g_nextLink { 1 };
} // namespace

SocketWorker::SocketWorker(int index, qint64 maxMessageBytes)
    : m_index(index)
    , m_maxMessageBytes(maxMessageBytes)
{
}

SocketWorker::~SocketWorker() = default;

void SocketWorker::adopt(QTcpSocket *socket)
{
    if (!m_server) {
        m_server = new QWebSocketServer(u"confab"_s, QWebSocketServer::NonSecureMode, this);
        m_server->setMaxPendingConnections(1 << 20);
        connect(m_server, &QWebSocketServer::newConnection, this, &SocketWorker::onNewConnection);
    }
    socket->setParent(this);
    // QWebSocket never deletes the socket under it: without this every closed WebSocket would
    // keep its socket (and its per-address slot, which the socket's ticket holds) for good.
    // Queued behind QWebSocket's own handling of the same signal; it copes with the socket
    // going away first.
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    if (auto *fs = qobject_cast<FrameSocket *>(socket)) {
        fs->setGathering(true); // the handshake reply is the first gathered write
        // QWebSocket hides its socket: onNewConnection finds it again by the peer's endpoint.
        const Endpoint key { fs->peerAddress(), fs->peerPort() };
        m_handshaking.insert(key, { fs, connect(fs, &QObject::destroyed, this, [this, key] {
                                        m_handshaking.remove(key);
                                    }) });
    }
    m_server->handleConnection(socket);
}

void SocketWorker::onNewConnection()
{
    while (QWebSocket *ws = m_server->nextPendingConnection()) {
        ws->setParent(this);
        ws->setMaxAllowedIncomingFrameSize(m_maxMessageBytes);
        ws->setMaxAllowedIncomingMessageSize(m_maxMessageBytes);
        auto link = std::make_shared<WsLink>();
        link->id = g_nextLink++;
        link->worker = m_index;
        const quint64 id = link->id;
        FrameSocket *tcp = nullptr;
        if (const auto h = m_handshaking.constFind({ ws->peerAddress(), ws->peerPort() });
            h != m_handshaking.constEnd()) {
            tcp = h->socket;
            disconnect(h->onDestroyed);
            m_handshaking.erase(h);
        }
        link->tcp = tcp;
        if (tcp) {
            // QtWebSockets 6.4 reads unmasked client frames; RFC 6455 5.1 says fail the
            // connection. The frame is never read; the close frame goes out, then the socket.
            tcp->checkClientFrames([ws, tcp](const QString &reason) {
                ws->close(QWebSocketProtocol::CloseCodeProtocolError, reason);
                tcp->disconnectFromHost();
            });
        }
        if (tcp) // after each send, what Qt still holds (the hub's slow-consumer cut reads it)
            tcp->setSentHandler([link](qint64 unsent) { link->pending = unsent; });
        m_sockets.insert(id, { ws, link });
        connect(ws, &QWebSocket::textMessageReceived, this,
                [this, id](const QString &text) { emit textReceived(id, text); });
        connect(ws, &QWebSocket::binaryMessageReceived, this,
                [this, id](const QByteArray &) { emit binaryReceived(id); });
        connect(ws, &QWebSocket::pong, this, [this, id] { emit pongReceived(id); });
        connect(ws, &QWebSocket::bytesWritten, this,
                [ws, link] { link->pending = ws->bytesToWrite(); });
        // Set before QWebSocket writes its close frame (ours or the reply to the peer's), and
        // checked per frame instead of ws->state(), a cache miss per delivery.
        connect(ws, &QWebSocket::aboutToClose, this, [link] { link->closing = true; });
        connect(ws, &QWebSocket::disconnected, this, [this, id, ws] {
            if (const auto it = m_sockets.constFind(id); it != m_sockets.constEnd()) {
                if (it->link->tcp)
                    it->link->tcp->setSentHandler({});
                it->link->tcp = nullptr;
                it->link->closing = true;
            }
            m_sockets.remove(id);
            ws->deleteLater();
            emit closed(id);
        });
        emit opened(link, ws->request().rawHeader("Authorization"));
    }
}

void SocketWorker::apply(const QList<Command> &commands)
{
    for (const Command &c : commands)
        applyOne(c);
    sendGathered();
}

void SocketWorker::apply(const Command &c)
{
    applyOne(c);
    postSendGathered();
}

bool SocketWorker::sendFrame(WsLink &link, const QByteArray &frame)
{
    if (!link.tcp || !link.tcp->isGathering())
        return false;
    appendFrame(link, frame);
    postSendGathered();
    return true;
}

void SocketWorker::postSendGathered()
{
    if (m_gatherHead < m_gathering.size() && !m_sendPosted) {
        m_sendPosted = true;
        QMetaObject::invokeMethod(this, &SocketWorker::onSendPosted, Qt::QueuedConnection);
    }
}

void SocketWorker::onSendPosted()
{
    m_sendPosted = false;
    sendGathered();
}

void SocketWorker::appendFrame(WsLink &link, const QByteArray &frame)
{
    if (link.closing)
        return; // nothing may follow the close frame
    switch (link.tcp->appendFrame(frame)) {
    case FrameSocket::Appended::First:
        m_gathering.append(link.shared_from_this());
        break;
    case FrameSocket::Appended::More:
        break;
    case FrameSocket::Appended::Behind: // the peer lags: the hub's slow-consumer cut looks
        link.pending = link.tcp->bytesToWrite();
        break;
    }
}

void SocketWorker::setFlushSlice(std::chrono::nanoseconds slice)
{
    m_flushSlice = slice;
}

void SocketWorker::sendGathered()
{
    // Oldest first, and only for a slice of time: with thousands of sockets to write, one
    // flush of them all took ~45 ms at 200,000 deliveries/s, and the messages that arrived
    // meanwhile were read, committed and delivered only after it, in the next passes. Sliced,
    // the loop reads between slices, what they gather joins the queue's end (and a socket still
    // waiting sends it in the same write), and no socket waits longer than one round of the
    // queue. docs/benchmarks.md has the before and after.
    //
    // The writes go through a SendRing (io_uring) where the kernel offers one: a socket's frames
    // are lined up, and every kSocketsPerClockCheck sockets one system call sends them all;
    // a socket the ring cannot take (too many frames, Qt's buffer in use) is sent at once.
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + m_flushSlice;
    if (!m_ring) // created here, in the thread that submits; kept (not ok()) if unavailable
        m_ring = std::make_unique<SendRing>();
    SendRing *ring = m_ring->ok() ? m_ring.get() : nullptr;
    FrameSocket *batch[SendRing::kBatch];
    int batched = 0;
    qsizetype i = m_gatherHead;
    int sinceCheck = 0;
    while (i < m_gathering.size()) {
        // A few sockets ahead, their link and then their socket are asked for, so that the
        // cache misses of several sockets overlap instead of coming one after another.
        if (i + 2 * kPrefetchAhead < m_gathering.size())
            __builtin_prefetch(m_gathering.at(i + 2 * kPrefetchAhead).get());
        if (i + kPrefetchAhead < m_gathering.size()) {
            if (const FrameSocket *tcp = m_gathering.at(i + kPrefetchAhead)->tcp)
                tcp->prefetch();
        }
        WsLink *link = m_gathering.at(i++).get(); // the list may grow meanwhile
        if (FrameSocket *tcp = link->tcp) { // null: gone meanwhile
            int fd = -1;
            const int frames = ring ? tcp->prepareSend(ring->iov(batched), SendRing::kIov, &fd) : 0;
            if (frames > 0) {
                ring->set(batched, fd, frames);
                batch[batched++] = tcp;
            } else {
                tcp->sendGathered(); // does nothing if the socket is already in this batch
            }
        }
        if (++sinceCheck == kSocketsPerClockCheck) {
            sinceCheck = 0;
            sendBatch(batch, batched);
            batched = 0;
            if (ring && !ring->ok())
                ring = nullptr; // it gave up: sendmsg() from here
            if (Clock::now() >= deadline)
                break;
        }
    }
    sendBatch(batch, batched);
    if (i >= m_gathering.size()) {
        m_gathering.clear();
        m_gatherHead = 0;
        return;
    }
    m_gatherHead = i;
    if (m_gatherHead >= 1024 && m_gatherHead * 2 >= m_gathering.size()) {
        m_gathering.remove(0, m_gatherHead);
        m_gatherHead = 0;
    }
    postSendGathered();
}

void SocketWorker::sendBatch(FrameSocket *const *sockets, int n)
{
    if (n == 0)
        return;
    qint64 results[SendRing::kBatch];
    m_ring->submit(n, results);
    for (int k = 0; k < n; ++k) {
        if (results[k] == SendRing::kUnknown) {
            // What reached the peer is unknown: the stream cannot go on. The client reconnects
            // and resumes from its last seq (nothing is lost, nothing doubled).
            sockets[k]->abandonSend();
            QMetaObject::invokeMethod(sockets[k], &QAbstractSocket::abort, Qt::QueuedConnection);
            continue;
        }
        sockets[k]->finishSend(results[k]); // a short send or -EAGAIN: the rest to Qt's buffer
    }
}

void SocketWorker::applyOne(const Command &c)
{
    const auto it = m_sockets.constFind(c.link);
    if (it == m_sockets.constEnd())
        return; // gone meanwhile; the hub hears of it from `closed`
    QWebSocket *ws = it->ws;
    switch (c.kind) {
    case Command::Send:
        if (it->link->tcp && it->link->tcp->isGathering()) {
            appendFrame(*it->link, c.frame);
        } else if (!it->link->closing) {
            ws->sendTextMessage(QString::fromUtf8(FrameSocket::textPayload(c.frame)));
            it->link->pending = ws->bytesToWrite();
        }
        break;
    case Command::Close:
        ws->close(QWebSocketProtocol::CloseCode(c.code), c.text);
        break;
    case Command::Abort:
        ws->abort();
        break;
    case Command::Ping:
        // Gathered like a text frame: no QWebSocket ping (a buffered write, a write notifier
        // and a posted flush per socket), and on a busy socket it rides in the next write.
        // The peer's pong still arrives through QWebSocket's pong() (its round-trip time is
        // meaningless without its own ping; the hub only notes that the peer answered).
        if (it->link->tcp && it->link->tcp->isGathering())
            appendFrame(*it->link, FrameSocket::pingFrame());
        else if (!it->link->closing)
            ws->ping();
        break;
    }
}

void SocketWorker::shutdown()
{
    for (const Socket &s : std::as_const(m_sockets)) {
        s.ws->disconnect(this);
        if (s.link->tcp) {
            s.link->tcp->setSentHandler({});
            s.link->tcp->sendGathered();
        }
        s.link->tcp = nullptr; // a flush still posted finds nothing to write to
        s.link->closing = true;
        s.ws->flush();
        delete s.ws;
    }
    m_sockets.clear();
    m_gathering.clear();
    m_gatherHead = 0;
    delete m_server;
    m_server = nullptr;
}

} // namespace confab::server
