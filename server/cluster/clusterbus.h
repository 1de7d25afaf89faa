// ClusterBus: the EventBus of a node in the multi-node mode (docs/scale.md). Nodes share one
// PostgreSQL database; each delivers to its own connections every event of the cluster, in
// each room's seq order, exactly once.
//
//  - A node's own commits are delivered at once and published on Redis: one PUBLISH per room
//    per commit, on the cluster's channel ("confab:EPOCH:events"), fire and forget.
//  - Everything a node delivers, its own events and the others', passes one sequencer: per room
//    the seq delivered last. The next seq is delivered; an older one is a duplicate and dropped;
//    a newer one means a gap (a publish lost, a message overtaken, Redis away), filled from the
//    database before the newer event goes out. Redis is only a doorbell: correctness comes from
//    the gap-free per-room seq in storage, as in Centrifugo.
//  - While the subscription is down (Redis dead or hanging, the breaker open) the node polls
//    the rooms' newest seqs every 250 ms and fills what it lacks; when it is back (subscribed())
//    it fills at once, and goes on polling every 250 ms for 30 s (the other nodes' breakers may
//    still be open and publish nothing); and every 2 s anyway, for a publish that never left
//    its node. Its own breaker not closed: every 250 ms too.
//  - Every message is tagged with the cluster's key (HMAC, kept in the shared database): one
//    without a valid tag is dropped (confab_cluster_forged_total); Redis is not trusted.
//  - Each commit's events also go to the cluster's shared cache (sharedcache.h) just before
//    the PUBLISH, so that a node reading a page finds them in Redis rather than PostgreSQL.
//  - Notices (typing, presence, read state, a session revoked) go on the same channel, best
//    effort. A node's presence snapshot is also kept in Redis under a key that expires
//    (confab:EPOCH:presence:NODE, 15 s): a node that (re)subscribes reads them all at once.
#pragma once

#include "eventbus.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>

class QTimer;

namespace confab::server {

class Database;
class Metrics;
class RedisLink;
class SharedCache;

class ClusterBus : public EventBus
{
    Q_OBJECT
public:
    struct Options
    {
        QString nodeId;
        int pollMs = 2000; // the safety net while the subscription is up
        int pollDownMs = 250; // while it is not, or this node's breaker is not closed
        // After Redis is back, other nodes' breakers may stay open for their timeout (30 s)
        // and publish nothing: this node polls fast that long.
        int outageTailMs = 30000;
    };

    ClusterBus(Options options, RedisLink *publisher, RedisLink *subscriber, Database *database,
               Metrics *metrics, QObject *parent = nullptr);

    // After the database is open: every room's newest seq counts as delivered (what clients
    // missed before the node started they fetch themselves, by seq), then subscribes.
    void start();
    void publish(const QList<confab::RoomEvent> &events) override;
    void notify(const QJsonObject &notice) override;
    bool clustered() const override { return true; }

    // The cluster's recent events in Redis (not owned): written with every publish.
    void setSharedCache(SharedCache *shared) { m_shared = shared; }

    QByteArray channel() const { return m_channel; }
    qint64 deliveredSeq(qint64 roomId) const { return m_delivered.value(roomId, -1); }

private:
    void offer(const QList<confab::RoomEvent> &events);
    bool fill(qint64 roomId, qint64 afterSeq, qint64 toSeq, QList<confab::RoomEvent> *out);
    void poll();
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void schedulePoll();
    void readPresenceKeys();
    QByteArray sealed(const QByteArray &json) const; // the cluster key's tag, then the JSON
    QByteArray presenceKey(const QString &node) const;

    Options m_options;
    RedisLink *m_publisher;
    RedisLink *m_subscriber;
    Database *m_database;
    Metrics *m_metrics;
    SharedCache *m_shared = nullptr;
    QByteArray m_channel;
    QByteArray m_key; // the cluster's HMAC key (meta 'cluster_key'), shared through PostgreSQL
    QHash<qint64, qint64> m_delivered; // room → the seq delivered last
    QTimer *m_poll = nullptr;
    bool m_subscribed = false;
    bool m_everSubscribed = false;
    QElapsedTimer m_clock;
    qint64 m_fastPollUntil = 0;
};

} // namespace confab::server
