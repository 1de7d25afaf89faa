// ChatClient: the transport choice and the connection state a user sees.
#include "chatclient.h"
#include "clientoptions.h"
#include "faultproxy.h"
#include "localcache.h"
#include "realtimehub.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QSignalSpy>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using Mode = ConnectionState::Mode;

namespace {

struct Recorder
{
    QStringList bodies;
    QList<Mode> modes;
    explicit Recorder(ChatClient &c)
    {
        QObject::connect(&c, &ChatClient::eventReceived, &c, [this](const RoomEvent &e) {
            if (e.type == EventType::Message)
                bodies.append(e.body());
        });
        QObject::connect(&c, &ChatClient::connectionStateChanged, &c,
                         [this](const ConnectionState &s) {
                             if (modes.isEmpty() || modes.last() != s.mode)
                                 modes.append(s.mode);
                         });
    }
};

} // namespace

class tst_ChatClient : public QObject
{
    Q_OBJECT

private slots:
    void anOfflineIndexFromBeforeFileNamesIsBuiltAgain();
    void blockedUpgradesDegradeToSseAndRecover();
    void serverAwayShowsConnectingWithTheNextRetry();
    void aRestartedClientResumesFromItsCache();
    void readsMadeWhileTheServerIsAwayReachItAfterARestart();
    void reactionsMadeWhileTheServerIsAwayReachItOnceAfterARestart();
    void searchAsksTheServerAndFallsBackToTheCacheWhenItIsAway();
    void reconnectsResumeTheTlsSessionRestGot();
};

void tst_ChatClient::blockedUpgradesDegradeToSseAndRecover()
{
    if (testTls())
        QSKIP("a proxy cannot see a WebSocket upgrade inside TLS, so it cannot refuse one; the"
              " plain run (tst_chatclient) covers the fall-back to SSE");
    TestServer server([](server::ServerConfig &c) { c.heartbeatMs = 500; });
    FaultProxy proxy(server.port());
    proxy.setMode(FaultProxy::Mode::RefuseUpgrades);
    const auto alice = server.signUp(u"alice"_s);
    const auto bob = server.signUp(u"bob"_s);
    const qint64 room = server.createRoom(alice.token, u"general"_s);
    server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    QTemporaryDir dir;
    ChatClient a(QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(proxy.port())), alice.token,
                 dir.filePath(u"alice"_s), fastChatClientOptions());
    ChatClient b(server.url({}), bob.token, dir.filePath(u"bob"_s), fastChatClientOptions());
    Recorder ra(a), rb(b);
    QVERIFY(a.start().ok());
    QVERIFY(b.start().ok());
    QTRY_COMPARE(b.connectionState().mode, Mode::Online);
    QTRY_COMPARE_WITH_TIMEOUT(a.connectionState().mode, Mode::Degraded, 10000);

    QVERIFY(b.send(room, u"b1"_s).ok());
    QVERIFY(a.send(room, u"a1"_s).ok()); // over REST
    QVERIFY(b.send(room, u"b2"_s).ok());
    QTRY_COMPARE(server.messageBodies(room, alice.token).size(), 3);
    const QStringList three = server.messageBodies(room, alice.token);
    QTRY_COMPARE(ra.bodies, three); // received over SSE
    QTRY_COMPARE(rb.bodies, three);

    proxy.setMode(FaultProxy::Mode::Pass); // the proxy lets upgrades through again
    QTRY_COMPARE_WITH_TIMEOUT(a.connectionState().mode, Mode::Online, 10000);
    QVERIFY(b.send(room, u"b3"_s).ok());
    QVERIFY(a.send(room, u"a2"_s).ok()); // over the WebSocket now
    QTRY_COMPARE(server.messageBodies(room, alice.token).size(), 5);
    const QStringList truth = server.messageBodies(room, alice.token);
    QTRY_COMPARE(ra.bodies, truth);
    QTRY_COMPARE(rb.bodies, truth);
    QTest::qWait(300);
    QCOMPARE(ra.bodies, truth); // nothing twice across the switch
    QVERIFY(ra.modes.contains(Mode::Degraded));
    QCOMPARE(ra.modes.last(), Mode::Online);
}

void tst_ChatClient::serverAwayShowsConnectingWithTheNextRetry()
{
    const quint16 port = freeLocalPort();
    QTemporaryDir dir;
    ChatClient c(QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(port)), u"token"_s, dir.filePath(u"someone"_s),
                 fastChatClientOptions());
    QVERIFY(c.start().ok());
    QTRY_VERIFY(c.connectionState().reconnects >= 2);
    QCOMPARE(c.connectionState().mode, Mode::Connecting);
    // What the user typed meanwhile is safe in the outbox.
    QVERIFY(c.send(1, u"typed while away"_s).ok());
    QCOMPARE(c.outbox().all().size(), 1);
    c.stop();
    QCOMPARE(c.connectionState().mode, Mode::Offline);
}

