// Protocol v1 REST against a real in-process server: the user, room and message life cycle,
// who may do what, and hostile input that must be refused without changing anything.
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

const QString api = u"/api/v1"_s;

QString rooms(qint64 id, const QString &rest = {})
{
    return api + u"/rooms/"_s + QString::number(id) + rest;
}

QJsonObject msg(const QString &cid, const QString &body)
{
    return { { u"clientMsgId"_s, cid }, { u"body"_s, body } };
}

QList<qint64> seqs(const QJsonArray &events)
{
    QList<qint64> out;
    for (const auto &e : events)
        out.append(e.toObject().value(u"seq"_s).toInteger());
    return out;
}

} // namespace

class tst_Api : public QObject
{
    Q_OBJECT

private slots:
    void registerLoginMeLogout();
    void usernamesAreUniqueAndValidated();
    void loginFailuresAreRateLimited();
    void sessionsExpire();
    void severalDevicesHaveIndependentSessions();
    void profileAndUserList();
    void roomLifeCycle();
    void historyPagesBothWays();
    void sendIsIdempotentPerUser();
    void editAndDeleteAreEventsAndDeleteRedacts();
    void authorizationMatrix();
    void directRoomsAreCreatedOnce();
    void ownerMakesAdminsAndAdminsModerate();
    void badInputIsRefusedAndChangesNothing_data();
    void badInputIsRefusedAndChangesNothing();
    void everythingSurvivesARestart();
};

