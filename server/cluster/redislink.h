// RedisLink: one server node's connection to Redis in the multi-node mode (docs/scale.md).
//
//  - hiredis' asynchronous API on this object's event loop, through the Qt adapter Debian ships
//    with hiredis (hiredis/adapters/qt.h): no thread of its own, no blocking call.
//  - Every command passes a CircuitBreaker with the client's gobreaker settings (MaxRequests 3,
//    Interval 10 s, Timeout 30 s; common/resilience/): while Redis is down or hangs, callers
//    are told `unavailable` at once instead of waiting, and serve from PostgreSQL.
//  - A command without a reply within `commandTimeout` fails (hiredis 0.14 has no timeouts of
//    its own for asynchronous commands); its late reply is dropped.
//  - A lost connection is made again after a Backoff (cenkalti semantics, retrying forever).
//  - Pub/sub on a link of its own (subscribe()), subscribed again after every reconnection.
//  - Breaker changes and the connection go to the log and to metrics:
//    confab_redis_up, confab_redis_breaker_state (0 closed, 1 half-open, 2 open),
//    confab_redis_commands_total{outcome}.
#pragma once

#include "resilience/backoff.h"
#include "resilience/circuitbreaker.h"
#include "result.h"

#include <QByteArrayList>
#include <QHash>
#include <QObject>
#include <QVariant>

#include <chrono>
#include <functional>

struct redisAsyncContext;
class QTimer;
class RedisQtAdapter;

namespace confab::server {

class Metrics;

class RedisLink : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 6379;
        std::chrono::milliseconds commandTimeout { 1000 };
        CircuitBreaker::Settings breaker { QStringLiteral("redis"), 3,
                                           std::chrono::milliseconds(10000),
                                           std::chrono::milliseconds(30000), {} };
        Backoff::Settings backoff { std::chrono::milliseconds(100),
                                    std::chrono::milliseconds(5000),
                                    std::chrono::milliseconds(0), 1.5, 0.5 };
        CircuitBreaker::Clock clock; // monotonic ms (tests inject one); default: the real one
    };

    explicit RedisLink(Options options, Metrics *metrics = nullptr, QObject *parent = nullptr);
    ~RedisLink() override;

    void start(); // connects, and keeps connecting whenever the link is lost
    bool isConnected() const { return m_connected; }
    CircuitBreaker::State breakerState() { return m_breaker.state(); }

    // A reply: a string or status (QByteArray), an integer (qlonglong), an array (QVariantList
    // of these), or nil (an invalid QVariant).
    using Done = std::function<void(const Result<QVariant> &reply)>;
    // Sends `argv` (binary-safe). `done` runs later on this object's thread, exactly once:
    // with the reply, a Redis error (internal), or `unavailable` (the breaker is open, the link
    // is down, or no reply came within commandTimeout). Not after this object is gone.
    void command(const QByteArrayList &argv, Done done);

    // Subscriber mode (Redis wants a connection of its own for pub/sub: a link that subscribes
    // sends no command()). Messages published to `channel` come as message(), in the order
    // Redis delivers them. After every (re)connection the link subscribes again to every
    // channel and emits subscribed() once Redis confirmed them all (and again when a later
    // subscribe() is confirmed): what was published while it was away is gone (pub/sub keeps
    // nothing), so that is when its user fills the gap from storage.
    void subscribe(const QByteArray &channel);

signals:
    void message(const QByteArray &channel, const QByteArray &payload);
    void subscribed();
    void connectedChanged(bool connected);
    void breakerChanged(confab::CircuitBreaker::State from, confab::CircuitBreaker::State to);

private:
    struct Pending
    {
        Done done;
        quint64 generation = 0;
        QTimer *timer = nullptr;
    };
    void connectNow();
    void scheduleReconnect();
    void onConnected(int status);
    void onDisconnected();
    void onReply(quint64 id, void *reply);
    void finish(quint64 id, const Result<QVariant> &result, bool redisAnswered);
    void failAll(const QString &why);
    void sendSubscribe(const QByteArrayList &channels);
    void onPush(void *reply);

    static void connectCallback(const redisAsyncContext *c, int status);
    static void disconnectCallback(const redisAsyncContext *c, int status);
    static void replyCallback(redisAsyncContext *c, void *reply, void *privdata);

    Options m_options;
    Metrics *m_metrics;
    CircuitBreaker m_breaker;
    Backoff m_backoff;
    redisAsyncContext *m_context = nullptr;
    RedisQtAdapter *m_adapter = nullptr;
    QTimer *m_reconnect = nullptr;
    bool m_connected = false;
    bool m_started = false;
    quint64 m_nextId = 1;
    QHash<quint64, Pending> m_pending;
    QByteArrayList m_channels; // subscribed to (subscriber mode)
    int m_confirmed = 0; // of m_channels, on this connection
};

} // namespace confab::server