void tst_ChatClient::aRestartedClientResumesFromItsCache()
{
    TestServer server;
    const auto alice = server.signUp(u"ann"_s);
    const auto bob = server.signUp(u"bea"_s);
    const qint64 room = server.createRoom(alice.token, u"general"_s);
    server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    QTemporaryDir dir;
    const auto say = [&](const QString &body) {
        QCOMPARE(server
                     .post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                           { { u"clientMsgId"_s, body }, { u"body"_s, body } }, bob.token)
                     .status,
                 201);
    };
    {
        ChatClient a(server.url({}), alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
        Recorder ra(a);
        QVERIFY(a.start().ok());
        QTRY_COMPARE(a.connectionState().mode, Mode::Online);
        say(u"b1"_s);
        QTRY_COMPARE(ra.bodies, QStringList { u"b1"_s });
    } // the app quits
    say(u"b2"_s);
    say(u"b3"_s);
    ChatClient a(server.url({}), alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
    Recorder ra(a);
    QVERIFY(a.start().ok());
    // Before any network: the last known history is there, marked stale.
    QVERIFY(a.cache().isStale());
    QCOMPARE(a.cache().history(room, 50)->last().body(), u"b1"_s);
    QTRY_COMPARE(ra.bodies, (QStringList { u"b2"_s, u"b3"_s })); // exactly what was missed
    QVERIFY(!a.cache().isStale());
    QStringList cached;
    const auto history = a.cache().history(room, 50);
    QVERIFY(history);
    for (const auto &e : *history) {
        if (e.type == EventType::Message)
            cached.append(e.body());
    }
    QCOMPARE(cached, (QStringList { u"b1"_s, u"b2"_s, u"b3"_s }));
    QVERIFY(a.cache().hits() >= 2);
}

void tst_ChatClient::readsMadeWhileTheServerIsAwayReachItAfterARestart()
{
    QTemporaryDir dir;
    RestartableServer server;
    const auto alice = server->signUp(u"ann"_s);
    const auto bob = server->signUp(u"bea"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    server->request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    const auto ack = server->post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                                  { { u"clientMsgId"_s, u"b1"_s }, { u"body"_s, u"news"_s } },
                                  bob.token);
    QCOMPARE(ack.status, 201);
    const qint64 seq = ack.json().value(u"seq"_s).toInteger();
    const QUrl url = server.url();
    server.down(); // away
    {
        ChatClient a(url, alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
        QVERIFY(a.start().ok());
        a.markRead(room, seq); // read from the cache, offline
    } // and the app quits before the server is back
    server.up();
    const auto readSeq = [&] {
        const HttpResult r = server->get(u"/api/v1/rooms"_s, alice.token);
        for (const QJsonValue &v : r.json().value(u"rooms"_s).toArray()) {
            if (v.toObject().value(u"id"_s).toInteger() == room)
                return v.toObject().value(u"readSeq"_s).toInteger();
        }
        return qint64(-1);
    };
    QCOMPARE(readSeq(), 0);
    ChatClient a(url, alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
    QSignalSpy told(&a, &ChatClient::readChanged);
    QVERIFY(a.start().ok());
    QTRY_COMPARE(readSeq(), seq);
    QTRY_VERIFY(!told.isEmpty());
    QCOMPARE(told.last()[0].value<ReadState>().readSeq, seq);
    QVERIFY(a.cache().unsentReads().isEmpty()); // acknowledged: nothing left to send
}

void tst_ChatClient::reactionsMadeWhileTheServerIsAwayReachItOnceAfterARestart()
{
    QTemporaryDir dir;
    RestartableServer server;
    const auto alice = server->signUp(u"ann"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    const auto ack = server->post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                                  { { u"clientMsgId"_s, u"a1"_s }, { u"body"_s, u"news"_s } },
                                  alice.token);
    const qint64 msg = ack.json().value(u"eventId"_s).toInteger();
    const QUrl url = server.url();
    server.down(); // away
    {
        ChatClient a(url, alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
        QVERIFY(a.start().ok());
        a.react(room, msg, u"👍"_s, true);
        a.react(room, msg, u"🎉"_s, true);
        a.react(room, msg, u"🎉"_s, false); // changed her mind: only the newest intent is kept
        QCOMPARE(a.unsentReactions().size(), 2);
    } // the app quits before the server is back
    server.up();
    const auto keys = [&] {
        QStringList out;
        const HttpResult page = server->get(u"/api/v1/rooms/%1/events"_s.arg(room), alice.token);
        for (const QJsonValue &v : page.json().value(u"events"_s).toArray()) {
            for (const QJsonValue &r : v[u"content"_s][u"reactions"_s].toArray())
                out << u"%1×%2"_s.arg(r[u"key"_s].toString()).arg(r[u"count"_s].toInt());
        }
        return out;
    };
    const auto lastSeq = [&] {
        return server->get(u"/api/v1/rooms/%1"_s.arg(room), alice.token).json()[u"lastSeq"_s].toInteger();
    };
    const qint64 before = lastSeq();
    ChatClient a(url, alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
    QVERIFY(a.start().ok());
    QTRY_COMPARE(keys(), QStringList { u"👍×1"_s });
    QTRY_VERIFY(a.cache().unsentReactions().isEmpty());
    QCOMPARE(lastSeq(), before + 1); // one reaction event; taking back 🎉 it never had: none
    // Sent again (as after a lost answer): the server changes nothing.
    a.react(room, msg, u"👍"_s, true);
    QTRY_VERIFY(a.unsentReactions().isEmpty());
    QCOMPARE(lastSeq(), before + 1);
    QCOMPARE(keys(), QStringList { u"👍×1"_s });
}

void tst_ChatClient::anOfflineIndexFromBeforeFileNamesIsBuiltAgain()
{
    // A cache written by a client from before file names were searched has a one-column index
    // (meta search_index = 1). Opened now, the index is built again, with the names.
    QTemporaryDir dir;
    const QString path = dir.filePath(u"cache.db"_s);
    RoomEvent shared { 7, 1, 1, EventType::Message, 1, 1000,
                       { { u"body"_s, u"see attached"_s },
                         { u"file"_s, QJsonObject { { u"fileId"_s, QString(32, u'a') },
                                                    { u"name"_s, u"floor-plan.pdf"_s },
                                                    { u"size"_s, 10 },
                                                    { u"mime"_s, u"application/pdf"_s },
                                                    { u"sha256"_s, QString(64, u'0') } } } },
                       u"c1"_s };
    {
        LocalCache old(path);
        QVERIFY(old.open().ok());
        old.putHistory(1, { shared });
        QCOMPARE(old.search(u"floor"_s, 0, 0, 20)->results.size(), 1);
    }
    {
        // What the old client left: its index without names.
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"old-cache"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (const QString &sql :
             { u"DROP TRIGGER event_search_message"_s, u"DROP TABLE event_search"_s,
               u"CREATE VIRTUAL TABLE event_search USING fts5(body)"_s,
               u"INSERT INTO event_search (rowid, body) VALUES (7, 'see attached')"_s,
               u"UPDATE meta SET value = '1' WHERE key = 'search_index'"_s })
            QVERIFY2(q.exec(sql), qPrintable(sql));
        q = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(u"old-cache"_s);
    LocalCache now(path);
    QVERIFY(now.open().ok());
    const auto found = now.search(u"floor"_s, 0, 0, 20);
    QVERIFY(found);
    QCOMPARE(found->results.size(), 1);
    QCOMPARE(found->results[0].event.body(), u"see attached"_s);
    QCOMPARE(now.search(u"attached"_s, 0, 0, 20)->results.size(), 1);
    // New messages are indexed with their names from here on.
    RoomEvent next = shared;
    next.id = 8;
    next.seq = 2;
    next.clientMsgId = u"c2"_s;
    next.content[u"file"_s] = QJsonObject { { u"fileId"_s, QString(32, u'c') }, { u"name"_s, u"seating.png"_s },
                                            { u"size"_s, 10 }, { u"mime"_s, u"image/png"_s },
                                            { u"sha256"_s, QString(64, u'1') } };
    now.applyEvent(next);
    QCOMPARE(now.search(u"seating"_s, 0, 0, 20)->results.size(), 1);
}

void tst_ChatClient::searchAsksTheServerAndFallsBackToTheCacheWhenItIsAway()
{
    QTemporaryDir dir;
    RestartableServer server;
    const auto alice = server->signUp(u"ann"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    ChatClient a(server.url(), alice.token, dir.filePath(u"ann"_s), fastChatClientOptions());
    QVERIFY(a.start().ok());
    QTRY_VERIFY(a.connectionState().mode == ConnectionState::Mode::Online);
    const auto say = [&](const QString &cid, const QString &body) {
        return server
            ->post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                   { { u"clientMsgId"_s, cid }, { u"body"_s, body } }, alice.token)
            .json()
            .value(u"eventId"_s)
            .toInteger();
    };
    const qint64 key = say(u"k"_s, u"the deploy key is in the vault"_s);
    const qint64 old = say(u"o"_s, u"the old wifi password is hunter2"_s);
    QCOMPARE(server->patch(u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(old),
                           { { u"body"_s, u"the wifi password is on the whiteboard"_s } },
                           alice.token)
                 .status,
             200);
    // A shared file is found by its name, online and offline; the hit's text is the caption.
    const QString sheet = dir.filePath(u"Quarterly-Budget.ods"_s);
    {
        QFile f(sheet);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(3000, 'x'));
    }
    QVERIFY(a.sendFile(room, sheet, u"for Monday"_s).ok());
    QTRY_VERIFY_WITH_TIMEOUT(a.outbox().all().isEmpty(), 10000);
    const qint64 gone = say(u"g"_s, u"a vault of secrets, deleted"_s);
    QCOMPARE(server->request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(gone), {},
                             alice.token)
                 .status,
             200);
    // What the client received is in its cache.
    QTRY_COMPARE(a.cache().cursors().value(room), server->get(u"/api/v1/rooms/%1"_s.arg(room),
                                                              alice.token)
                                                      .json()[u"lastSeq"_s]
                                                      .toInteger());
    const auto find = [&](const QString &q) -> Result<ChatClient::SearchAnswer> {
        std::optional<Result<ChatClient::SearchAnswer>> answer;
        a.search(q, 0, 0, 20, [&](Result<ChatClient::SearchAnswer> r) { answer = r; });
        if (!spinUntil([&] { return answer.has_value(); }, 10000))
            return makeError(ErrorCode::RequestTimeout, u"no answer"_s);
        return *answer;
    };
    auto online = find(u"vault"_s);
    QVERIFY(online);
    QVERIFY(!online->offline);
    QCOMPARE(online->results.results.size(), 1);
    QCOMPARE(online->results.results[0].event.id, key);
    QCOMPARE(find(u"quarterly"_s)->results.results.size(), 1);
    server.down(); // the server is away: the cache answers, by the same rules
    auto offline = find(u"vault"_s);
    QVERIFY(offline);
    QVERIFY(offline->offline);
    QCOMPARE(offline->results.results.size(), 1); // not the deleted one
    QCOMPARE(offline->results.results[0].event.id, key);
    QCOMPARE(offline->results.results[0].highlights.size(), 1);
    QCOMPARE(find(u"hunter2"_s)->results.results.size(), 0); // the edit replaced it
    QCOMPARE(find(u"whiteboard"_s)->results.results.size(), 1);
    QCOMPARE(find(u"whiteboard"_s)->results.results[0].event.body(),
             u"the wifi password is on the whiteboard"_s);
    const auto budget = find(u"budget"_s);
    QVERIFY(budget && budget->offline);
    QCOMPARE(budget->results.results.size(), 1);
    QCOMPARE(budget->results.results[0].event.body(), u"for Monday"_s);
    QCOMPARE(budget->results.results[0].snippet, u"Quarterly-Budget.ods"_s);
}

void tst_ChatClient::reconnectsResumeTheTlsSessionRestGot()
{
    // The WebSocket does not show Qt its session ticket; REST answers do. The client carries the
    // latest ticket to each new WebSocket (ServerTrust::prepare), so reconnect storms after a
    // Wi-Fi blip or a server restart resume instead of paying full handshakes.
    if (!testTls())
        QSKIP("TLS only (tst_chatclient_tls)");
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const qint64 room = server.createRoom(alice.token, u"general"_s);
    QTemporaryDir dir;
    ChatClient a(server.url({}), alice.token, dir.filePath(u"alice"_s), fastChatClientOptions());
    QVERIFY(a.start().ok());
    QTRY_COMPARE(a.connectionState().mode, Mode::Online);
    QVERIFY(a.send(room, u"hello"_s).ok());
    QTRY_COMPARE(server.messageBodies(room, alice.token).size(), 1);
    bool listed = false; // what the window does at start: a REST call
    a.api().rooms([&](Result<ApiClient::RoomList> r) { listed = r.ok(); });
    QTRY_VERIFY(listed);
    QTRY_VERIFY(!a.api().trust().sessionTicket().isEmpty()); // from that answer

    const auto count = [&](const QString &kind) {
        return server.server().metrics().counterValue(u"confab_tls_handshakes_total"_s, { kind });
    };
    for (int i = 0; i < 3; ++i) {
        const double full = count(u"full"_s);
        const double resumed = count(u"resumed"_s);
        server.server().hub().closeAll(); // "going away": the client reconnects
        QTRY_VERIFY(a.connectionState().mode != Mode::Online);
        QTRY_COMPARE_WITH_TIMEOUT(a.connectionState().mode, Mode::Online, 10000);
        QCOMPARE(count(u"full"_s), full); // no full handshake for the new WebSocket
        QVERIFY(count(u"resumed"_s) > resumed);
    }
}

QTEST_GUILESS_MAIN(tst_ChatClient)
#include "tst_chatclient.moc"
