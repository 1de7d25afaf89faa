#include "sharedcache.h"

#include "metrics.h"
#include "redislink.h"
#include "seal.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutexLocker>

#include <hiredis/hiredis.h>

#include <map>
#include <memory>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSharedCache, "confab.server.cluster.cache", QtInfoMsg)

namespace confab::server {

namespace {

timeval toTimeval(std::chrono::milliseconds ms)
{
    return { time_t(ms.count() / 1000), suseconds_t((ms.count() % 1000) * 1000) };
}

} // namespace

SharedCache::SharedCache(Options options, RedisLink *writer, Metrics *metrics)
    : m_options(std::move(options))
    , m_writer(writer)
    , m_metrics(metrics)
    , m_breaker({ u"redis-cache"_s, 3, std::chrono::milliseconds(10000),
                  std::chrono::milliseconds(30000), {} })
{
    QObject::connect(&m_breaker, &CircuitBreaker::stateChanged,
                     [](CircuitBreaker::State from, CircuitBreaker::State to) {
                         qCWarning(lcSharedCache).noquote()
                             << "breaker of the shared cache's reads:"
                             << CircuitBreaker::stateName(from) << "->"
                             << CircuitBreaker::stateName(to);
                     });
}

SharedCache::~SharedCache()
{
    if (m_reader)
        redisFree(m_reader);
}

void SharedCache::setCluster(const QByteArray &prefix, const QByteArray &key)
{
    m_prefix = prefix;
    m_key = key;
}

QByteArray SharedCache::key(qint64 roomId) const
{
    return m_prefix + "recent:" + QByteArray::number(roomId);
}

// Adds each (seq, member) whose seq has no member yet, then trims the set to its newest
// ARGV[1] and sets its expiry (ARGV[2] ms); atomic, as every script. Never a second member at a
// seq: the committing node and a node repairing a hole from storage may both add one.
static const QByteArray AddScript = R"lua(
local added = 0
for i = 3, #ARGV, 2 do
  if redis.call('ZCOUNT', KEYS[1], ARGV[i], ARGV[i]) == 0 then
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
    added = added + 1
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[1]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return added
)lua";

void SharedCache::append(const QList<RoomEvent> &events, const QByteArrayList &json)
{
    if (m_prefix.isEmpty() || !seal::usableKey(m_key))
        return;
    // Per room one script call, pipelined on the writer's link, fire and forget. A write that
    // fails leaves a hole: readers miss it, and the next node that reads those events from
    // storage (a page, a gap fill) puts them in (repair()).
    std::map<qint64, QByteArrayList> adds;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const RoomEvent &e = events[i];
        QByteArrayList &argv = adds[e.roomId];
        if (e.type == EventType::RoomDelete) {
            argv = { "DEL" };
            continue;
        }
        if (argv.isEmpty())
            argv = { "EVAL", AddScript, "1", {}, QByteArray::number(m_options.eventsPerRoom),
                     QByteArray::number(qint64(m_options.ttl.count())) };
        if (argv.first() == "EVAL")
            argv << QByteArray::number(e.seq) << seal::sealed(m_key, json[i]);
    }
    for (auto &[room, argv] : adds) {
        if (argv.first() == "DEL")
            argv.append(key(room));
        else
            argv[3] = key(room);
        m_writer->command(argv, [](const Result<QVariant> &) { });
    }
}

void SharedCache::repair(const QList<RoomEvent> &events)
{
    // Only while the link is up: a repair is not worth waiting for.
    if (events.isEmpty() || !m_writer->isConnected()
        || m_writer->breakerState() != CircuitBreaker::State::Closed)
        return;
    QByteArrayList json;
    json.reserve(events.size());
    for (const RoomEvent &e : events)
        json.append(QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact));
    append(events, json);
}

bool SharedCache::connectReader()
{
    if (m_reader && !m_reader->err)
        return true;
    if (m_reader)
        redisFree(m_reader);
    m_reader = redisConnectWithTimeout(m_options.host.toUtf8().constData(), m_options.port,
                                       toTimeval(m_options.timeout));
    if (!m_reader || m_reader->err)
        return false;
    redisSetTimeout(m_reader, toTimeval(m_options.timeout));
    return true;
}

std::optional<QList<RoomEvent>> SharedCache::run(qint64 roomId, qint64 fromSeq, qint64 toSeq)
{
    if (m_prefix.isEmpty() || fromSeq < 1 || toSeq < fromSeq
        || toSeq - fromSeq >= m_options.eventsPerRoom)
        return std::nullopt;
    // Not while this node's link says Redis is away: no read waits for a dead server.
    if (!m_writer->isConnected() || m_writer->breakerState() != CircuitBreaker::State::Closed)
        return std::nullopt;
    QMutexLocker locker(&m_lock);
    const CircuitBreaker::Admission admission = m_breaker.allow();
    if (!admission.allowed())
        return std::nullopt;
    bool failed = false;
    auto out = read(roomId, fromSeq, toSeq, &failed);
    m_breaker.record(admission.generation, !failed);
    return out;
}

std::optional<QList<RoomEvent>> SharedCache::read(qint64 roomId, qint64 fromSeq, qint64 toSeq,
                                                  bool *failed)
{
    if (!connectReader()) {
        *failed = true;
        return std::nullopt;
    }
    const QByteArray k = key(roomId);
    const QByteArray from = QByteArray::number(fromSeq);
    const QByteArray to = QByteArray::number(toSeq);
    const char *argv[] = { "ZRANGEBYSCORE", k.constData(), from.constData(), to.constData() };
    const size_t lengths[] = { 13, size_t(k.size()), size_t(from.size()), size_t(to.size()) };
    auto *reply = static_cast<redisReply *>(redisCommandArgv(m_reader, 4, argv, lengths));
    if (!reply) { // timed out or the connection broke: the next read connects again
        *failed = true;
        return std::nullopt;
    }
    const std::unique_ptr<redisReply, void (*)(void *)> owned(reply, freeReplyObject);
    if (reply->type != REDIS_REPLY_ARRAY) {
        *failed = reply->type == REDIS_REPLY_ERROR;
        return std::nullopt;
    }
    if (qint64(reply->elements) != toSeq - fromSeq + 1)
        return std::nullopt; // a hole (or more than one member at a seq): not exact
    QList<RoomEvent> events;
    events.reserve(qsizetype(reply->elements));
    for (size_t i = 0; i < reply->elements; ++i) {
        const redisReply *m = reply->element[i];
        if (m->type != REDIS_REPLY_STRING)
            return std::nullopt;
        const QByteArray member(m->str, qsizetype(m->len));
        const auto json = seal::opened(m_key, member);
        if (!json) {
            if (m_metrics)
                m_metrics->inc(u"confab_cluster_forged_total"_s);
            qCWarning(lcSharedCache) << "room" << roomId
                                     << ": a cached event without the cluster's tag, removed";
            // Out of the way, so that what this node now reads from storage takes its place.
            m_writer->command({ "ZREM", k, member }, [](const Result<QVariant> &) { });
            return std::nullopt;
        }
        auto e = RoomEvent::fromJson(QJsonDocument::fromJson(*json).object());
        if (!e || e->roomId != roomId || e->seq != fromSeq + qint64(i))
            return std::nullopt;
        events.append(e.value());
    }
    // Deletes as the database applied them: to everything before them in the run.
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (events[i].type != EventType::Delete)
            continue;
        const qint64 target = events[i].targetId();
        for (qsizetype j = 0; j < i; ++j)
            EventCache::redact(events[j], target);
    }
    return events;
}

} // namespace confab::server
