// Protocol v1 codecs: every malformed input yields the documented error code and no value;
// every valid value survives toJson → fromJson unchanged.
#include "discovery.h"
#include "frames.h"
#include "jsonreader.h"
#include "protocollimits.h"
#include "requests.h"
#include "types.h"

#include <QJsonDocument>
#include <QTest>

using namespace confab;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(confab::ErrorCode)

namespace {

QByteArray big(int n, char c = 'a')
{
    return QByteArray(n, c);
}

QByteArray sendWithBody(const QByteArray &body)
{
    return R"({"type":"send","id":"r1","roomId":1,"clientMsgId":"c1","body":")" + body + R"("})";
}

} // namespace

class tst_Codecs : public QObject
{
    Q_OBJECT

private slots:
    void malformedClientFrames_data();
    void malformedClientFrames();
    void malformedRestBodies_data();
    void malformedRestBodies();
    void malformedServerFrames_data();
    void malformedServerFrames();
    void requestIdIsKnownEvenWhenTheFrameIsRejected();
    void clientFramesRoundTrip();
    void serverFramesRoundTrip();
    void typesRoundTrip();
    void lengthsCountCodePointsNotBytes();
    void everyErrorCodeHasANameAndStatus();
    void lineTextRefusesNamesThatLie_data();
    void lineTextRefusesNamesThatLie();
    void idsAreReadOneWayOnly();
    void announcementNamesAreCutAtCodePoints();
};

void tst_Codecs::lineTextRefusesNamesThatLie_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("accepted");
    const auto row = [](const char *name, const QString &text, bool accepted) {
        QTest::newRow(name) << text << accepted;
    };
    row("plain", u"alice"_s, true);
    row("right-to-left override", u"ali\u202Ece"_s, false);
    row("left-to-right override", u"\u202Dalice"_s, false);
    row("isolate", u"\u2067alice\u2069"_s, false);
    row("rtl mark", u"alice\u200F"_s, false);
    row("arabic letter mark", u"a\u061Cb"_s, false);
    row("zero-width space", u"al\u200Bice"_s, false);
    row("word joiner", u"al\u2060ice"_s, false);
    row("bom", u"\uFEFFalice"_s, false);
    row("soft hyphen", u"al\u00ADice"_s, false);
    row("hangul filler", u"\u3164"_s, false);
    row("tag character", u"alice"_s + QString::fromUcs4(U"\U000E0061"), false);
    row("zwj between ascii", u"ali\u200Dce"_s, false);
    row("zwj at the end", QString::fromUcs4(U"\U0001F468\u200D"), false);
    // What real names need:
    row("emoji family (zwj)", QString::fromUcs4(U"\U0001F468\u200D\U0001F469\u200D\U0001F467"),
        true);
    row("persian (zwnj)", u"\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"_s, true);
    row("hebrew", u"\u05E9\u05DC\u05D5\u05DD"_s, true);
    row("flag", QString::fromUcs4(U"\U0001F1E9\U0001F1EA"), true);
}

void tst_Codecs::lineTextRefusesNamesThatLie()
{
    QFETCH(QString, text);
    QFETCH(bool, accepted);
    const auto error = checkTextValue(text, { 1, 64, TextKind::Line }, u"displayName"_s);
    QCOMPARE(!error.has_value(), accepted);
    if (error) {
        QCOMPARE(error->code, ErrorCode::InvalidValue);
        QCOMPARE(error->field, u"displayName"_s);
    }
    // Message bodies keep such characters (right-to-left languages use the marks).
    QVERIFY(!checkTextValue(text, { 1, 64, TextKind::Multiline }, u"body"_s));
}

