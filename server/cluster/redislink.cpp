#include "redislink.h"

#include "metrics.h"
#include "resilience/monotonicclock.h"

#include <QLoggingCategory>
#include <QTimer>

#include <hiredis/adapters/qt.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcRedis, "confab.server.redis", QtInfoMsg)

namespace confab::server {

namespace {

// The Qt adapter writes into its context when it is destroyed, and hiredis frees a context
// itself when the connection is lost: before an adapter goes, it is pointed at a stand-in
// context (zeroed; only its event hooks are written) that goes with it. `now` false: inside a
// hiredis callback, where the adapter may still be on the stack or asked to clean up.
void retire(RedisQtAdapter *adapter, bool now)
{
    auto *standIn = static_cast<redisAsyncContext *>(std::calloc(1, sizeof(redisAsyncContext)));
    adapter->setContext(standIn);
    QObject::connect(adapter, &QObject::destroyed, [standIn] { std::free(standIn); });
    if (now)
        delete adapter;
    else
        adapter->deleteLater();
}

QVariant fromReply(const redisReply *r)
{
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        return QByteArray(r->str, int(r->len));
    case REDIS_REPLY_INTEGER:
        return qlonglong(r->integer);
    case REDIS_REPLY_ARRAY: {
        QVariantList list;
        for (size_t i = 0; i < r->elements; ++i)
            list << fromReply(r->element[i]);
        return list;
    }
    default: // REDIS_REPLY_NIL
        return {};
    }
}

Error unavailable(const QString &why)
{
    return Error { ErrorCode::Unavailable, u"Redis is unavailable: "_s + why, {}, 0 };
}

} // namespace

