// Several nodes on one PostgreSQL database (docs/scale.md): what the storage layer guarantees
// when nodes write concurrently — per-room seq gap-free and strictly increasing, one event per
// (sender, clientMsgId) whichever node a retry reaches, and a PostgreSQL restart that fails
// sends as `unavailable` (retried by the client), then recovers with nothing lost or doubled.
// A real PostgreSQL (tests/services.h), real servers, real HTTP.
#include "cluster/clusterpresence.h"
#include "cluster/redislink.h"
#include "services.h"
#include "testsupport.h"

#include "database.h"
#include "discovery.h"
#include "metrics.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QNetworkDatagram>
#include <QTest>
#include <QUdpSocket>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

// `count` sends to each node at once (a connection each), waited for together: node A's and
// node B's transactions interleave in PostgreSQL. Answers: clientMsgId → (status, seq).
struct Sent
{
    int status = 0;
    qint64 seq = 0;
    qint64 eventId = 0;
};
QHash<QString, Sent> sendFromBoth(const QList<TestServer *> &nodes, const QList<QString> &tokens,
                                  qint64 room, int count, const QString &tag)
{
    QNetworkAccessManager nam;
    QHash<QString, Sent> out;
    int pending = 0;
    for (int i = 0; i < count; ++i) {
        for (qsizetype n = 0; n < nodes.size(); ++n) {
            const QString cid = u"%1-n%2-%3"_s.arg(tag).arg(n).arg(i);
            QNetworkRequest req(nodes[n]->url(u"/api/v1/rooms/%1/messages"_s.arg(room)));
            req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
            req.setRawHeader("Authorization", "Bearer " + tokens[n].toUtf8());
            const QJsonObject body { { u"clientMsgId"_s, cid },
                                     { u"body"_s, u"message %1"_s.arg(cid) } };
            QNetworkReply *reply = nam.post(req, QJsonDocument(body).toJson());
            ++pending;
            QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply, cid] {
                Sent s;
                s.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
                s.seq = o.value(u"seq"_s).toInteger();
                s.eventId = o.value(u"eventId"_s).toInteger();
                out.insert(cid, s);
                --pending;
                reply->deleteLater();
            });
        }
    }
    spinUntil([&] { return pending == 0; }, 60000);
    return out;
}

// Every event of `room` as node `s` reads it, paged from seq 0.
QList<QJsonObject> history(TestServer &s, const QString &token, qint64 room)
{
    QList<QJsonObject> events;
    qint64 after = 0;
    for (;;) {
        const auto page = s.get(u"/api/v1/rooms/%1/events?after=%2&limit=200"_s.arg(room).arg(after),
                                token);
        if (page.status != 200)
            return {};
        const QJsonArray got = page.json()[u"events"_s].toArray();
        if (got.isEmpty())
            return events;
        for (const QJsonValue &e : got)
            events.append(e.toObject());
        after = events.last()[u"seq"_s].toInteger();
    }
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void twoNodesWritingOneRoomKeepItsSeqGapFree();
    void aRetryThatReachesTheOtherNodeIsStoredOnce();
    void aPostgresRestartFailsSendsAsUnavailableThenRecovers();
    void liveEventsReachTheOtherNodeOnceAndInOrder();
    void withRedisDownDeliveryGoesOnByPollingThenRecovers();
    void typingPresenceReadStateAndRevocationCrossNodes();
    void aSilentNodesUsersGoOfflineWithinOneTtl();
    void aNodeReadsOthersRecentEventsFromRedisExactly();
    void aFailingJobIsUndoneAloneInItsBatch();
    void aFileUploadedOnOneNodeIsServedByAnother();
    void messagesQueuedTogetherGoInOneStatementAndKeepTheirRules();

private:
    std::unique_ptr<TestServer> node(const QString &url, const RedisServer *redis = nullptr);
    // Two nodes on one room, alice on A and bob on B, each with a WebSocket in the room.
    struct Pair
    {
        std::unique_ptr<TestServer> a, b;
        TestServer::Account alice, bob;
        qint64 room = 0;
        std::unique_ptr<WsClient> wsA, wsB;
    };
    std::optional<Pair> pair(const RedisServer &redis, const QString &prefix);
    PostgresServer m_pg;
    int m_databases = 0;
};

void TestCluster::initTestCase()
{
    QString error;
    QVERIFY2(m_pg.start(&error), qPrintable(error));
}

std::unique_ptr<TestServer> TestCluster::node(const QString &url, const RedisServer *redis)
{
    return std::make_unique<TestServer>([&](server::ServerConfig &c) {
        c.database = url;
        if (redis) {
            c.redisHost = u"127.0.0.1"_s;
            c.redisPort = redis->port();
        }
    });
}

std::optional<TestCluster::Pair> TestCluster::pair(const RedisServer &redis, const QString &prefix)
{
    Pair p;
    p.a = node(m_pg.url(), &redis);
    p.b = node(m_pg.url(), &redis);
    if (!p.a->ok() || !p.b->ok())
        return std::nullopt;
    p.alice = p.a->signUp(prefix + u"-alice"_s);
    p.bob = p.b->signUp(prefix + u"-bob"_s);
    p.room = p.a->createRoom(p.alice.token, prefix + u"-room"_s);
    if (!p.room || p.b->post(u"/api/v1/rooms/%1/join"_s.arg(p.room), {}, p.bob.token).status != 200)
        return std::nullopt;
    p.wsA = std::make_unique<WsClient>(p.a->port());
    p.wsB = std::make_unique<WsClient>(p.b->port());
    if (!p.wsA->enter(p.alice.token, p.room) || !p.wsB->enter(p.bob.token, p.room))
        return std::nullopt;
    return p;
}

