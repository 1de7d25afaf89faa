#include "socketworker.h"

#include "framesocket.h"
#include "sendring.h"

#include "httprequestparser.h"
#include "ws/wsprotocol.h"

#include <QScopeGuard>
#include <QTcpSocket>

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
    auto *fs = qobject_cast<FrameSocket *>(socket);
    if (!fs) { // every accepted socket is one (ConnectionGuard); anything else is a bug
        qWarning("SocketWorker: not a FrameSocket, dropped");
        socket->abort();
        socket->deleteLater();
        return;
    }
    if (fs->state() != QAbstractSocket::ConnectedState) {
        fs->deleteLater(); // closed on its way here: its `disconnected` is past
        return;
    }
    socket->setParent(this);
    fs->setGathering(true); // the handshake's answer is the first gathered write
    auto link = std::make_shared<WsLink>();
    link->id = g_nextLink++;
    link->worker = m_index;
    link->tcp = fs;
    const quint64 id = link->id;
    // After each send, what Qt still holds (the hub's slow-consumer cut reads it).
    fs->setSentHandler([link](qint64 unsent) { link->pending = unsent; });
    m_sockets.insert(id, Socket { link, WsFrameReader(m_maxMessageBytes), false });
    // After setGathering's own readyRead slot (it decrypts and checks what arrived).
    connect(fs, &QIODevice::readyRead, this, [this, id] { onReadable(id); });
    connect(fs, &QAbstractSocket::disconnected, this, [this, id] { onDisconnected(id); });
    if (fs->bytesAvailable() > 0) // the request may be here already (the guard read it)
        QMetaObject::invokeMethod(this, [this, id] { onReadable(id); }, Qt::QueuedConnection);
}

bool SocketWorker::answerHandshake(quint64 id, Socket &socket)
{
    const std::shared_ptr<WsLink> link = socket.link;
    FrameSocket *fs = link->tcp;
    const qint64 available = fs->bytesAvailable();
    HttpLimits limits;
    limits.headerBytes = qMax<qint64>(limits.headerBytes, available); // the guard's limit held
    limits.bodyBytes = 0;
    const HttpParse p = parseHttpRequest(fs->peekReady(available), limits);
    if (p.status == HttpParse::Status::NeedHead)
        return false; // not all here yet (a socket adopted before its request came)
    WsHandshake answer;
    if (p.status != HttpParse::Status::Complete || !p.webSocketUpgrade
        || p.request.method != "GET") {
        answer.response = wsRefusal(400, "not a WebSocket handshake\n");
    } else {
        answer = answerWsHandshake(p.request);
    }
    if (!answer.accepted) {
        link->closing = true;
        fs->skip(available);
        fs->write(answer.response);
        fs->disconnectFromHost(); // `socket` may be gone from here on
        return false;
    }
    fs->skip(p.headBytes);
    fs->write(answer.response);
    socket.open = true;
    // The reader refuses unmasked frames too; the checker also keeps an idle connection from
    // holding Qt's 16 KiB read block (framesocket.h). It reads what came behind the request at
    // once, and may close the connection right here.
    fs->checkClientFrames([this, id](const QString &reason) {
        if (const auto it = m_sockets.constFind(id); it != m_sockets.constEnd())
            closeLink(*it->link, 1002, reason);
    });
    if (!m_sockets.contains(id) || !link->tcp)
        return false; // closed at once (its `closed` is emitted; the hub ignores unknown ids)
    emit opened(link, p.request.header("authorization"));
    return !link->closing;
}

void SocketWorker::onReadable(quint64 id)
{
    auto it = m_sockets.find(id);
    if (it == m_sockets.end())
        return;
    const std::shared_ptr<WsLink> link = it->link; // kept: a handler may close the socket
    if (!link->tcp || link->closing)
        return; // nothing more is read once our close frame is out
    if (!it->open) {
        if (!answerHandshake(id, *it))
            return;
        it = m_sockets.find(id); // `opened` may have run the hub (on this thread)
        if (it == m_sockets.end() || !link->tcp || link->closing)
            return;
    }
    QList<WsFrameReader::Message> messages;
    bool ok = true;
    while (ok && link->tcp->bytesAvailable() > 0) {
        const QByteArray bytes = link->tcp->read(link->tcp->bytesAvailable());
        if (bytes.isEmpty())
            break;
        ok = it->reader.feed(bytes, &messages);
    }
    const int failCode = ok ? 0 : it->reader.failCode();
    const QString failReason = ok ? QString() : QString::fromLatin1(it->reader.failReason());
    onMessages(id, link, messages);
    if (failCode && link->tcp)
        closeLink(*link, failCode, failReason); // after what came before the fault
}

