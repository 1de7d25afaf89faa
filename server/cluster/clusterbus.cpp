#include "clusterbus.h"

#include "database.h"
#include "metrics.h"
#include "redislink.h"
#include "roomstore.h"
#include "seal.h"
#include "sharedcache.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlQuery>
#include <QTimer>

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcCluster, "confab.server.cluster", QtInfoMsg)

namespace confab::server {

ClusterBus::ClusterBus(Options options, RedisLink *publisher, RedisLink *subscriber,
                       Database *database, Metrics *metrics, QObject *parent)
    : EventBus(parent)
    , m_options(std::move(options))
    , m_publisher(publisher)
    , m_subscriber(subscriber)
    , m_database(database)
    , m_metrics(metrics)
    , m_poll(new QTimer(this))
{
    m_clock.start();
    if (m_metrics) {
        m_metrics->defineCounter(u"confab_cluster_events_total"_s,
                                 u"Events delivered by this node, by where they came from"_s,
                                 { u"source"_s });
        m_metrics->defineCounter(u"confab_cluster_gap_fills_total"_s,
                                 u"Gaps in a room's seq filled from storage"_s);
        m_metrics->defineCounter(u"confab_cluster_duplicates_total"_s,
                                 u"Events seen again and dropped"_s);
        m_metrics->defineCounter(u"confab_cluster_forged_total"_s,
                                 u"Messages on the cluster's channel without its tag, dropped"_s);
    }
    m_poll->setSingleShot(true);
    connect(m_poll, &QTimer::timeout, this, &ClusterBus::poll);
    connect(m_subscriber, &RedisLink::message, this, &ClusterBus::onMessage);
    connect(m_subscriber, &RedisLink::subscribed, this, [this] {
        if (!m_subscribed)
            qCInfo(lcCluster) << "subscribed to" << m_channel << ": filling what was missed";
        if (m_everSubscribed) // after an outage the other nodes' breakers may stay open for
            m_fastPollUntil = m_clock.elapsed() + m_options.outageTailMs; // their timeout
        m_everSubscribed = true;
        m_subscribed = true;
        poll(); // what was published while it was away is gone: storage has it
        readPresenceKeys();
    });
    connect(m_subscriber, &RedisLink::connectedChanged, this, [this](bool connected) {
        if (connected)
            return;
        if (m_subscribed)
            qCWarning(lcCluster) << "lost the subscription: delivering by polling storage every"
                                 << m_options.pollDownMs << "ms until Redis is back";
        m_subscribed = false;
        schedulePoll();
    });
}

void ClusterBus::start()
{
    m_channel = "confab:" + m_database->epoch().toUtf8() + ":events";
    // The cluster's key, made by the first node and kept in the shared database: whoever can
    // publish on Redis cannot make a node deliver an event or act on a notice (a message
    // without a valid tag is dropped and counted); only who can read the database can.
    QSqlQuery q(m_database->reader());
    QByteArray fresh(crypto_auth_KEYBYTES, Qt::Uninitialized);
    randombytes_buf(fresh.data(), size_t(fresh.size()));
    q.prepare(u"INSERT INTO meta (key, value) VALUES ('cluster_key', ?) ON CONFLICT (key) DO NOTHING"_s);
    if (!execPrepared(q, { QString::fromLatin1(fresh.toHex()) }))
        qCWarning(lcCluster) << "cannot store a cluster key (another node's is read below)";
    if (q.exec(u"SELECT value FROM meta WHERE key = 'cluster_key'"_s) && q.next())
        m_key = QByteArray::fromHex(q.value(0).toString().toLatin1());
    if (m_key.size() != crypto_auth_KEYBYTES)
        qCCritical(lcCluster) << "no cluster key in the database: nothing from Redis is accepted";
    if (q.exec(u"SELECT id, last_seq FROM rooms"_s)) {
        while (q.next())
            m_delivered.insert(q.value(0).toLongLong(), q.value(1).toLongLong());
    }
    if (m_shared)
        m_shared->setCluster(m_channel.chopped(int(strlen("events"))), m_key);
    m_subscriber->subscribe(m_channel);
    m_subscriber->start();
    m_publisher->start();
    schedulePoll();
    qCInfo(lcCluster).noquote() << "node" << m_options.nodeId << "on channel"
                                << QString::fromUtf8(m_channel);
}

void ClusterBus::schedulePoll()
{
    const bool fast = !m_subscribed || m_clock.elapsed() < m_fastPollUntil
        || m_publisher->breakerState() != CircuitBreaker::State::Closed;
    m_poll->start(fast ? m_options.pollDownMs : m_options.pollMs);
}

void ClusterBus::publish(const QList<RoomEvent> &events)
{
    offer(events);
    // Each event serialized once, for the shared cache and for the one message per room:
    // {"node": id, "events": [...]}.
    QByteArrayList json;
    json.reserve(events.size());
    for (const RoomEvent &e : events)
        json.append(QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact));
    if (m_shared) // before the PUBLISH: a node that hears of an event finds it there
        m_shared->append(events, json);
    const QByteArray head = QJsonDocument(QJsonObject { { u"node"_s, m_options.nodeId } })
                                .toJson(QJsonDocument::Compact)
                                .chopped(1)
        + ",\"events\":[";
    std::map<qint64, QByteArray> byRoom;
    for (qsizetype i = 0; i < events.size(); ++i) {
        QByteArray &payload = byRoom[events[i].roomId];
        payload += payload.isEmpty() ? head : QByteArray(",");
        payload += json[i];
    }
    for (auto &[room, payload] : byRoom) {
        // Fire and forget: a publish that fails is found by the other nodes' next poll.
        m_publisher->command({ "PUBLISH", m_channel, sealed(payload + "]}") },
                             [](const Result<QVariant> &) { });
    }
}