namespace {

// The messages `ws` received, as clientMsgIds in arrival order, with their seqs.
QList<QPair<QString, qint64>> received(const WsClient &ws)
{
    QList<QPair<QString, qint64>> out;
    for (const RoomEvent &e : ws.events())
        if (e.type == EventType::Message)
            out.append({ e.clientMsgId, e.seq });
    return out;
}

// Every seq of `ws`'s events from `from` on is the one before plus one: no gap, no repeat.
bool inOrderOnce(const WsClient &ws, qint64 from)
{
    qint64 expected = from;
    for (const RoomEvent &e : ws.events()) {
        if (e.seq < from)
            continue;
        if (e.seq != expected)
            return false;
        ++expected;
    }
    return true;
}

// A sample of the node's /metrics (0 when absent).
double metric(TestServer &s, const QByteArray &sample)
{
    for (const QByteArray &line : s.get(u"/metrics"_s).body.split('\n'))
        if (line.startsWith(QByteArray(sample + ' ')))
            return line.mid(sample.size() + 1).toDouble();
    return 0;
}

} // namespace

void TestCluster::liveEventsReachTheOtherNodeOnceAndInOrder()
{
    RedisServer redis;
    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    auto p = pair(redis, u"live"_s);
    QVERIFY(p);
    // From A to B and from B to A, interleaved: each side sees both, in seq order, once.
    for (int i = 0; i < 50; ++i) {
        QVERIFY(p->wsA->send(p->room, u"a%1"_s.arg(i), u"from A %1"_s.arg(i)));
        QVERIFY(p->wsB->send(p->room, u"b%1"_s.arg(i), u"from B %1"_s.arg(i)));
    }
    for (WsClient *ws : { p->wsA.get(), p->wsB.get() }) {
        QVERIFY(spinUntil([&] { return received(*ws).size() >= 100; }, 10000));
        QVERIFY(spinUntil([&] { return received(*ws).size() > 100; }, 300) == false);
        QVERIFY(inOrderOnce(*ws, 4));
        const auto got = received(*ws);
        QCOMPARE(got.first().first, u"a0"_s);
        QCOMPARE(got.last().first, u"b49"_s);
    }
    // Discovery: each node announces the cluster's id (the shared epoch), so that clients list
    // the two as one server.
    for (TestServer *s : { p->a.get(), p->b.get() }) {
        QUdpSocket udp;
        QVERIFY(udp.bind(QHostAddress::LocalHost, 0));
        udp.writeDatagram(discovery::encodeQuery(), QHostAddress::LocalHost,
                          s->server().discoveryPort());
        QVERIFY(spinUntil([&] { return udp.hasPendingDatagrams(); }, 3000));
        const auto a = discovery::parseAnnouncement(udp.receiveDatagram().data());
        QVERIFY(a);
        QCOMPARE(a->cluster, s->server().database().epoch());
    }
    QCOMPARE(p->a->server().database().epoch(), p->b->server().database().epoch());
    // Through Redis, not the poll's safety net: each node got the other's 50 as messages.
    for (TestServer *s : { p->a.get(), p->b.get() })
        QVERIFY(metric(*s, "confab_cluster_events_total{source=\"redis\"}") >= 50);

    // Whoever can publish on Redis cannot make a node deliver: a message without the cluster's
    // tag (here the next seq of the room, "from" a node) is dropped and counted.
    server::RedisLink::Options to;
    to.port = redis.port();
    server::RedisLink forger(to);
    forger.start();
    QVERIFY(spinUntil([&] { return forger.isConnected(); }, 5000));
    RoomEvent fake;
    fake.id = 999999;
    fake.roomId = p->room;
    fake.seq = p->wsB->events().last().seq + 1;
    fake.senderId = p->alice.id;
    fake.ts = 1;
    fake.content = { { u"body"_s, u"forged"_s } };
    const QByteArray json = QJsonDocument(QJsonObject {
                                              { u"node"_s, u"intruder"_s },
                                              { u"events"_s, QJsonArray { fake.toJson() } } })
                                .toJson(QJsonDocument::Compact);
    const QByteArray channel = "confab:" + p->a->server().database().epoch().toUtf8() + ":events";
    for (const QByteArray &payload : QByteArrayList { json, QByteArray(QByteArray(32, 'x') + json) }) {
        bool published = false;
        forger.command({ "PUBLISH", channel, payload }, [&](const Result<QVariant> &r) {
            published = r.ok();
        });
        QVERIFY(spinUntil([&] { return published; }, 3000));
    }
    QVERIFY(spinUntil([&] { return metric(*p->b, "confab_cluster_forged_total") >= 2; }, 3000));
    QVERIFY(spinUntil([&] { return received(*p->wsB).size() > 100; }, 500) == false);
    QCOMPARE(received(*p->wsB).last().first, u"b49"_s);
}

