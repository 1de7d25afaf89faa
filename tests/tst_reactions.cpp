// Reactions on the server (docs/protocol.md, "Reactions"): each is a `reaction` or
// `reaction_remove` event in the room's log; message events in history pages and replays carry
// the aggregate as the caller sees it, exact under concurrent reactions, removals and deletes.
// Anything else is refused and stores nothing. Real server, real sockets.
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

const QString kThumbs = u"👍"_s;
const QString kParty = u"🎉"_s;

struct Chat
{
    Chat()
        : alice(server.signUp(u"alice"_s))
        , bob(server.signUp(u"bob"_s))
        , room(server.createRoom(alice.token, u"general"_s))
    {
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    }
    qint64 say(const TestServer::Account &who, const QString &cid, const QString &body,
               qint64 in = 0)
    {
        return server
            .post(u"/api/v1/rooms/%1/messages"_s.arg(in ? in : room),
                  { { u"clientMsgId"_s, cid }, { u"body"_s, body } }, who.token)
            .json()
            .value(u"eventId"_s)
            .toInteger();
    }
    HttpResult react(const TestServer::Account &who, qint64 eventId, const QString &key,
                     qint64 in = 0)
    {
        return server.post(u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(in ? in : room).arg(eventId),
                           { { u"key"_s, key } }, who.token);
    }
    HttpResult unreact(const TestServer::Account &who, qint64 eventId, const QString &key,
                       qint64 in = 0)
    {
        return server.request(
            "DELETE",
            u"/api/v1/rooms/%1/messages/%2/reactions/%3"_s.arg(in ? in : room)
                .arg(eventId)
                .arg(QString::fromLatin1(QUrl::toPercentEncoding(key))),
            {}, who.token);
    }
    // The content of message `eventId` in the newest history page, as `who` reads it.
    QJsonObject contentOf(qint64 eventId, const TestServer::Account &who)
    {
        const HttpResult page
            = server.get(u"/api/v1/rooms/%1/events?limit=200"_s.arg(room), who.token);
        for (const QJsonValue &v : page.json().value(u"events"_s).toArray()) {
            if (v.toObject().value(u"id"_s).toInteger() == eventId)
                return v.toObject().value(u"content"_s).toObject();
        }
        return {};
    }
    qint64 lastSeq()
    {
        return server.get(u"/api/v1/rooms/%1"_s.arg(room), alice.token)
            .json()
            .value(u"lastSeq"_s)
            .toInteger();
    }
    TestServer server;
    TestServer::Account alice, bob;
    qint64 room = 0;
};

QJsonObject chip(const QString &key, int count, bool mine, const QList<qint64> &users)
{
    QJsonArray ids;
    for (qint64 id : users)
        ids.append(id);
    return { { u"key"_s, key }, { u"count"_s, count }, { u"mine"_s, mine }, { u"users"_s, ids } };
}

// What a client holds after applying, on top of a message's aggregate, the reaction events of
// `events` that came after its reactionsAsOf: key → set of user ids.
QMap<QString, QSet<qint64>> applyOnTop(const RoomEvent &message, const QList<RoomEvent> &events,
                                       qint64 viewer, QMap<QString, int> *counts)
{
    QMap<QString, QSet<qint64>> users;
    for (const QJsonValue &v : message.content.value(u"reactions"_s).toArray()) {
        const QJsonObject o = v.toObject();
        (*counts)[o.value(u"key"_s).toString()] = o.value(u"count"_s).toInt();
        if (o.value(u"mine"_s).toBool())
            users[o.value(u"key"_s).toString()].insert(viewer);
    }
    const qint64 asOf = message.content.value(u"reactionsAsOf"_s).toInteger(message.seq);
    for (const RoomEvent &e : events) {
        if (e.seq <= asOf || e.targetId() != message.id)
            continue;
        const QString key = e.content.value(u"key"_s).toString();
        if (e.type == EventType::Reaction)
            ++(*counts)[key];
        else if (e.type == EventType::ReactionRemove && --(*counts)[key] == 0)
            counts->remove(key);
    }
    return users;
}

} // namespace

class tst_Reactions : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { setTrustNewServers(true); }
    void aReactionIsAnEventAndHistoryCarriesTheAggregate();
    void reactingTwiceOrRemovingWhatIsNotThereChangesNothing();
    void aKeyIsAnEmojiOrShortTextAndAnythingElseIsRefused();
    void onlyMembersReactToLiveMessagesOfTheirRoom();
    void twentyConcurrentConnectionsGiveExactAggregates();
    void reactionsSurviveARestart();
    void deletingTheTargetTakesItsReactionsAndTheyStayGone();
    void aReplayCarriesTheAggregateAndLaterEventsAddUp();
};