QByteArray ClusterBus::presenceKey(const QString &node) const
{
    return m_channel.chopped(int(strlen("events"))) + "presence:" + node.toUtf8();
}

void ClusterBus::notify(const QJsonObject &notice)
{
    if (m_channel.isEmpty())
        return; // not started
    const QByteArray payload = sealed(
        QJsonDocument(QJsonObject { { u"node"_s, m_options.nodeId }, { u"notice"_s, notice } })
            .toJson(QJsonDocument::Compact));
    m_publisher->command({ "PUBLISH", m_channel, payload }, [](const Result<QVariant> &) { });
    if (notice.value(u"t"_s).toString() == u"node")
        m_publisher->command({ "SET", presenceKey(m_options.nodeId), payload, "EX", "15" },
                             [](const Result<QVariant> &) { });
}

void ClusterBus::readPresenceKeys()
{
    // The snapshots of the nodes alive now (their keys expire 15 s after their last one).
    m_publisher->command({ "KEYS", presenceKey({}) + '*' }, [this](const Result<QVariant> &keys) {
        if (!keys || keys->toList().isEmpty())
            return;
        QByteArrayList argv { "MGET" };
        for (const QVariant &k : keys->toList())
            argv.append(k.toByteArray());
        m_publisher->command(argv, [this](const Result<QVariant> &values) {
            if (!values)
                return;
            for (const QVariant &v : values->toList())
                onMessage(m_channel, v.toByteArray());
        });
    });
}

QByteArray ClusterBus::sealed(const QByteArray &json) const
{
    return seal::sealed(m_key, json);
}

