// The realtime hub through real QWebSockets: live delivery, acks, resume without gaps or
// duplicates, typing, presence, and hostile frames.
#include "realtimehub.h"
#include "testsupport.h"

#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

QList<qint64> seqsIn(const QList<RoomEvent> &events, qint64 roomId)
{
    QList<qint64> out;
    for (const auto &e : events) {
        if (e.roomId == roomId)
            out.append(e.seq);
    }
    return out;
}

QStringList bodiesIn(const QList<RoomEvent> &events, qint64 roomId)
{
    QStringList out;
    for (const auto &e : events) {
        if (e.roomId == roomId && e.type == EventType::Message)
            out.append(e.body());
    }
    return out;
}

template<typename T> bool is(const ServerFrame &f)
{
    return std::holds_alternative<T>(f.payload);
}

} // namespace

class tst_Realtime : public QObject
{
    Q_OBJECT

private slots:
    void twoUsersSeeEachOthersMessagesLiveAndInOrder();
    void ackComesAfterCommitAndResendIsIdempotent();
    void bearerHeaderAuthenticatesTheUpgrade();
    void liveEventsWaitForResume();
    void resumeReplaysExactlyTheGap();
    void resumeWhileOthersKeepSendingHasNoGapOrDuplicate();
    void resumeFarBehindOrOtherEpochSaysReset();
    void resumeOfARoomYouLeftIsForbidden();
    void nonMembersReceiveNothing();
    void aSecondDeviceMidConversationGetsWhatFollows();
    void joinersSeeTheirJoinLeaversTheirLeaveAndNothingAfter();
    void typingReachesOthersAndExpires();
    void presenceFollowsConnections();
    void badFramesGetErrorFramesAndChangeNothing();
    void unauthenticatedSocketIsClosedAfterTimeout();
    void oversizedFrameClosesWith1009();
    void logoutClosesThatSessionsSockets();
    void pingIsAnsweredWithPong();
};

void tst_Realtime::twoUsersSeeEachOthersMessagesLiveAndInOrder()
{
    TestServer s;
    const auto [a, b, room] = s.aliceAndBobInARoom();
    QVERIFY(room);
    WsClient wa(s.port()), wb(s.port());
    QVERIFY(wa.enter(a.token, room));
    QVERIFY(wb.enter(b.token, room));
    for (int i = 0; i < 20; ++i) {
        WsClient &from = i % 2 ? wb : wa;
        // Fire without waiting: order on the wire is the order of commit.
        from.sendFrame(
            { u"s%1"_s.arg(i), SendFrame { room, u"c%1"_s.arg(i), u"m%1"_s.arg(i), {}, 0 } });
    }
    QTRY_COMPARE(bodiesIn(wa.events(), room).size(), 20);
    QTRY_COMPARE(bodiesIn(wb.events(), room).size(), 20);
    QCOMPARE(wa.events(), wb.events()); // both see the same events in the same order
    const QList<qint64> seqs = seqsIn(wa.events(), room);
    for (qsizetype i = 1; i < seqs.size(); ++i)
        QCOMPARE(seqs[i], seqs[i - 1] + 1); // gap-free
    // Per sender, the order of sending is kept.
    QStringList fromA;
    for (const QString &body : bodiesIn(wa.events(), room)) {
        if (body.mid(1).toInt() % 2 == 0)
            fromA.append(body);
    }
    QCOMPARE(fromA.first(), u"m0"_s);
    QCOMPARE(fromA.last(), u"m18"_s);
    // Monitoring counts each live delivery once: 20 messages to 2 members.
    QCOMPARE(s.server().metrics().counterValue(u"confab_deliveries_total"_s), 40.0);
    QCOMPARE(s.server().metrics().histogramCount(u"confab_delivery_latency_seconds"_s), 40u);
}

