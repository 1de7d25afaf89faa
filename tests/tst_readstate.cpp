// Read state and mentions on the server (docs/protocol.md, "Read state", "Mentions"): counts
// computed by the server, a marker that only moves forward, every device of a user told at once,
// mentions resolved to members, and the markers surviving a restart. Real server, real sockets.
#include "testsupport.h"

#include <QJsonArray>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

// The caller's read state of `roomId` as GET rooms reports it.
std::optional<ReadState> roomsRead(TestServer &server, const QString &token, qint64 roomId)
{
    const HttpResult r = server.get(u"/api/v1/rooms"_s, token);
    for (const QJsonValue &v : r.json().value(u"rooms"_s).toArray()) {
        const auto room = Room::fromJson(v.toObject());
        if (room && room->id == roomId)
            return room->read;
    }
    return std::nullopt;
}

std::optional<ReadState> helloRead(const WsClient &ws, qint64 roomId)
{
    for (const ServerFrame &f : ws.frames) {
        if (const auto *hello = std::get_if<HelloFrame>(&f.payload)) {
            for (const ReadState &s : hello->read) {
                if (s.roomId == roomId)
                    return s;
            }
        }
    }
    return std::nullopt;
}

HttpResult markRead(TestServer &server, const QString &token, qint64 roomId, const QJsonValue &seq)
{
    return server.post(u"/api/v1/rooms/%1/read"_s.arg(roomId), { { u"seq"_s, seq } }, token);
}

struct Team
{
    Team()
        : alice(server.signUp(u"alice"_s))
        , bob(server.signUp(u"bob"_s))
        , carol(server.signUp(u"carol"_s))
        , room(server.createRoom(alice.token, u"general"_s))
    {
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    }
    TestServer server;
    TestServer::Account alice, bob, carol; // carol is not in the room
    qint64 room = 0;
};

} // namespace

class tst_ReadState : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { setTrustNewServers(true); }
    void unreadAndMentionsComeFromTheServer();
    void theMarkerOnlyMovesForwardAndRefusesNonsense();
    void sendingReadsTheRoom();
    void everyDeviceOfTheUserHearsItLive();
    void mentionsResolveToMembersAndRoomMeansEveryone();
    void markersSurviveARestart();
};

void tst_ReadState::unreadAndMentionsComeFromTheServer()
{
    Team t;
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room), (ReadState { t.room, 0, 0, 0 }));
    WsClient wb(t.server.port());
    QVERIFY(wb.login(t.bob.token));
    QVERIFY(wb.send(t.room, u"b1"_s, u"one"_s));
    QVERIFY(wb.send(t.room, u"b2"_s, u"two"_s));
    QVERIFY(wb.send(t.room, u"b3"_s, u"@alice three"_s));
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room), (ReadState { t.room, 0, 3, 1 }));
    // Bob's own messages are not unread for him: sending read the room.
    const auto bobs = roomsRead(t.server, t.bob.token, t.room);
    QVERIFY(bobs && bobs->unread == 0 && bobs->mentions == 0);
    // The same counts in hello, on connect.
    WsClient wa(t.server.port());
    QVERIFY(wa.login(t.alice.token));
    QCOMPARE(helloRead(wa, t.room), (ReadState { t.room, 0, 3, 1 }));
    // Rooms the user is not in carry no read state.
    const qint64 other = t.server.createRoom(t.carol.token, u"carols"_s);
    QVERIFY(!roomsRead(t.server, t.alice.token, other));
}