void TestCluster::withRedisDownDeliveryGoesOnByPollingThenRecovers()
{
    RedisServer redis;
    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    auto p = pair(redis, u"outage"_s);
    QVERIFY(p);
    QVERIFY(p->wsA->send(p->room, u"before"_s, u"before"_s));
    QVERIFY(spinUntil([&] { return received(*p->wsB).size() == 1; }, 5000));

    redis.kill(); // a crash: nothing is published, nothing is received
    for (int i = 0; i < 20; ++i)
        QVERIFY(p->wsA->send(p->room, u"down%1"_s.arg(i), u"while Redis is down"_s));
    // B polls PostgreSQL: everything arrives, later but in order and once.
    const double fromStorage = metric(*p->b, "confab_cluster_events_total{source=\"storage\"}");
    QVERIFY(spinUntil([&] { return received(*p->wsB).size() >= 21; }, 5000));
    QVERIFY(metric(*p->b, "confab_cluster_events_total{source=\"storage\"}") >= fromStorage + 20);
    QVERIFY(p->b->get(u"/metrics"_s).body.contains("confab_redis_up 0"));

    QVERIFY2(redis.start(&error), qPrintable(error)); // empty: pub/sub kept nothing
    QVERIFY(spinUntil([&] { return p->b->get(u"/metrics"_s).body.contains("confab_redis_up 1"); },
                      10000));
    for (int i = 0; i < 20; ++i)
        QVERIFY(p->wsB->send(p->room, u"back%1"_s.arg(i), u"Redis is back"_s));
    for (WsClient *ws : { p->wsA.get(), p->wsB.get() }) {
        QVERIFY(spinUntil([&] { return received(*ws).size() >= 41; }, 10000));
        QVERIFY(spinUntil([&] { return received(*ws).size() > 41; }, 300) == false);
        QVERIFY(inOrderOnce(*ws, 4));
    }
}

void TestCluster::twoNodesWritingOneRoomKeepItsSeqGapFree()
{
    auto a = node(m_pg.url());
    auto b = node(m_pg.url());
    QVERIFY(a->ok() && b->ok());
    QCOMPARE(a->server().database().epoch(), b->server().database().epoch()); // one history
    // Accounts made on A log in on B: one user table.
    const auto alice = a->signUp(u"alice"_s);
    const auto bob = b->signUp(u"bob"_s);
    QVERIFY(alice.id && bob.id);
    const qint64 room = a->createRoom(alice.token, u"busy"_s);
    QVERIFY(room);
    QCOMPARE(b->post(u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token).status, 200);
    // A member of A's room writes through B.
    constexpr int PerNode = 150;
    const auto sent = sendFromBoth({ a.get(), b.get() }, { alice.token, bob.token }, room, PerNode,
                                   u"gapfree"_s);
    QCOMPARE(sent.size(), 2 * PerNode);
    QSet<qint64> seqs;
    for (auto it = sent.cbegin(); it != sent.cend(); ++it) {
        QVERIFY2(it->status == 201, qPrintable(it.key() + u" "_s + QString::number(it->status)));
        QVERIFY(!seqs.contains(it->seq)); // no seq given twice
        seqs.insert(it->seq);
    }
    // Both nodes read the same log: 1..N, no gap, every acknowledged message once.
    for (TestServer *s : { a.get(), b.get() }) {
        const auto events = history(*s, alice.token, room);
        QCOMPARE(events.size(), 3 + 2 * PerNode); // create, two joins, the messages
        QHash<QString, int> seen;
        for (int i = 0; i < events.size(); ++i) {
            QCOMPARE(events[i][u"seq"_s].toInteger(), i + 1);
            const QString cid = events[i][u"clientMsgId"_s].toString();
            if (!cid.isEmpty()) {
                ++seen[cid];
                QCOMPARE(sent.value(cid).seq, events[i][u"seq"_s].toInteger());
            }
        }
        QCOMPARE(seen.size(), 2 * PerNode);
        for (int n : std::as_const(seen))
            QCOMPARE(n, 1);
    }
}

void TestCluster::aRetryThatReachesTheOtherNodeIsStoredOnce()
{
    auto a = node(m_pg.url());
    auto b = node(m_pg.url());
    QVERIFY(a->ok() && b->ok());
    const auto carol = a->signUp(u"carol"_s);
    const qint64 room = a->createRoom(carol.token, u"retries"_s);
    QVERIFY(room);
    const QJsonObject send { { u"clientMsgId"_s, u"once-only"_s }, { u"body"_s, u"hello"_s } };
    const auto first = a->post(u"/api/v1/rooms/%1/messages"_s.arg(room), send, carol.token);
    QCOMPARE(first.status, 201);
    // The client lost the answer, failed over, sent again: the same event, not a second.
    const auto again = b->post(u"/api/v1/rooms/%1/messages"_s.arg(room), send, carol.token);
    QCOMPARE(again.status, 200); // a duplicate, answered with the first's ack
    QCOMPARE(again.json()[u"eventId"_s], first.json()[u"eventId"_s]);
    QCOMPARE(again.json()[u"seq"_s], first.json()[u"seq"_s]);
    QCOMPARE(history(*b, carol.token, room).size(), 3);
}