void tst_Reactions::aReactionIsAnEventAndHistoryCarriesTheAggregate()
{
    Chat c;
    const qint64 msg = c.say(c.bob, u"m"_s, u"Release is out"_s);
    WsClient wb(c.server.port());
    QVERIFY(wb.enter(c.bob.token, c.room));
    const qint64 before = c.lastSeq();

    const HttpResult first = c.react(c.alice, msg, kThumbs);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.json().value(u"changed"_s).toBool(), true);
    const auto event = RoomEvent::fromJson(first.json().value(u"event"_s).toObject());
    QVERIFY(event);
    QCOMPARE(event->type, EventType::Reaction);
    QCOMPARE(event->seq, before + 1);
    QCOMPARE(event->senderId, c.alice.id);
    QCOMPARE(event->content, (QJsonObject { { u"targetId"_s, msg }, { u"key"_s, kThumbs } }));
    // Bob sees it live, as an event of the room.
    QVERIFY(wb.waitFor([&](const ServerFrame &f) {
        const auto *e = std::get_if<EventFrame>(&f.payload);
        return e && e->event.type == EventType::Reaction && e->event.senderId == c.alice.id;
    }) >= 0);

    QCOMPARE(c.react(c.bob, msg, kThumbs).status, 200);
    QCOMPARE(c.react(c.bob, msg, kParty).status, 200);
    // Keys in the order first used; "mine" is the reader's own.
    QJsonObject content = c.contentOf(msg, c.alice);
    QCOMPARE(content.value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 2, true, { c.alice.id, c.bob.id }),
                           chip(kParty, 1, false, { c.bob.id }) }));
    QCOMPARE(content.value(u"reactionsAsOf"_s).toInteger(), c.lastSeq());
    QCOMPARE(c.contentOf(msg, c.bob).value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 2, true, { c.alice.id, c.bob.id }),
                           chip(kParty, 1, true, { c.bob.id }) }));

    // Removing: a reaction_remove event, and the aggregate drops the key with its last user.
    const HttpResult removed = c.unreact(c.bob, msg, kParty);
    QCOMPARE(removed.status, 200);
    QCOMPARE(removed.json().value(u"event"_s).toObject().value(u"type"_s).toString(),
             u"reaction_remove"_s);
    QCOMPARE(c.contentOf(msg, c.alice).value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 2, true, { c.alice.id, c.bob.id }) }));
    // A message nobody reacted to carries an empty list (so a client knows it is current).
    const qint64 plain = c.say(c.alice, u"p"_s, u"plain"_s);
    QCOMPARE(c.contentOf(plain, c.bob).value(u"reactions"_s).toArray(), QJsonArray());
    // Reactions are not messages: nobody has an unread message from them.
    const QJsonObject readState = c.server.get(u"/api/v1/rooms/%1"_s.arg(c.room), c.bob.token)
                                      .json()
                                      .value(u"read"_s)
                                      .toObject();
    if (!readState.isEmpty())
        QCOMPARE(readState.value(u"unread"_s).toInt(), 1); // alice's "plain"
}

void tst_Reactions::reactingTwiceOrRemovingWhatIsNotThereChangesNothing()
{
    Chat c;
    const qint64 msg = c.say(c.bob, u"m"_s, u"hi"_s);
    QCOMPARE(c.react(c.alice, msg, kThumbs).json().value(u"changed"_s).toBool(), true);
    const qint64 seq = c.lastSeq();
    const HttpResult again = c.react(c.alice, msg, kThumbs);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json(), (QJsonObject { { u"changed"_s, false } }));
    QCOMPARE(c.lastSeq(), seq); // no event
    const HttpResult notThere = c.unreact(c.alice, msg, kParty);
    QCOMPARE(notThere.status, 200);
    QCOMPARE(notThere.json(), (QJsonObject { { u"changed"_s, false } }));
    QCOMPARE(c.unreact(c.bob, msg, kThumbs).json().value(u"changed"_s).toBool(), false);
    QCOMPARE(c.lastSeq(), seq);
    QCOMPARE(c.contentOf(msg, c.bob).value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 1, false, { c.alice.id }) }));
}

