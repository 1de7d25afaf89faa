// RealtimeConnection: the client's WebSocket to the server, kept alive for good.
//
//  - authenticates with the bearer token on the upgrade; on hello sends `resume` with the newest
//    seq it holds per room, so every (re)connect replays exactly what was missed;
//  - delivers room events in seq order per room, each once: an event at or below the room's
//    cursor is a duplicate and dropped; an event past cursor+1 is a gap, which is fetched over
//    REST (ApiClient) before the held event is delivered;
//  - `resumed` with status reset → roomReset() (reload it); forbidden → roomForbidden();
//    a new epoch in hello (the server's history was replaced) → historyReset();
//  - heartbeat: a ping every heartbeatMs; nothing heard for two intervals means the connection
//    is dead: it is dropped and re-established;
//  - reconnects forever with capped, jittered backoff (Backoff with maxElapsedTime 0);
//  - send(): a `send` frame answered by its ack (or error); the outbox's transport when online.
#pragma once

#include "resilience/backoff.h"
#include "frames.h"
#include "roomsequencer.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

#include <functional>
#include <map>

namespace confab::client {

class ApiClient;

class RealtimeConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Offline, Connecting, Online };
    Q_ENUM(State)

    struct Options
    {
        Backoff::Settings reconnect { std::chrono::milliseconds(100),
                                      std::chrono::milliseconds(5000), std::chrono::milliseconds(0),
                                      1.5, 0.5 };
        std::chrono::milliseconds heartbeat { 15000 }; // until the server's hello says otherwise
        std::chrono::milliseconds connectTimeout { 10000 };
    };

    RealtimeConnection(QUrl server, ApiClient *api, QObject *parent = nullptr);
    // The next connection attempt goes to `server` (another node of the cluster).
    void setServer(const QUrl &server) { m_server = server; }
    // `sequencer`: shared with other transports; when null the connection makes its own.
    RealtimeConnection(QUrl server, ApiClient *api, Options options,
                       RoomSequencer *sequencer = nullptr, QObject *parent = nullptr);
    ~RealtimeConnection() override;

    void setToken(const QString &token) { m_token = token; }
    // Cursors (newest seq held per room) and epoch, e.g. from the local cache at start-up.
    void setCursor(qint64 roomId, qint64 lastSeq) { m_sequencer->setCursor(roomId, lastSeq); }
    qint64 cursor(qint64 roomId) const { return m_sequencer->cursor(roomId); }
    RoomSequencer *sequencer() const { return m_sequencer; }
    void setEpoch(const QString &epoch) { m_epoch = epoch; }
    QString epoch() const { return m_epoch; }

    void start(); // connect, and keep connecting
    void stop(); // disconnect for good
    void reconnectNow(); // skip the wait (network back, "retry now")

    State state() const { return m_state; }
    std::chrono::milliseconds nextRetryIn() const;
    int reconnects() const { return m_reconnects; }

    void send(const SendFrame &frame, std::function<void(Result<SendAck>)> done);
    void sendTyping(qint64 roomId, bool active);
    void ping(); // a WebSocket ping now (its pong emits roundTrip)
    void sendPresence(PresenceStatus status);
    void sendRead(qint64 roomId, qint64 seq); // when online; the answer is readChanged

signals:
    void stateChanged(confab::client::RealtimeConnection::State state);
    // A connection attempt ended before the session was resumed.
    void connectFailed();
    void helloReceived(const confab::HelloFrame &hello);
    void eventReceived(const confab::RoomEvent &event); // in seq order per room, once
    void resumed();
    void roomReset(qint64 roomId);
    void roomForbidden(qint64 roomId);
    void historyReset(); // the server's epoch changed: drop everything cached
    void typingChanged(qint64 roomId, qint64 userId, bool active);
    void presenceChanged(qint64 userId, confab::PresenceStatus status);
    // The user's read state in a room: the answer to sendRead, or a change on another device.
    void readChanged(const confab::ReadState &state);
    void roundTrip(qint64 ms);
    void sessionRefused(); // closed with 4401: the token is unknown, expired or revoked

private:
    void connectSocket();
    void scheduleReconnect();
    void setState(State s);
    void onText(const QString &text);
    void onHello(const HelloFrame &hello);
    void onResumed(const ResumedFrame &frame);
    void failPending(const Error &error);

    QUrl m_server;
    ApiClient *m_api;
    Options m_options;
    QString m_token;
    QString m_epoch;
    QWebSocket *m_socket = nullptr;
    State m_state = State::Offline;
    bool m_running = false;
    Backoff m_backoff;
    QTimer m_reconnectTimer;
    QTimer m_heartbeat;
    qint64 m_lastHeardMs = 0;
    int m_reconnects = 0;
    int m_nextId = 0;
    RoomSequencer *m_sequencer;
    QHash<QString, std::function<void(Result<SendAck>)>> m_pending; // send id → callback
};

} // namespace confab::client
