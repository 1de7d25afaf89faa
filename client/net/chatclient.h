// ChatClient: the network layer for one account, as the UI sees it.
//
// It owns the ApiClient (REST, breaker, retries), the RoomSequencer, the RealtimeConnection
// (WebSocket), the SseConnection (fallback) and the Outbox, and decides between them:
//  - online:     WebSocket resumed; sends go over it;
//  - degraded:   the WebSocket failed `sseAfterFailures` times in a row while HTTP works: events
//                arrive over SSE, sends go over REST; the WebSocket keeps being retried and takes
//                over again as soon as it works;
//  - connecting: neither is up; the next WebSocket attempt is due in nextRetryIn;
//  - offline:    stopped, or the server is unreachable over HTTP too (the breaker is open).
// A message typed in any state goes to the outbox first and is delivered when possible.
#pragma once

#include "otlp/tracecontext.h"

namespace confab::otlp {
class SpanExporter;
}

#include "apiclient.h"
#include "filetransfers.h"
#include "localcache.h"
#include "outbox.h"
#include "realtimeconnection.h"
#include "roomsequencer.h"
#include "sseconnection.h"

#include <QObject>
#include <QSet>

namespace confab::client {

struct ConnectionState
{
    enum class Mode { Offline, Connecting, Degraded, Online };
    Mode mode = Mode::Offline;
    std::chrono::milliseconds nextRetryIn { 0 };
    CircuitBreaker::State breaker = CircuitBreaker::State::Closed;
    int reconnects = 0;
    int retries = 0; // REST retries scheduled
    qint64 roundTripMs = -1;

    static QString modeName(Mode m);
    friend bool operator==(const ConnectionState &, const ConnectionState &) = default;
};

// The network layer's figures for the diagnostics panel (Help → Connection diagnostics).
struct Diagnostics
{
    struct Sample
    {
        qint64 atMs = 0; // wall clock, ms since the epoch
        qint64 rttMs = 0;
        bool webSocket = true; // false: an HTTP request's round trip
    };
    struct BreakerChange
    {
        qint64 atMs = 0;
        CircuitBreaker::State from = CircuitBreaker::State::Closed;
        CircuitBreaker::State to = CircuitBreaker::State::Closed;
    };
    static constexpr int MaxSamples = 300;
    static constexpr int MaxBreakerChanges = 50;
    QList<Sample> roundTrips; // oldest first, at most MaxSamples
    QList<BreakerChange> breakerChanges; // oldest first, at most MaxBreakerChanges
    int breakerChangeCount = 0;
    int reconnects = 0;
    int retries = 0;
    int nodeSwitches = 0; // moves to another node of the cluster
    int httpRequests = 0;
    int httpErrors = 0; // no answer, or a 5xx
    qint64 cacheHits = 0;
    qint64 cacheMisses = 0;
    QString transport; // "WebSocket", "SSE + REST", "none"
};

class ChatClient : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        ApiClient::Options api;
        RealtimeConnection::Options realtime;
        SseConnection::Options sse;
        Backoff::Settings outboxRetry;
        int sseAfterFailures = 3;
        // Reconnect at once when the OS reports the network back (QNetworkInformation; on Linux
        // through NetworkManager over D-Bus).
        bool watchNetwork = true;
        // Tracing (docs/operations.md): each message sent over the WebSocket becomes a client
        // span ("confab.client.send", from the send to its ack) whose traceparent the server's
        // spans continue, so one trace shows both sides. Not owned; null: no tracing.
        otlp::SpanExporter *tracer = nullptr;
    };

    // `accountDir`: where this account's outbox and local cache live (created if needed).
    ChatClient(QUrl server, QString token, const QString &accountDir, Options options,
               QObject *parent = nullptr);

    ~ChatClient() override;

    // The nodes of a cluster this server entry stands for (docs/scale.md): the server given to
    // the constructor and the others, from LAN discovery (same cluster id) or typed. When a
    // connection attempt fails, the next one goes to the next node, with the normal backoff.
    void setNodes(const QList<QUrl> &nodes);
    QUrl currentNode() const { return m_api.server(); }

    Result<bool> start();
    void stop();
    void retryNow(); // "retry now" in the status bar

    // Typed by the user: stored in the outbox, then delivered in order.
    Result<Outbox::Item> send(qint64 roomId, const QString &body, qint64 replyTo = 0);
    // A file to share, with a caption: stored in the outbox like a message (it survives a
    // restart), uploaded (resumably), then sent, in the room's typed order.
    Result<Outbox::Item> sendFile(qint64 roomId, const QString &path, const QString &caption = {});
    // Stops and forgets a file not sent yet (its upload is dropped on the server too).
    void cancelFile(qint64 localId);
    FileTransfers &files() { return m_files; }
    QString accountDir() const { return m_accountDir; }

    ConnectionState connectionState() const { return m_state; }
    Diagnostics diagnostics() const;
    // Tells the room's other members that the user is typing (WebSocket only; best effort).
    void setTyping(qint64 roomId, bool active);
    // This device has shown room `roomId` up to `seq`: the server moves the user's marker
    // (forward only) and tells the other devices. Kept and resent until the server has it.
    void markRead(qint64 roomId, qint64 seq);
    // Adds (add) or takes back the user's reaction `key` to a message: kept on disk until the
    // server confirms it, sent again after a reconnect (idempotent on the server); the newest
    // intent per message and key wins. The change shows when its event comes back.
    void react(qint64 roomId, qint64 eventId, const QString &key, bool add);
    QList<LocalCache::UnsentReaction> unsentReactions() const { return m_unsentReactions; }
    // Searches messages: on the server, or (when it cannot be reached) in this device's cache,
    // which holds each room's newest messages; `offline` says which answered.
    struct SearchAnswer
    {
        SearchResults results;
        bool offline = false;
    };
    void search(const QString &query, qint64 roomId, qint64 before, int limit,
                std::function<void(Result<SearchAnswer>)> done);
    ApiClient &api() { return m_api; }
    RealtimeConnection &realtime() { return m_realtime; }
    Outbox &outbox() { return m_outbox; }
    LocalCache &cache() { return m_cache; }
    RoomSequencer &sequencer() { return m_sequencer; }