void tst_Codecs::idsAreReadOneWayOnly()
{
    QCOMPARE(parseCanonicalInteger(u"1", 1, 100), 1);
    QCOMPARE(parseCanonicalInteger(u"100", 1, 100), 100);
    QCOMPARE(parseCanonicalInteger(u"0", 0, 100), 0);
    for (const QString &bad : { u""_s, u"01"_s, u"+1"_s, u"-1"_s, u" 1"_s, u"1 "_s, u"1\n"_s,
                                u"1\u0000junk"_s, u"0x1"_s, u"1e2"_s, u"\u0661"_s /* Arabic 1 */,
                                u"101"_s, u"9999999999999999999"_s })
        QVERIFY2(!parseCanonicalInteger(bad, 1, 100), qPrintable(bad));
    QVERIFY(!parseCanonicalInteger(u"0", 1, 100));
}

void tst_Codecs::announcementNamesAreCutAtCodePoints()
{
    // 63 ASCII letters and an emoji: cutting at 64 UTF-16 units would split the emoji.
    QString name = QString(63, u'a') + QString::fromUcs4(U"\U0001F600\U0001F600");
    auto parsed = discovery::parseAnnouncement(
        discovery::encodeAnnouncement({ name, 7080, u"0.1.0"_s, 1, false, {} }));
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(parsed->name, QString(63, u'a') + QString::fromUcs4(U"\U0001F600"));
    // 70 emoji: the first 64 of them, every one whole, within the anti-amplification size.
    QString emoji;
    for (int i = 0; i < 70; ++i)
        emoji += QString::fromUcs4(U"\U0001F600");
    // With the certificate's fingerprint, the longest announcement there is.
    const QByteArray bytes = discovery::encodeAnnouncement(
        { emoji, 7080, u"0.1.0"_s, 1, true, u"88:C3:CD:7E:59:B6:54:E9:5F:01:3A:49:0E:B2:70:C4:49:AC:6C:FA:B4:76:7E:F9:9F:9D:15:F7:C9:50:B1:7C"_s });
    QVERIFY(bytes.size() < discovery::QueryBytes);
    parsed = discovery::parseAnnouncement(bytes);
    QVERIFY(parsed);
    QCOMPARE(codePointLength(parsed->name), 64);
}