void tst_Api::registerLoginMeLogout()
{
    TestServer s;
    const auto reg = s.post(api + u"/auth/register"_s,
                            { { u"username"_s, u"alice"_s },
                              { u"password"_s, u"password123"_s },
                              { u"displayName"_s, u"Alice A."_s } });
    QCOMPARE(reg.status, 201);
    QCOMPARE(reg.json()[u"user"_s][u"displayName"_s].toString(), u"Alice A."_s);
    QVERIFY(!reg.body.contains("password"));

    const auto login
        = s.post(api + u"/auth/login"_s,
                 { { u"username"_s, u"alice"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(login.status, 200);
    const QString token = login.json()[u"token"_s].toString();
    QVERIFY(token.size() >= 40);
    QVERIFY(login.json()[u"expiresAt"_s].toInteger() > QDateTime::currentMSecsSinceEpoch());

    const auto me = s.get(api + u"/users/me"_s, token);
    QCOMPARE(me.status, 200);
    QCOMPARE(me.json()[u"username"_s].toString(), u"alice"_s);

    QCOMPARE(s.request("POST", api + u"/auth/logout"_s, {}, token).status, 204);
    const auto after = s.get(api + u"/users/me"_s, token);
    QCOMPARE(after.status, 401);
    QCOMPARE(after.errorCode(), u"unauthorized"_s);
    QCOMPARE(after.header("www-authenticate"), "Bearer"_ba);

    const auto wrong = s.post(api + u"/auth/login"_s,
                              { { u"username"_s, u"alice"_s }, { u"password"_s, u"nope-nope"_s } });
    QCOMPARE(wrong.status, 401);
    QCOMPARE(wrong.errorCode(), u"invalid_credentials"_s);
    const auto unknown
        = s.post(api + u"/auth/login"_s,
                 { { u"username"_s, u"nobody"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(unknown.errorCode(), u"invalid_credentials"_s); // same answer: no user enumeration
}

void tst_Api::usernamesAreUniqueAndValidated()
{
    TestServer s;
    QVERIFY(s.signUp(u"bob"_s).id);
    const auto dup = s.post(api + u"/auth/register"_s,
                            { { u"username"_s, u"bob"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(dup.status, 409);
    QCOMPARE(dup.errorCode(), u"username_taken"_s);
    const auto bad = s.post(api + u"/auth/register"_s,
                            { { u"username"_s, u"Bob!"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.json()[u"error"_s][u"field"_s].toString(), u"username"_s);
}

void tst_Api::loginFailuresAreRateLimited()
{
    TestServer s;
    QVERIFY(s.signUp(u"carol"_s).id);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(s.post(api + u"/auth/login"_s,
                        { { u"username"_s, u"carol"_s }, { u"password"_s, u"wrong-password"_s } })
                     .status,
                 401);
    }
    const auto limited
        = s.post(api + u"/auth/login"_s,
                 { { u"username"_s, u"carol"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(limited.status, 429);
    QCOMPARE(limited.errorCode(), u"rate_limited"_s);
    QVERIFY(limited.header("retry-after").toInt() > 0);
    // The window passes: the right password works again.
    s.advanceClock(16 * 60 * 1000);
    QCOMPARE(s.post(api + u"/auth/login"_s,
                    { { u"username"_s, u"carol"_s }, { u"password"_s, u"password123"_s } })
                 .status,
             200);
}

void tst_Api::sessionsExpire()
{
    TestServer s([](server::ServerConfig &c) { c.sessionTtlDays = 1; });
    const auto a = s.signUp(u"dave"_s);
    QCOMPARE(s.get(api + u"/users/me"_s, a.token).status, 200);
    s.advanceClock(25LL * 3600 * 1000);
    QCOMPARE(s.get(api + u"/users/me"_s, a.token).status, 401);
}

void tst_Api::severalDevicesHaveIndependentSessions()
{
    TestServer s;
    const auto phone = s.signUp(u"erin"_s);
    const auto laptop = s.post(api + u"/auth/login"_s,
                               { { u"username"_s, u"erin"_s },
                                 { u"password"_s, u"password123"_s },
                                 { u"deviceName"_s, u"laptop"_s } });
    const QString laptopToken = laptop.json()[u"token"_s].toString();
    QVERIFY(laptopToken != phone.token);
    QCOMPARE(s.request("POST", api + u"/auth/logout"_s, {}, phone.token).status, 204);
    QCOMPARE(s.get(api + u"/users/me"_s, phone.token).status, 401);
    QCOMPARE(s.get(api + u"/users/me"_s, laptopToken).status, 200);
}

void tst_Api::profileAndUserList()
{
    TestServer s;
    const auto a = s.signUp(u"frank"_s);
    s.signUp(u"fiona"_s);
    s.signUp(u"george"_s);
    const auto p = s.patch(api + u"/users/me"_s, { { u"statusText"_s, u"at lunch"_s } }, a.token);
    QCOMPARE(p.status, 200);
    QCOMPARE(p.json()[u"statusText"_s].toString(), u"at lunch"_s);
    QCOMPARE(s.get(api + u"/users/%1"_s.arg(a.id), a.token).json()[u"statusText"_s].toString(),
             u"at lunch"_s);
    const auto list = s.get(api + u"/users?q=f"_s, a.token);
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json()[u"users"_s].toArray().size(), 2);
    QCOMPARE(s.get(api + u"/users?q=%25"_s, a.token).json()[u"users"_s].toArray().size(), 0);
    QCOMPARE(s.get(api + u"/users/999"_s, a.token).errorCode(), u"user_not_found"_s);
}

void tst_Api::roomLifeCycle()
{
    TestServer s;
    const auto owner = s.signUp(u"olive"_s);
    const auto guest = s.signUp(u"gus"_s);
    const auto created
        = s.post(api + u"/rooms"_s,
                 { { u"name"_s, u"general"_s }, { u"topic"_s, u"all things"_s } }, owner.token);
    QCOMPARE(created.status, 201);
    const qint64 id = created.json()[u"id"_s].toInteger();
    QCOMPARE(created.json()[u"lastSeq"_s].toInteger(), 2); // room_create + member_join

    QCOMPARE(s.request("POST", rooms(id, u"/join"_s), {}, guest.token).status, 200);
    QCOMPARE(s.request("POST", rooms(id, u"/join"_s), {}, guest.token).status, 200); // idempotent
    auto members = s.get(rooms(id, u"/members"_s), owner.token).json()[u"members"_s].toArray();
    QCOMPARE(members.size(), 2);
    QCOMPARE(members[0].toObject()[u"role"_s].toString(), u"owner"_s);

    const auto upd = s.patch(rooms(id), { { u"topic"_s, u"new topic"_s } }, owner.token);
    QCOMPARE(upd.status, 200);
    QCOMPARE(upd.json()[u"topic"_s].toString(), u"new topic"_s);
    QCOMPARE(s.patch(rooms(id), { { u"topic"_s, u"mine now"_s } }, guest.token).errorCode(),
             u"forbidden"_s);

    const auto listing = s.get(api + u"/rooms"_s, guest.token).json();
    QCOMPARE(listing[u"joined"_s].toArray().size(), 1);

    QCOMPARE(s.request("POST", rooms(id, u"/leave"_s), {}, owner.token).errorCode(), u"conflict"_s);
    QCOMPARE(s.request("POST", rooms(id, u"/leave"_s), {}, guest.token).status, 204);
    QCOMPARE(s.request("POST", rooms(id, u"/leave"_s), {}, guest.token).errorCode(),
             u"not_member"_s);

    const auto events = s.get(rooms(id, u"/events"_s), owner.token).json()[u"events"_s].toArray();
    QStringList types;
    for (const auto &e : events)
        types.append(e.toObject()[u"type"_s].toString());
    QCOMPARE(types,
             (QStringList { u"room_create"_s, u"member_join"_s, u"member_join"_s, u"room_update"_s,
                            u"member_leave"_s }));
    QCOMPARE(seqs(events), (QList<qint64> { 1, 2, 3, 4, 5 }));

    QCOMPARE(s.request("DELETE", rooms(id), {}, guest.token).errorCode(), u"forbidden"_s);
    QCOMPARE(s.request("DELETE", rooms(id), {}, owner.token).status, 204);
    QCOMPARE(s.get(rooms(id), owner.token).errorCode(), u"room_not_found"_s);
    QCOMPARE(s.post(rooms(id, u"/messages"_s), msg(u"x"_s, u"hello?"_s), owner.token).errorCode(),
             u"room_not_found"_s);
}

void tst_Api::historyPagesBothWays()
{
    TestServer s;
    const auto a = s.signUp(u"hank"_s);
    const qint64 id = s.createRoom(a.token, u"log"_s);
    for (int i = 0; i < 12; ++i)
        QCOMPARE(s.post(rooms(id, u"/messages"_s), msg(u"m%1"_s.arg(i), u"n%1"_s.arg(i)), a.token)
                     .status,
                 201);
    // 14 events: room_create, member_join, 12 messages.
    auto newest = s.get(rooms(id, u"/events?limit=5"_s), a.token).json();
    QCOMPARE(seqs(newest[u"events"_s].toArray()), (QList<qint64> { 10, 11, 12, 13, 14 }));
    QVERIFY(newest[u"hasMore"_s].toBool());
    QCOMPARE(newest[u"lastSeq"_s].toInteger(), 14);
    auto older = s.get(rooms(id, u"/events?before=10&limit=5"_s), a.token).json();
    QCOMPARE(seqs(older[u"events"_s].toArray()), (QList<qint64> { 5, 6, 7, 8, 9 }));
    auto oldest = s.get(rooms(id, u"/events?before=5&limit=5"_s), a.token).json();
    QCOMPARE(seqs(oldest[u"events"_s].toArray()), (QList<qint64> { 1, 2, 3, 4 }));
    QVERIFY(!oldest[u"hasMore"_s].toBool());
    auto after = s.get(rooms(id, u"/events?after=11"_s), a.token).json();
    QCOMPARE(seqs(after[u"events"_s].toArray()), (QList<qint64> { 12, 13, 14 }));
    QVERIFY(!after[u"hasMore"_s].toBool());
    QCOMPARE(s.get(rooms(id, u"/events?after=1&before=5"_s), a.token).errorCode(),
             u"invalid_value"_s);
    QCOMPARE(s.get(rooms(id, u"/events?limit=0"_s), a.token).errorCode(), u"invalid_value"_s);
    QCOMPARE(s.get(rooms(id, u"/events?limit=201"_s), a.token).errorCode(), u"invalid_value"_s);
    QCOMPARE(s.get(rooms(id, u"/events?after=abc"_s), a.token).errorCode(), u"invalid_value"_s);
}

void tst_Api::sendIsIdempotentPerUser()
{
    TestServer s;
    const auto a = s.signUp(u"ivy"_s);
    const auto b = s.signUp(u"jack"_s);
    const qint64 id = s.createRoom(a.token, u"r"_s);
    s.request("POST", rooms(id, u"/join"_s), {}, b.token);
    const auto first = s.post(rooms(id, u"/messages"_s), msg(u"same-id"_s, u"hi"_s), a.token);
    QCOMPARE(first.status, 201);
    const auto again = s.post(rooms(id, u"/messages"_s), msg(u"same-id"_s, u"hi"_s), a.token);
    QCOMPARE(again.status, 200);
    QVERIFY(again.json()[u"duplicate"_s].toBool());
    QCOMPARE(again.json()[u"eventId"_s], first.json()[u"eventId"_s]);
    QCOMPARE(again.json()[u"seq"_s], first.json()[u"seq"_s]);
    // Another user's identical clientMsgId is a different message.
    QCOMPARE(s.post(rooms(id, u"/messages"_s), msg(u"same-id"_s, u"hi"_s), b.token).status, 201);
    const auto page = s.get(rooms(id, u"/events?after=3"_s), a.token).json()[u"events"_s].toArray();
    QCOMPARE(page.size(), 2);
    QCOMPARE(seqs(page), (QList<qint64> { 4, 5 })); // the retry took no seq

    // The same clientMsgId for another room is refused, and takes nothing there either.
    const qint64 other = s.createRoom(a.token, u"other"_s);
    const auto reused = s.post(rooms(other, u"/messages"_s), msg(u"same-id"_s, u"hi"_s), a.token);
    QCOMPARE(reused.status, 409);
    QCOMPARE(reused.errorCode(), u"conflict"_s);
    const auto fresh = s.post(rooms(other, u"/messages"_s), msg(u"new-id"_s, u"hi"_s), a.token);
    QCOMPARE(fresh.json()[u"seq"_s].toInteger(), 3); // room_create, member_join, this

    // A retry that arrives after its sender left still gets the original ack; a new message
    // from someone who is not in the room does not get in.
    QCOMPARE(s.request("POST", rooms(id, u"/leave"_s), {}, b.token).status, 204);
    const auto late = s.post(rooms(id, u"/messages"_s), msg(u"same-id"_s, u"hi"_s), b.token);
    QCOMPARE(late.status, 200);
    QVERIFY(late.json()[u"duplicate"_s].toBool());
    QCOMPARE(late.json()[u"seq"_s].toInteger(), 5);
    QCOMPARE(s.post(rooms(id, u"/messages"_s), msg(u"b-2"_s, u"hi"_s), b.token).errorCode(),
             u"not_member"_s);
    QCOMPARE(s.post(rooms(id + 1000, u"/messages"_s), msg(u"b-3"_s, u"hi"_s), b.token).errorCode(),
             u"room_not_found"_s);
    const auto after = s.get(rooms(id, u"/events?after=5"_s), a.token).json()[u"events"_s].toArray();
    QCOMPARE(after.size(), 1); // b's member_leave, nothing else
    QCOMPARE(after[0].toObject()[u"type"_s].toString(), u"member_leave"_s);
}

void tst_Api::editAndDeleteAreEventsAndDeleteRedacts()
{
    TestServer s;
    const auto a = s.signUp(u"kate"_s);
    const auto b = s.signUp(u"liam"_s);
    const qint64 id = s.createRoom(a.token, u"r"_s);
    s.request("POST", rooms(id, u"/join"_s), {}, b.token);
    const qint64 eventId
        = s.post(rooms(id, u"/messages"_s), msg(u"c1"_s, u"secret typo"_s), a.token)
              .json()[u"eventId"_s]
              .toInteger();
    const QString path = rooms(id, u"/messages/%1"_s.arg(eventId));
    QCOMPARE(s.patch(path, { { u"body"_s, u"fixed"_s } }, b.token).errorCode(), u"forbidden"_s);
    const auto edit = s.patch(path, { { u"body"_s, u"secret fixed"_s } }, a.token);
    QCOMPARE(edit.status, 200);
    QCOMPARE(edit.json()[u"type"_s].toString(), u"edit"_s);
    QCOMPARE(s.request("DELETE", path, {}, b.token).errorCode(), u"forbidden"_s);
    const auto del = s.request("DELETE", path, {}, a.token);
    QCOMPARE(del.status, 200);
    QCOMPARE(del.json()[u"type"_s].toString(), u"delete"_s);
    QCOMPARE(s.request("DELETE", path, {}, a.token).errorCode(), u"event_not_found"_s);
    QCOMPARE(s.patch(path, { { u"body"_s, u"again"_s } }, a.token).errorCode(),
             u"event_not_found"_s);
    // The bodies are gone from storage: neither the message nor its edit still says "secret".
    const auto history = s.get(rooms(id, u"/events"_s), a.token);
    QVERIFY(!history.body.contains("secret"));
    QVERIFY(history.body.contains(R"("redacted":true)"));
}

void tst_Api::authorizationMatrix()
{
    TestServer s;
    const auto owner = s.signUp(u"mia"_s);
    const auto member = s.signUp(u"ned"_s);
    const auto outsider = s.signUp(u"oscar"_s);
    const qint64 priv = s.createRoom(owner.token, u"secret"_s, u"private"_s);
    QVERIFY(priv);
    QCOMPARE(s.post(rooms(priv, u"/invite"_s), { { u"userId"_s, member.id } }, owner.token).status,
             200);
    const qint64 eventId
        = s.post(rooms(priv, u"/messages"_s), msg(u"c"_s, u"inside"_s), member.token)
              .json()[u"eventId"_s]
              .toInteger();
    QVERIFY(eventId);
    const qint64 lastSeq = s.get(rooms(priv), owner.token).json()[u"lastSeq"_s].toInteger();

    // The outsider can neither see, read, post, list members, join, invite nor edit.
    QCOMPARE(s.get(rooms(priv), outsider.token).errorCode(), u"not_member"_s);
    QCOMPARE(s.get(rooms(priv, u"/events"_s), outsider.token).errorCode(), u"not_member"_s);
    QCOMPARE(s.get(rooms(priv, u"/members"_s), outsider.token).errorCode(), u"not_member"_s);
    QCOMPARE(s.post(rooms(priv, u"/messages"_s), msg(u"x"_s, u"let me in"_s), outsider.token)
                 .errorCode(),
             u"not_member"_s);
    QCOMPARE(s.request("POST", rooms(priv, u"/join"_s), {}, outsider.token).errorCode(),
             u"forbidden"_s);
    QCOMPARE(s.post(rooms(priv, u"/invite"_s), { { u"userId"_s, outsider.id } }, outsider.token)
                 .errorCode(),
             u"not_member"_s);
    QCOMPARE(s.patch(rooms(priv, u"/messages/%1"_s.arg(eventId)), { { u"body"_s, u"x"_s } },
                     outsider.token)
                 .errorCode(),
             u"not_member"_s);
    QVERIFY(!s.get(api + u"/rooms"_s, outsider.token).body.contains("secret"));
    // ...nor react, move a read marker, reply to it from a room of their own, or find it.
    QCOMPARE(s.post(rooms(priv, u"/messages/%1/reactions"_s.arg(eventId)), { { u"key"_s, u"👍"_s } },
                    outsider.token)
                 .errorCode(),
             u"not_member"_s);
    QCOMPARE(s.request("DELETE", rooms(priv, u"/messages/%1/reactions/x"_s.arg(eventId)), {},
                       outsider.token)
                 .errorCode(),
             u"not_member"_s);
    QCOMPARE(s.post(rooms(priv, u"/read"_s), { { u"seq"_s, 1 } }, outsider.token).errorCode(),
             u"not_member"_s);
    const qint64 own = s.createRoom(outsider.token, u"mine"_s);
    QJsonObject reply = msg(u"r"_s, u"re: inside"_s);
    reply.insert(u"replyTo"_s, eventId);
    QCOMPARE(s.post(rooms(own, u"/messages"_s), reply, outsider.token).errorCode(),
             u"event_not_found"_s);
    QCOMPARE(s.get(api + u"/search?q=inside"_s, outsider.token).json()[u"results"_s].toArray().size(),
             0);
    QCOMPARE(s.get(api + u"/search?q=inside&roomId=%1"_s.arg(priv), outsider.token).errorCode(),
             u"not_member"_s);
    QCOMPARE(s.get(api + u"/search?q=inside"_s, member.token).json()[u"results"_s].toArray().size(),
             1); // the member finds it: the filter is membership, not luck
    // The owner (not the author) may delete, the member may not edit others' messages... here
    // the member is the author; the owner cannot edit it.
    QCOMPARE(
        s.patch(rooms(priv, u"/messages/%1"_s.arg(eventId)), { { u"body"_s, u"x"_s } }, owner.token)
            .errorCode(),
        u"forbidden"_s);
    // Nothing above changed the room.
    QCOMPARE(s.get(rooms(priv), owner.token).json()[u"lastSeq"_s].toInteger(), lastSeq);
    QCOMPARE(
        s.request("DELETE", rooms(priv, u"/messages/%1"_s.arg(eventId)), {}, owner.token).status,
        200);
    // Unauthenticated: 401 everywhere.
    QCOMPARE(s.get(rooms(priv)).status, 401);
    QCOMPARE(s.get(api + u"/rooms"_s, u"not-a-token"_s).status, 401);
}

void tst_Api::directRoomsAreCreatedOnce()
{
    TestServer s;
    const auto a = s.signUp(u"pam"_s);
    const auto b = s.signUp(u"quinn"_s);
    const auto first = s.request("POST", api + u"/users/%1/dm"_s.arg(b.id), {}, a.token);
    QCOMPARE(first.status, 201);
    QCOMPARE(first.json()[u"visibility"_s].toString(), u"direct"_s);
    const auto second = s.request("POST", api + u"/users/%1/dm"_s.arg(a.id), {}, b.token);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.json()[u"id"_s], first.json()[u"id"_s]);
    QCOMPARE(s.request("POST", api + u"/users/%1/dm"_s.arg(a.id), {}, a.token).errorCode(),
             u"invalid_value"_s);
    const qint64 dm = first.json()[u"id"_s].toInteger();
    const auto c = s.signUp(u"rita"_s);
    QCOMPARE(s.post(rooms(dm, u"/invite"_s), { { u"userId"_s, c.id } }, a.token).errorCode(),
             u"forbidden"_s);
    QCOMPARE(s.get(rooms(dm, u"/events"_s), c.token).errorCode(), u"not_member"_s);
}

void tst_Api::ownerMakesAdminsAndAdminsModerate()
{
    TestServer s;
    const auto owner = s.signUp(u"uri"_s);
    const auto mod = s.signUp(u"val"_s);
    const auto user = s.signUp(u"wes"_s);
    const qint64 id = s.createRoom(owner.token, u"moderated"_s);
    s.request("POST", rooms(id, u"/join"_s), {}, mod.token);
    s.request("POST", rooms(id, u"/join"_s), {}, user.token);
    const qint64 msgId = s.post(rooms(id, u"/messages"_s), msg(u"c"_s, u"spam"_s), user.token)
                             .json()[u"eventId"_s]
                             .toInteger();
    const QString modPath = rooms(id, u"/members/%1"_s.arg(mod.id));
    // Before promotion the member can do neither.
    QCOMPARE(s.patch(rooms(id), { { u"topic"_s, u"t"_s } }, mod.token).errorCode(), u"forbidden"_s);
    QCOMPARE(
        s.request("DELETE", rooms(id, u"/messages/%1"_s.arg(msgId)), {}, mod.token).errorCode(),
        u"forbidden"_s);
    // Only the owner grants roles; the owner's own role is fixed.
    QCOMPARE(s.patch(modPath, { { u"role"_s, u"admin"_s } }, user.token).errorCode(),
             u"forbidden"_s);
    QCOMPARE(s.patch(rooms(id, u"/members/%1"_s.arg(owner.id)), { { u"role"_s, u"member"_s } },
                     owner.token)
                 .errorCode(),
             u"conflict"_s);
    QCOMPARE(s.patch(modPath, { { u"role"_s, u"owner"_s } }, owner.token).errorCode(),
             u"invalid_value"_s);
    const auto promoted = s.patch(modPath, { { u"role"_s, u"admin"_s } }, owner.token);
    QCOMPARE(promoted.status, 200);
    QCOMPARE(promoted.json()[u"role"_s].toString(), u"admin"_s);
    QCOMPARE(s.patch(rooms(id), { { u"topic"_s, u"rules apply"_s } }, mod.token).status, 200);
    QCOMPARE(s.request("DELETE", rooms(id, u"/messages/%1"_s.arg(msgId)), {}, mod.token).status,
             200);
    // The role change is an event in the room's log.
    const auto events = s.get(rooms(id, u"/events"_s), owner.token).json()[u"events"_s].toArray();
    bool found = false;
    for (const auto &e : events)
        found |= e.toObject()[u"type"_s].toString() == u"member_role"_s;
    QVERIFY(found);
}

void tst_Api::badInputIsRefusedAndChangesNothing_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path"); // {room} is replaced by the test room's id
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const auto row = [](const char *name, QByteArray m, QString p, QByteArray b, int st,
                        QString c) { QTest::newRow(name) << m << p << b << st << c; };
    const QString msgs = u"/api/v1/rooms/{room}/messages"_s;
    row("invalid json", "POST", msgs, "{not json", 400, u"invalid_json"_s);
    row("json array", "POST", msgs, "[1,2]", 400, u"invalid_json"_s);
    row("empty body", "POST", msgs, "", 400, u"invalid_json"_s);
    row("invalid utf8", "POST", msgs, "{\"clientMsgId\":\"a\",\"body\":\"\xff\"}", 400,
        u"invalid_utf8"_s);
    row("body wrong type", "POST", msgs, R"({"clientMsgId":"a","body":5})", 400, u"wrong_type"_s);
    row("body missing", "POST", msgs, R"({"clientMsgId":"a"})", 400, u"missing_field"_s);
    row("body too long", "POST", msgs,
        R"({"clientMsgId":"a","body":")" + QByteArray(4001, 'x') + R"("})", 400, u"too_long"_s);
    row("unknown room", "POST", u"/api/v1/rooms/424242/messages"_s,
        R"({"clientMsgId":"a","body":"x"})", 404, u"room_not_found"_s);
    row("room id not a number", "GET", u"/api/v1/rooms/abc"_s, "", 404, u"room_not_found"_s);
    row("room id negative", "GET", u"/api/v1/rooms/-1/events"_s, "", 404, u"room_not_found"_s);
    row("room id huge", "GET", u"/api/v1/rooms/99999999999999999999"_s, "", 404,
        u"room_not_found"_s);
    row("unknown message", "PATCH", u"/api/v1/rooms/{room}/messages/777"_s, R"({"body":"x"})", 404,
        u"event_not_found"_s);
    row("edit a non-message", "PATCH", u"/api/v1/rooms/{room}/messages/1"_s, R"({"body":"x"})", 404,
        u"event_not_found"_s);
    row("create room nameless", "POST", u"/api/v1/rooms"_s, R"({"topic":"t"})", 400,
        u"missing_field"_s);
    row("create room visibility", "POST", u"/api/v1/rooms"_s,
        R"({"name":"n","visibility":"secret"})", 400, u"invalid_value"_s);
    row("patch room empty", "PATCH", u"/api/v1/rooms/{room}"_s, "{}", 400, u"missing_field"_s);
    row("invite unknown user", "POST", u"/api/v1/rooms/{room}/invite"_s, R"({"userId":999})", 404,
        u"user_not_found"_s);
    row("invite userId string", "POST", u"/api/v1/rooms/{room}/invite"_s, R"({"userId":"2"})", 400,
        u"wrong_type"_s);
    row("profile wrong type", "PATCH", u"/api/v1/users/me"_s, R"({"displayName":[]})", 400,
        u"wrong_type"_s);
    row("unknown route", "GET", u"/api/v1/nope"_s, "", 404, u"not_found"_s);
    row("wrong method", "PUT", u"/api/v1/rooms"_s, "{}", 405, u"method_not_allowed"_s);
}

void tst_Api::badInputIsRefusedAndChangesNothing()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    TestServer s;
    const auto a = s.signUp(u"sam"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    const auto before = s.get(rooms(room, u"/events"_s), a.token).body;
    const auto meBefore = s.get(api + u"/users/me"_s, a.token).body;
    const auto r
        = s.request(method, path.replace(u"{room}"_s, QString::number(room)), body, a.token);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    QVERIFY(!r.json()[u"error"_s][u"message"_s].toString().isEmpty());
    QCOMPARE(s.get(rooms(room, u"/events"_s), a.token).body, before);
    QCOMPARE(s.get(api + u"/users/me"_s, a.token).body, meBefore);
}

void tst_Api::everythingSurvivesARestart()
{
    QTemporaryDir dir;
    QString token;
    qint64 room = 0;
    {
        TestServer s([&](server::ServerConfig &c) { c.dataDir = dir.path(); });
        const auto a = s.signUp(u"tina"_s);
        token = a.token;
        room = s.createRoom(token, u"persist"_s);
        QCOMPARE(s.post(rooms(room, u"/messages"_s), msg(u"c1"_s, u"still here"_s), token).status,
                 201);
    }
    TestServer s([&](server::ServerConfig &c) { c.dataDir = dir.path(); });
    const auto page = s.get(rooms(room, u"/events"_s), token); // the session survived too
    QCOMPARE(page.status, 200);
    QVERIFY(page.body.contains("still here"));
    const auto again = s.post(rooms(room, u"/messages"_s), msg(u"c1"_s, u"still here"_s), token);
    QCOMPARE(again.status, 200); // idempotency survives restarts: it is a database key
    QVERIFY(again.json()[u"duplicate"_s].toBool());
}

QTEST_GUILESS_MAIN(tst_Api)
#include "tst_api.moc"