void TestCluster::aPostgresRestartFailsSendsAsUnavailableThenRecovers()
{
    auto a = node(m_pg.url());
    QVERIFY(a->ok());
    const auto dave = a->signUp(u"dave"_s);
    const qint64 room = a->createRoom(dave.token, u"outage"_s);
    QVERIFY(room);
    const auto say = [&](const QString &cid) {
        return a->post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                       { { u"clientMsgId"_s, cid }, { u"body"_s, cid } }, dave.token);
    };
    QCOMPARE(say(u"before"_s).status, 201);

    QString error;
    QVERIFY2(m_pg.stop(&error), qPrintable(error));
    const auto during = say(u"during"_s);
    QCOMPARE(during.status, 503); // retryable: the outbox keeps it and tries again
    QCOMPARE(during.errorCode(), u"unavailable"_s);

    QVERIFY2(m_pg.start(&error), qPrintable(error));
    // The client's retry of the same message, and a new one: each stored once, in order.
    HttpResult retried;
    QVERIFY(spinUntil(
        [&] {
            retried = say(u"during"_s);
            return retried.status == 201;
        },
        10000));
    QCOMPARE(say(u"after"_s).status, 201);
    const auto events = history(*a, dave.token, room);
    QStringList cids;
    for (const QJsonObject &e : events)
        if (!e[u"clientMsgId"_s].toString().isEmpty())
            cids << e[u"clientMsgId"_s].toString();
    QCOMPARE(cids, (QStringList { u"before"_s, u"during"_s, u"after"_s }));
    for (int i = 0; i < events.size(); ++i)
        QCOMPARE(events[i][u"seq"_s].toInteger(), i + 1);
    // Reads recover too: the room list comes from PostgreSQL again.
    QCOMPARE(a->get(u"/api/v1/rooms"_s, dave.token).status, 200);
}

void TestCluster::typingPresenceReadStateAndRevocationCrossNodes()
{
    RedisServer redis;
    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    auto p = pair(redis, u"notices"_s);
    QVERIFY(p);
    const auto waitOn = [](WsClient &ws, const std::function<bool(const ServerFrame &)> &pred) {
        return ws.waitFor(pred, 5000, 0) >= 0;
    };

    // Typing on A is seen on B.
    p->wsA->sendFrame({ {}, TypingFrame { p->room, true } });
    QVERIFY(waitOn(*p->wsB, [&](const ServerFrame &f) {
        const auto *t = std::get_if<TypingNotice>(&f.payload);
        return t && t->userId == p->alice.id && t->roomId == p->room && t->active;
    }));

    // Presence: alice leaves A, bob on B sees her go offline; she comes back on A, online.
    p->wsA->close();
    QVERIFY(waitOn(*p->wsB, [&](const ServerFrame &f) {
        const auto *n = std::get_if<PresenceNotice>(&f.payload);
        return n && n->userId == p->alice.id && n->status == PresenceStatus::Offline;
    }));
    p->wsB->frames.clear();
    WsClient again(p->a->port());
    QVERIFY(again.enter(p->alice.token, p->room));
    QVERIFY(waitOn(*p->wsB, [&](const ServerFrame &f) {
        const auto *n = std::get_if<PresenceNotice>(&f.payload);
        return n && n->userId == p->alice.id && n->status == PresenceStatus::Online;
    }));
    // ... and REST on B says so too.
    const auto members = p->b->get(u"/api/v1/rooms/%1/members"_s.arg(p->room), p->bob.token);
    QVERIFY(members.body.contains("\"online\""));

    // Read state: bob reads on B; his other device, on A, hears of it.
    const auto bobOnA = p->a->post(u"/api/v1/auth/login"_s,
                                   { { u"username"_s, u"notices-bob"_s },
                                     { u"password"_s, u"password123"_s } });
    QCOMPARE(bobOnA.status, 200);
    const QString secondToken = bobOnA.json()[u"token"_s].toString();
    WsClient bobsPhone(p->a->port());
    QVERIFY(bobsPhone.enter(secondToken, p->room));
    const auto sent = again.send(p->room, u"to-read"_s, u"read me, bob"_s); // alice, on A
    QVERIFY(sent);
    QCOMPARE(p->b->post(u"/api/v1/rooms/%1/read"_s.arg(p->room), { { u"seq"_s, sent->seq } },
                        p->bob.token)
                 .status,
             200);
    QVERIFY(waitOn(bobsPhone, [&](const ServerFrame &f) {
        const auto *r = std::get_if<ReadNotice>(&f.payload);
        return r && r->state.roomId == p->room && r->state.readSeq == sent->seq;
    }));

    // Revocation: bob logs the phone out from B; its socket on A closes within a second.
    const auto sessions = p->b->get(u"/api/v1/auth/sessions"_s, p->bob.token);
    qint64 phone = 0;
    for (const QJsonValue &v : sessions.json()[u"sessions"_s].toArray())
        if (!v[u"current"_s].toBool())
            phone = v[u"id"_s].toInteger();
    QVERIFY(phone);
    QVERIFY(p->b->request("DELETE", u"/api/v1/auth/sessions/%1"_s.arg(phone), {}, p->bob.token)
                .status
            < 300);
    QVERIFY(spinUntil([&] { return bobsPhone.isClosed(); }, 1000));
    QCOMPARE(bobsPhone.closeCode(), 4401);
}