void tst_ReadState::theMarkerOnlyMovesForwardAndRefusesNonsense()
{
    Team t;
    WsClient wb(t.server.port());
    QVERIFY(wb.login(t.bob.token));
    std::optional<SendAck> last;
    for (int i = 0; i < 5; ++i)
        last = wb.send(t.room, u"b%1"_s.arg(i), i == 1 ? u"@alice look"_s : u"m%1"_s.arg(i));
    QVERIFY(last);
    // Read up to the second message: three left, the mention (the second) read.
    const qint64 second = last->seq - 3;
    HttpResult r = markRead(t.server, t.alice.token, t.room, second);
    QCOMPARE(r.status, 200);
    QCOMPARE(ReadState::fromJson(r.json()).value(), (ReadState { t.room, second, 3, 0 }));
    // An older marker is accepted and changes nothing.
    r = markRead(t.server, t.alice.token, t.room, 1);
    QCOMPARE(r.status, 200);
    QCOMPARE(ReadState::fromJson(r.json())->readSeq, second);
    // All read.
    r = markRead(t.server, t.alice.token, t.room, last->seq);
    QCOMPARE(ReadState::fromJson(r.json()).value(), (ReadState { t.room, last->seq, 0, 0 }));
    // Nonsense gets a clear error and changes nothing.
    QCOMPARE(markRead(t.server, t.alice.token, t.room, last->seq + 1).errorCode(),
             u"invalid_value"_s);
    QCOMPARE(markRead(t.server, t.alice.token, t.room, -1).status, 400);
    QCOMPARE(markRead(t.server, t.alice.token, t.room, u"7"_s).status, 400);
    QCOMPARE(markRead(t.server, t.carol.token, t.room, 1).errorCode(), u"not_member"_s);
    QCOMPARE(markRead(t.server, t.alice.token, 99999, 1).errorCode(), u"room_not_found"_s);
    QCOMPARE(markRead(t.server, {}, t.room, 1).status, 401);
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room)->readSeq, last->seq);
    // Over the WebSocket: the same rules, the answer is a `read` frame with the request id.
    WsClient wc(t.server.port());
    QVERIFY(wc.login(t.carol.token));
    wc.sendFrame({ u"r1"_s, ReadFrame { t.room, 1 } });
    const qsizetype at = wc.waitFor([](const ServerFrame &f) { return f.id == u"r1"_s; });
    QVERIFY(at >= 0);
    const auto *error = std::get_if<ErrorFrame>(&wc.frames[at].payload);
    QVERIFY(error && error->error.code == ErrorCode::NotMember);
}

void tst_ReadState::sendingReadsTheRoom()
{
    Team t;
    WsClient wb(t.server.port()), wa(t.server.port());
    QVERIFY(wb.login(t.bob.token));
    QVERIFY(wa.login(t.alice.token));
    QVERIFY(wb.send(t.room, u"b1"_s, u"@alice are you there?"_s));
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room)->unread, 1);
    const auto ack = wa.send(t.room, u"a1"_s, u"yes"_s);
    QVERIFY(ack);
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room), (ReadState { t.room, ack->seq, 0, 0 }));
    QCOMPARE(roomsRead(t.server, t.bob.token, t.room)->unread, 1);
}

void tst_ReadState::everyDeviceOfTheUserHearsItLive()
{
    Team t;
    WsClient wb(t.server.port());
    QVERIFY(wb.login(t.bob.token));
    const auto ack = wb.send(t.room, u"b1"_s, u"news"_s);
    QVERIFY(ack);
    WsClient laptop(t.server.port()), desktop(t.server.port());
    QVERIFY(laptop.login(t.alice.token));
    QVERIFY(desktop.login(t.alice.token));
    QCOMPARE(helloRead(desktop, t.room)->unread, 1);
    const qsizetype desktopBefore = desktop.frames.size();
    const qsizetype bobBefore = wb.frames.size();
    QElapsedTimer clock;
    clock.start();
    laptop.sendFrame({ u"r1"_s, ReadFrame { t.room, ack->seq } });
    // The laptop gets its answer...
    const qsizetype answer = laptop.waitFor([](const ServerFrame &f) { return f.id == u"r1"_s; });
    QVERIFY(answer >= 0);
    const auto *mine = std::get_if<ReadNotice>(&laptop.frames[answer].payload);
    QVERIFY(mine);
    QCOMPARE(mine->state, (ReadState { t.room, ack->seq, 0, 0 }));
    // ...the desktop hears it within a second...
    const qsizetype told = desktop.waitFor(
        [](const ServerFrame &f) { return std::holds_alternative<ReadNotice>(f.payload); }, 1000,
        desktopBefore);
    QVERIFY(told >= 0);
    QVERIFY(clock.elapsed() < 1000);
    QCOMPARE(std::get<ReadNotice>(desktop.frames[told].payload).state,
             (ReadState { t.room, ack->seq, 0, 0 }));
    // ...and nobody else does; the laptop is not told twice.
    QTest::qWait(100);
    for (qsizetype i = bobBefore; i < wb.frames.size(); ++i)
        QVERIFY(!std::holds_alternative<ReadNotice>(wb.frames[i].payload));
    int notices = 0;
    for (const ServerFrame &f : laptop.frames)
        notices += std::holds_alternative<ReadNotice>(f.payload);
    QCOMPARE(notices, 1);
    // A marker that does not move tells nobody.
    const qsizetype quiet = desktop.frames.size();
    laptop.sendFrame({ u"r2"_s, ReadFrame { t.room, 1 } });
    QVERIFY(laptop.waitFor([](const ServerFrame &f) { return f.id == u"r2"_s; }) >= 0);
    QTest::qWait(100);
    for (qsizetype i = quiet; i < desktop.frames.size(); ++i)
        QVERIFY(!std::holds_alternative<ReadNotice>(desktop.frames[i].payload));
    // Over REST too: both devices hear it.
    const auto more = wb.send(t.room, u"b2"_s, u"more news"_s);
    QVERIFY(more);
    const qsizetype l0 = laptop.frames.size(), d0 = desktop.frames.size();
    QCOMPARE(markRead(t.server, t.alice.token, t.room, more->seq).status, 200);
    const auto heard = [&](WsClient &ws, qsizetype from) {
        return ws.waitFor(
                   [&](const ServerFrame &f) {
                       const auto *n = std::get_if<ReadNotice>(&f.payload);
                       return n && n->state.readSeq == more->seq;
                   },
                   1000, from)
            >= 0;
    };
    QVERIFY(heard(laptop, l0));
    QVERIFY(heard(desktop, d0));
}