void tst_Codecs::malformedClientFrames_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("field");

    const auto row = [](const char *name, QByteArray in, ErrorCode code, QString field = {}) {
        QTest::newRow(name) << in << code << field;
    };
    // not JSON / not an object
    row("empty", "", ErrorCode::InvalidJson);
    row("garbage", "hello", ErrorCode::InvalidJson);
    row("truncated", R"({"type":"send","roomId":1)", ErrorCode::InvalidJson);
    row("array", R"([{"type":"ping"}])", ErrorCode::InvalidJson);
    row("string", R"("ping")", ErrorCode::InvalidJson);
    row("number", "42", ErrorCode::InvalidJson);
    row("trailing junk", R"({"type":"ping"}xyz)", ErrorCode::InvalidJson);
    row("nested junk 2000 deep", QByteArray(2000, '[') + QByteArray(2000, ']'),
        ErrorCode::InvalidJson);
    // encoding and size
    row("invalid utf8 in string", "{\"type\":\"send\",\"body\":\"\xff\xfe\"}",
        ErrorCode::InvalidUtf8);
    row("invalid utf8 overlong", "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}", ErrorCode::InvalidUtf8);
    row("lone surrogate escape", sendWithBody("\\ud800"), ErrorCode::InvalidUtf8, u"body"_s);
    row("frame over 64 KiB", sendWithBody(big(int(limits::FrameBytesMax))),
        ErrorCode::PayloadTooLarge);
    // type
    row("missing type", R"({"id":"1"})", ErrorCode::MissingField, u"type"_s);
    row("type is number", R"({"type":7})", ErrorCode::WrongType, u"type"_s);
    row("type is null", R"({"type":null})", ErrorCode::MissingField, u"type"_s);
    row("unknown type", R"({"type":"launch_missiles"})", ErrorCode::UnknownType, u"type"_s);
    row("type case matters", R"({"type":"SEND"})", ErrorCode::UnknownType, u"type"_s);
    row("id is object", R"({"type":"ping","id":{"a":1}})", ErrorCode::WrongType, u"id"_s);
    row("id too long", R"({"type":"ping","id":")" + big(65) + R"("})", ErrorCode::TooLong, u"id"_s);
    // auth
    row("auth without token", R"({"type":"auth"})", ErrorCode::MissingField, u"token"_s);
    row("auth token with spaces", R"({"type":"auth","token":"a b"})", ErrorCode::InvalidValue,
        u"token"_s);
    // send
    row("send missing roomId", R"({"type":"send","clientMsgId":"c","body":"x"})",
        ErrorCode::MissingField, u"roomId"_s);
    row("send roomId string", R"({"type":"send","roomId":"1","clientMsgId":"c","body":"x"})",
        ErrorCode::WrongType, u"roomId"_s);
    row("send roomId negative", R"({"type":"send","roomId":-1,"clientMsgId":"c","body":"x"})",
        ErrorCode::InvalidValue, u"roomId"_s);
    row("send roomId fractional", R"({"type":"send","roomId":1.5,"clientMsgId":"c","body":"x"})",
        ErrorCode::InvalidValue, u"roomId"_s);
    row("send roomId huge", R"({"type":"send","roomId":1e300,"clientMsgId":"c","body":"x"})",
        ErrorCode::InvalidValue, u"roomId"_s);
    row("send roomId beyond 2^53",
        R"({"type":"send","roomId":9007199254740993,"clientMsgId":"c","body":"x"})",
        ErrorCode::InvalidValue, u"roomId"_s);
    row("send empty body", sendWithBody(""), ErrorCode::InvalidValue, u"body"_s);
    row("send body too long", sendWithBody(big(limits::MessageBodyMax + 1)), ErrorCode::TooLong,
        u"body"_s);
    row("send body is array", R"({"type":"send","roomId":1,"clientMsgId":"c","body":["x"]})",
        ErrorCode::WrongType, u"body"_s);
    row("send body control char", sendWithBody("a\\u0007b"), ErrorCode::InvalidValue, u"body"_s);
    row("send missing clientMsgId", R"({"type":"send","roomId":1,"body":"x"})",
        ErrorCode::MissingField, u"clientMsgId"_s);
    row("send clientMsgId bad chars",
        R"({"type":"send","roomId":1,"clientMsgId":"a/b","body":"x"})", ErrorCode::InvalidValue,
        u"clientMsgId"_s);
    row("send clientMsgId too long",
        R"({"type":"send","roomId":1,"clientMsgId":")" + big(65) + R"(","body":"x"})",
        ErrorCode::TooLong, u"clientMsgId"_s);
    // resume
    row("resume rooms not array", R"({"type":"resume","rooms":{}})", ErrorCode::WrongType,
        u"rooms"_s);
    row("resume cursor not object", R"({"type":"resume","rooms":[1]})", ErrorCode::WrongType,
        u"rooms[0]"_s);
    row("resume cursor missing seq", R"({"type":"resume","rooms":[{"roomId":1}]})",
        ErrorCode::MissingField, u"rooms[0].lastSeq"_s);
    row("resume seq negative", R"({"type":"resume","rooms":[{"roomId":1,"lastSeq":-5}]})",
        ErrorCode::InvalidValue, u"rooms[0].lastSeq"_s);
    {
        QByteArray many = R"({"type":"resume","rooms":[)";
        for (int i = 0; i <= limits::ResumeRoomsMax; ++i)
            many += (i ? "," : "") + QByteArray(R"({"roomId":1,"lastSeq":0})");
        many += "]}";
        row("resume too many rooms", many, ErrorCode::TooLong, u"rooms"_s);
    }
    // typing / presence / ping
    row("typing active is string", R"({"type":"typing","roomId":1,"active":"yes"})",
        ErrorCode::WrongType, u"active"_s);
    row("presence offline not settable", R"({"type":"presence","status":"offline"})",
        ErrorCode::InvalidValue, u"status"_s);
    row("ping ts is string", R"({"type":"ping","ts":"now"})", ErrorCode::WrongType, u"ts"_s);
}

