// RealtimeConnection against the real server: resume, reconnect across a server restart,
// gap filling, and acks for the outbox, with the exact events every participant ends with.
#include "apiclient.h"
#include "outbox.h"
#include "realtimeconnection.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

RealtimeConnection::Options fast()
{
    RealtimeConnection::Options o;
    o.reconnect.initialInterval = 20ms;
    o.reconnect.maxInterval = 100ms;
    return o;
}

// Collects what a connection delivers.
struct Received
{
    QList<RoomEvent> events;
    explicit Received(RealtimeConnection &c)
    {
        QObject::connect(&c, &RealtimeConnection::eventReceived, &c,
                         [this](const RoomEvent &e) { events.append(e); });
    }
    QList<qint64> seqs(qint64 room) const
    {
        QList<qint64> out;
        for (const auto &e : events) {
            if (e.roomId == room)
                out.append(e.seq);
        }
        return out;
    }
};

QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> out;
    for (qint64 i = from; i <= to; ++i)
        out.append(i);
    return out;
}

void post(TestServer &s, qint64 room, const QString &token, const QString &cid)
{
    QCOMPARE(s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                    { { u"clientMsgId"_s, cid }, { u"body"_s, cid } }, token)
                 .status,
             201);
}

} // namespace

class tst_RealtimeConnection : public QObject
{
    Q_OBJECT

private slots:
    void receivesLiveEventsAfterResume();
    void catchesUpExactlyAfterBeingAway();
    void reconnectsAcrossAServerRestart();
    void aLiveGapIsFilledOverRestInOrder();
    void outboxSendsOverTheSocket();
};

void tst_RealtimeConnection::receivesLiveEventsAfterResume()
{
    TestServer s;
    const auto a = s.signUp(u"ann"_s);
    const auto b = s.signUp(u"ben"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token); // seq 3
    ApiClient api(s.url({}));
    api.setToken(a.token);
    RealtimeConnection conn(s.url({}), &api, fast());
    conn.setToken(a.token);
    Received got(conn);
    QSignalSpy resumed(&conn, &RealtimeConnection::resumed);
    conn.start();
    QVERIFY(resumed.wait(5000));
    QCOMPARE(conn.state(), RealtimeConnection::State::Online);
    QCOMPARE(conn.cursor(room), 3); // baseline from hello: history comes over REST on demand
    post(s, room, b.token, u"hi-ann"_s);
    QTRY_COMPARE(got.seqs(room), QList<qint64> { 4 });
    QCOMPARE(got.events.first().body(), u"hi-ann"_s);
}

void tst_RealtimeConnection::catchesUpExactlyAfterBeingAway()
{
    TestServer s;
    const auto a = s.signUp(u"cat"_s);
    const auto b = s.signUp(u"dog"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token);
    ApiClient api(s.url({}));
    api.setToken(a.token);
    RealtimeConnection conn(s.url({}), &api, fast());
    conn.setToken(a.token);
    Received got(conn);
    QSignalSpy resumed(&conn, &RealtimeConnection::resumed);
    conn.start();
    QVERIFY(resumed.wait(5000));
    post(s, room, b.token, u"before"_s); // 4
    QTRY_COMPARE(got.seqs(room), QList<qint64> { 4 });
    conn.stop(); // laptop lid closed
    for (int i = 0; i < 5; ++i)
        post(s, room, b.token, u"away%1"_s.arg(i)); // 5..9
    const qsizetype resumesBefore = resumed.size();
    conn.start();
    QTRY_VERIFY_WITH_TIMEOUT(resumed.size() > resumesBefore, 5000);
    post(s, room, b.token, u"after"_s); // 10
    QTRY_COMPARE(got.seqs(room), range(4, 10));
    QTest::qWait(100);
    QCOMPARE(got.seqs(room), range(4, 10)); // nothing twice
}