void TestCluster::aSilentNodesUsersGoOfflineWithinOneTtl()
{
    server::ClusterPresence presence(15000);
    using server::ClusterPresence;
    // Node n1 has users 7 (online) and 8 (away); n2 has 8 online.
    QList<qint64> first = presence.apply(
        u"n1"_s,
        ClusterPresence::snapshot({ { 7, PresenceStatus::Online }, { 8, PresenceStatus::Away } }),
        1000);
    std::sort(first.begin(), first.end());
    QCOMPARE(first, (QList<qint64> { 7, 8 }));
    presence.apply(u"n2"_s, ClusterPresence::change(8, PresenceStatus::Online), 2000);
    QCOMPARE(presence.statusOf(7), PresenceStatus::Online);
    QCOMPARE(presence.statusOf(8), PresenceStatus::Online); // the best of both nodes
    // n2 goes on reporting, n1 falls silent (crashed): at 16 s past its last word it is gone.
    presence.apply(u"n2"_s, ClusterPresence::snapshot({ { 8, PresenceStatus::Online } }), 14000);
    QVERIFY(presence.expire(15000).isEmpty());
    QList<qint64> gone = presence.expire(16001);
    std::sort(gone.begin(), gone.end());
    QCOMPARE(gone, (QList<qint64> { 7, 8 }));
    QCOMPARE(presence.statusOf(7), PresenceStatus::Offline);
    QCOMPARE(presence.statusOf(8), PresenceStatus::Online); // n2 still has 8
    // A snapshot replaces what the node said before: a lost "offline" is repaired by it.
    QCOMPARE(presence.apply(u"n2"_s, ClusterPresence::snapshot({}), 17000),
             QList<qint64> { 8 });
    QCOMPARE(presence.statusOf(8), PresenceStatus::Offline);
    // Hostile notices change nothing.
    QVERIFY(presence.apply(u"n3"_s, { { u"t"_s, u"presence"_s }, { u"user"_s, -1 } }, 18000)
                .isEmpty());
    QVERIFY(presence.apply({}, ClusterPresence::change(9, PresenceStatus::Online), 18000).isEmpty());
    QCOMPARE(presence.statusOf(9), PresenceStatus::Offline);
}

QTEST_MAIN(TestCluster)
#include "tst_cluster.moc"

