// RealtimeHub: the WebSocket side of the server (docs/protocol.md, "WebSocket").
//
//  - authenticates each socket (bearer on the upgrade, or an `auth` frame within authTimeoutMs);
//  - delivers committed room events from the EventBus to the online members, serialized once per
//    broadcast; live events are held for a connection until its `resume` has been answered, and
//    a per-room high-water mark makes every event reach a connection at most once, in seq order;
//  - `send` → MessageService → `ack` after commit; typing (expires by itself) and presence;
//  - liveness: pings every heartbeatMs, a peer silent for two intervals is dropped; the pings
//    go out in kHeartbeatSlots slices of the interval (by connection id), not in one burst;
//  - bounded memory: a connection whose unsent data passes kMaxPendingBytes is closed (4409).
#pragma once

#include "cluster/clusterpresence.h"
#include "frames.h"
#include "httpmessage.h"
#include "servercontext.h"
#include "socketworker.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QVarLengthArray>

#include <memory>

class QThread;
class QTcpSocket;
class QTimer;

namespace confab::server {

class EventBus;
class MessageService;
class UserService;

class RealtimeHub : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kMaxPendingBytes = 4 * 1024 * 1024;
    static constexpr int kMaxHeldEvents = 10000;
    static constexpr int kTypingTimeoutMs = 6000;

    enum CloseCode {
        CloseUnauthorized = 4401,
        CloseAuthTimeout = 4408,
        CloseSlowConsumer = 4409,
        CloseTryAgainLater = 1013, // RFC 6455 registry: the server cannot serve now
    };

    RealtimeHub(const ServerContext &ctx, UserService *users, MessageService *messages,
                EventBus *bus, QObject *parent = nullptr);
    ~RealtimeHub() override;

    // A socket whose WebSocket upgrade request the ConnectionGuard validated.
    void acceptSocket(QTcpSocket *socket);
    // GET /api/v1/events (SSE fallback): streams the user's room events; with `lastEventId`,
    // first every event of the user's rooms with a larger id, in order.
    void acceptSse(qint64 userId, const QByteArray &tokenHash, const HttpResponder &responder,
                   std::optional<qint64> lastEventId);
    // Closes every connection with 1001 "going away" (shutdown).
    void closeAll();

    int connectionCount() const { return int(m_connections.size()); }
    int sseStreamCount() const { return int(m_sse.size()); }
    int onlineUserCount() const { return int(m_byUser.size()); }
    PresenceStatus presenceOf(qint64 userId) const;

private:
    struct Connection;

    void onOpened(const std::shared_ptr<WsLink> &link, const QByteArray &authorization);
    void onText(Connection *c, const QString &text);
    void command(Connection *c, SocketWorker::Command::Kind kind, const QString &text = {},
                 int code = 0);
    void command(Connection *c, SocketWorker::Command &&command);
    void flush(); // posts the queued commands, one batch per worker
    void onClosed(Connection *c);
    void authenticate(Connection *c, const QString &token, const QString &requestId);
    void handle(Connection *c, const ClientFrame &frame);
    void handleSend(Connection *c, const QString &id, const SendFrame &f);
    void handleResume(Connection *c, const QString &id, const ResumeFrame &f);
    void handleTyping(Connection *c, const TypingFrame &f);
    void handlePresence(Connection *c, const PresenceFrame &f);
    void handleRead(Connection *c, const QString &id, const ReadFrame &f);
    void announceRead(qint64 userId, const ReadState &state, const void *origin);

    void deliver(const QList<RoomEvent> &events);
    const QList<Connection *> &recipientsOf(qint64 roomId);
    void addUserConnection(qint64 userId, Connection *c);
    void removeUserConnection(qint64 userId, Connection *c);
    void retire(std::shared_ptr<Connection> c);
    // One server frame, encoded once however many connections receive it: the JSON (SSE
    // streams send it as is) and, built on first use, the WebSocket frame around it.
    class Outgoing
    {
    public:
        explicit Outgoing(QByteArray json)
            : m_json(std::move(json))
        {
        }
        const QByteArray &json() const { return m_json; }
        const QByteArray &webSocketFrame() const;

    private:
        QByteArray m_json;
        mutable QByteArray m_frame;
    };

    bool deliverTo(Connection *c, const RoomEvent &event, const Outgoing &out); // true: sent
    void countDeliveries(const RoomEvent &event, int count);
    void send(Connection *c, const Outgoing &out, qint64 eventId = 0);
    void closeWith(Connection *c, int code, const QString &reason, const QString &metricReason);
    void sendFrame(Connection *c, const ServerFrame &frame);
    void sendError(Connection *c, const QString &id, const Error &error);
    void broadcastPresence(qint64 userId);
    void broadcastTyping(qint64 roomId, qint64 userId, bool active);
    PresenceStatus localPresenceOf(qint64 userId) const;
    void onNotice(const QJsonObject &notice);
    void clusterTick();
    const QSet<qint64> &membersOf(qint64 roomId);
    void heartbeat();
    void expireTyping();
    void closeSessions(const QByteArray &tokenHash);

    ServerContext m_ctx;
    UserService *m_users;
    MessageService *m_messages;
    struct Worker
    {
        QThread *thread = nullptr;
        SocketWorker *worker = nullptr;
        QList<SocketWorker::Command> queued;
    };
    std::vector<Worker> m_workers;
    bool m_socketsInline = false; // no worker threads: the hub writes to the sockets itself
    static constexpr int kPrefetchAhead = 4; // deliveries between a prefetch and its use
    size_t m_nextWorker = 0;
    bool m_flushScheduled = false;
    QTimer *m_heartbeat; // every heartbeatMs / kHeartbeatSlots: one slot's connections
    // 5000 pings at once held the hub's thread ~150 ms (docs/benchmarks.md, "What changed").
    static constexpr int kHeartbeatSlots = 8;
    int m_heartbeatSlot = 0;
    QTimer *m_typingSweep;
    QHash<quint64, std::shared_ptr<Connection>> m_connections; // by WsLink::id
    QHash<QObject *, std::shared_ptr<Connection>> m_sse; // keyed by the stream's socket
    // Authenticated connections per user; one or two (a desktop and a phone) sit in the hash's
    // node itself: no list of their own to reach, and copying them takes no atomic refcount.
    using UserConnections = QVarLengthArray<Connection *, 2>;
    QHash<qint64, UserConnections> m_byUser;
    QHash<qint64, QSet<qint64>> m_members; // roomId → userIds, loaded on first use
    // roomId → the connections of its members (m_members joined with m_byUser), built on first
    // delivery and dropped when either side changes.
    QHash<qint64, QList<Connection *>> m_recipients;
    // Connections closed while a delivery runs: freed when it has ended (it holds pointers).
    int m_delivering = 0;
    std::vector<std::shared_ptr<Connection>> m_retired;
    QHash<QPair<qint64, qint64>, qint64> m_typing; // (roomId, userId) → expiry (ms)
    QHash<qint64, PresenceStatus> m_lastPresence;
    // Multi-node mode: what this node told the others of its users, and what they told it.
    EventBus *m_bus;
    QHash<qint64, PresenceStatus> m_toldPresence;
    ClusterPresence m_clusterPresence { 15000 };
    QTimer *m_clusterTick = nullptr; // every 5 s: the presence snapshot, silent nodes dropped
};

} // namespace confab::server