void tst_RealtimeConnection::reconnectsAcrossAServerRestart()
{
    QTemporaryDir dir;
    const quint16 port = freeLocalPort();
    const auto config = [&](server::ServerConfig &c) {
        c.dataDir = dir.path();
        c.port = port;
    };
    auto s = std::make_unique<TestServer>(config);
    const auto a = s->signUp(u"eve"_s);
    const auto b = s->signUp(u"fox"_s);
    const qint64 room = s->createRoom(a.token, u"r"_s);
    s->request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token);
    ApiClient api(s->url({}));
    api.setToken(a.token);
    RealtimeConnection conn(s->url({}), &api, fast());
    conn.setToken(a.token);
    Received got(conn);
    QSignalSpy resumed(&conn, &RealtimeConnection::resumed);
    conn.start();
    QVERIFY(resumed.wait(5000));
    post(*s, room, b.token, u"one"_s); // 4
    QTRY_COMPARE(got.seqs(room), QList<qint64> { 4 });

    const qsizetype resumesBefore = resumed.size();
    s.reset(); // the server goes away
    QTRY_COMPARE(conn.state(), RealtimeConnection::State::Connecting);
    QTest::qWait(300); // a few failed reconnects
    s = std::make_unique<TestServer>(config);
    QVERIFY(s->ok());
    post(*s, room, b.token, u"two"_s); // 5, possibly before the client is back
    // The client may resume while post() spins the event loop: count resumes, do not wait for one.
    QTRY_VERIFY_WITH_TIMEOUT(resumed.size() > resumesBefore, 5000);
    post(*s, room, b.token, u"three"_s); // 6
    QTRY_COMPARE(got.seqs(room), range(4, 6));
    QVERIFY(conn.reconnects() >= 1);
}

void tst_RealtimeConnection::aLiveGapIsFilledOverRestInOrder()
{
    TestServer s;
    const auto a = s.signUp(u"gus"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    for (int i = 0; i < 6; ++i)
        post(s, room, a.token, u"old%1"_s.arg(i)); // 3..8
    ApiClient api(s.url({}));
    api.setToken(a.token);
    RealtimeConnection conn(s.url({}), &api, fast());
    conn.setToken(a.token);
    Received got(conn);
    QSignalSpy resumed(&conn, &RealtimeConnection::resumed);
    conn.start();
    QVERIFY(resumed.wait(5000));
    // Pretend the client missed 5..8: the next live event (9) reveals the gap.
    conn.setCursor(room, 4);
    post(s, room, a.token, u"live"_s);
    QTRY_COMPARE(got.seqs(room), range(5, 9));
    QCOMPARE(got.events.last().body(), u"live"_s);
}

void tst_RealtimeConnection::outboxSendsOverTheSocket()
{
    TestServer s;
    const auto a = s.signUp(u"hal"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    ApiClient api(s.url({}));
    api.setToken(a.token);
    RealtimeConnection conn(s.url({}), &api, fast());
    conn.setToken(a.token);
    Received got(conn);
    QSignalSpy resumed(&conn, &RealtimeConnection::resumed);
    conn.start();
    QVERIFY(resumed.wait(5000));
    QTemporaryDir dir;
    Outbox box(dir.filePath(u"o.db"_s));
    QVERIFY(box.open().ok());
    OutboxPump pump(&box, [&](const Outbox::Item &item, std::function<void(Result<SendAck>)> done) {
        conn.send({ item.roomId, item.clientMsgId, item.body, ApiClient::newTraceparent() },
                  std::move(done));
    });
    for (int i = 0; i < 10; ++i)
        QVERIFY(box.enqueue(room, u"m%1"_s.arg(i)).ok());
    pump.pump();
    QTRY_VERIFY(box.all().isEmpty());
    QTRY_COMPARE(got.seqs(room), range(3, 12));
    QStringList bodies;
    for (const auto &e : got.events)
        bodies.append(e.body());
    QCOMPARE(bodies.first(), u"m0"_s);
    QCOMPARE(bodies.last(), u"m9"_s);
}

QTEST_GUILESS_MAIN(tst_RealtimeConnection)
#include "tst_realtimeconnection.moc"
