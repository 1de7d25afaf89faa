// Replies on the server (docs/protocol.md, "Replies"): a message may answer another message of
// the same room; the event carries `replyTo`, and history, replays and live frames carry a
// preview of the target (sender, first 200 code points, redacted once deleted). Anything else is
// refused and stores nothing. Real server, real sockets.
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct TwoRooms
{
    TwoRooms()
        : alice(server.signUp(u"alice"_s))
        , bob(server.signUp(u"bob"_s))
        , room(server.createRoom(alice.token, u"general"_s))
        , other(server.createRoom(alice.token, u"other"_s, u"private"_s)) // bob is not in it
    {
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    }
    HttpResult say(const TestServer::Account &who, qint64 in, const QString &cid,
                   const QString &body, const QJsonValue &replyTo = {})
    {
        QJsonObject o { { u"clientMsgId"_s, cid }, { u"body"_s, body } };
        if (!replyTo.isUndefined())
            o.insert(u"replyTo"_s, replyTo);
        return server.post(u"/api/v1/rooms/%1/messages"_s.arg(in), o, who.token);
    }
    // The content of the message with `clientMsgId` as a history page shows it.
    QJsonObject contentOf(const QString &clientMsgId)
    {
        const HttpResult page = server.get(u"/api/v1/rooms/%1/events"_s.arg(room), alice.token);
        for (const QJsonValue &v : page.json().value(u"events"_s).toArray()) {
            const auto e = RoomEvent::fromJson(v.toObject());
            if (e && e->clientMsgId == clientMsgId)
                return e->content;
        }
        return {};
    }
    qint64 lastSeq(qint64 in)
    {
        return server.get(u"/api/v1/rooms/%1"_s.arg(in), alice.token)
            .json()
            .value(u"lastSeq"_s)
            .toInteger();
    }
    TestServer server;
    TestServer::Account alice, bob;
    qint64 room = 0, other = 0;
};

} // namespace

class tst_Replies : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { setTrustNewServers(true); }
    void aReplyCarriesItsTargetAndAPreviewEverywhere();
    void thePreviewIsRedactedOnceTheTargetIsDeleted();
    void aReplyToWhatCannotBeAnsweredIsRefusedAndStoresNothing();
    void thePreviewIsTheFirst200CodePoints();
    void aroundGivesThePageAroundAMessage();
};

void tst_Replies::aReplyCarriesItsTargetAndAPreviewEverywhere()
{
    TwoRooms r;
    const HttpResult question = r.say(r.bob, r.room, u"q"_s, u"Lunch at noon?"_s);
    QCOMPARE(question.status, 201);
    const qint64 target = question.json().value(u"eventId"_s).toInteger();
    WsClient wb(r.server.port());
    QVERIFY(wb.enter(r.bob.token, r.room)); // live events flow to Bob
    QCOMPARE(r.say(r.alice, r.room, u"a"_s, u"yes!"_s, target).status, 201);
    const QJsonObject preview { { u"eventId"_s, target },
                                { u"seq"_s, question.json().value(u"seq"_s).toInteger() },
                                { u"senderId"_s, r.bob.id },
                                { u"body"_s, u"Lunch at noon?"_s } };
    // In history...
    QJsonObject content = r.contentOf(u"a"_s);
    QCOMPARE(content.value(u"replyTo"_s).toInteger(), target);
    QCOMPARE(content.value(u"replyPreview"_s).toObject(), preview);
    // ...live...
    QVERIFY(wb.waitFor([](const ServerFrame &f) {
        const auto *e = std::get_if<EventFrame>(&f.payload);
        return e && e->event.clientMsgId == u"a"_s;
    }) >= 0);
    QCOMPARE(wb.events().last().content.value(u"replyPreview"_s).toObject(), preview);
    // ...in a replay after a reconnect, and over the WebSocket send too.
    WsClient again(r.server.port());
    QVERIFY(again.login(r.bob.token));
    QVERIFY(again.resume({ { r.room, 0 } }));
    bool replayed = false;
    for (const RoomEvent &e : again.events())
        replayed = replayed || e.content.value(u"replyPreview"_s).toObject() == preview;
    QVERIFY(replayed);
    again.sendFrame({ u"s9"_s, SendFrame { r.room, u"b"_s, u"see you"_s, {}, target } });
    QVERIFY(again.waitFor([](const ServerFrame &f) { return f.id == u"s9"_s; }) >= 0);
    QCOMPARE(r.contentOf(u"b"_s).value(u"replyTo"_s).toInteger(), target);
    // A plain message has neither field.
    QCOMPARE(r.say(r.bob, r.room, u"p"_s, u"plain"_s).status, 201);
    QVERIFY(!r.contentOf(u"p"_s).contains(u"replyTo"_s));
    QVERIFY(!r.contentOf(u"p"_s).contains(u"replyPreview"_s));
}

void tst_Replies::thePreviewIsRedactedOnceTheTargetIsDeleted()
{
    TwoRooms r;
    const qint64 target
        = r.say(r.bob, r.room, u"q"_s, u"secret plan"_s).json().value(u"eventId"_s).toInteger();
    QCOMPARE(r.say(r.alice, r.room, u"a"_s, u"noted"_s, target).status, 201);
    QCOMPARE(r.server
                 .request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(r.room).arg(target),
                          {}, r.bob.token)
                 .status,
             200);
    const QJsonObject preview = r.contentOf(u"a"_s).value(u"replyPreview"_s).toObject();
    QCOMPARE(preview.value(u"redacted"_s).toBool(), true);
    QVERIFY(!preview.contains(u"body"_s));
    QVERIFY(!QJsonDocument(r.server.get(u"/api/v1/rooms/%1/events"_s.arg(r.room), r.alice.token)
                               .json())
                 .toJson()
                 .contains("secret plan")); // nowhere, preview included
}