void tst_Reactions::aKeyIsAnEmojiOrShortTextAndAnythingElseIsRefused()
{
    Chat c;
    const qint64 msg = c.say(c.bob, u"m"_s, u"hi"_s);
    const qint64 seq = c.lastSeq();
    struct Bad
    {
        QJsonValue key;
        QString code;
    };
    const QList<Bad> bad {
        { u""_s, u"invalid_value"_s },
        { QString(17, u'x'), u"too_long"_s },
        { u" ok"_s, u"invalid_value"_s },
        { u"ok "_s, u"invalid_value"_s },
        { u"a\nb"_s, u"invalid_value"_s },
        { u"\u202Eevil"_s, u"invalid_value"_s }, // right-to-left override
        { 42, u"wrong_type"_s },
        { QJsonValue(), u"missing_field"_s }, // null counts as absent, as everywhere
    };
    for (const Bad &b : bad) {
        const HttpResult r = c.server.post(
            u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(c.room).arg(msg),
            { { u"key"_s, b.key } }, c.alice.token);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), b.code);
    }
    const HttpResult missing = c.server.post(
        u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(c.room).arg(msg), {}, c.alice.token);
    QCOMPARE(missing.errorCode(), u"missing_field"_s);
    QCOMPARE(c.unreact(c.alice, msg, QString(17, u'x')).errorCode(), u"too_long"_s);
    QCOMPARE(c.lastSeq(), seq); // nothing stored

    // Allowed: a family emoji (5 code points joined by ZWJ), 16 code points of text, a slash.
    for (const QString &key : { u"👨‍👩‍👧"_s, QString(16, u'y'), u"+1"_s, u"a/b"_s }) {
        QCOMPARE(c.react(c.alice, msg, key).status, 200);
        QCOMPARE(c.unreact(c.alice, msg, key).json().value(u"changed"_s).toBool(), true);
    }
    // At most 20 different keys on one message; an existing key still takes more people.
    for (int i = 0; i < 20; ++i)
        QCOMPARE(c.react(c.alice, msg, u"k%1"_s.arg(i)).status, 200);
    const HttpResult tooMany = c.react(c.alice, msg, u"k20"_s);
    QCOMPARE(tooMany.status, 400);
    QCOMPARE(tooMany.errorCode(), u"invalid_value"_s);
    QCOMPARE(c.react(c.bob, msg, u"k3"_s).status, 200);
    QCOMPARE(c.contentOf(msg, c.bob).value(u"reactions"_s).toArray().size(), 20);
}

void tst_Reactions::onlyMembersReactToLiveMessagesOfTheirRoom()
{
    Chat c;
    const TestServer::Account eve = c.server.signUp(u"eve"_s); // in no room
    const qint64 secret = c.server.createRoom(c.alice.token, u"secret"_s, u"private"_s);
    const qint64 hidden = c.say(c.alice, u"s"_s, u"private words"_s, secret);
    const qint64 msg = c.say(c.bob, u"m"_s, u"hi"_s);
    const qint64 seq = c.lastSeq();

    // Not in the private room: Bob and Eve learn nothing and change nothing.
    QCOMPARE(c.react(c.bob, hidden, kThumbs, secret).errorCode(), u"not_member"_s);
    QCOMPARE(c.react(eve, hidden, kThumbs, secret).errorCode(), u"not_member"_s);
    QCOMPARE(c.unreact(eve, hidden, kThumbs, secret).errorCode(), u"not_member"_s);
    // A public room's reader who has not joined may read but not react.
    QCOMPARE(c.react(eve, msg, kThumbs).errorCode(), u"not_member"_s);
    // The message must be in the room named in the path.
    QCOMPARE(c.react(c.alice, hidden, kThumbs).errorCode(), u"event_not_found"_s);
    QCOMPARE(c.react(c.alice, msg, kThumbs, secret).errorCode(), u"event_not_found"_s);
    QCOMPARE(c.react(c.alice, 999999, kThumbs).errorCode(), u"event_not_found"_s);
    // Only messages take reactions (the room_create event is seq 1 and an event of the room).
    const qint64 createId = c.server.get(u"/api/v1/rooms/%1/events?after=0&limit=1"_s.arg(c.room),
                                         c.alice.token)
                                .json()
                                .value(u"events"_s)
                                .toArray()
                                .first()
                                .toObject()
                                .value(u"id"_s)
                                .toInteger();
    QCOMPARE(c.react(c.alice, createId, kThumbs).errorCode(), u"event_not_found"_s);
    QCOMPARE(c.react(c.alice, msg, kThumbs, 424242).errorCode(), u"room_not_found"_s);
    // No token, a bad token.
    QCOMPARE(c.react({}, msg, kThumbs).status, 401);
    QCOMPARE(c.react({ 0, u"nope"_s }, msg, kThumbs).status, 401);
    QCOMPARE(c.server
                 .request("POST", u"/api/v1/rooms/%1/messages/abc/reactions"_s.arg(c.room),
                          R"({"key":"x"})", c.alice.token)
                 .errorCode(),
             u"event_not_found"_s);
    QCOMPARE(c.lastSeq(), seq);
    // Eve reading the private room's history sees nothing of it either.
    QCOMPARE(c.server.get(u"/api/v1/rooms/%1/events"_s.arg(secret), eve.token).status, 403);
}