void SocketWorker::onMessages(quint64 id, const std::shared_ptr<WsLink> &link,
                              const QList<WsFrameReader::Message> &messages)
{
    // Pings are answered with the payload of the last one read (RFC 6455 5.5.3 allows it), and
    // not while the peer leaves our writes unread: a flood of pings costs one pong per read, and
    // nothing once the peer stops reading.
    const QByteArray *lastPing = nullptr;
    const auto answerPing = [&] {
        if (lastPing && link->tcp && !link->closing && link->pending < kUnreadLimitForPongs) {
            appendFrame(*link, wsControlFrame(0xA, *lastPing));
            postSendGathered();
        }
        lastPing = nullptr;
    };
    const auto done = qScopeGuard(answerPing);
    for (const WsFrameReader::Message &m : messages) {
        if (!link->tcp || link->closing)
            return; // closed meanwhile (by the hub, on this thread): the rest is not read
        switch (m.kind) {
        case WsFrameReader::Kind::Text:
            emit textReceived(id, m.text);
            break;
        case WsFrameReader::Kind::Binary:
            emit binaryReceived(id);
            break;
        case WsFrameReader::Kind::Ping: // answered below, once
            lastPing = &m.payload;
            break;
        case WsFrameReader::Kind::Pong:
            emit pongReceived(id);
            break;
        case WsFrameReader::Kind::Close: {
            answerPing(); // before the close frame: nothing may follow it
            // Answered with the same code (none if it had none), then the socket closes.
            QByteArray echo;
            if (m.closeCode) {
                echo.append(char((m.closeCode >> 8) & 0xFF));
                echo.append(char(m.closeCode & 0xFF));
            }
            appendFrame(*link, wsControlFrame(0x8, echo));
            link->closing = true;
            link->tcp->disconnectFromHost();
            return;
        }
        }
    }
}

void SocketWorker::closeLink(WsLink &link, int code, const QString &reason)
{
    if (!link.tcp)
        return;
    if (!link.closing) {
        appendFrame(link, wsCloseFrame(code, reason));
        link.closing = true; // nothing may follow the close frame
    }
    link.tcp->disconnectFromHost(); // sends what is gathered first
}

void SocketWorker::onDisconnected(quint64 id)
{
    const auto it = m_sockets.find(id);
    if (it == m_sockets.end())
        return;
    const std::shared_ptr<WsLink> link = it->link;
    const bool open = it->open;
    m_sockets.erase(it);
    if (FrameSocket *tcp = link->tcp) {
        tcp->setSentHandler({});
        tcp->disconnect(this);
        tcp->deleteLater();
    }
    link->tcp = nullptr;
    link->closing = true;
    if (open)
        emit closed(id);
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
    WsLink &link = *it->link;
    if (!link.tcp)
        return;
    switch (c.kind) {
    case Command::Send:
        appendFrame(link, c.frame);
        break;
    case Command::Close:
        closeLink(link, c.code, c.text);
        break;
    case Command::Abort:
        link.tcp->abort();
        break;
    case Command::Ping:
        // Gathered like a text frame: on a busy socket it rides in the next write. The hub
        // only notes that the peer answered (pongReceived).
        appendFrame(link, FrameSocket::pingFrame());
        break;
    }
}

void SocketWorker::shutdown()
{
    for (const Socket &s : std::as_const(m_sockets)) {
        FrameSocket *tcp = s.link->tcp;
        if (!tcp)
            continue;
        tcp->disconnect(this);
        tcp->setSentHandler({});
        if (s.open && !s.link->closing)
            appendFrame(*s.link, wsCloseFrame(1001, QStringLiteral("server shutting down")));
        s.link->closing = true;
        tcp->sendGathered();
        s.link->tcp = nullptr; // a flush still posted finds nothing to write to
    }
    m_sockets.clear();
    m_gathering.clear();
    m_gatherHead = 0;
}

} // namespace confab::server