signals:
    // The server refused a reaction for good (the message was deleted, the user left the room).
    void reactionRefused(qint64 roomId, qint64 eventId, const QString &key, const confab::Error &error);
    void eventReceived(const confab::RoomEvent &event); // in order per room, once
    void connectionStateChanged(const confab::client::ConnectionState &state);
    void roomReset(qint64 roomId); // reload it over REST
    void historyReset(); // the local cache was cleared: reload everything
    void typingChanged(qint64 roomId, qint64 userId, bool active);
    void presenceChanged(qint64 userId, confab::PresenceStatus status);
    // The user's read state in a room, as the server counts it: on every (re)connect for every
    // room (hello), after markRead, and when another device of the user read something.
    void readChanged(const confab::ReadState &state);
    // The server refused the token (expired or revoked): only this sends the user to log in.
    void sessionExpired();

private:
    QList<QUrl> m_nodes; // setNodes(); empty or one: a single server
    qsizetype m_node = 0;
    void updateState();
    void addRoundTrip(qint64 ms, bool webSocket);
    void onRealtimeFailure();
    void sendItem(const Outbox::Item &item, std::function<void(Result<SendAck>)> done);
    void flushReads(); // the markers not yet told to the server
    void flushReactions(); // the reactions not yet confirmed

    Options m_options;
    QString m_accountDir;
    ApiClient m_api;
    FileTransfers m_files;
    RoomSequencer m_sequencer;
    RealtimeConnection m_realtime;
    SseConnection m_sse;
    Outbox m_outbox;
    LocalCache m_cache;
    OutboxPump m_pump;
    QTimer m_tick;
    ConnectionState m_state;
    int m_wsFailures = 0;
    bool m_running = false;
    Diagnostics m_diag;
    QHash<qint64, qint64> m_unsentReads; // roomId → seq read here, not yet acknowledged
    QSet<qint64> m_readsOverRest; // rooms whose marker is on its way over REST
    QList<LocalCache::UnsentReaction> m_unsentReactions; // oldest first
    QSet<QString> m_reactionsInFlight; // "eventId key" on its way
};

} // namespace confab::client