void tst_Replies::aReplyToWhatCannotBeAnsweredIsRefusedAndStoresNothing()
{
    TwoRooms r;
    const qint64 elsewhere
        = r.say(r.alice, r.other, u"x"_s, u"in another room"_s).json().value(u"eventId"_s).toInteger();
    const qint64 gone
        = r.say(r.bob, r.room, u"g"_s, u"soon deleted"_s).json().value(u"eventId"_s).toInteger();
    r.server.request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(r.room).arg(gone), {},
                     r.bob.token);
    const qint64 before = r.lastSeq(r.room);
    const HttpResult page = r.server.get(u"/api/v1/rooms/%1/events"_s.arg(r.room), r.alice.token);
    const qint64 notAMessage
        = page.json().value(u"events"_s).toArray().first().toObject().value(u"id"_s).toInteger();
    for (const qint64 target : { elsewhere, gone, notAMessage, qint64(999999) }) {
        const HttpResult res = r.say(r.alice, r.room, u"r%1"_s.arg(target), u"re"_s, target);
        QCOMPARE(res.status, 404);
        QCOMPARE(res.errorCode(), u"event_not_found"_s);
    }
    QCOMPARE(r.say(r.alice, r.room, u"bad"_s, u"re"_s, u"12"_s).status, 400);
    QCOMPARE(r.say(r.alice, r.room, u"neg"_s, u"re"_s, -1).status, 400);
    QCOMPARE(r.lastSeq(r.room), before); // nothing stored
    // The same over the WebSocket: an error frame naming the request.
    WsClient wa(r.server.port());
    QVERIFY(wa.login(r.alice.token));
    wa.sendFrame({ u"w1"_s, SendFrame { r.room, u"w"_s, u"re"_s, {}, elsewhere } });
    const qsizetype at = wa.waitFor([](const ServerFrame &f) { return f.id == u"w1"_s; });
    QVERIFY(at >= 0);
    const auto *error = std::get_if<ErrorFrame>(&wa.frames[at].payload);
    QVERIFY(error && error->error.code == ErrorCode::EventNotFound);
    QCOMPARE(r.lastSeq(r.room), before);
}

void tst_Replies::thePreviewIsTheFirst200CodePoints()
{
    TwoRooms r;
    const QString rockets = u"🚀"_s.repeated(300); // 600 UTF-16 units
    const qint64 target
        = r.say(r.bob, r.room, u"q"_s, rockets).json().value(u"eventId"_s).toInteger();
    QCOMPARE(r.say(r.alice, r.room, u"a"_s, u"wow"_s, target).status, 201);
    const QString body
        = r.contentOf(u"a"_s).value(u"replyPreview"_s).toObject().value(u"body"_s).toString();
    QCOMPARE(body.toUcs4().size(), 200);
    QCOMPARE(body, u"🚀"_s.repeated(200));
}

void tst_Replies::aroundGivesThePageAroundAMessage()
{
    // GET rooms/{id}/events?around=SEQ: what a client loads to jump to a replied-to message.
    TwoRooms r;
    for (int i = 0; i < 30; ++i)
        QCOMPARE(r.say(r.bob, r.room, u"m%1"_s.arg(i), u"m%1"_s.arg(i)).status, 201);
    const qint64 last = r.lastSeq(r.room);
    const auto around = [&](qint64 seq, int limit) {
        return r.server.get(u"/api/v1/rooms/%1/events?around=%2&limit=%3"_s.arg(r.room)
                                .arg(seq)
                                .arg(limit),
                            r.alice.token);
    };
    const auto seqs = [](const HttpResult &res) {
        QList<qint64> out;
        for (const QJsonValue &v : res.json().value(u"events"_s).toArray())
            out.append(v.toObject().value(u"seq"_s).toInteger());
        return out;
    };
    HttpResult res = around(15, 10);
    QCOMPARE(res.status, 200);
    QList<qint64> expected;
    for (qint64 s = 10; s < 20; ++s)
        expected.append(s);
    QCOMPARE(seqs(res), expected); // 15 and the 5 before it, then 4 after it
    QCOMPARE(res.json().value(u"hasMore"_s).toBool(), true);
    QCOMPARE(res.json().value(u"hasMoreAfter"_s).toBool(), true);
    // At the ends.
    res = around(last, 10);
    QCOMPARE(seqs(res).last(), last);
    QCOMPARE(res.json().value(u"hasMoreAfter"_s).toBool(), false);
    res = around(1, 10);
    QCOMPARE(seqs(res).first(), 1);
    QCOMPARE(res.json().value(u"hasMore"_s).toBool(), false);
    QCOMPARE(seqs(res).size(), 10);
    // One direction only: around with after or before is refused.
    QCOMPARE(r.server
                 .get(u"/api/v1/rooms/%1/events?around=5&before=9"_s.arg(r.room), r.alice.token)
                 .errorCode(),
             u"invalid_value"_s);
    QCOMPARE(r.server.get(u"/api/v1/rooms/%1/events?around=0"_s.arg(r.room), r.alice.token).status,
             400);
    // Private rooms stay private: Bob is not in "other".
    QCOMPARE(r.server.get(u"/api/v1/rooms/%1/events?around=1"_s.arg(r.other), r.bob.token).status,
             403);
}

QTEST_MAIN(tst_Replies)
#include "tst_replies.moc"