RedisLink::RedisLink(Options options, Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_metrics(metrics)
    , m_breaker(m_options.breaker, m_options.clock ? m_options.clock : CircuitBreaker::Clock(monotonicMs))
    , m_backoff(m_options.backoff, m_options.clock ? m_options.clock : Backoff::Clock(monotonicMs))
{
    if (m_metrics) {
        m_metrics->defineGauge(u"confab_redis_up"_s, u"1 while the link to Redis is up"_s);
        m_metrics->defineGauge(u"confab_redis_breaker_state"_s,
                               u"The Redis circuit breaker: 0 closed, 1 half-open, 2 open"_s);
        m_metrics->defineCounter(u"confab_redis_commands_total"_s,
                                 u"Redis commands, by outcome"_s, { u"outcome"_s });
        m_metrics->setGauge(u"confab_redis_up"_s, 0);
        m_metrics->setGauge(u"confab_redis_breaker_state"_s, 0);
    }
    connect(&m_breaker, &CircuitBreaker::stateChanged, this,
            [this](CircuitBreaker::State from, CircuitBreaker::State to) {
                qCWarning(lcRedis).noquote()
                    << "Redis breaker" << CircuitBreaker::stateName(from) << "->"
                    << CircuitBreaker::stateName(to);
                if (m_metrics)
                    m_metrics->setGauge(u"confab_redis_breaker_state"_s,
                                        to == CircuitBreaker::State::Closed     ? 0
                                            : to == CircuitBreaker::State::HalfOpen ? 1
                                                                                     : 2);
                emit breakerChanged(from, to);
            });
    m_reconnect = new QTimer(this);
    m_reconnect->setSingleShot(true);
    connect(m_reconnect, &QTimer::timeout, this, &RedisLink::connectNow);
}

RedisLink::~RedisLink()
{
    m_started = false; // (no reconnect, no signal from here on)
    if (m_context) {
        redisAsyncContext *c = m_context;
        c->data = nullptr; // the callbacks below find no link: they do nothing
        m_context = nullptr;
        redisAsyncFree(c); // (pending callbacks get NULL; the adapter cleans its notifiers)
    }
    if (m_adapter) {
        retire(m_adapter, true); // (its notifiers are gone: hiredis had it clean up)
        m_adapter = nullptr;
    }
    for (const Pending &p : std::as_const(m_pending))
        delete p.timer;
    m_pending.clear(); // (their callers are not told: they go with this object)
}

void RedisLink::start()
{
    if (m_started)
        return;
    m_started = true;
    connectNow();
}

void RedisLink::connectNow()
{
    if (!m_started || m_context)
        return;
    redisAsyncContext *c
        = redisAsyncConnect(m_options.host.toLatin1().constData(), int(m_options.port));
    if (!c || c->err) {
        qCWarning(lcRedis).noquote() << "cannot connect to Redis:" << (c ? c->errstr : "no memory");
        if (c)
            redisAsyncFree(c);
        scheduleReconnect();
        return;
    }
    c->data = this;
    m_adapter = new RedisQtAdapter;
    m_adapter->setContext(c);
    redisAsyncSetConnectCallback(c, &RedisLink::connectCallback);
    redisAsyncSetDisconnectCallback(c, &RedisLink::disconnectCallback);
    m_context = c;
}

void RedisLink::scheduleReconnect()
{
    if (!m_started)
        return;
    const auto wait = m_backoff.next(); // (maxElapsedTime 0: always a wait)
    m_reconnect->start(int(wait ? wait->count() : m_options.backoff.maxInterval.count()));
}

void RedisLink::connectCallback(const redisAsyncContext *c, int status)
{
    if (auto *link = static_cast<RedisLink *>(c->data))
        link->onConnected(status);
}

void RedisLink::disconnectCallback(const redisAsyncContext *c, int)
{
    if (auto *link = static_cast<RedisLink *>(c->data))
        link->onDisconnected();
}

void RedisLink::replyCallback(redisAsyncContext *c, void *reply, void *privdata)
{
    auto *link = static_cast<RedisLink *>(c->data);
    if (!link)
        return;
    if (privdata == nullptr) // (id 0: the subscriptions' callback, for every push)
        link->onPush(reply);
    else
        link->onReply(quint64(quintptr(privdata)), reply);
}

void RedisLink::subscribe(const QByteArray &channel)
{
    if (m_channels.contains(channel))
        return;
    m_channels << channel;
    if (m_context && m_connected)
        sendSubscribe({ channel });
}

void RedisLink::sendSubscribe(const QByteArrayList &channels)
{
    std::vector<const char *> args { "SUBSCRIBE" };
    std::vector<size_t> lengths { 9 };
    for (const QByteArray &c : channels) {
        args.push_back(c.constData());
        lengths.push_back(size_t(c.size()));
    }
    if (redisAsyncCommandArgv(m_context, &RedisLink::replyCallback, nullptr, int(args.size()),
                              args.data(), lengths.data())
        != REDIS_OK)
        qCWarning(lcRedis) << "cannot subscribe";
}

void RedisLink::onPush(void *reply)
{
    const auto *r = static_cast<const redisReply *>(reply);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 3
        || r->element[0]->type != REDIS_REPLY_STRING)
        return; // (NULL: the connection went; onDisconnected says so)
    const QByteArray kind(r->element[0]->str, int(r->element[0]->len));
    const redisReply *channel = r->element[1];
    const redisReply *payload = r->element[2];
    if (kind == "message" && channel->type == REDIS_REPLY_STRING
        && payload->type == REDIS_REPLY_STRING) {
        emit message(QByteArray(channel->str, int(channel->len)),
                     QByteArray(payload->str, int(payload->len)));
    } else if (kind == "subscribe" && ++m_confirmed == m_channels.size()) {
        emit subscribed();
    }
}

void RedisLink::onConnected(int status)
{
    if (status != REDIS_OK) {
        // hiredis frees the context right after this returns.
        qCWarning(lcRedis).noquote() << "Redis connection failed:" << m_context->errstr;
        m_context->data = nullptr;
        m_context = nullptr;
        retire(m_adapter, false);
        m_adapter = nullptr;
        scheduleReconnect();
        return;
    }
    qCInfo(lcRedis).noquote() << "connected to Redis at" << m_options.host << m_options.port;
    m_backoff.reset();
    m_connected = true;
    m_confirmed = 0;
    if (!m_channels.isEmpty())
        sendSubscribe(m_channels);
    if (m_metrics)
        m_metrics->setGauge(u"confab_redis_up"_s, 1);
    emit connectedChanged(true);
}

