// End-to-end resilience through a fault-injecting proxy: whatever the network does, every
// participant ends with exactly the server's messages, in the server's order, none twice.
#include "apiclient.h"
#include "faultproxy.h"
#include "outbox.h"
#include "realtimeconnection.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QTest>
#include <QTimer>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// One user's client: REST, realtime and the outbox, wired as the app wires them.
struct Participant
{
    Participant(const QUrl &server, const QString &token, const QString &outboxPath)
        : api(server, apiOptions())
        , conn(server, &api, connOptions())
        , outbox(outboxPath)
    {
        api.setToken(token);
        conn.setToken(token);
        QVERIFY(outbox.open().ok());
        pump = std::make_unique<OutboxPump>(
            &outbox,
            [this](const Outbox::Item &item, std::function<void(Result<SendAck>)> done) {
                if (conn.state() == RealtimeConnection::State::Online)
                    conn.send(
                        { item.roomId, item.clientMsgId, item.body, ApiClient::newTraceparent() },
                        std::move(done));
                else
                    api.sendMessage(item.roomId, { item.clientMsgId, item.body }, std::move(done));
            },
            quick());
        QObject::connect(&conn, &RealtimeConnection::eventReceived, &conn,
                         [this](const RoomEvent &e) {
                             if (e.type == EventType::Message)
                                 received.append(e.body());
                         });
        QObject::connect(&conn, &RealtimeConnection::resumed, &conn, [this] { pump->pump(); });
        QObject::connect(&ticker, &QTimer::timeout, &ticker, [this] { pump->pump(); });
        ticker.start(200);
        conn.start();
    }
    void type(qint64 room, const QString &body)
    {
        QVERIFY(outbox.enqueue(room, body).ok());
        pump->pump();
    }
    static ApiClient::Options apiOptions()
    {
        ApiClient::Options o;
        o.transferTimeout = 1500ms;
        o.retry.maxElapsedTime = 2000ms;
        return o;
    }
    static RealtimeConnection::Options connOptions()
    {
        RealtimeConnection::Options o;
        o.reconnect.initialInterval = 50ms;
        o.reconnect.maxInterval = 1000ms;
        o.connectTimeout = 2000ms;
        return o;
    }
    static Backoff::Settings quick()
    {
        Backoff::Settings s;
        s.initialInterval = 50ms;
        s.maxInterval = 500ms;
        return s;
    }

    ApiClient api;
    RealtimeConnection conn;
    Outbox outbox;
    std::unique_ptr<OutboxPump> pump;
    QTimer ticker;
    QStringList received; // message bodies, in delivery order
};

struct Scenario
{
    TestServer server { [](server::ServerConfig &c) { c.heartbeatMs = 500; } };
    FaultProxy proxy { server.port() };
    TestServer::Account alice = server.signUp(u"alice"_s);
    TestServer::Account bob = server.signUp(u"bob"_s);
    qint64 room = 0;
    QTemporaryDir dir;
    std::unique_ptr<Participant> a; // behind the proxy
    std::unique_ptr<Participant> b; // direct
    Scenario(FaultProxy::Mode initial = FaultProxy::Mode::Pass)
    {
        room = server.createRoom(alice.token, u"general"_s);
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
        proxy.setMode(initial);
        a = std::make_unique<Participant>(QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(proxy.port())),
                                          alice.token, dir.filePath(u"alice.db"_s));
        b = std::make_unique<Participant>(server.url({}), bob.token, dir.filePath(u"bob.db"_s));
    }
};

} // namespace

class tst_Resilience : public QObject
{
    Q_OBJECT

private slots:
    void thirtySecondsOfDroppedTraffic();
    void everyConnectionResetMidBurst();
    void blockedUpgradesStillSendOverRest();
    void aStalledNetworkDeliversLateButExactlyOnce();
};