void tst_ReadState::mentionsResolveToMembersAndRoomMeansEveryone()
{
    Team t;
    WsClient wb(t.server.port());
    QVERIFY(wb.login(t.bob.token));
    // @carol is not in the room, @nobody does not exist, "@Alice." is alice, bob's own name and
    // a mail address are not mentions.
    QVERIFY(wb.send(t.room, u"b1"_s, u"@Alice. and @carol and @nobody, @bob, x@alice.example"_s));
    // As history pages (and replays, and live frames) carry it.
    const auto contentOf = [&](const QString &clientMsgId) {
        const HttpResult page
            = t.server.get(u"/api/v1/rooms/%1/events"_s.arg(t.room), t.bob.token);
        for (const QJsonValue &v : page.json().value(u"events"_s).toArray()) {
            const auto e = RoomEvent::fromJson(v.toObject());
            if (e && e->clientMsgId == clientMsgId)
                return e->content;
        }
        return QJsonObject {};
    };
    QCOMPARE(contentOf(u"b1"_s).value(u"mentions"_s).toArray(), QJsonArray { t.alice.id });
    QVERIFY(!contentOf(u"b1"_s).contains(u"mentionsRoom"_s));
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room)->mentions, 1);
    // @room: everyone in the room, counted once even when also named.
    QVERIFY(wb.send(t.room, u"b2"_s, u"@room @alice standup now"_s));
    QVERIFY(contentOf(u"b2"_s).value(u"mentionsRoom"_s).toBool());
    QCOMPARE(roomsRead(t.server, t.alice.token, t.room)->mentions, 2);
    QCOMPARE(roomsRead(t.server, t.bob.token, t.room)->mentions, 0); // his own @room
    // A user who joins later sees the room mention too (it names the room, not a list).
    t.server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(t.room), {}, t.carol.token);
    QCOMPARE(roomsRead(t.server, t.carol.token, t.room)->mentions, 1);
}

void tst_ReadState::markersSurviveARestart()
{
    QTemporaryDir data;
    const auto tweak = [&](server::ServerConfig &cfg) { cfg.dataDir = data.path(); };
    qint64 room = 0, seq = 0;
    TestServer::Account alice, bob;
    {
        TestServer server(tweak);
        alice = server.signUp(u"alice"_s);
        bob = server.signUp(u"bob"_s);
        room = server.createRoom(alice.token, u"general"_s);
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
        WsClient wb(server.port());
        QVERIFY(wb.login(bob.token));
        QVERIFY(wb.send(room, u"b1"_s, u"first"_s));
        const auto ack = wb.send(room, u"b2"_s, u"@alice second"_s);
        QVERIFY(ack && wb.send(room, u"b3"_s, u"third"_s));
        seq = ack->seq;
        QCOMPARE(markRead(server, alice.token, room, seq).status, 200);
    }
    TestServer again(tweak);
    QCOMPARE(roomsRead(again, alice.token, room), (ReadState { room, seq, 1, 0 }));
}

QTEST_MAIN(tst_ReadState)
#include "tst_readstate.moc"