void RedisLink::onDisconnected()
{
    // hiredis has answered every pending command with NULL already (failures, below) and frees
    // the context right after this returns.
    qCWarning(lcRedis).noquote() << "lost the connection to Redis:"
                                 << (m_context && m_context->errstr[0] ? m_context->errstr : "closed");
    if (m_context)
        m_context->data = nullptr;
    m_context = nullptr;
    if (m_adapter) {
        retire(m_adapter, false);
        m_adapter = nullptr;
    }
    const bool was = m_connected;
    m_connected = false;
    if (m_metrics)
        m_metrics->setGauge(u"confab_redis_up"_s, 0);
    failAll(u"the connection was lost"_s);
    if (was)
        emit connectedChanged(false);
    scheduleReconnect();
}

void RedisLink::command(const QByteArrayList &argv, Done done)
{
    const CircuitBreaker::Admission admission = m_breaker.allow();
    if (!admission.allowed()) {
        if (m_metrics)
            m_metrics->inc(u"confab_redis_commands_total"_s, { u"rejected"_s });
        QMetaObject::invokeMethod(
            this, [done = std::move(done)] { done(unavailable(u"its circuit breaker is open"_s)); },
            Qt::QueuedConnection);
        return;
    }
    const quint64 id = m_nextId++;
    Pending &p = m_pending[id];
    p.done = std::move(done);
    p.generation = admission.generation;
    if (!m_context || !m_connected) {
        QMetaObject::invokeMethod(
            this, [this, id] { finish(id, unavailable(u"not connected"_s), false); },
            Qt::QueuedConnection);
        return;
    }
    std::vector<const char *> args;
    std::vector<size_t> lengths;
    for (const QByteArray &a : argv) {
        args.push_back(a.constData());
        lengths.push_back(size_t(a.size()));
    }
    if (redisAsyncCommandArgv(m_context, &RedisLink::replyCallback, reinterpret_cast<void *>(quintptr(id)),
                              int(args.size()), args.data(), lengths.data())
        != REDIS_OK) {
        QMetaObject::invokeMethod(
            this, [this, id] { finish(id, unavailable(u"the command was not sent"_s), false); },
            Qt::QueuedConnection);
        return;
    }
    p.timer = new QTimer(this);
    p.timer->setSingleShot(true);
    connect(p.timer, &QTimer::timeout, this,
            [this, id] { finish(id, unavailable(u"no reply in time"_s), false); });
    p.timer->start(m_options.commandTimeout);
}

void RedisLink::onReply(quint64 id, void *reply)
{
    auto *r = static_cast<redisReply *>(reply);
    if (!r) // the connection went (or the link is being destroyed)
        return finish(id, unavailable(u"the connection was lost"_s), false);
    if (r->type == REDIS_REPLY_ERROR) // Redis answered: the link works, the command did not
        return finish(id, Error { ErrorCode::Internal, QString::fromUtf8(r->str, int(r->len)), {}, 0 },
                      true);
    finish(id, fromReply(r), true);
}

void RedisLink::finish(quint64 id, const Result<QVariant> &result, bool redisAnswered)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return; // answered already (a late reply after its timeout)
    Pending p = std::move(*it);
    m_pending.erase(it);
    if (p.timer)
        p.timer->deleteLater();
    m_breaker.record(p.generation, redisAnswered);
    if (m_metrics)
        m_metrics->inc(u"confab_redis_commands_total"_s,
                       { result.ok() ? u"ok"_s : redisAnswered ? u"error"_s : u"unavailable"_s });
    if (p.done)
        p.done(result);
}

void RedisLink::failAll(const QString &why)
{
    const QList<quint64> ids = m_pending.keys();
    for (quint64 id : ids)
        finish(id, unavailable(why), false);
}

} // namespace confab::server
