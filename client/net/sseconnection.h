// SseConnection: receives the server's frames over GET /api/v1/events (Server-Sent Events) for
// networks that block WebSocket upgrades. Events go through the shared RoomSequencer; after a
// break it reconnects with Last-Event-ID, so nothing is skipped or repeated. A stream silent for
// `deadAfter` (the server sends keepalives) is dropped and re-opened.
#pragma once

#include "sseparser.h"

#include "resilience/backoff.h"
#include "frames.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <QUrl>

namespace confab::client {

class RoomSequencer;

class ServerTrust;

class SseConnection : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        Backoff::Settings reconnect { std::chrono::milliseconds(100),
                                      std::chrono::milliseconds(5000), std::chrono::milliseconds(0),
                                      1.5, 0.5 };
        std::chrono::milliseconds deadAfter { 45000 };
    };

    SseConnection(QUrl server, RoomSequencer *sequencer, Options options,
                  QObject *parent = nullptr);
    // The next stream opens on `server` (another node of the cluster).
    void setServer(const QUrl &server) { m_server = server; }
    ~SseConnection() override;

    void setToken(const QString &token) { m_token = token; }
    // The certificate decision shared with the REST calls (https).
    void setTrust(ServerTrust *trust) { m_trust = trust; }
    void start();
    void stop();
    bool isRunning() const { return m_running; }
    bool isOpen() const { return m_open; } // a stream is answering

signals:
    void opened();
    void closed();
    void historyReset(); // too far behind: reload rooms over REST
    void typingChanged(qint64 roomId, qint64 userId, bool active);
    void presenceChanged(qint64 userId, confab::PresenceStatus status);
    void readChanged(const confab::ReadState &state); // on another device

private:
    void openStream();
    void onData();
    void onFinished();
    void handleMessage(const QByteArray &event, const QByteArray &data);

    QUrl m_server;
    RoomSequencer *m_sequencer;
    Options m_options;
    QString m_token;
    QNetworkAccessManager m_nam;
    ServerTrust *m_trust = nullptr;
    QNetworkReply *m_reply = nullptr;
    SseParser m_parser;
    Backoff m_backoff;
    QTimer m_reconnect;
    QTimer m_watchdog;
    qint64 m_lastHeard = 0;
    bool m_running = false;
    bool m_open = false;
};

} // namespace confab::client