void ClusterBus::onMessage(const QByteArray &channel, const QByteArray &sealedPayload)
{
    if (channel != m_channel)
        return;
    const std::optional<QByteArray> payload = seal::opened(m_key, sealedPayload);
    if (!payload) {
        if (m_metrics)
            m_metrics->inc(u"confab_cluster_forged_total"_s);
        qCWarning(lcCluster) << "dropped a message on" << channel
                             << "without the cluster's tag (not from a node of this cluster)";
        return;
    }
    const QJsonObject o = QJsonDocument::fromJson(*payload).object();
    const QString node = o.value(u"node"_s).toString();
    if (node == m_options.nodeId)
        return; // delivered or acted on here already
    if (o.contains(u"notice"_s)) {
        QJsonObject notice = o.value(u"notice"_s).toObject();
        notice.insert(u"node"_s, node);
        emit notified(notice);
        return;
    }
    QList<RoomEvent> events;
    for (const QJsonValue &v : o.value(u"events"_s).toArray()) {
        auto e = RoomEvent::fromJson(v.toObject());
        if (!e || e->roomId <= 0 || e->seq <= 0) {
            qCWarning(lcCluster) << "dropped a message on" << channel << "that is not an event";
            return;
        }
        events.append(e.value());
    }
    if (m_metrics)
        m_metrics->inc(u"confab_cluster_events_total"_s, { u"redis"_s }, double(events.size()));
    offer(events);
}

void ClusterBus::offer(const QList<RoomEvent> &events)
{
    // Per room in seq order; the rooms in the order they first appear.
    QList<qint64> order;
    QHash<qint64, QList<RoomEvent>> byRoom;
    for (const RoomEvent &e : events) {
        if (!byRoom.contains(e.roomId))
            order.append(e.roomId);
        byRoom[e.roomId].append(e);
    }
    QList<RoomEvent> out;
    for (qint64 room : std::as_const(order)) {
        QList<RoomEvent> &list = byRoom[room];
        std::stable_sort(list.begin(), list.end(),
                         [](const RoomEvent &a, const RoomEvent &b) { return a.seq < b.seq; });
        // A room this node has not seen (made after it started): from its first event.
        qint64 delivered = m_delivered.value(room, 0);
        for (const RoomEvent &e : std::as_const(list)) {
            if (e.seq <= delivered) {
                if (m_metrics)
                    m_metrics->inc(u"confab_cluster_duplicates_total"_s);
                continue;
            }
            if (e.seq > delivered + 1) {
                if (!fill(room, delivered, e.seq - 1, &out))
                    break; // storage unreachable: the poll tries again, nothing skipped
                delivered = e.seq - 1;
            }
            out.append(e);
            delivered = e.seq;
        }
        m_delivered.insert(room, delivered);
    }
    if (!out.isEmpty())
        emit published(out);
}

bool ClusterBus::fill(qint64 roomId, qint64 afterSeq, qint64 toSeq, QList<RoomEvent> *out)
{
    qint64 after = afterSeq;
    while (after < toSeq) {
        auto got = roomstore::range(m_database->reader(), roomId, after, toSeq, 1000);
        if (!got || got->isEmpty() || got->first().seq != after + 1) {
            qCWarning(lcCluster) << "room" << roomId << ": cannot fill seq" << after + 1 << "to"
                                 << toSeq << "from storage now";
            return false;
        }
        if (m_metrics) {
            m_metrics->inc(u"confab_cluster_gap_fills_total"_s);
            m_metrics->inc(u"confab_cluster_events_total"_s, { u"storage"_s },
                           double(got->size()));
        }
        after = got->last().seq;
        if (m_shared) // the node that committed them left a hole in Redis: fill it
            m_shared->repair(got.value());
        out->append(got.value());
    }
    return true;
}

void ClusterBus::poll()
{
    QSqlQuery q(m_database->reader());
    QList<RoomEvent> out;
    q.prepare(u"SELECT id, last_seq FROM rooms"_s);
    // (A failure marks the reader suspect: the next poll reconnects it, after a restart of
    // PostgreSQL, say.)
    if (execPrepared(q)) {
        while (q.next()) {
            const qint64 room = q.value(0).toLongLong();
            const qint64 newest = q.value(1).toLongLong();
            const qint64 delivered = m_delivered.value(room, 0);
            if (newest > delivered && fill(room, delivered, newest, &out))
                m_delivered.insert(room, newest);
        }
    }
    if (!out.isEmpty())
        emit published(out);
    schedulePoll();
}

} // namespace confab::server