void TestCluster::aNodeReadsOthersRecentEventsFromRedisExactly()
{
    RedisServer redis;
    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    auto p = pair(redis, u"shared"_s);
    QVERIFY(p);
    // On A: messages, an edit, a reply to one that is then deleted.
    const QString messages = u"/api/v1/rooms/%1/messages"_s.arg(p->room);
    QList<qint64> ids;
    for (int i = 0; i < 20; ++i) {
        const auto sent = p->a->post(messages, { { u"clientMsgId"_s, u"s%1"_s.arg(i) },
                                                 { u"body"_s, u"shared secret %1"_s.arg(i) } },
                                     p->alice.token);
        QCOMPARE(sent.status, 201);
        ids.append(sent.json()[u"eventId"_s].toInteger());
    }
    const QString target = messages + u"/%1"_s.arg(ids[5]);
    QCOMPARE(p->a->patch(messages + u"/%1"_s.arg(ids[3]), { { u"body"_s, u"edited"_s } },
                         p->alice.token)
                 .status,
             200);
    QCOMPARE(p->a->post(messages, { { u"clientMsgId"_s, u"re"_s }, { u"body"_s, u"re: 5"_s },
                                    { u"replyTo"_s, ids[5] } },
                        p->alice.token)
                 .status,
             201);
    QCOMPARE(p->a->request("DELETE", target, {}, p->alice.token).status, 200);
    QVERIFY(spinUntil([&] { return received(*p->wsB).size() == 21; }, 5000));

    // The truth: a node without Redis, whose cache has never seen the room, reads storage.
    auto truth = node(m_pg.url());
    QVERIFY(truth->ok());
    const auto stored = history(*truth, p->bob.token, p->room);
    QCOMPARE(stored.size(), 3 + 20 + 1 + 1 + 1); // create, two joins; messages, edit, reply, delete
    const QString newest = u"/api/v1/rooms/%1/events?limit=10"_s.arg(p->room);
    const auto storedPage = truth->get(newest, p->bob.token).json();
    for (const QJsonObject &e : stored) // the delete reached the reply's preview too
        QVERIFY(!QJsonDocument(e).toJson().contains("shared secret 5"));

    // C started now: its own cache has none of it, Redis has all of it. What Redis answers
    // becomes C's own: asked again, C answers from memory.
    auto c = node(m_pg.url(), &redis);
    QVERIFY(c->ok());
    const QByteArray rangeHits = "confab_shared_cache_hits_total{kind=\"range\"}";
    const QByteArray pageHits = "confab_shared_cache_hits_total{kind=\"page\"}";
    QCOMPARE(c->get(newest, p->bob.token).json(), storedPage);
    QCOMPARE(metric(*c, pageHits), 1.0);
    QCOMPARE(history(*c, p->bob.token, p->room), stored);
    QCOMPARE(metric(*c, rangeHits), 1.0);
    const double ownHits = metric(*c, "confab_cache_hits_total{kind=\"range\"}");
    QCOMPARE(history(*c, p->bob.token, p->room), stored);
    QCOMPARE(c->get(newest, p->bob.token).json(), storedPage);
    QVERIFY(metric(*c, "confab_cache_hits_total{kind=\"range\"}") > ownHits);
    QCOMPARE(metric(*c, rangeHits) + metric(*c, pageHits), 2.0);
    // And it goes on with what it is sent: a message through A reaches C's run too.
    QCOMPARE(p->a->post(messages, { { u"clientMsgId"_s, u"later"_s }, { u"body"_s, u"later"_s } },
                        p->alice.token)
                 .status,
             201);
    QVERIFY(spinUntil(
        [&] { return metric(*c, "confab_cluster_events_total{source=\"redis\"}") == 1; }, 5000));
    QCOMPARE(history(*c, p->bob.token, p->room), history(*truth, p->bob.token, p->room));
    QCOMPARE(history(*c, p->bob.token, p->room).size(), stored.size() + 1);
    QCOMPARE(metric(*c, rangeHits) + metric(*c, pageHits), 2.0);

    // Whoever writes to Redis cannot change what a node serves: the deleted message put back
    // as it was (here, its JSON without the cluster's tag) is not believed; storage answers.
    server::RedisLink::Options to;
    to.port = redis.port();
    server::RedisLink forger(to);
    forger.start();
    QVERIFY(spinUntil([&] { return forger.isConnected(); }, 5000));
    const auto redis_ = [&](const QByteArrayList &argv) {
        std::optional<Result<QVariant>> got;
        forger.command(argv, [&](const Result<QVariant> &r) { got = r; });
        spinUntil([&] { return got.has_value(); }, 3000);
        return got.value_or(makeError(ErrorCode::Internal, {}));
    };
    const QByteArray key = "confab:" + c->server().database().epoch().toUtf8() + ":recent:"
        + QByteArray::number(p->room);
    const qint64 seq5 = stored[3 + 5][u"seq"_s].toInteger();
    const auto real = redis_({ "ZRANGEBYSCORE", key, QByteArray::number(seq5),
                               QByteArray::number(seq5) });
    QVERIFY(real && real->toList().size() == 1);
    const QByteArray member = real->toList().first().toByteArray();
    QVERIFY(member.contains("shared secret 5")); // kept as committed; readers apply the delete
    QVERIFY(redis_({ "ZREM", key, member }));
    QVERIFY(redis_({ "ZADD", key, QByteArray::number(seq5), member.mid(32) }));
    auto e = node(m_pg.url(), &redis); // a node that has not read the room yet
    QVERIFY(e->ok());
    QCOMPARE(history(*e, p->bob.token, p->room), history(*truth, p->bob.token, p->room));
    QCOMPARE(metric(*e, "confab_cluster_forged_total"), 1.0);
    QCOMPARE(metric(*e, rangeHits), 0.0);
    // E removed the forged member and put what storage said in its place: the next node that
    // has not read the room is answered from Redis again.
    const auto freshNode = [&] {
        auto n = node(m_pg.url(), &redis);
        return n->ok() ? std::move(n) : nullptr;
    };
    auto f = freshNode();
    QVERIFY(f);
    QVERIFY(spinUntil([&] { return redis_({ "ZCOUNT", key, QByteArray::number(seq5),
                                             QByteArray::number(seq5) })->toLongLong() == 1
                                   && !redis_({ "ZRANGEBYSCORE", key, QByteArray::number(seq5),
                                                QByteArray::number(seq5) })
                                           ->toList()
                                           .first()
                                           .toByteArray()
                                           .contains("shared secret 5"); },
                      3000)); // (storage's copy: already redacted)
    QCOMPARE(history(*f, p->bob.token, p->room), history(*truth, p->bob.token, p->room));
    QCOMPARE(metric(*f, rangeHits), 1.0);
    // A hole (a node that committed while its breaker was open left one): a miss, then filled.
    const qint64 seq7 = stored[3 + 7][u"seq"_s].toInteger();
    QVERIFY(redis_({ "ZREMRANGEBYSCORE", key, QByteArray::number(seq7), QByteArray::number(seq7) }));
    auto g = freshNode();
    QVERIFY(g);
    QCOMPARE(history(*g, p->bob.token, p->room), history(*truth, p->bob.token, p->room));
    QCOMPARE(metric(*g, rangeHits), 0.0);
    auto h = freshNode();
    QVERIFY(h);
    QVERIFY(spinUntil([&] { return redis_({ "ZCOUNT", key, QByteArray::number(seq7),
                                             QByteArray::number(seq7) })->toLongLong() == 1; },
                      3000));
    QCOMPARE(history(*h, p->bob.token, p->room), history(*truth, p->bob.token, p->room));
    QCOMPARE(metric(*h, rangeHits), 1.0);

    // Redis gone: the same answers, from storage, without waiting on it.
    redis.kill();
    QVERIFY(spinUntil([&] { return e->get(u"/metrics"_s).body.contains("confab_redis_up 0"); },
                      5000));
    const auto page = e->get(newest, p->bob.token).json();
    QCOMPARE(page[u"events"_s].toArray().size(), 10);
    QCOMPARE(page[u"events"_s].toArray().last(), history(*truth, p->bob.token, p->room).last());
    QCOMPARE(metric(*e, pageHits), 0.0);
}