void tst_Codecs::malformedClientFrames()
{
    QFETCH(QByteArray, input);
    QFETCH(ErrorCode, code);
    QFETCH(QString, field);
    const auto parsed = parseClientFrame(input);
    QVERIFY2(!parsed.ok(), "malformed frame was accepted");
    QCOMPARE(errorCodeName(parsed.error().code), errorCodeName(code));
    if (!field.isEmpty())
        QCOMPARE(parsed.error().field, field);
    QVERIFY(!parsed.error().message.isEmpty());
}

void tst_Codecs::malformedRestBodies_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("field");
    const auto row
        = [](const char *name, const char *kind, QByteArray in, ErrorCode code, QString field) {
              QTest::newRow(name) << QString::fromLatin1(kind) << in << code << field;
          };
    row("register uppercase", "register", R"({"username":"Alice","password":"secret123"})",
        ErrorCode::InvalidValue, u"username"_s);
    row("register starts with digit", "register", R"({"username":"1al","password":"secret123"})",
        ErrorCode::InvalidValue, u"username"_s);
    row("register short username", "register", R"({"username":"al","password":"secret123"})",
        ErrorCode::InvalidValue, u"username"_s);
    row("register long username", "register",
        R"({"username":")" + big(33) + R"(","password":"secret123"})", ErrorCode::TooLong,
        u"username"_s);
    row("register short password", "register", R"({"username":"alice","password":"short"})",
        ErrorCode::InvalidValue, u"password"_s);
    row("register password number", "register", R"({"username":"alice","password":12345678})",
        ErrorCode::WrongType, u"password"_s);
    row("login missing password", "login", R"({"username":"alice"})", ErrorCode::MissingField,
        u"password"_s);
    row("profile patch empty", "profile", R"({})", ErrorCode::MissingField, u"displayName"_s);
    row("profile status too long", "profile", R"({"statusText":")" + big(141) + R"("})",
        ErrorCode::TooLong, u"statusText"_s);
    row("room empty name", "room", R"({"name":""})", ErrorCode::InvalidValue, u"name"_s);
    row("room direct not creatable", "room", R"({"name":"x","visibility":"direct"})",
        ErrorCode::InvalidValue, u"visibility"_s);
    row("room name with newline", "room", R"({"name":"a\nb"})", ErrorCode::InvalidValue, u"name"_s);
    row("room patch nothing", "roompatch", R"({"other":1})", ErrorCode::MissingField, u"name"_s);
    row("invite userId zero", "invite", R"({"userId":0})", ErrorCode::InvalidValue, u"userId"_s);
    row("message body bool", "message", R"({"clientMsgId":"c","body":true})", ErrorCode::WrongType,
        u"body"_s);
    row("edit body missing", "edit", R"({})", ErrorCode::MissingField, u"body"_s);
    row("role owner not grantable", "role", R"({"role":"owner"})", ErrorCode::InvalidValue,
        u"role"_s);
}