void tst_Reactions::twentyConcurrentConnectionsGiveExactAggregates()
{
    Chat c;
    const qint64 msg = c.say(c.alice, u"m"_s, u"Pizza on Friday?"_s);
    QList<TestServer::Account> people;
    for (int i = 0; i < 20; ++i) {
        people.append(c.server.signUp(u"user%1"_s.arg(i)));
        QCOMPARE(c.server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(c.room), {},
                                  people.last().token)
                     .status,
                 200);
    }
    const qint64 start = c.lastSeq();
    const QString path = u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(c.room).arg(msg);
    const auto post = [&](const TestServer::Account &who, const QString &key) {
        return TestServer::Request {
            "POST", path,
            QJsonDocument(QJsonObject { { u"key"_s, key } }).toJson(QJsonDocument::Compact),
            who.token
        };
    };
    // Round 1, all at once: everyone 👍, everyone 🎉, and each of them 👍 a second time.
    QList<TestServer::Request> round;
    for (const auto &p : std::as_const(people))
        round << post(p, kThumbs) << post(p, kParty) << post(p, kThumbs);
    int changed = 0;
    for (const HttpResult &r : c.server.requestAll(round)) {
        QCOMPARE(r.status, 200);
        changed += r.json().value(u"changed"_s).toBool();
    }
    QCOMPARE(changed, 40); // the third of each person's was "already so"
    // Round 2, all at once: the even ones take 🎉 back (twice each), the odd ones add 🚀.
    round.clear();
    for (int i = 0; i < people.size(); ++i) {
        const QString del = u"%1/%2"_s.arg(path, QString::fromLatin1(QUrl::toPercentEncoding(kParty)));
        if (i % 2 == 0)
            round << TestServer::Request { "DELETE", del, {}, people[i].token }
                  << TestServer::Request { "DELETE", del, {}, people[i].token };
        else
            round << post(people[i], u"🚀"_s);
    }
    changed = 0;
    for (const HttpResult &r : c.server.requestAll(round)) {
        QCOMPARE(r.status, 200);
        changed += r.json().value(u"changed"_s).toBool();
    }
    QCOMPARE(changed, 20);
    QCOMPARE(c.lastSeq(), start + 60); // one event per change, no more

    QMap<QString, int> counts;
    const QJsonArray agg = c.contentOf(msg, people[1]).value(u"reactions"_s).toArray();
    for (const QJsonValue &v : agg) {
        counts[v[u"key"_s].toString()] = v[u"count"_s].toInt();
        QCOMPARE(v[u"users"_s].toArray().size(), qMin(5, v[u"count"_s].toInt()));
        QCOMPARE(v[u"mine"_s].toBool(), true); // people[1] is odd: 👍 🎉 🚀
    }
    QCOMPARE(counts, (QMap<QString, int> { { kThumbs, 20 }, { kParty, 10 }, { u"🚀"_s, 10 } }));
    // The log says the same: replaying every event from the start gives these counts.
    const QList<RoomEvent> all = [&] {
        QList<RoomEvent> out;
        const QJsonArray events = c.server
                                      .get(u"/api/v1/rooms/%1/events?after=0&limit=200"_s.arg(c.room),
                                           c.alice.token)
                                      .json()
                                      .value(u"events"_s)
                                      .toArray();
        for (const QJsonValue &v : events)
            out.append(*RoomEvent::fromJson(v.toObject()));
        return out;
    }();
    RoomEvent bare = *std::find_if(all.cbegin(), all.cend(),
                                   [&](const RoomEvent &e) { return e.id == msg; });
    bare.content.remove(u"reactions"_s);
    bare.content.remove(u"reactionsAsOf"_s); // as if it came without an aggregate
    QMap<QString, int> replayed;
    applyOnTop(bare, all, c.alice.id, &replayed);
    QCOMPARE(replayed, counts);
}

