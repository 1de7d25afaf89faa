#include "realtimehub.h"

#include "otlp/spanexporter.h"

#include "database.h"
#include "epolldispatcher.h"
#include "eventbus.h"
#include "eventcache.h"
#include "framesocket.h"
#include "messageservice.h"
#include "metrics.h"
#include "protocollimits.h"
#include "reactionstore.h"
#include "roomstore.h"
#include "userservice.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

Q_LOGGING_CATEGORY(lcHub, "confab.server.hub", QtInfoMsg)

namespace confab::server {

namespace {
// roomId → newest seq sent on a connection: a sorted flat list. Most connections see a few rooms;
// the first two live in the connection's record itself (no allocation, no cache miss of its own
// per delivery), more cost a few dozen bytes, where a QHash costs about a kilobyte per
// connection (its first span of entries).
class SeqByRoom
{
public:
    qint64 &operator[](qint64 roomId)
    {
        auto it = find(roomId);
        if (it == m_items.end() || it->first != roomId)
            it = m_items.insert(it, { roomId, 0 });
        return it->second;
    }
    qint64 value(qint64 roomId) const
    {
        const auto it = std::lower_bound(m_items.cbegin(), m_items.cend(), roomId, before);
        return it != m_items.cend() && it->first == roomId ? it->second : 0;
    }

private:
    using Item = std::pair<qint64, qint64>;
    static bool before(const Item &item, qint64 roomId) { return item.first < roomId; }
    Item *find(qint64 roomId)
    {
        return std::lower_bound(m_items.begin(), m_items.end(), roomId, before);
    }
    QVarLengthArray<Item, 2> m_items;
};
} // namespace

struct RealtimeHub::Connection
{
    // What a delivery reads comes first, in the record's first cache line or two: with
    // thousands of connections each record is a cache miss (deliver() prefetches it).
    std::shared_ptr<WsLink> link; // WebSocket connections (the socket lives in a worker)
    bool closing = false;
    bool resumed = false; // live events flow only after the resume was answered
    bool isSse = false; // SSE streams write through `sse` instead
    bool away = false;
    // Both empty on an idle connection and then allocate nothing (std::deque would allocate
    // its first node, QHash a span: together 1.6 KiB of a 16 KiB budget per connection).
    SeqByRoom deliveredSeq; // roomId → newest seq sent on this connection
    QList<RoomEvent> held; // live events waiting for the resume
    qint64 userId = 0;
    qint64 lastSeenMs = 0;
    QByteArray tokenHash;
    HttpResponder sse;
};

RealtimeHub::RealtimeHub(const ServerContext &ctx, UserService *users, MessageService *messages,
                         EventBus *bus, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_users(users)
    , m_messages(messages)
    , m_heartbeat(new QTimer(this))
    , m_typingSweep(new QTimer(this))
    , m_bus(bus)
{
    qRegisterMetaType<std::shared_ptr<WsLink>>();
    // 0 threads: the sockets stay on this thread (one core: a second thread would only take
    // turns with this one and add scheduling delay to every frame).
    const int threads = std::max(0, m_ctx.config.realtimeThreads);
    m_socketsInline = threads == 0;
    for (int i = 0; i < std::max(1, threads); ++i) {
        Worker w;
        w.worker = new SocketWorker(i, limits::FrameBytesMax);
        if (threads > 0) {
            w.thread = new QThread(this);
            w.thread->setObjectName(u"confab-ws-%1"_s.arg(i));
            if (QAbstractEventDispatcher *d = EpollEventDispatcher::createDefault())
                w.thread->setEventDispatcher(d); // O(ready sockets) per pass, not O(all)
            w.worker->moveToThread(w.thread);
        }
        connect(w.worker, &SocketWorker::opened, this, &RealtimeHub::onOpened);
        connect(w.worker, &SocketWorker::textReceived, this, [this](quint64 id, const QString &t) {
            if (const auto c = m_connections.value(id))
                onText(c.get(), t);
        });
        connect(w.worker, &SocketWorker::binaryReceived, this, [this](quint64 id) {
            if (const auto c = m_connections.value(id))
                sendError(c.get(), {},
                          makeError(ErrorCode::InvalidJson, u"frames are JSON text"_s));
        });
        connect(w.worker, &SocketWorker::pongReceived, this, [this](quint64 id) {
            if (const auto c = m_connections.value(id))
                c->lastSeenMs = m_ctx.now();
        });
        connect(w.worker, &SocketWorker::closed, this, [this](quint64 id) {
            if (const auto c = m_connections.value(id))
                onClosed(c.get());
        });
        if (w.thread)
            w.thread->start();
        m_workers.push_back(w);
    }
    connect(bus, &EventBus::published, this, &RealtimeHub::deliver);
    // What happens here that the other nodes' connections must hear of goes to them as a notice
    // (a single node's bus drops it); theirs come back through onNotice.
    connect(users, &UserService::sessionRevoked, this, [this](const QByteArray &tokenHash) {
        closeSessions(tokenHash);
        if (m_bus->clustered()) // (one node: nobody else to tell, nothing built for nobody)
            m_bus->notify({ { u"t"_s, u"revoked"_s },
                            { u"token"_s, QString::fromLatin1(tokenHash.toHex()) } });
    });
    connect(messages, &MessageService::readChanged, this,
            [this](qint64 userId, const ReadState &state, const void *origin) {
                announceRead(userId, state, origin);
                if (m_bus->clustered())
                    m_bus->notify({ { u"t"_s, u"read"_s },
                                    { u"user"_s, userId },
                                    { u"state"_s, state.toJson() } });
            });
    connect(bus, &EventBus::notified, this, &RealtimeHub::onNotice);
    if (bus->clustered()) {
        m_clusterTick = new QTimer(this);
        connect(m_clusterTick, &QTimer::timeout, this, &RealtimeHub::clusterTick);
        m_clusterTick->start(5s);
    }

    connect(m_heartbeat, &QTimer::timeout, this, &RealtimeHub::heartbeat);
    m_heartbeat->start(std::chrono::milliseconds(m_ctx.config.heartbeatMs) / kHeartbeatSlots);
    connect(m_typingSweep, &QTimer::timeout, this, &RealtimeHub::expireTyping);
    m_typingSweep->start(500ms);

    auto *m = m_ctx.metrics;
    m->defineComputedGauge(u"confab_ws_connections"_s, u"Open WebSocket connections"_s,
                           [this] { return double(connectionCount()); });
    m->defineComputedGauge(u"confab_users_online"_s,
                           u"Users with at least one authenticated connection"_s,
                           [this] { return double(onlineUserCount()); });
    m->defineComputedGauge(u"confab_sse_streams"_s, u"Open SSE event streams (fallback)"_s,
                           [this] { return double(sseStreamCount()); });
    m->defineCounter(u"confab_events_committed_total"_s, u"Room events committed and published"_s);
    m->defineCounter(u"confab_deliveries_total"_s,
                     u"Room events written to WebSocket connections"_s);
    m->defineHistogram(u"confab_delivery_latency_seconds"_s,
                       u"From accepting a message to writing it to a recipient's socket"_s,
                       { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 });
    m->defineCounter(u"confab_ws_errors_total"_s, u"Error frames sent, by code"_s, { u"code"_s });
    m->defineCounter(u"confab_ws_closed_total"_s, u"Connections closed by the server, by reason"_s,
                     { u"reason"_s });
}

RealtimeHub::~RealtimeHub()
{
    flush();
    for (Worker &w : m_workers) {
        // Commands already posted run first (close frames go out), then every socket is closed.
        w.worker->disconnect(this);
        if (!w.thread) {
            w.worker->shutdown();
            delete w.worker;
            continue;
        }
        QMetaObject::invokeMethod(
            w.worker, [worker = w.worker] { worker->shutdown(); }, Qt::BlockingQueuedConnection);
        w.thread->quit();
        w.thread->wait();
        delete w.worker;
    }
}

void RealtimeHub::acceptSocket(QTcpSocket *socket)
{
    // Not from inside the socket's readyRead (the guard's, which handed it over): its thread
    // is still in the middle of that signal, and would go on using the socket (its engine, its
    // notifiers) while the worker's thread answers it, or closes it and deletes the engine
    // (found by tst_websocket_tls: a refused handshake, closed at once, crashed the emitter).
    QMetaObject::invokeMethod(
        this,
        [this, socket = QPointer<QTcpSocket>(socket)] {
            if (!socket)
                return;
            if (socket->state() != QAbstractSocket::ConnectedState) {
                socket->deleteLater(); // gone meanwhile: nobody else deletes it now
                return;
            }
            Worker &w = m_workers[m_nextWorker++ % m_workers.size()];
            socket->setParent(nullptr);
            if (w.thread)
                socket->moveToThread(w.thread);
            QMetaObject::invokeMethod(
                w.worker, [worker = w.worker, socket = socket.data()] { worker->adopt(socket); },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void RealtimeHub::onOpened(const std::shared_ptr<WsLink> &link, const QByteArray &auth)
{
    auto c = std::make_shared<Connection>();
    c->link = link;
    c->lastSeenMs = m_ctx.now();
    m_connections.insert(link->id, c);
    Connection *raw = c.get();
    if (auth.startsWith("Bearer ")) {
        authenticate(raw, QString::fromLatin1(auth.mid(7).trimmed()), {});
        return;
    }
    QTimer::singleShot(std::chrono::milliseconds(m_ctx.config.authTimeoutMs), this,
                       [this, id = link->id] {
                           const auto c = m_connections.value(id);
                           if (!c || c->userId || c->closing)
                               return;
                           c->closing = true;
                           m_ctx.metrics->inc(u"confab_ws_closed_total"_s, { u"auth_timeout"_s });
                           command(c.get(), SocketWorker::Command::Close,
                                   u"authenticate within %1 ms"_s.arg(m_ctx.config.authTimeoutMs),
                                   CloseAuthTimeout);
                       });
}

void RealtimeHub::command(Connection *c, SocketWorker::Command::Kind kind, const QString &text,
                          int code)
{
    command(c, SocketWorker::Command { kind, c->link->id, {}, text, code });
}

void RealtimeHub::command(Connection *c, SocketWorker::Command &&cmd)
{
    Worker &w = m_workers[size_t(c->link->worker)];
    if (!w.thread) {
        // Same thread: hand it over now (the worker's flush queue sends it).
        w.worker->apply(cmd);
        return;
    }
    w.queued.append(std::move(cmd));
    if (!m_flushScheduled) {
        m_flushScheduled = true;
        QMetaObject::invokeMethod(this, &RealtimeHub::flush, Qt::QueuedConnection);
    }
}

void RealtimeHub::flush()
{
    m_flushScheduled = false;
    for (Worker &w : m_workers) {
        if (w.queued.isEmpty())
            continue;
        QMetaObject::invokeMethod(
            w.worker,
            [worker = w.worker, commands = std::exchange(w.queued, {})] {
                worker->apply(commands);
            },
            Qt::QueuedConnection);
    }
}

void RealtimeHub::addUserConnection(qint64 userId, Connection *c)
{
    m_byUser[userId].append(c);
    m_recipients.clear(); // the user's rooms are not known here: every list is rebuilt
}

void RealtimeHub::removeUserConnection(qint64 userId, Connection *c)
{
    const auto it = m_byUser.find(userId);
    if (it == m_byUser.end())
        return;
    it->removeAll(c);
    if (it->isEmpty())
        m_byUser.erase(it);
    m_recipients.clear();
}

void RealtimeHub::retire(std::shared_ptr<Connection> c)
{
    if (m_delivering > 0 && c)
        m_retired.push_back(std::move(c));
}

const QList<RealtimeHub::Connection *> &RealtimeHub::recipientsOf(qint64 roomId)
{
    auto it = m_recipients.find(roomId);
    if (it == m_recipients.end()) {
        QList<Connection *> list;
        for (qint64 userId : membersOf(roomId)) {
            if (const auto u = m_byUser.constFind(userId); u != m_byUser.constEnd()) {
                for (Connection *c : *u)
                    list.append(c);
            }
        }
        it = m_recipients.insert(roomId, std::move(list));
    }
    return *it;
}

void RealtimeHub::onClosed(Connection *c)
{
    const quint64 id = c->link->id;
    const qint64 userId = c->userId;
    c->closing = true;
    if (userId)
        removeUserConnection(userId, c);
    // Destroys the Connection (the worker deletes the socket), or keeps it until the delivery
    // running now, which holds a list with it, has ended.
    retire(m_connections.take(id));
    if (userId)
        broadcastPresence(userId);
}

void RealtimeHub::closeAll()
{
    const auto all = m_connections.values() + m_sse.values();
    for (const auto &c : all)
        closeWith(c.get(), 1001 /* going away */, u"server shutting down"_s, {});
    flush(); // now, not on the next loop pass: shutdown may not have one
}

void RealtimeHub::closeWith(Connection *c, int code, const QString &reason,
                            const QString &metricReason)
{
    if (c->closing)
        return;
    c->closing = true;
    if (!metricReason.isEmpty())
        m_ctx.metrics->inc(u"confab_ws_closed_total"_s, { metricReason });
    if (c->isSse) {
        c->sse.writeChunk("event: close\ndata: {\"code\":" + QByteArray::number(code)
                          + ",\"reason\":\"" + reason.toUtf8() + "\"}\n\n");
        c->sse.endStream();
        return;
    }
    command(c, SocketWorker::Command::Close, reason, code);
}

void RealtimeHub::acceptSse(qint64 userId, const QByteArray &tokenHash,
                            const HttpResponder &responder, std::optional<qint64> lastEventId)
{
    QTcpSocket *socket = responder.socket();
    if (!socket
        || !responder.beginStream(
            200, "text/event-stream",
            { { "Cache-Control", "no-cache" }, { "X-Accel-Buffering", "no" } }))
        return;
    auto c = std::make_shared<Connection>();
    c->isSse = true;
    c->sse = responder;
    c->userId = userId;
    c->tokenHash = tokenHash;
    m_sse.insert(socket, c);
    Connection *raw = c.get();
    connect(socket, &QTcpSocket::disconnected, this, [this, socket, raw, userId] {
        // Keep the Connection alive until it is unlinked everywhere.
        std::shared_ptr<Connection> gone = m_sse.take(socket);
        if (!gone)
            return;
        gone->closing = true;
        removeUserConnection(userId, raw);
        retire(std::move(gone));
        broadcastPresence(userId);
    });
    addUserConnection(userId, raw);

    if (lastEventId) {
        // Everything of the user's rooms after the last event the client saw, in commit order.
        QSqlQuery q(m_ctx.database->reader());
        q.prepare(u"SELECT e.id, e.room_id, e.seq, e.type, e.sender_id, e.ts, e.content,"
                  u" e.client_msg_id FROM events e JOIN members m ON m.room_id = e.room_id"
                  u" WHERE m.user_id = ? AND e.id > ? ORDER BY e.id LIMIT ?"_s);
        QList<RoomEvent> replay;
        if (execPrepared(q, { userId, *lastEventId, limits::ResumeReplayMax + 1 })) {
            while (q.next())
                replay.append(roomstore::eventFromRow(q));
        }
        if (replay.size() > limits::ResumeReplayMax) {
            // Too far behind: the client reloads its rooms over REST.
            c->sse.writeChunk("event: reset\ndata: {}\n\n");
            for (const RoomCursor &cur : roomstore::cursorsOf(m_ctx.database->reader(), userId))
                c->deliveredSeq[cur.roomId] = cur.lastSeq;
        } else {
            for (const RoomEvent &e : replay) {
                send(raw, Outgoing(encodeServerFrame({ {}, EventFrame { e } })), e.id);
                c->deliveredSeq[e.roomId] = qMax(c->deliveredSeq.value(e.roomId), e.seq);
            }
        }
    }
    c->resumed = true;
    broadcastPresence(userId);
}

void RealtimeHub::closeSessions(const QByteArray &tokenHash)
{
    const auto all = m_connections.values() + m_sse.values();
    for (const auto &c : all) {
        if (c->tokenHash == tokenHash)
            closeWith(c.get(), CloseUnauthorized, u"logged out"_s, {});
    }
}

void RealtimeHub::onText(Connection *c, const QString &text)
{
    c->lastSeenMs = m_ctx.now();
    if (c->closing)
        return;
    QString requestId;
    const QByteArray bytes = text.toUtf8();
    auto frame = parseClientFrame(bytes, &requestId);
    if (!frame)
        return sendError(c, requestId, frame.error());
    handle(c, frame.value());
}

void RealtimeHub::authenticate(Connection *c, const QString &token, const QString &requestId)
{
    const auto session = m_users->authenticate(token);
    if (!session && session.error().code == ErrorCode::Unavailable) {
        // Not the token's fault: the client keeps it, and comes back after its backoff.
        c->closing = true;
        sendError(c, requestId, session.error());
        command(c, SocketWorker::Command::Close, u"storage unavailable"_s, CloseTryAgainLater);
        return;
    }
    if (!session) {
        c->closing = true;
        m_ctx.metrics->inc(u"confab_ws_closed_total"_s, { u"unauthorized"_s });
        sendError(c, requestId, makeError(ErrorCode::Unauthorized, u"invalid or expired token"_s));
        command(c, SocketWorker::Command::Close, u"unauthorized"_s, CloseUnauthorized);
        return;
    }
    auto user = m_users->user(session->userId);
    if (!user)
        return sendError(c, requestId, user.error());
    c->userId = session->userId;
    c->tokenHash = session->tokenHash;
    addUserConnection(c->userId, c);

    HelloFrame hello;
    hello.user = user.value();
    hello.serverVersion = QStringLiteral(CONFAB_VERSION);
    hello.protocol = limits::ProtocolVersion;
    hello.epoch = m_ctx.database->epoch();
    hello.heartbeatMs = m_ctx.config.heartbeatMs;
    hello.rooms = roomstore::cursorsOf(m_ctx.database->reader(), c->userId);
    // Every room's read state: one query for all of them, counters and an index range each.
    const QHash<qint64, ReadState> read = roomstore::readStates(m_ctx.database->reader(), c->userId);
    hello.read.reserve(hello.rooms.size());
    for (const RoomCursor &room : std::as_const(hello.rooms))
        hello.read.append(read.value(room.roomId, ReadState { room.roomId, 0, 0, 0 }));
    sendFrame(c, { requestId, hello });
    broadcastPresence(c->userId);
}

void RealtimeHub::handle(Connection *c, const ClientFrame &frame)
{
    if (const auto *auth = std::get_if<AuthFrame>(&frame.payload)) {
        if (c->userId)
            return sendError(c, frame.id,
                             makeError(ErrorCode::BadRequest, u"already authenticated"_s));
        return authenticate(c, auth->token, frame.id);
    }
    if (!c->userId)
        return sendError(c, frame.id,
                         makeError(ErrorCode::Unauthorized, u"send an auth frame first"_s));
    if (const auto *f = std::get_if<SendFrame>(&frame.payload))
        return handleSend(c, frame.id, *f);
    if (const auto *f = std::get_if<ResumeFrame>(&frame.payload))
        return handleResume(c, frame.id, *f);
    if (const auto *f = std::get_if<TypingFrame>(&frame.payload))
        return handleTyping(c, *f);
    if (const auto *f = std::get_if<PresenceFrame>(&frame.payload))
        return handlePresence(c, *f);
    if (const auto *f = std::get_if<PingFrame>(&frame.payload))
        return sendFrame(c, { frame.id, PongFrame { f->ts } });
    if (const auto *f = std::get_if<ReadFrame>(&frame.payload))
        return handleRead(c, frame.id, *f);
}

void RealtimeHub::handleRead(Connection *c, const QString &id, const ReadFrame &f)
{
    // The answer goes back on this connection (a `read` frame with the request id, or an
    // error); the user's other connections hear of it through readChanged.
    const quint64 link = c->link->id;
    m_messages->markRead(c->userId, f.roomId, f.seq, c, [this, link, id](Result<ReadState> r) {
        const auto it = m_connections.constFind(link);
        if (it == m_connections.constEnd())
            return; // gone; the marker moved anyway
        if (!r)
            return sendError(it->get(), id, r.error());
        sendFrame(it->get(), { id, ReadNotice { r.value() } });
    });
}

void RealtimeHub::announceRead(qint64 userId, const ReadState &state, const void *origin)
{
    const Outgoing out(encodeServerFrame({ {}, ReadNotice { state } }));
    const UserConnections connections = m_byUser.value(userId); // a copy
    for (Connection *c : connections) {
        if (c != origin)
            send(c, out);
    }
}

void RealtimeHub::handleSend(Connection *c, const QString &id, const SendFrame &f)
{
    if (!f.traceparent.isEmpty())
        qCInfo(lcHub).noquote() << "send room" << f.roomId << "user" << c->userId
                                << u"traceparent="_s + f.traceparent;
    const quint64 link = c->link->id;
    // Tracing: this send is a server span under the client's (its traceparent), from the frame
    // to the ack; the commit and the fan-out hang below it (MessageService).
    otlp::TraceContext parent, trace;
    qint64 startNs = 0;
    if (m_ctx.tracer) {
        parent = otlp::TraceContext::parse(f.traceparent);
        trace = parent.child();
        startNs = otlp::nowNs();
    }
    m_messages->send(
        c->userId, f.roomId, f.clientMsgId, f.body, f.replyTo, f.fileId,
        [this, link, id, parent, trace, startNs, room = f.roomId](Result<SendAck> r) {
            if (m_ctx.tracer) {
                otlp::Span span = otlp::Span::of(trace, parent, u"confab.send"_s,
                                                 otlp::SpanKind::Server, startNs);
                span.attributes = { { u"confab.room"_s, room } };
                if (r)
                    span.attributes.append({ u"confab.seq"_s, r->seq });
                span.error = !r;
                if (!r)
                    span.statusMessage = r.error().message;
                const auto it = m_connections.constFind(link);
                if (it != m_connections.constEnd()) {
                    r ? sendFrame(it->get(), { id, AckFrame { r.value() } })
                      : sendError(it->get(), id, r.error());
                }
                span.endNs = otlp::nowNs();
                m_ctx.tracer->record(std::move(span));
                return;
            }
            const auto it = m_connections.constFind(link);
            if (it == m_connections.constEnd())
                return; // the sender left; the message is stored and delivered anyway
            if (!r)
                return sendError(it->get(), id, r.error());
            sendFrame(it->get(), { id, AckFrame { r.value() } });
        },
        trace);
}

void RealtimeHub::handleResume(Connection *c, const QString &id, const ResumeFrame &f)
{
    QSqlDatabase db = m_ctx.database->reader();
    const bool epochChanged = !f.epoch.isEmpty() && f.epoch != m_ctx.database->epoch();
    ResumedFrame resumed;
    for (const RoomCursor &cursor : f.rooms) {
        ResumeResult result { cursor.roomId, ResumeStatus::Replayed, 0, 0 };
        auto room = roomstore::room(db, cursor.roomId);
        if (!room || !roomstore::role(db, cursor.roomId, c->userId)) {
            result.status = ResumeStatus::Forbidden;
        } else if (epochChanged || cursor.lastSeq > room->lastSeq
                   || room->lastSeq - cursor.lastSeq > limits::ResumeReplayMax) {
            result.status = ResumeStatus::Reset;
            c->deliveredSeq[cursor.roomId] = room->lastSeq;
        } else if (room->lastSeq > cursor.lastSeq) {
            Result<QList<RoomEvent>> events = makeError(ErrorCode::Internal, {});
            if (auto cached = m_ctx.cache->range(cursor.roomId, cursor.lastSeq, room->lastSeq,
                                                 room->lastSeq)) {
                events = *cached;
            } else {
                events = roomstore::range(db, cursor.roomId, cursor.lastSeq, room->lastSeq,
                                          limits::ResumeReplayMax);
                if (events)
                    m_ctx.cache->readFromStorage(events.value());
            }
            if (!events) {
                sendError(c, id, events.error());
                continue;
            }
            reactionstore::attachReactions(db, cursor.roomId, c->userId, events.value());
            for (const RoomEvent &e : events.value())
                send(c, Outgoing(encodeServerFrame({ {}, EventFrame { e } })));
            result.fromSeq = cursor.lastSeq + 1;
            result.toSeq = room->lastSeq;
            c->deliveredSeq[cursor.roomId] = room->lastSeq;
        } else {
            c->deliveredSeq[cursor.roomId] = room->lastSeq;
        }
        resumed.rooms.append(result);
    }
    sendFrame(c, { id, resumed });
    c->resumed = true;
    QList<RoomEvent> held;
    held.swap(c->held);
    for (const RoomEvent &e : held) {
        if (deliverTo(c, e, Outgoing(encodeServerFrame({ {}, EventFrame { e } }))))
            countDeliveries(e, 1);
    }
}

void RealtimeHub::countDeliveries(const RoomEvent &event, int count)
{
    // Once per event, not per recipient: the registry takes a lock and two lookups per call.
    if (count <= 0)
        return;
    m_ctx.metrics->inc(u"confab_deliveries_total"_s, {}, count);
    m_ctx.metrics->observe(u"confab_delivery_latency_seconds"_s,
                           double(qMax<qint64>(0, m_ctx.now() - event.ts)) / 1000.0, count);
}

void RealtimeHub::handleTyping(Connection *c, const TypingFrame &f)
{
    if (!membersOf(f.roomId).contains(c->userId))
        return; // typing is best effort: silently ignore rooms the user is not in
    const auto key = qMakePair(f.roomId, c->userId);
    const bool wasActive = m_typing.contains(key);
    if (f.active)
        m_typing.insert(key, m_ctx.now() + kTypingTimeoutMs);
    else
        m_typing.remove(key);
    if (f.active != wasActive)
        broadcastTyping(f.roomId, c->userId, f.active);
    // Every "still typing" too: the other nodes keep it alive by it, as this node does.
    if (m_bus->clustered() && (f.active || wasActive)) {
        m_bus->notify({ { u"t"_s, u"typing"_s },
                        { u"room"_s, f.roomId },
                        { u"user"_s, c->userId },
                        { u"active"_s, f.active } });
    }
}

void RealtimeHub::handlePresence(Connection *c, const PresenceFrame &f)
{
    c->away = f.status == PresenceStatus::Away;
    broadcastPresence(c->userId);
}

const QSet<qint64> &RealtimeHub::membersOf(qint64 roomId)
{
    auto it = m_members.find(roomId);
    if (it == m_members.end()) {
        const QList<qint64> ids = roomstore::memberIds(m_ctx.database->reader(), roomId);
        it = m_members.insert(roomId, QSet<qint64>(ids.begin(), ids.end()));
    }
    return *it;
}

void RealtimeHub::deliver(const QList<RoomEvent> &events)
{
    for (const RoomEvent &e : events) {
        m_ctx.metrics->inc(u"confab_events_committed_total"_s);
        // Keep the membership view in step with the log: a join counts before delivery (the
        // joiner receives it), a leave or delete after (the leaver still receives it).
        if (e.type == EventType::MemberJoin) {
            membersOf(e.roomId);
            m_members[e.roomId].insert(e.subjectUserId());
            m_recipients.remove(e.roomId);
        }
        const Outgoing out(encodeServerFrame({ {}, EventFrame { e } }));
        // The room's connections, as a flat list kept between messages, and with the next
        // recipients' records, links and sockets prefetched a few deliveries ahead: each of
        // them is a cache miss with thousands of connections, and one after another they were
        // ~12% of the core at 200,000 deliveries/s (docs/benchmarks.md). A copy (shared, no
        // allocation): the cached list may be dropped meanwhile; a connection that closes
        // meanwhile stays allocated until this delivery ends (retire()).
        const QList<Connection *> recipients = recipientsOf(e.roomId);
        const qsizetype n = recipients.size();
        Connection *const *to = recipients.constData();
        ++m_delivering;
        int delivered = 0;
        for (qsizetype i = 0; i < n; ++i) {
            if (i + 3 * kPrefetchAhead < n)
                __builtin_prefetch(to[i + 3 * kPrefetchAhead]);
            // The sockets' fields may be read only when they live on this thread.
            if (m_socketsInline && i + 2 * kPrefetchAhead < n) {
                if (const WsLink *link = to[i + 2 * kPrefetchAhead]->link.get())
                    __builtin_prefetch(link);
            }
            if (m_socketsInline && i + kPrefetchAhead < n) {
                const WsLink *link = to[i + kPrefetchAhead]->link.get();
                if (link && link->tcp)
                    link->tcp->prefetch();
            }
            delivered += deliverTo(to[i], e, out);
        }
        if (--m_delivering == 0)
            m_retired.clear();
        countDeliveries(e, delivered);
        if (e.type == EventType::MemberLeave)
            m_members[e.roomId].remove(e.subjectUserId());
        else if (e.type == EventType::RoomDelete)
            m_members.remove(e.roomId);
        if (e.type == EventType::MemberLeave || e.type == EventType::RoomDelete)
            m_recipients.remove(e.roomId);
    }
}

bool RealtimeHub::deliverTo(Connection *c, const RoomEvent &event, const Outgoing &out)
{
    if (c->closing)
        return false;
    if (!c->resumed) {
        c->held.append(event);
        if (int(c->held.size()) > kMaxHeldEvents)
            closeWith(c, CloseSlowConsumer, u"send resume"_s, u"no_resume"_s);
        return false;
    }
    qint64 &delivered = c->deliveredSeq[event.roomId];
    if (event.seq <= delivered)
        return false; // already sent by the replay
    delivered = event.seq;
    send(c, out, event.id);
    return true;
}

const QByteArray &RealtimeHub::Outgoing::webSocketFrame() const
{
    if (m_frame.isEmpty())
        m_frame = FrameSocket::textFrame(m_json);
    return m_frame;
}

void RealtimeHub::send(Connection *c, const Outgoing &out, qint64 eventId)
{
    if (c->closing)
        return;
    qint64 pending = 0;
    if (c->isSse) {
        // An SSE message carries the same JSON frame as the WebSocket; room events get an id
        // for Last-Event-ID.
        const QByteArray id = eventId ? "id: " + QByteArray::number(eventId) + '\n' : QByteArray();
        c->sse.writeChunk(id + "data: " + out.json() + "\n\n");
        pending = c->sse.pendingBytes();
    } else {
        Worker &w = m_workers[size_t(c->link->worker)];
        // On this thread: straight to the socket (no command, no lookup); else a command.
        if (w.thread || !w.worker->sendFrame(*c->link, out.webSocketFrame()))
            command(c,
                    SocketWorker::Command {
                        SocketWorker::Command::Send, c->link->id, out.webSocketFrame(), {}, 0 });
        pending = c->link->pending.load(std::memory_order_relaxed);
    }
    if (pending > kMaxPendingBytes) {
        // A consumer that cannot keep up is cut, not buffered without bound; it resumes later.
        qCInfo(lcHub) << "closing slow consumer, user" << c->userId;
        closeWith(c, CloseSlowConsumer, u"slow consumer"_s, u"slow_consumer"_s);
        if (!c->isSse)
            QTimer::singleShot(2s, this, [this, id = c->link->id] {
                if (const auto c = m_connections.value(id))
                    command(c.get(), SocketWorker::Command::Abort);
            });
    }
}

void RealtimeHub::sendFrame(Connection *c, const ServerFrame &frame)
{
    send(c, Outgoing(encodeServerFrame(frame)));
}

void RealtimeHub::sendError(Connection *c, const QString &id, const Error &error)
{
    m_ctx.metrics->inc(u"confab_ws_errors_total"_s, { errorCodeName(error.code) });
    sendFrame(c, { id, ErrorFrame { error } });
}

PresenceStatus RealtimeHub::presenceOf(qint64 userId) const
{
    const PresenceStatus here = localPresenceOf(userId);
    if (here == PresenceStatus::Online)
        return here;
    const PresenceStatus there = m_clusterPresence.statusOf(userId);
    if (there == PresenceStatus::Offline)
        return here;
    return there == PresenceStatus::Online ? there : PresenceStatus::Away;
}

PresenceStatus RealtimeHub::localPresenceOf(qint64 userId) const
{
    const auto it = m_byUser.constFind(userId);
    if (it == m_byUser.constEnd() || it->isEmpty())
        return PresenceStatus::Offline;
    for (const Connection *c : *it) {
        if (!c->away)
            return PresenceStatus::Online;
    }
    return PresenceStatus::Away;
}

void RealtimeHub::broadcastPresence(qint64 userId)
{
    if (m_bus->clustered()) { // the other nodes hear when this node's own view changed
        const PresenceStatus here = localPresenceOf(userId);
        if (here != m_toldPresence.value(userId, PresenceStatus::Offline)) {
            if (here == PresenceStatus::Offline)
                m_toldPresence.remove(userId);
            else
                m_toldPresence.insert(userId, here);
            m_bus->notify(ClusterPresence::change(userId, here));
        }
    }
    const PresenceStatus now = presenceOf(userId);
    const PresenceStatus before = m_lastPresence.value(userId, PresenceStatus::Offline);
    if (now == before)
        return;
    if (now == PresenceStatus::Offline)
        m_lastPresence.remove(userId);
    else
        m_lastPresence.insert(userId, now);
    const Outgoing out(encodeServerFrame({ {}, PresenceNotice { userId, now } }));
    // Only to those who share a room with the user (their own devices included), as Matrix
    // does: N users reconnecting then cost N × room sizes frames, not N × every connection
    // (5000 clients reconnecting at once was 12.5 million frames and stalled the server).
    QSet<qint64> audience { userId };
    for (const RoomCursor &room : roomstore::cursorsOf(m_ctx.database->reader(), userId)) {
        for (qint64 member : membersOf(room.roomId))
            audience.insert(member);
    }
    for (qint64 member : std::as_const(audience)) {
        const UserConnections connections = m_byUser.value(member); // a copy
        for (Connection *c : connections)
            send(c, out);
    }
}

void RealtimeHub::broadcastTyping(qint64 roomId, qint64 userId, bool active)
{
    const Outgoing out(encodeServerFrame({ {}, TypingNotice { roomId, userId, active } }));
    for (qint64 member : membersOf(roomId)) {
        if (member == userId)
            continue;
        for (Connection *c : m_byUser.value(member))
            send(c, out);
    }
}

void RealtimeHub::expireTyping()
{
    const qint64 now = m_ctx.now();
    QList<QPair<qint64, qint64>> expired;
    for (auto it = m_typing.cbegin(); it != m_typing.cend(); ++it) {
        if (it.value() <= now)
            expired.append(it.key());
    }
    for (const auto &key : expired) {
        m_typing.remove(key);
        broadcastTyping(key.first, key.second, false);
    }
}

void RealtimeHub::heartbeat()
{
    // One slot per tick: each connection is looked at once per heartbeatMs, as before, but the
    // pings (and the pongs they bring back) are spread over the interval.
    const int slot = m_heartbeatSlot;
    m_heartbeatSlot = (m_heartbeatSlot + 1) % kHeartbeatSlots;
    if (slot == 0) {
        for (const auto &c : std::as_const(m_sse)) {
            if (!c->closing)
                c->sse.writeChunk(": keepalive\n\n");
        }
    }
    const qint64 now = m_ctx.now();
    const qint64 deadline = 2 * qint64(m_ctx.config.heartbeatMs);
    for (auto it = m_connections.cbegin(); it != m_connections.cend(); ++it) {
        if (it.key() % kHeartbeatSlots != quint64(slot))
            continue; // by the key (the link's id): no record touched for other slots
        Connection *c = it->get();
        if (now - c->lastSeenMs > deadline) {
            m_ctx.metrics->inc(u"confab_ws_closed_total"_s, { u"heartbeat"_s });
            c->closing = true;
            command(c, SocketWorker::Command::Abort); // a dead peer cannot close politely
            continue;
        }
        command(c, SocketWorker::Command::Ping);
    }
}

} // namespace confab::server