void tst_Codecs::malformedRestBodies()
{
    QFETCH(QString, kind);
    QFETCH(QByteArray, input);
    QFETCH(ErrorCode, code);
    QFETCH(QString, field);
    auto object = parseJsonObject(input, limits::HttpBodyBytesMax);
    QVERIFY(object.ok());
    std::optional<Error> err;
    const auto check = [&](const auto &result) {
        if (!result.ok())
            err = result.error();
    };
    if (kind == u"register")
        check(RegisterRequest::fromJson(*object));
    else if (kind == u"login")
        check(LoginRequest::fromJson(*object));
    else if (kind == u"profile")
        check(ProfilePatch::fromJson(*object));
    else if (kind == u"room")
        check(CreateRoomRequest::fromJson(*object));
    else if (kind == u"roompatch")
        check(RoomPatch::fromJson(*object));
    else if (kind == u"invite")
        check(InviteRequest::fromJson(*object));
    else if (kind == u"message")
        check(SendMessageRequest::fromJson(*object));
    else if (kind == u"edit")
        check(EditMessageRequest::fromJson(*object));
    else if (kind == u"role")
        check(RoleChangeRequest::fromJson(*object));
    else
        QFAIL("unknown kind");
    QVERIFY2(err.has_value(), "malformed body was accepted");
    QCOMPARE(errorCodeName(err->code), errorCodeName(code));
    QCOMPARE(err->field, field);
}

void tst_Codecs::malformedServerFrames_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("field");
    const auto row = [](const char *name, QByteArray in, ErrorCode code, QString field) {
        QTest::newRow(name) << in << code << field;
    };
    row("event with unknown event type",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":1,"type":"nuke","senderId":1,"ts":0,"content":{}}})",
        ErrorCode::UnknownType, u"event.type"_s);
    row("message event without body",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":1,"type":"message","senderId":1,"ts":0,"content":{}}})",
        ErrorCode::MissingField, u"event.content.body"_s);
    row("edit event without target",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":1,"type":"edit","senderId":1,"ts":0,"content":{"body":"x"}}})",
        ErrorCode::MissingField, u"event.content.targetId"_s);
    row("event seq zero",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":0,"type":"delete","senderId":1,"ts":0,"content":{"targetId":3}}})",
        ErrorCode::InvalidValue, u"event.seq"_s);
    row("member_role with owner role",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":3,"type":"member_role","senderId":1,"ts":0,"content":{"userId":2,"role":"owner"}}})",
        ErrorCode::InvalidValue, u"event.content.role"_s);
    row("reaction without key",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":3,"type":"reaction","senderId":1,"ts":0,"content":{"targetId":2}}})",
        ErrorCode::MissingField, u"event.content.key"_s);
    row("reaction_remove with a padded key",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":3,"type":"reaction_remove","senderId":1,"ts":0,"content":{"targetId":2,"key":"x "}}})",
        ErrorCode::InvalidValue, u"event.content.key"_s);
    row("reaction with a 17 code point key",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":3,"type":"reaction","senderId":1,"ts":0,"content":{"targetId":2,"key":"xxxxxxxxxxxxxxxxx"}}})",
        ErrorCode::TooLong, u"event.content.key"_s);
    row("redacted message with a body",
        R"({"type":"event","event":{"id":1,"roomId":1,"seq":3,"type":"message","senderId":1,"ts":0,"content":{"redacted":true,"body":"x"}}})",
        ErrorCode::InvalidValue, u"event.content.body"_s);
    row("ack without eventId",
        R"({"type":"ack","ack":{"clientMsgId":"c","roomId":1,"seq":1,"ts":1,"duplicate":false}})",
        ErrorCode::MissingField, u"ack.eventId"_s);
    row("resumed bad status",
        R"({"type":"resumed","rooms":[{"roomId":1,"status":"maybe","fromSeq":0,"toSeq":0}]})",
        ErrorCode::InvalidValue, u"rooms[0].status"_s);
    row("error without code", R"({"type":"error","error":{"message":"x"}})",
        ErrorCode::InvalidValue, u"error"_s);
}

void tst_Codecs::malformedServerFrames()
{
    QFETCH(QByteArray, input);
    QFETCH(ErrorCode, code);
    QFETCH(QString, field);
    const auto parsed = parseServerFrame(input);
    QVERIFY(!parsed.ok());
    QCOMPARE(errorCodeName(parsed.error().code), errorCodeName(code));
    QCOMPARE(parsed.error().field, field);
}