void tst_Reactions::reactionsSurviveARestart()
{
    QTemporaryDir data;
    const auto tweak = [&](server::ServerConfig &cfg) { cfg.dataDir = data.path(); };
    TestServer::Account alice;
    qint64 room = 0, msg = 0;
    {
        TestServer server(tweak);
        alice = server.signUp(u"alice"_s);
        room = server.createRoom(alice.token, u"general"_s);
        msg = server
                  .post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                        { { u"clientMsgId"_s, u"m"_s }, { u"body"_s, u"hi"_s } }, alice.token)
                  .json()
                  .value(u"eventId"_s)
                  .toInteger();
        QCOMPARE(server.post(u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(room).arg(msg),
                             { { u"key"_s, kThumbs } }, alice.token)
                     .status,
                 200);
    }
    TestServer again(tweak);
    const QJsonArray events = again.get(u"/api/v1/rooms/%1/events"_s.arg(room), alice.token)
                                  .json()
                                  .value(u"events"_s)
                                  .toArray();
    QJsonArray reactions;
    for (const QJsonValue &v : events) {
        if (v[u"id"_s].toInteger() == msg)
            reactions = v[u"content"_s][u"reactions"_s].toArray();
    }
    QCOMPARE(reactions, (QJsonArray { chip(kThumbs, 1, true, { alice.id }) }));
    // Reacting the same again after the restart is still "already so".
    QCOMPARE(again.post(u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(room).arg(msg),
                        { { u"key"_s, kThumbs } }, alice.token)
                 .json()
                 .value(u"changed"_s)
                 .toBool(),
             false);
}

void tst_Reactions::deletingTheTargetTakesItsReactionsAndTheyStayGone()
{
    Chat c;
    const qint64 doomed = c.say(c.bob, u"d"_s, u"oops"_s);
    const qint64 kept = c.say(c.bob, u"k"_s, u"keep me"_s);
    QCOMPARE(c.react(c.alice, doomed, kThumbs).status, 200);
    QCOMPARE(c.react(c.bob, doomed, kParty).status, 200);
    QCOMPARE(c.react(c.alice, kept, kThumbs).status, 200);
    QCOMPARE(c.server
                 .request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(c.room).arg(doomed), {},
                          c.bob.token)
                 .status,
             200);
    // The deleted message shows no reactions; the other keeps its own.
    const QJsonObject gone = c.contentOf(doomed, c.alice);
    QVERIFY(gone.value(u"redacted"_s).toBool());
    QVERIFY(!gone.contains(u"reactions"_s));
    QCOMPARE(c.contentOf(kept, c.alice).value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 1, true, { c.alice.id }) }));
    // Nobody can react to it, or take a reaction back, any more.
    const qint64 seq = c.lastSeq();
    QCOMPARE(c.react(c.alice, doomed, kThumbs).errorCode(), u"event_not_found"_s);
    QCOMPARE(c.unreact(c.alice, doomed, kThumbs).errorCode(), u"event_not_found"_s);
    QCOMPARE(c.lastSeq(), seq);
    // Reacting again to the kept message starts from its true count, not a stale one.
    QCOMPARE(c.react(c.bob, kept, kThumbs).status, 200);
    QCOMPARE(c.contentOf(kept, c.alice).value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 2, true, { c.alice.id, c.bob.id }) }));
}

void tst_Reactions::aReplayCarriesTheAggregateAndLaterEventsAddUp()
{
    Chat c;
    const qint64 msg = c.say(c.bob, u"m"_s, u"hi"_s);
    QCOMPARE(c.react(c.alice, msg, kThumbs).status, 200);
    QCOMPARE(c.react(c.bob, msg, kThumbs).status, 200);
    WsClient ws(c.server.port());
    QVERIFY(ws.login(c.alice.token));
    QVERIFY(ws.resume({ { c.room, 0 } }));
    QList<RoomEvent> events = ws.events();
    const auto it = std::find_if(events.cbegin(), events.cend(),
                                 [&](const RoomEvent &e) { return e.id == msg; });
    QVERIFY(it != events.cend());
    // The replayed message counts both reactions, as of the newest seq...
    QCOMPARE(it->content.value(u"reactions"_s).toArray(),
             (QJsonArray { chip(kThumbs, 2, true, { c.alice.id, c.bob.id }) }));
    QCOMPARE(it->content.value(u"reactionsAsOf"_s).toInteger(), c.lastSeq());
    // ...so the reaction events in the same replay are not counted twice, and live ones add.
    QCOMPARE(c.unreact(c.bob, msg, kThumbs).status, 200);
    QVERIFY(ws.waitFor([](const ServerFrame &f) {
        const auto *e = std::get_if<EventFrame>(&f.payload);
        return e && e->event.type == EventType::ReactionRemove;
    }) >= 0);
    QMap<QString, int> counts;
    applyOnTop(*it, ws.events(), c.alice.id, &counts);
    QCOMPARE(counts, (QMap<QString, int> { { kThumbs, 1 } }));
}

QTEST_MAIN(tst_Reactions)
#include "tst_reactions.moc"
