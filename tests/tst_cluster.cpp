// Several nodes on one PostgreSQL database (docs/scale.md): what the storage layer guarantees
// when nodes write concurrently — per-room seq gap-free and strictly increasing, one event per
// (sender, clientMsgId) whichever node a retry reaches, and a PostgreSQL restart that fails
// sends as `unavailable` (retried by the client), then recovers with nothing lost or doubled.
// A real PostgreSQL (tests/services.h), real servers, real HTTP.
#include "services.h"
#include "testsupport.h"

#include "database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTest>

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

private:
    std::unique_ptr<TestServer> node(const QString &url);
    PostgresServer m_pg;
    int m_databases = 0;
};

void TestCluster::initTestCase()
{
    QString error;
    QVERIFY2(m_pg.start(&error), qPrintable(error));
}

std::unique_ptr<TestServer> TestCluster::node(const QString &url)
{
    auto s = std::make_unique<TestServer>([&](server::ServerConfig &c) { c.database = url; });
    return s;
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

QTEST_MAIN(TestCluster)
#include "tst_cluster.moc"