void tst_Codecs::requestIdIsKnownEvenWhenTheFrameIsRejected()
{
    QString id;
    const auto parsed = parseClientFrame(R"({"type":"send","id":"req-7","roomId":"x"})", &id);
    QVERIFY(!parsed.ok());
    QCOMPARE(id, u"req-7"_s);
}

void tst_Codecs::clientFramesRoundTrip()
{
    const QList<ClientFrame> frames {
        { u"a1"_s, AuthFrame { u"tok_en-123"_s } },
        { u"s1"_s,
          SendFrame { 42, u"c-1"_s, u"héllo 👋\nworld"_s,
                      u"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"_s, 0, {} } },
        { u"s2"_s, SendFrame { 42, u"c-2"_s, u"agreed"_s, {}, 100, {} } }, // a reply
        { u"s3"_s, SendFrame { 42, u"c-3"_s, {}, {}, 0, u"0123456789abcdef0123456789abcdef"_s } },
        { {}, ResumeFrame { u"ep0ch"_s, { { 1, 10 }, { 2, 0 } } } },
        { {}, TypingFrame { 3, true } },
        { {}, PresenceFrame { PresenceStatus::Away } },
        { u"p"_s, PingFrame { 123456 } },
        { u"r1"_s, ReadFrame { 3, 42 } },
    };
    for (const auto &frame : frames) {
        const QByteArray wire = encodeClientFrame(frame);
        const auto parsed = parseClientFrame(wire);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        QCOMPARE(parsed->id, frame.id);
        QCOMPARE(encodeClientFrame(*parsed), wire);
    }
}

void tst_Codecs::serverFramesRoundTrip()
{
    User alice { 7, u"alice"_s, u"Alice A."_s, u"at lunch"_s, 1700000000000 };
    RoomEvent msg { 100,
                    3,
                    12,
                    EventType::Message,
                    7,
                    1700000000123,
                    QJsonObject { { u"body"_s, u"hi <b>there</b>"_s } },
                    u"cid-1"_s };
    RoomEvent edit { 101,
                     3,
                     13,
                     EventType::Edit,
                     7,
                     1700000000200,
                     QJsonObject { { u"targetId"_s, 100 }, { u"body"_s, u"hi"_s } },
                     {} };
    const QList<ServerFrame> frames {
        { {}, HelloFrame { alice, u"0.1.0"_s, 1, u"e1"_s, 15000, { { 3, 13 } }, {} } },
        { {},
          HelloFrame { alice, u"0.1.0"_s, 1, u"e1"_s, 15000, { { 3, 13 }, { 4, 2 } },
                       { ReadState { 3, 11, 2, 1 }, ReadState { 4, 0, 0, 0 } } } },
        { u"r1"_s, ReadNotice { ReadState { 3, 13, 0, 0 } } },
        { u"s1"_s, AckFrame { SendAck { u"cid-1"_s, 100, 3, 12, 1700000000123, false } } },
        { {}, EventFrame { msg } },
        { {}, EventFrame { edit } },
        { {},
          ResumedFrame {
              { { 3, ResumeStatus::Replayed, 11, 13 }, { 4, ResumeStatus::Reset, 0, 0 } } } },
        { {}, TypingNotice { 3, 7, true } },
        { {}, PresenceNotice { 7, PresenceStatus::Offline } },
        { u"p"_s, PongFrame { 5 } },
        { u"x"_s, ErrorFrame { makeError(ErrorCode::NotMember, u"not in room"_s, u"roomId"_s) } },
    };
    for (const auto &frame : frames) {
        const QByteArray wire = encodeServerFrame(frame);
        const auto parsed = parseServerFrame(wire);
        QVERIFY2(parsed.ok(),
                 qPrintable(parsed.ok() ? QString()
                                        : parsed.error().message + u' ' + parsed.error().field));
        QCOMPARE(frameTypeName(parsed->payload), frameTypeName(frame.payload));
        QCOMPARE(encodeServerFrame(*parsed), wire);
    }
    const auto ev = parseServerFrame(encodeServerFrame({ {}, EventFrame { msg } }));
    QVERIFY(ev.ok());
    QCOMPARE(std::get<EventFrame>(ev->payload).event, msg);
}

