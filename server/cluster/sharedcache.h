// SharedCache: the recent events of every room in Redis, for the whole cluster (docs/scale.md,
// "What the nodes share"); the tier behind each node's own EventCache.
//
//  - Written by the node that committed the events, with its publish (ClusterBus): per room a
//    sorted set "confab:EPOCH:recent:ROOM", score = seq, member = the event's JSON sealed with
//    the cluster's key (seal.h), the newest `eventsPerRoom` kept, expiring `ttl` after its last
//    write; by a script that adds a member only at a seq that has none. Events go in as
//    committed: a delete is an event of its own, applied by readers.
//  - Read (run()) when a node's own cache misses, synchronously and bounded: one round trip,
//    `timeout` at most, behind a breaker with the gobreaker settings, and not tried at all while
//    the node's Redis link is down or its breaker open. Exact or nothing: the members from
//    fromSeq to toSeq (the room's newest seq as storage said just before) must all be there,
//    tagged by the cluster, each at its own seq of its own room; every delete among them is
//    applied to the events before it (EventCache::redact). Anything else (a node that committed
//    while its breaker was open, an expired set, a member without the tag) is a miss, and the
//    database answers.
//
// Room rows are not shared: the one field a page must have exact, the newest seq, changes with
// every message on every node, and a node whose breaker is open writes without telling Redis;
// reading it from the database is the same one-row read as the whole row.
#pragma once

#include "eventcache.h"

#include "resilience/circuitbreaker.h"

#include <QMutex>

#include <chrono>

struct redisContext;

namespace confab::server {

class Metrics;
class RedisLink;

class SharedCache : public SharedEvents
{
public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 6379;
        int eventsPerRoom = 256;
        std::chrono::milliseconds ttl { 3600 * 1000 };
        std::chrono::milliseconds timeout { 50 };
    };

    // `writer`: the node's command link (its breaker and state also gate the reads).
    SharedCache(Options options, RedisLink *writer, Metrics *metrics);
    ~SharedCache() override;

    // Once the cluster is known (ClusterBus::start): its key prefix ("confab:EPOCH:") and key.
    void setCluster(const QByteArray &prefix, const QByteArray &key);

    // This node's committed events, each as the compact JSON the bus carries (same order).
    void append(const QList<RoomEvent> &events, const QByteArrayList &json);

    std::optional<QList<RoomEvent>> run(qint64 roomId, qint64 fromSeq, qint64 toSeq) override;
    // Events this node read from storage (a page, a gap fill): put in where the set has no
    // member at their seq, which heals a hole a node left while its breaker was open. (Their
    // content may be redacted already: applying a delete again changes nothing.)
    void repair(const QList<RoomEvent> &events) override;

    QByteArray key(qint64 roomId) const;

private:
    bool connectReader();
    std::optional<QList<RoomEvent>> read(qint64 roomId, qint64 fromSeq, qint64 toSeq, bool *failed);

    Options m_options;
    RedisLink *m_writer;
    Metrics *m_metrics;
    QByteArray m_prefix;
    QByteArray m_key;
    QMutex m_lock; // the reader connection (pages and resumes may come from any thread)
    redisContext *m_reader = nullptr;
    CircuitBreaker m_breaker;
};

} // namespace confab::server