void TestCluster::aFailingJobIsUndoneAloneInItsBatch()
{
    // PostgreSQL's writer runs a batch without savepoints first, and runs it again with one per
    // job when a job fails: the failed job's own write must not survive, the others' must.
    QTemporaryDir dir;
    server::Metrics metrics;
    server::Database db(&metrics);
    QVERIFY(db.open(dir.path(), m_pg.url()).ok());
    const auto insertUser = [](const QString &name) {
        return [name](QSqlDatabase &d) -> Result<QVariant> {
            QSqlQuery q(d);
            q.prepare(u"INSERT INTO users (username, password_hash, created_at) VALUES (?, 'x', 1)"_s);
            if (auto r = server::execPrepared(q, { name }); !r)
                return r.error();
            return QVariant(true);
        };
    };
    const auto halfThenFail = [](QSqlDatabase &d) -> Result<QVariant> {
        QSqlQuery q(d);
        q.exec(u"INSERT INTO users (username, password_hash, created_at) VALUES ('batch-ghost','x',1)"_s);
        return makeError(ErrorCode::Conflict, u"changed my mind"_s);
    };
    QList<bool> outcomes;
    const auto record = [&](const Result<QVariant> &r) { outcomes.append(r.ok()); };
    // A job that fails by its own decision, then one that fails in SQL (a unique violation
    // aborts PostgreSQL's transaction), each among good ones.
    for (const auto &failing : { server::Database::Job(halfThenFail),
                                  server::Database::Job(insertUser(u"batch-a0"_s)) }) {
        const QString tag = outcomes.isEmpty() ? u"a"_s : u"b"_s;
        for (int i = 0; i < 20; ++i)
            db.write(insertUser(u"batch-%1%2"_s.arg(tag).arg(i)), this, record);
        db.write(failing, this, record);
        for (int i = 20; i < 40; ++i)
            db.write(insertUser(u"batch-%1%2"_s.arg(tag).arg(i)), this, record);
        db.flush();
    }
    QCOMPARE(outcomes.size(), 82);
    QCOMPARE(outcomes.count(false), 2);
    QVERIFY(!outcomes[20] && !outcomes[61]);
    QVERIFY(metrics.counterValue(u"confab_storage_commits_total"_s) < 82); // batched
    QSqlQuery q(db.reader());
    QVERIFY(q.exec(u"SELECT COUNT(*), COUNT(*) FILTER (WHERE username = 'batch-ghost')"
                   u" FROM users WHERE username LIKE 'batch-%'"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 80);
    QCOMPARE(q.value(1).toInt(), 0);
}

void TestCluster::aFileUploadedOnOneNodeIsServedByAnother()
{
    // Nodes sharing one files directory (docs/deploy.md: DATA_DIR/files on a shared file
    // system, here a symlink): what one stores, the other serves.
    RedisServer redis;
    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    QTemporaryDir shared;
    const auto sharing = [&](server::ServerConfig &c) {
        c.database = m_pg.url();
        c.redisHost = u"127.0.0.1"_s;
        c.redisPort = redis.port();
        QVERIFY(QFile::link(shared.path(), c.dataDir + u"/files"_s));
    };
    TestServer a(sharing), b(sharing);
    QVERIFY(a.ok() && b.ok());
    const auto alice = a.signUp(u"files-alice"_s);
    const auto bob = b.signUp(u"files-bob"_s);
    const qint64 room = a.createRoom(alice.token, u"files-room"_s);
    QVERIFY(room);
    QCOMPARE(b.post(u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token).status, 200);
    QByteArray bytes(300000, Qt::Uninitialized);
    for (qsizetype i = 0; i < bytes.size(); ++i)
        bytes[i] = char((i * 7919) % 251);
    const auto declare = [&](TestServer &s, const QString &token, const QString &name) {
        return s.post(u"/api/v1/uploads"_s,
                      { { u"roomId"_s, room }, { u"name"_s, name }, { u"size"_s, bytes.size() },
                        { u"sha256"_s, QString::fromLatin1(QCryptographicHash::hash(
                                           bytes, QCryptographicHash::Sha256).toHex()) } },
                      token)
            .json()[u"uploadId"_s]
            .toString();
    };
    const QList<QPair<QByteArray, QByteArray>> patchHeaders {
        { "Upload-Offset", "0" }, { "Content-Type", "application/offset+octet-stream" }
    };
    const QString upload = declare(a, alice.token, u"plan.bin"_s);
    QVERIFY(!upload.isEmpty());
    const auto stored = a.request("PATCH", u"/api/v1/uploads/"_s + upload, bytes, alice.token,
                                  patchHeaders);
    QCOMPARE(stored.status, 201);
    const QString fileId = stored.json()[u"file"_s].toObject()[u"fileId"_s].toString();
    QCOMPARE(a.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                    { { u"clientMsgId"_s, u"with-file"_s }, { u"body"_s, u"the plan"_s },
                      { u"fileId"_s, fileId } },
                    alice.token)
                 .status,
             201);
    const auto got = b.get(u"/api/v1/files/"_s + fileId, bob.token);
    QCOMPARE(got.status, 200);
    QVERIFY(got.body == bytes);

    // Making and removing blobs takes one lock across the nodes (a node's collect() must not
    // remove a blob another node's upload has just found): while it is held elsewhere, B's
    // upload does not end; when it is released, it does, and the same bytes stay one blob.
    {
        QSqlDatabase locker = m_pg.connect(u"files-locker"_s);
        QVERIFY(locker.isOpen());
        QSqlQuery q(locker);
        QVERIFY(q.exec(u"BEGIN"_s));
        QVERIFY(q.exec(u"SELECT pg_advisory_xact_lock(7080702)"_s));
        const QString again = declare(b, bob.token, u"copy.bin"_s);
        QVERIFY(!again.isEmpty());
        QNetworkAccessManager nam;
        QNetworkRequest req(b.url(u"/api/v1/uploads/"_s + again));
        req.setRawHeader("Authorization", "Bearer " + bob.token.toUtf8());
        for (const auto &[name, value] : patchHeaders)
            req.setRawHeader(name, value);
        QNetworkReply *reply = nam.sendCustomRequest(req, "PATCH", bytes);
        QVERIFY(spinUntil([&] { return reply->isFinished(); }, 1000) == false);
        QVERIFY(q.exec(u"COMMIT"_s));
        QVERIFY(spinUntil([&] { return reply->isFinished(); }, 10000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
        delete reply;
        q = QSqlQuery();
        locker.close();
    }
    QSqlDatabase::removeDatabase(u"files-locker"_s);
    int blobs = 0;
    QDirIterator it(shared.path() + u"/blobs"_s, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++blobs;
    }
    QCOMPARE(blobs, 1);
}

void TestCluster::messagesQueuedTogetherGoInOneStatementAndKeepTheirRules()
{
    // On PostgreSQL the plain messages of a batch go into one statement per room: what each
    // send promises must hold in there too. Sent all at once, over and over: new ones stored
    // once at gap-free seqs, a retry (of one stored before, or of one beside it) answered with
    // the first's ack, a non-member refused, a reply (not plain) among them in the same order.
    auto a = node(m_pg.url());
    QVERIFY(a->ok());
    const auto alice = a->signUp(u"merge-alice"_s);
    const auto bob = a->signUp(u"merge-bob"_s);
    const auto carol = a->signUp(u"merge-carol"_s);
    const qint64 room = a->createRoom(alice.token, u"merge-one"_s);
    const qint64 other = a->createRoom(alice.token, u"merge-two"_s);
    QVERIFY(room && other);
    QCOMPARE(a->post(u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token).status, 200);
    const auto message = [](const QString &cid, const QString &body) {
        return QJsonDocument(QJsonObject { { u"clientMsgId"_s, cid }, { u"body"_s, body } })
            .toJson(QJsonDocument::Compact);
    };
    const auto to = [](qint64 r) { return u"/api/v1/rooms/%1/messages"_s.arg(r); };
    const auto first = a->post(to(room), { { u"clientMsgId"_s, u"m-first"_s }, { u"body"_s, u"first"_s } },
                               alice.token);
    QCOMPARE(first.status, 201);
    QHash<QString, QPair<qint64, qint64>> stored; // clientMsgId → (eventId, seq)
    for (int round = 0; round < 5; ++round) {
        const QString r = QString::number(round);
        QList<TestServer::Request> batch;
        for (int i = 0; i < 12; ++i)
            batch.append({ "POST", to(room), message(u"m%1-a%2"_s.arg(r).arg(i), u"a"_s),
                           i % 3 ? alice.token : bob.token });
        batch.append({ "POST", to(room), message(u"m-first"_s, u"first"_s), alice.token });
        batch.append({ "POST", to(room), message(u"m%1-a0"_s.arg(r), u"a"_s), bob.token });
        batch.append({ "POST", to(room), message(u"m%1-c"_s.arg(r), u"c"_s), carol.token });
        batch.append({ "POST", to(other), message(u"m%1-o"_s.arg(r), u"o"_s), alice.token });
        batch.append({ "POST", to(room),
                       QJsonDocument(QJsonObject { { u"clientMsgId"_s, u"m%1-re"_s.arg(r) },
                                                   { u"body"_s, u"re"_s },
                                                   { u"replyTo"_s, first.json()[u"eventId"_s] } })
                           .toJson(QJsonDocument::Compact),
                       bob.token });
        batch.append({ "POST", to(room), message(u"m%1-a0"_s.arg(r), u"a"_s), bob.token });
        const QList<HttpResult> got = a->requestAll(batch);
        for (qsizetype i = 0; i < batch.size(); ++i) {
            const QJsonObject o = QJsonDocument::fromJson(batch[i].body).object();
            const QString cid = o[u"clientMsgId"_s].toString();
            if (cid.endsWith(u"-c"_s)) {
                QCOMPARE(got[i].errorCode(), u"not_member"_s);
                continue;
            }
            QVERIFY2(got[i].status == 201 || got[i].status == 200,
                     qPrintable(cid + u" "_s + QString::fromUtf8(got[i].body)));
            const auto ack = qMakePair(got[i].json()[u"eventId"_s].toInteger(),
                                       got[i].json()[u"seq"_s].toInteger());
            // (m*-a0 is bob's, sent three times in the round; a clientMsgId is per sender)
            const QString key = cid + (batch[i].token == bob.token ? u"@bob"_s : u"@alice"_s);
            if (stored.contains(key))
                QCOMPARE(ack, stored.value(key)); // a retry: the first's ack
            else
                stored.insert(key, ack);
        }
    }
    QCOMPARE(stored.value(u"m-first@alice"_s).second, first.json()[u"seq"_s].toInteger());
    const auto events = history(*a, alice.token, room);
    QSet<QString> seen;
    for (int i = 0; i < events.size(); ++i) {
        QCOMPARE(events[i][u"seq"_s].toInteger(), i + 1); // gap-free
        const QString cid = events[i][u"clientMsgId"_s].toString();
        if (cid.isEmpty())
            continue;
        const QString key = cid + (events[i][u"senderId"_s].toInteger() == bob.id ? u"@bob"_s
                                                                                   : u"@alice"_s);
        QVERIFY2(!seen.contains(key), qPrintable(key)); // stored once
        seen.insert(key);
        QCOMPARE(stored.value(key).first, events[i][u"id"_s].toInteger());
    }
    QCOMPARE(seen.size(), 1 + 5 * (12 + 1)); // first; per round 12 and the reply
    QCOMPARE(history(*a, alice.token, other).size(), 2 + 5); // created, joined; one per round
    QVERIFY(metric(*a, "confab_storage_merged_total") > 0);
    // Refusals and retries are answered inside the merged batch; nothing made one run again.
    QCOMPARE(metric(*a, "confab_storage_retried_batches_total"), 0.0);
}