void tst_Codecs::typesRoundTrip()
{
    const Room room { 5, u"general"_s, u"all things"_s, RoomVisibility::Private, 7, 1, 99, 3, {} };
    QCOMPARE(Room::fromJson(room.toJson()).value(), room);
    Room joined = room;
    joined.read = ReadState { 5, 97, 2, 1 }; // GET rooms: the caller's read state
    QCOMPARE(Room::fromJson(joined.toJson()).value(), joined);
    QVERIFY(!room.toJson().contains(u"unread"_s));
    const Member m { 7, u"alice"_s, u"Alice"_s, MemberRole::Admin, 2 };
    QCOMPARE(Member::fromJson(m.toJson()).value(), m);
    EventPage page { 5, {}, true, 99, {} };
    page.events.append(RoomEvent { 1,
                                   5,
                                   1,
                                   EventType::RoomCreate,
                                   7,
                                   1,
                                   QJsonObject { { u"name"_s, u"general"_s },
                                                 { u"topic"_s, u""_s },
                                                 { u"visibility"_s, u"public"_s } },
                                   {} });
    const auto back = EventPage::fromJson(page.toJson());
    QVERIFY(back.ok());
    QCOMPARE(back->events, page.events);
    QCOMPARE(back->hasMore, true);

    // Reactions: the request, both answers, the event with a joined emoji as key.
    const ReactRequest react { u"👨‍👩‍👧"_s };
    QCOMPARE(ReactRequest::fromJson(react.toJson())->key, react.key);
    const RoomEvent reaction { 9, 5, 12, EventType::Reaction, 7, 1,
                               QJsonObject { { u"targetId"_s, 3 }, { u"key"_s, react.key } }, {} };
    const auto changed = ReactionResult::fromJson(ReactionResult { true, reaction }.toJson());
    QVERIFY(changed.ok());
    QCOMPARE(changed->event, std::optional<RoomEvent>(reaction));
    QCOMPARE(ReactionResult::fromJson(QJsonObject { { u"changed"_s, false } })->event,
             std::optional<RoomEvent>());
    QCOMPARE(eventTypeName(EventType::ReactionRemove), u"reaction_remove"_s);
}

void tst_Codecs::lengthsCountCodePointsNotBytes()
{
    // 4000 emoji are 16000 UTF-8 bytes and 8000 UTF-16 units, but 4000 characters: allowed.
    QString body;
    for (int i = 0; i < limits::MessageBodyMax; ++i)
        body += u"😀"_s;
    QVERIFY(parseClientFrame(encodeClientFrame({ {}, SendFrame { 1, u"c"_s, body, {}, 0, {} } })).ok());
    body += u"😀"_s;
    const auto tooLong
        = parseClientFrame(encodeClientFrame({ {}, SendFrame { 1, u"c"_s, body, {}, 0, {} } }));
    QVERIFY(!tooLong.ok());
    QCOMPARE(tooLong.error().code, ErrorCode::TooLong);
}

void tst_Codecs::everyErrorCodeHasANameAndStatus()
{
    QSet<QString> names;
    for (int i = 0; i <= int(ErrorCode::Unavailable); ++i) {
        const auto code = ErrorCode(i);
        const QString name = errorCodeName(code);
        QVERIFY2(!names.contains(name), qPrintable(name));
        names.insert(name);
        ErrorCode back;
        QVERIFY(errorCodeFromName(name, &back));
        QCOMPARE(int(back), i);
        QVERIFY(httpStatusFor(code) >= 400 && httpStatusFor(code) < 600);
    }
}

QTEST_GUILESS_MAIN(tst_Codecs)
#include "tst_codecs.moc"