void tst_Realtime::ackComesAfterCommitAndResendIsIdempotent()
{
    TestServer s;
    const auto a = s.signUp(u"carol"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
    const auto ack = w.send(room, u"cid-1"_s, u"hello"_s);
    QVERIFY(ack);
    QVERIFY(!ack->duplicate);
    // Acked means committed: REST on another connection sees it.
    QVERIFY(s.get(u"/api/v1/rooms/%1/events?after=2"_s.arg(room), a.token).body.contains("hello"));
    const auto again = w.send(room, u"cid-1"_s, u"hello"_s);
    QVERIFY(again);
    QVERIFY(again->duplicate);
    QCOMPARE(again->eventId, ack->eventId);
    QCOMPARE(s.get(u"/api/v1/rooms/%1"_s.arg(room), a.token).json()[u"lastSeq"_s].toInteger(), 3);
    Error err;
    QVERIFY(!w.send(424242, u"cid-2"_s, u"nowhere"_s, &err));
    QCOMPARE(err.code, ErrorCode::RoomNotFound);
    // A deleted room takes nothing more, though its members are still on record.
    QCOMPARE(s.request("DELETE", u"/api/v1/rooms/%1"_s.arg(room), {}, a.token).status, 204);
    QVERIFY(!w.send(room, u"cid-3"_s, u"too late"_s, &err));
    QCOMPARE(err.code, ErrorCode::RoomNotFound);
}

void tst_Realtime::bearerHeaderAuthenticatesTheUpgrade()
{
    TestServer s;
    const auto a = s.signUp(u"dan"_s);
    WsClient w(s.port(), a.token);
    QVERIFY(w.waitConnected());
    const auto i = w.waitFor(is<HelloFrame>);
    QVERIFY(i >= 0);
    QCOMPARE(std::get<HelloFrame>(w.frames[i].payload).user.username, u"dan"_s);
    QVERIFY(!std::get<HelloFrame>(w.frames[i].payload).epoch.isEmpty());
}

void tst_Realtime::liveEventsWaitForResume()
{
    TestServer s;
    const auto a = s.signUp(u"erin"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
    QCOMPARE(s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                    { { u"clientMsgId"_s, u"x"_s }, { u"body"_s, u"early"_s } }, a.token)
                 .status,
             201);
    QTest::qWait(100);
    QVERIFY(w.events().isEmpty()); // held back until resume
    const auto resumed = w.resume({ { room, 2 } });
    QVERIFY(resumed);
    QTRY_COMPARE(bodiesIn(w.events(), room), QStringList { u"early"_s });
    QCOMPARE(seqsIn(w.events(), room), QList<qint64> { 3 }); // once, not replayed and then live
}

void tst_Realtime::resumeReplaysExactlyTheGap()
{
    TestServer s;
    const auto a = s.signUp(u"fay"_s);
    const auto b = s.signUp(u"gil"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token); // seq 3
    {
        WsClient wb(s.port());
        QVERIFY(wb.login(b.token));
        QVERIFY(wb.resume({ { room, 3 } }));
    } // b disconnects
    WsClient wa(s.port());
    QVERIFY(wa.login(a.token));
    QVERIFY(wa.resume({ { room, 3 } }));
    for (int i = 0; i < 5; ++i)
        QVERIFY(wa.send(room, u"g%1"_s.arg(i), u"missed %1"_s.arg(i)));
    // b comes back holding seq 3: exactly 4..8 arrive, in order, before `resumed`.
    WsClient wb(s.port());
    QVERIFY(wb.login(b.token));
    const auto resumed = wb.resume({ { room, 3 } });
    QVERIFY(resumed);
    QCOMPARE(resumed->rooms.size(), 1);
    QCOMPARE(resumed->rooms[0].status, ResumeStatus::Replayed);
    QCOMPARE(resumed->rooms[0].fromSeq, 4);
    QCOMPARE(resumed->rooms[0].toSeq, 8);
    QCOMPARE(seqsIn(wb.events(), room), (QList<qint64> { 4, 5, 6, 7, 8 }));
    // And then live ones.
    QVERIFY(wa.send(room, u"g5"_s, u"live"_s));
    QTRY_COMPARE(seqsIn(wb.events(), room), (QList<qint64> { 4, 5, 6, 7, 8, 9 }));
    // Nothing missed: resume again from 9 replays nothing.
    const auto nothing = wb.resume({ { room, 9 } });
    QCOMPARE(nothing->rooms[0].fromSeq, 0);
}

void tst_Realtime::resumeWhileOthersKeepSendingHasNoGapOrDuplicate()
{
    TestServer s;
    const auto a = s.signUp(u"hal"_s);
    const auto b = s.signUp(u"ida"_s);
    const qint64 room = s.createRoom(a.token, u"busy"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token); // seq 3
    WsClient wa(s.port());
    QVERIFY(wa.login(a.token));
    QVERIFY(wa.resume({ { room, 3 } }));
    for (int i = 0; i < 30; ++i)
        wa.sendFrame({ {}, SendFrame { room, u"pre%1"_s.arg(i), u"pre"_s, {}, 0 } });
    // b connects and resumes while a's burst is still being committed and more follows.
    WsClient wb(s.port());
    QVERIFY(wb.login(b.token));
    wb.sendFrame({ u"r"_s, ResumeFrame { {}, { { room, 3 } } } });
    for (int i = 0; i < 30; ++i)
        wa.sendFrame({ {}, SendFrame { room, u"post%1"_s.arg(i), u"post"_s, {}, 0 } });
    QList<qint64> expected;
    for (qint64 seq = 4; seq <= 63; ++seq)
        expected.append(seq);
    QTRY_COMPARE_WITH_TIMEOUT(seqsIn(wb.events(), room), expected, 10000);
    QTest::qWait(100);
    QCOMPARE(seqsIn(wb.events(), room), expected); // and nothing more
}

void tst_Realtime::resumeFarBehindOrOtherEpochSaysReset()
{
    TestServer s;
    const auto a = s.signUp(u"jay"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
    auto r = w.resume({ { room, 0 } }, u"someotherepoch"_s);
    QVERIFY(r);
    QCOMPARE(r->rooms[0].status, ResumeStatus::Reset);
    QVERIFY(w.events().isEmpty());
    r = w.resume({ { room, 99 } }); // ahead of the server: its history is not ours
    QCOMPARE(r->rooms[0].status, ResumeStatus::Reset);
}

void tst_Realtime::resumeOfARoomYouLeftIsForbidden()
{
    TestServer s;
    const auto a = s.signUp(u"kim"_s);
    const auto b = s.signUp(u"lou"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    const qint64 priv = s.createRoom(a.token, u"p"_s, u"private"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token);
    s.request("POST", u"/api/v1/rooms/%1/leave"_s.arg(room), {}, b.token);
    WsClient w(s.port());
    QVERIFY(w.login(b.token));
    const auto r = w.resume({ { room, 1 }, { priv, 0 }, { 777, 0 } });
    QVERIFY(r);
    QCOMPARE(r->rooms.size(), 3);
    for (const auto &res : r->rooms)
        QCOMPARE(res.status, ResumeStatus::Forbidden);
    QVERIFY(w.events().isEmpty());
}

void tst_Realtime::nonMembersReceiveNothing()
{
    TestServer s;
    const auto a = s.signUp(u"max"_s);
    const auto outsider = s.signUp(u"nia"_s);
    const qint64 priv = s.createRoom(a.token, u"secret"_s, u"private"_s);
    WsClient wo(s.port());
    QVERIFY(wo.login(outsider.token));
    QVERIFY(wo.resume({}));
    WsClient wa(s.port());
    QVERIFY(wa.login(a.token));
    QVERIFY(wa.resume({ { priv, 2 } }));
    QVERIFY(wa.send(priv, u"c"_s, u"private words"_s));
    Error err;
    QVERIFY(!wo.send(priv, u"c2"_s, u"let me in"_s, &err));
    QCOMPARE(err.code, ErrorCode::NotMember);
    wo.sendFrame({ {}, TypingFrame { priv, true } });
    QTest::qWait(100);
    for (const auto &f : wo.frames)
        QVERIFY(!is<EventFrame>(f) && !is<TypingNotice>(f));
    QCOMPARE(seqsIn(wa.events(), priv), QList<qint64> { 3 });
}

void tst_Realtime::aSecondDeviceMidConversationGetsWhatFollows()
{
    // The hub keeps each room's connections between messages: a device that connects, or one
    // that goes away, after the room has had messages must change who gets the next one.
    TestServer s;
    const auto [a, b, room] = s.aliceAndBobInARoom();
    WsClient wa(s.port()), phone(s.port());
    QVERIFY(wa.enter(a.token, room));
    QVERIFY(phone.enter(b.token, room));
    QVERIFY(wa.send(room, u"c1"_s, u"one"_s));
    QTRY_COMPARE(bodiesIn(phone.events(), room), QStringList { u"one"_s });
    WsClient laptop(s.port()); // bob's second device
    QVERIFY(laptop.login(b.token));
    QVERIFY(laptop.resume({ { room, phone.events().last().seq } }));
    QVERIFY(wa.send(room, u"c2"_s, u"two"_s));
    QTRY_COMPARE(bodiesIn(laptop.events(), room), QStringList { u"two"_s });
    QTRY_COMPARE(bodiesIn(phone.events(), room), (QStringList { u"one"_s, u"two"_s }));
    // The phone goes away; the laptop goes on receiving, alone.
    phone.close();
    QTRY_VERIFY(phone.isClosed());
    QTRY_COMPARE(s.server().hub().connectionCount(), 2);
    QVERIFY(wa.send(room, u"c3"_s, u"three"_s));
    QTRY_COMPARE(bodiesIn(laptop.events(), room), (QStringList { u"two"_s, u"three"_s }));
    QTRY_COMPARE(bodiesIn(wa.events(), room), (QStringList { u"one"_s, u"two"_s, u"three"_s }));
    QCOMPARE(bodiesIn(phone.events(), room), (QStringList { u"one"_s, u"two"_s }));
}

void tst_Realtime::joinersSeeTheirJoinLeaversTheirLeaveAndNothingAfter()
{
    TestServer s;
    const auto a = s.signUp(u"joe"_s);
    const auto b = s.signUp(u"kay"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    WsClient wb(s.port());
    QVERIFY(wb.login(b.token));
    QVERIFY(wb.resume({}));
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token).status, 200);
    QTRY_COMPARE(seqsIn(wb.events(), room), QList<qint64> { 3 }); // its own member_join
    QCOMPARE(wb.events().last().type, EventType::MemberJoin);
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/leave"_s.arg(room), {}, b.token).status, 204);
    QTRY_COMPARE(seqsIn(wb.events(), room), (QList<qint64> { 3, 4 })); // its own member_leave
    QCOMPARE(wb.events().last().type, EventType::MemberLeave);
    QCOMPARE(s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                    { { u"clientMsgId"_s, u"x"_s }, { u"body"_s, u"after"_s } }, a.token)
                 .status,
             201);
    QTest::qWait(100);
    QCOMPARE(seqsIn(wb.events(), room), (QList<qint64> { 3, 4 })); // and nothing after it
}

void tst_Realtime::typingReachesOthersAndExpires()
{
    TestServer s;
    const auto a = s.signUp(u"oli"_s);
    const auto b = s.signUp(u"pat"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, b.token);
    WsClient wa(s.port()), wb(s.port());
    QVERIFY(wa.login(a.token));
    QVERIFY(wb.login(b.token));
    wa.sendFrame({ {}, TypingFrame { room, true } });
    const auto on = wb.waitFor([&](const ServerFrame &f) {
        const auto *t = std::get_if<TypingNotice>(&f.payload);
        return t && t->userId == a.id && t->active;
    });
    QVERIFY(on >= 0);
    s.advanceClock(server::RealtimeHub::kTypingTimeoutMs + 100);
    QVERIFY(wb.waitFor(
                [&](const ServerFrame &f) {
                    const auto *t = std::get_if<TypingNotice>(&f.payload);
                    return t && t->userId == a.id && !t->active;
                },
                3000, on + 1)
            >= 0);
    for (const auto &f : wa.frames)
        QVERIFY(!is<TypingNotice>(f)); // not echoed to the typist
}

void tst_Realtime::presenceFollowsConnections()
{
    TestServer s;
    const auto a = s.signUp(u"quin"_s);
    const auto b = s.signUp(u"ray"_s);
    const auto c = s.signUp(u"sol"_s); // shares no room with quin: hears nothing of quin
    const qint64 room = s.createRoom(b.token, u"lobby"_s);
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, a.token).status, 200);
    WsClient wb(s.port()), wc(s.port());
    QVERIFY(wb.login(b.token));
    QVERIFY(wc.login(c.token));
    const auto statusOf = [&](PresenceStatus st, qsizetype from = 0) {
        return wb.waitFor(
            [&](const ServerFrame &f) {
                const auto *p = std::get_if<PresenceNotice>(&f.payload);
                return p && p->userId == a.id && p->status == st;
            },
            3000, from);
    };
    auto phone = std::make_unique<WsClient>(s.port());
    QVERIFY(phone->login(a.token));
    const auto online = statusOf(PresenceStatus::Online);
    QVERIFY(online >= 0);
    WsClient laptop(s.port());
    QVERIFY(laptop.login(a.token));
    phone->sendFrame({ {}, PresenceFrame { PresenceStatus::Away } });
    QTest::qWait(100);
    // One device away, the other not: still online, so no notice.
    for (qsizetype i = online + 1; i < wb.frames.size(); ++i)
        QVERIFY(!is<PresenceNotice>(wb.frames[i]));
    laptop.sendFrame({ {}, PresenceFrame { PresenceStatus::Away } });
    const auto away = statusOf(PresenceStatus::Away, online + 1); // all devices away
    QVERIFY(away >= 0);
    // A member list fetched now (what a client opening the room sees) carries presence too.
    const auto presenceIn = [&] {
        QMap<QString, QString> out;
        const auto list = s.get(u"/api/v1/rooms/%1/members"_s.arg(room), b.token)
                              .json()
                              .value(u"members"_s)
                              .toArray();
        for (const auto &m : list)
            out.insert(m[u"username"_s].toString(), m[u"presence"_s].toString());
        return out;
    };
    QCOMPARE(presenceIn(),
             (QMap<QString, QString> { { u"quin"_s, u"away"_s }, { u"ray"_s, u"online"_s } }));
    phone.reset();
    laptop.close();
    QVERIFY(statusOf(PresenceStatus::Offline, away + 1) >= 0);
    QCOMPARE(presenceIn(),
             (QMap<QString, QString> { { u"quin"_s, u"offline"_s }, { u"ray"_s, u"online"_s } }));
    // Presence reaches those who share a room, no one else.
    for (const ServerFrame &f : std::as_const(wc.frames)) {
        const auto *p = std::get_if<PresenceNotice>(&f.payload);
        QVERIFY2(!p || p->userId != a.id, "presence of a user sharing no room leaked");
    }
}