void tst_Resilience::thirtySecondsOfDroppedTraffic()
{
    Scenario s;
    QTRY_COMPARE(s.a->conn.state(), RealtimeConnection::State::Online);
    QTRY_COMPARE(s.b->conn.state(), RealtimeConnection::State::Online);
    s.a->type(s.room, u"a0"_s);
    QTRY_COMPARE(s.b->received, QStringList { u"a0"_s });

    s.proxy.setMode(FaultProxy::Mode::Drop);
    s.a->type(s.room, u"a1"_s);
    s.a->type(s.room, u"a2"_s);
    s.b->type(s.room, u"b1"_s);
    QTest::qWait(1000);
    s.b->type(s.room, u"b2"_s);
    // Alice notices: the heartbeat gives up on the silent connection.
    QTRY_COMPARE_WITH_TIMEOUT(s.a->conn.state(), RealtimeConnection::State::Connecting, 5000);
    QVERIFY(!s.a->outbox.all().isEmpty()); // nothing typed is lost: it waits on disk
    QTest::qWait(29000 - 1000);

    s.proxy.setMode(FaultProxy::Mode::Pass);
    QTRY_VERIFY_WITH_TIMEOUT(s.a->outbox.all().isEmpty(), 15000);
    const QStringList truth = s.server.messageBodies(s.room, s.alice.token);
    QCOMPARE(truth.size(), 5);
    QCOMPARE(truth.indexOf(u"a1"_s) + 1, truth.indexOf(u"a2"_s)); // typed order kept
    QTRY_COMPARE_WITH_TIMEOUT(s.a->received, truth, 10000);
    QTRY_COMPARE(s.b->received, truth);
}

void tst_Resilience::everyConnectionResetMidBurst()
{
    Scenario s;
    QTRY_COMPARE(s.a->conn.state(), RealtimeConnection::State::Online);
    for (int i = 0; i < 60; ++i)
        s.a->type(s.room, u"m%1"_s.arg(i));
    QTRY_VERIFY(s.a->outbox.all().size() < 45);
    s.proxy.resetAll();
    QTRY_VERIFY(s.a->outbox.all().size() < 25);
    s.proxy.resetAll();
    QTRY_VERIFY_WITH_TIMEOUT(s.a->outbox.all().isEmpty(), 20000);
    QStringList expected;
    for (int i = 0; i < 60; ++i)
        expected.append(u"m%1"_s.arg(i));
    QCOMPARE(s.server.messageBodies(s.room, s.alice.token), expected);
    QTRY_COMPARE_WITH_TIMEOUT(s.a->received, expected, 10000);
    QTRY_COMPARE(s.b->received, expected);
    QVERIFY(s.a->conn.reconnects() >= 2);
}

void tst_Resilience::blockedUpgradesStillSendOverRest()
{
    if (testTls())
        QSKIP("a proxy cannot see a WebSocket upgrade inside TLS, so it cannot refuse one; the"
              " plain run (tst_resilience) covers sending over REST then");
    Scenario s(FaultProxy::Mode::RefuseUpgrades);
    QTRY_COMPARE(s.b->conn.state(), RealtimeConnection::State::Online);
    QTest::qWait(500);
    QVERIFY(s.a->conn.state() != RealtimeConnection::State::Online); // the proxy says 403
    for (int i = 0; i < 5; ++i)
        s.a->type(s.room, u"r%1"_s.arg(i));
    QTRY_VERIFY_WITH_TIMEOUT(s.a->outbox.all().isEmpty(), 10000);
    const QStringList expected { u"r0"_s, u"r1"_s, u"r2"_s, u"r3"_s, u"r4"_s };
    QCOMPARE(s.server.messageBodies(s.room, s.alice.token), expected);
    QTRY_COMPARE(s.b->received, expected);
}

void tst_Resilience::aStalledNetworkDeliversLateButExactlyOnce()
{
    Scenario s;
    QTRY_COMPARE(s.a->conn.state(), RealtimeConnection::State::Online);
    s.proxy.setMode(FaultProxy::Mode::Stall); // bytes are held, not lost
    s.a->type(s.room, u"s1"_s);
    s.b->type(s.room, u"t1"_s);
    s.a->type(s.room, u"s2"_s);
    QTest::qWait(3000); // long enough for heartbeats to give up on the stalled connection
    s.proxy.setMode(FaultProxy::Mode::Pass); // the held bytes arrive late, all at once
    QTRY_VERIFY_WITH_TIMEOUT(s.a->outbox.all().isEmpty(), 15000);
    const QStringList truth = s.server.messageBodies(s.room, s.alice.token);
    QCOMPARE(truth.size(), 3);
    QCOMPARE(truth.count(u"s1"_s), 1); // a send stalled mid-flight and retried is stored once
    QVERIFY(truth.indexOf(u"s1"_s) < truth.indexOf(u"s2"_s)); // typed order kept
    QTRY_COMPARE_WITH_TIMEOUT(s.a->received, truth, 10000);
    QTRY_COMPARE(s.b->received, truth);
}

QTEST_GUILESS_MAIN(tst_Resilience)
#include "tst_resilience.moc"