void tst_Realtime::badFramesGetErrorFramesAndChangeNothing()
{
    TestServer s;
    const auto a = s.signUp(u"sue"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    WsClient w(s.port());
    QVERIFY(w.waitConnected());
    // Before auth, anything but auth is refused (and the socket stays open).
    w.sendRaw(uR"({"type":"send","id":"early","roomId":1,"clientMsgId":"c","body":"x"})"_s);
    auto i = w.waitFor([](const ServerFrame &f) { return f.id == u"early"; });
    QVERIFY(i >= 0);
    QCOMPARE(std::get<ErrorFrame>(w.frames[i].payload).error.code, ErrorCode::Unauthorized);
    QVERIFY(w.login(a.token));
    const QList<QPair<QString, ErrorCode>> cases {
        { u"{garbage"_s, ErrorCode::InvalidJson },
        { uR"({"id":"b1","type":"warp"})"_s, ErrorCode::UnknownType },
        { uR"({"id":"b2","type":"send","roomId":"1","clientMsgId":"c","body":"x"})"_s,
          ErrorCode::WrongType },
        { uR"({"id":"b3","type":"send","roomId":%1,"clientMsgId":"c","body":""})"_s.arg(room),
          ErrorCode::InvalidValue },
        { uR"({"id":"b4","type":"resume","rooms":"all"})"_s, ErrorCode::WrongType },
        { uR"({"id":"b5","type":"auth","token":"again"})"_s, ErrorCode::BadRequest },
    };
    for (const auto &[text, code] : cases) {
        const auto before = w.frames.size();
        w.sendRaw(text);
        const auto at
            = w.waitFor([](const ServerFrame &f) { return is<ErrorFrame>(f); }, 3000, before);
        QVERIFY2(at >= 0, qPrintable(text));
        QCOMPARE(errorCodeName(std::get<ErrorFrame>(w.frames[at].payload).error.code),
                 errorCodeName(code));
        if (text.contains(u"\"id\""_s))
            QVERIFY(!w.frames[at].id.isEmpty()); // answers name the frame they answer
    }
    w.socket().sendBinaryMessage("\x01\x02");
    QVERIFY(
        w.waitFor([](const ServerFrame &f) { return is<ErrorFrame>(f); }, 3000, w.frames.size() - 1)
        >= 0);
    QVERIFY(!w.isClosed());
    QCOMPARE(s.get(u"/api/v1/rooms/%1"_s.arg(room), a.token).json()[u"lastSeq"_s].toInteger(), 2);
}

void tst_Realtime::unauthenticatedSocketIsClosedAfterTimeout()
{
    TestServer s([](server::ServerConfig &c) { c.authTimeoutMs = 200; });
    WsClient w(s.port());
    QVERIFY(w.waitConnected());
    QTRY_VERIFY_WITH_TIMEOUT(w.isClosed(), 3000);
    QCOMPARE(w.closeCode(), int(server::RealtimeHub::CloseAuthTimeout));
    WsClient bad(s.port());
    QVERIFY(bad.waitConnected());
    bad.sendFrame({ {}, AuthFrame { u"not-a-real-token"_s } });
    QTRY_VERIFY(bad.isClosed());
    QCOMPARE(bad.closeCode(), int(server::RealtimeHub::CloseUnauthorized));
}

void tst_Realtime::oversizedFrameClosesWith1009()
{
    TestServer s;
    const auto a = s.signUp(u"tom"_s);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
    w.sendRaw(QString(70 * 1024, u'x'));
    QTRY_VERIFY_WITH_TIMEOUT(w.isClosed(), 5000);
    QCOMPARE(w.closeCode(), int(QWebSocketProtocol::CloseCodeTooMuchData));
}

void tst_Realtime::logoutClosesThatSessionsSockets()
{
    TestServer s;
    const auto a = s.signUp(u"uma"_s);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
    QCOMPARE(s.request("POST", u"/api/v1/auth/logout"_s, {}, a.token).status, 204);
    QTRY_VERIFY(w.isClosed());
    QCOMPARE(w.closeCode(), int(server::RealtimeHub::CloseUnauthorized));
}

void tst_Realtime::pingIsAnsweredWithPong()
{
    TestServer s;
    const auto a = s.signUp(u"vic"_s);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
    w.sendFrame({ u"p1"_s, PingFrame { 42 } });
    const auto i = w.waitFor([](const ServerFrame &f) { return f.id == u"p1"; });
    QVERIFY(i >= 0);
    QCOMPARE(std::get<PongFrame>(w.frames[i].payload).ts, 42);
}

QTEST_GUILESS_MAIN(tst_Realtime)
#include "tst_realtime.moc"
