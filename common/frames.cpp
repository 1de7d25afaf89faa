#include "frames.h"

#include <QHash>

#include "jsonreader.h"
#include "protocollimits.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace confab {

namespace {

template<class... Ts> struct Overloaded : Ts...
{
    using Ts::operator()...;
};
// C++20 deduces this for aggregates; clang 14 does not implement that yet.
template<class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr TextRule kRequestIdRule { 1, limits::RequestIdMax, TextKind::Line };
constexpr TextRule kTokenRule { 1, limits::TokenMax, TextKind::Token };
constexpr TextRule kEpochRule { 0, 64, TextKind::Token };
constexpr TextRule kTraceparentRule { 0, limits::TraceparentMax, TextKind::Line };

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonArray cursorsToJson(const QList<RoomCursor> &cursors)
{
    QJsonArray a;
    for (const auto &c : cursors)
        a.append(QJsonObject { { u"roomId"_s, c.roomId }, { u"lastSeq"_s, c.lastSeq } });
    return a;
}

Result<QList<RoomCursor>> cursorsFromJson(const QJsonArray &array, const QString &field)
{
    QList<RoomCursor> out;
    out.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = field + u'[' + QString::number(i) + u"]."_s;
        if (!array.at(i).isObject())
            return makeError(ErrorCode::WrongType, u"must be an object"_s, path.chopped(1));
        JsonReader r(array.at(i).toObject(), path);
        RoomCursor c;
        c.roomId = r.id(u"roomId");
        c.lastSeq = r.integer(u"lastSeq", 0, limits::MaxSafeInteger);
        if (!r.ok())
            return r.error();
        out.append(c);
    }
    return out;
}

Result<ClientPayload> parseClientPayload(const QString &type, JsonReader &r)
{
    if (type == u"auth") {
        AuthFrame f;
        f.token = r.text(u"token", kTokenRule);
        return r.ok() ? Result<ClientPayload>(f) : r.error();
    }
    if (type == u"send") {
        SendFrame f;
        f.roomId = r.id(u"roomId");
        f.clientMsgId = r.text(u"clientMsgId", clientMsgIdRule());
        f.fileId = r.optionalText(u"fileId", { limits::FileIdLength, limits::FileIdLength,
                                               TextKind::Token })
                       .value_or(QString());
        f.body = r.text(u"body", f.fileId.isEmpty() ? messageBodyRule() : captionRule());
        f.traceparent = r.optionalText(u"traceparent", kTraceparentRule).value_or(QString());
        f.replyTo = r.optionalId(u"replyTo").value_or(0);
        if (r.ok() && !f.fileId.isEmpty() && !isFileId(f.fileId))
            return makeError(ErrorCode::InvalidValue, u"not a file id"_s, u"fileId"_s);
        return r.ok() ? Result<ClientPayload>(f) : r.error();
    }
    if (type == u"resume") {
        ResumeFrame f;
        f.epoch = r.optionalText(u"epoch", kEpochRule).value_or(QString());
        const QJsonArray rooms = r.array(u"rooms", limits::ResumeRoomsMax);
        if (!r.ok())
            return r.error();
        auto cursors = cursorsFromJson(rooms, u"rooms"_s);
        if (!cursors)
            return cursors.error();
        f.rooms = std::move(cursors).value();
        return Result<ClientPayload>(f);
    }
    if (type == u"typing") {
        TypingFrame f;
        f.roomId = r.id(u"roomId");
        f.active = r.boolean(u"active");
        return r.ok() ? Result<ClientPayload>(f) : r.error();
    }
    if (type == u"presence") {
        PresenceFrame f;
        const QString s = r.oneOf(u"status", { u"online", u"away" });
        if (!r.ok())
            return r.error();
        presenceFromName(s, &f.status);
        return Result<ClientPayload>(f);
    }
    if (type == u"ping") {
        PingFrame f;
        f.ts = r.optionalInteger(u"ts", 0, limits::MaxSafeInteger).value_or(0);
        return r.ok() ? Result<ClientPayload>(f) : r.error();
    }
    if (type == u"read") {
        ReadFrame f;
        f.roomId = r.id(u"roomId");
        f.seq = r.integer(u"seq", 0, limits::MaxSafeInteger);
        return r.ok() ? Result<ClientPayload>(f) : r.error();
    }
    return makeError(ErrorCode::UnknownType, u"unknown frame type '%1'"_s.arg(type), u"type"_s);
}

Result<QString> readType(JsonReader &r)
{
    const QString type = r.text(u"type", { 1, 32, TextKind::Line });
    if (!r.ok())
        return r.error();
    return type;
}

QString resumeStatusName(ResumeStatus s)
{
    switch (s) {
    case ResumeStatus::Replayed:
        return u"replayed"_s;
    case ResumeStatus::Reset:
        return u"reset"_s;
    case ResumeStatus::Forbidden:
        return u"forbidden"_s;
    }
    return {};
}

template<typename T> Result<T> nested(JsonReader &r, QStringView key)
{
    const QJsonObject o = r.object(key);
    if (!r.ok())
        return r.error();
    auto v = T::fromJson(o);
    if (!v) {
        Error e = v.error();
        e.field = key.toString() + u'.' + e.field;
        return e;
    }
    return v;
}

Result<ServerPayload> parseServerPayload(const QString &type, JsonReader &r)
{
    if (type == u"hello") {
        HelloFrame f;
        f.serverVersion = r.text(u"serverVersion", { 1, 64, TextKind::Line });
        f.protocol = int(r.integer(u"protocol", 1, 1000));
        f.epoch = r.text(u"epoch", kEpochRule);
        f.heartbeatMs = int(r.integer(u"heartbeatMs", 0, 3600 * 1000));
        const QJsonArray rooms = r.array(u"rooms", 100000);
        auto user = nested<User>(r, u"user");
        if (!user)
            return user.error();
        f.user = std::move(user).value();
        auto cursors = cursorsFromJson(rooms, u"rooms"_s);
        if (!cursors)
            return cursors.error();
        f.rooms = std::move(cursors).value();
        for (qsizetype i = 0; i < rooms.size(); ++i) {
            const QJsonObject o = rooms.at(i).toObject();
            if (!o.contains(u"readSeq"_s))
                continue;
            auto state = ReadState::fromJson(o);
            if (!state)
                return makeError(state.error().code, state.error().message,
                                 u"rooms["_s + QString::number(i) + u"]."_s + state.error().field);
            f.read.append(state.value());
        }
        return Result<ServerPayload>(f);
    }
    if (type == u"ack") {
        auto ack = nested<SendAck>(r, u"ack");
        if (!ack)
            return ack.error();
        return Result<ServerPayload>(AckFrame { std::move(ack).value() });
    }
    if (type == u"event") {
        auto ev = nested<RoomEvent>(r, u"event");
        if (!ev)
            return ev.error();
        return Result<ServerPayload>(EventFrame { std::move(ev).value() });
    }
    if (type == u"resumed") {
        const QJsonArray rooms = r.array(u"rooms", limits::ResumeRoomsMax);
        if (!r.ok())
            return r.error();
        ResumedFrame f;
        for (qsizetype i = 0; i < rooms.size(); ++i) {
            const QString path = u"rooms["_s + QString::number(i) + u"]."_s;
            if (!rooms.at(i).isObject())
                return makeError(ErrorCode::WrongType, u"must be an object"_s, path.chopped(1));
            JsonReader rr(rooms.at(i).toObject(), path);
            ResumeResult res;
            res.roomId = rr.id(u"roomId");
            const QString status = rr.oneOf(u"status", { u"replayed", u"reset", u"forbidden" });
            res.fromSeq = rr.integer(u"fromSeq", 0, limits::MaxSafeInteger);
            res.toSeq = rr.integer(u"toSeq", 0, limits::MaxSafeInteger);
            if (!rr.ok())
                return rr.error();
            res.status = status == u"replayed" ? ResumeStatus::Replayed
                : status == u"reset"           ? ResumeStatus::Reset
                                               : ResumeStatus::Forbidden;
            f.rooms.append(res);
        }
        return Result<ServerPayload>(f);
    }
    if (type == u"typing") {
        TypingNotice f;
        f.roomId = r.id(u"roomId");
        f.userId = r.id(u"userId");
        f.active = r.boolean(u"active");
        return r.ok() ? Result<ServerPayload>(f) : r.error();
    }
    if (type == u"presence") {
        PresenceNotice f;
        f.userId = r.id(u"userId");
        const QString s = r.oneOf(u"status", { u"online", u"away", u"offline" });
        if (!r.ok())
            return r.error();
        presenceFromName(s, &f.status);
        return Result<ServerPayload>(f);
    }
    if (type == u"pong") {
        PongFrame f;
        f.ts = r.optionalInteger(u"ts", 0, limits::MaxSafeInteger).value_or(0);
        return r.ok() ? Result<ServerPayload>(f) : r.error();
    }
    if (type == u"read") {
        auto state = ReadState::fromJson(r.whole());
        if (!state)
            return state.error();
        if (state->roomId <= 0)
            return makeError(ErrorCode::MissingField, u"required"_s, u"roomId"_s);
        return Result<ServerPayload>(ReadNotice { state.value() });
    }
    if (type == u"error") {
        const QJsonObject eo = r.object(u"error");
        if (!r.ok())
            return r.error();
        ErrorFrame f;
        if (!Error::fromJson(eo, &f.error))
            return makeError(ErrorCode::InvalidValue, u"error needs a code and a message"_s,
                             u"error"_s);
        return Result<ServerPayload>(f);
    }
    return makeError(ErrorCode::UnknownType, u"unknown frame type '%1'"_s.arg(type), u"type"_s);
}

} // namespace

QString frameTypeName(const ClientPayload &p)
{
    return std::visit(Overloaded {
                          [](const AuthFrame &) { return u"auth"_s; },
                          [](const SendFrame &) { return u"send"_s; },
                          [](const ResumeFrame &) { return u"resume"_s; },
                          [](const TypingFrame &) { return u"typing"_s; },
                          [](const PresenceFrame &) { return u"presence"_s; },
                          [](const PingFrame &) { return u"ping"_s; },
                          [](const ReadFrame &) { return u"read"_s; },
                      },
                      p);
}

QString frameTypeName(const ServerPayload &p)
{
    return std::visit(Overloaded {
                          [](const HelloFrame &) { return u"hello"_s; },
                          [](const AckFrame &) { return u"ack"_s; },
                          [](const EventFrame &) { return u"event"_s; },
                          [](const ResumedFrame &) { return u"resumed"_s; },
                          [](const TypingNotice &) { return u"typing"_s; },
                          [](const PresenceNotice &) { return u"presence"_s; },
                          [](const PongFrame &) { return u"pong"_s; },
                          [](const ErrorFrame &) { return u"error"_s; },
                          [](const ReadNotice &) { return u"read"_s; },
                      },
                      p);
}

QByteArray encodeClientFrame(const ClientFrame &frame)
{
    QJsonObject o = std::visit(
        Overloaded {
            [](const AuthFrame &f) {
                return QJsonObject { { u"token"_s, f.token } };
            },
            [](const SendFrame &f) {
                QJsonObject o { { u"roomId"_s, f.roomId },
                                { u"clientMsgId"_s, f.clientMsgId },
                                { u"body"_s, f.body } };
                if (!f.traceparent.isEmpty())
                    o.insert(u"traceparent"_s, f.traceparent);
                if (f.replyTo)
                    o.insert(u"replyTo"_s, f.replyTo);
                if (!f.fileId.isEmpty())
                    o.insert(u"fileId"_s, f.fileId);
                return o;
            },
            [](const ResumeFrame &f) {
                QJsonObject o { { u"rooms"_s, cursorsToJson(f.rooms) } };
                if (!f.epoch.isEmpty())
                    o.insert(u"epoch"_s, f.epoch);
                return o;
            },
            [](const TypingFrame &f) {
                return QJsonObject { { u"roomId"_s, f.roomId }, { u"active"_s, f.active } };
            },
            [](const PresenceFrame &f) {
                return QJsonObject { { u"status"_s, presenceName(f.status) } };
            },
            [](const PingFrame &f) {
                return QJsonObject { { u"ts"_s, f.ts } };
            },
            [](const ReadFrame &f) {
                return QJsonObject { { u"roomId"_s, f.roomId }, { u"seq"_s, f.seq } };
            },
        },
        frame.payload);
    o.insert(u"type"_s, frameTypeName(frame.payload));
    if (!frame.id.isEmpty())
        o.insert(u"id"_s, frame.id);
    return compact(o);
}

Result<ClientFrame> parseClientFrame(QByteArrayView data, QString *requestId)
{
    auto object = parseJsonObject(data, limits::FrameBytesMax);
    if (!object)
        return object.error();
    JsonReader r(*object);
    ClientFrame frame;
    frame.id = r.optionalText(u"id", kRequestIdRule).value_or(QString());
    if (!r.ok())
        return r.error();
    if (requestId)
        *requestId = frame.id;
    auto type = readType(r);
    if (!type)
        return type.error();
    auto payload = parseClientPayload(*type, r);
    if (!payload)
        return payload.error();
    frame.payload = std::move(payload).value();
    return frame;
}

QByteArray encodeServerFrame(const ServerFrame &frame)
{
    QJsonObject o = std::visit(
        Overloaded {
            [](const HelloFrame &f) {
                QHash<qint64, const ReadState *> read;
                read.reserve(f.read.size());
                for (const ReadState &state : f.read)
                    read.insert(state.roomId, &state);
                QJsonArray rooms;
                for (const RoomCursor &c : f.rooms) {
                    QJsonObject o { { u"roomId"_s, c.roomId }, { u"lastSeq"_s, c.lastSeq } };
                    if (const ReadState *state = read.value(c.roomId)) {
                        o.insert(u"readSeq"_s, state->readSeq);
                        o.insert(u"unread"_s, state->unread);
                        o.insert(u"mentions"_s, state->mentions);
                    }
                    rooms.append(o);
                }
                return QJsonObject {
                    { u"user"_s, f.user.toJson() },      { u"serverVersion"_s, f.serverVersion },
                    { u"protocol"_s, f.protocol },       { u"epoch"_s, f.epoch },
                    { u"heartbeatMs"_s, f.heartbeatMs }, { u"rooms"_s, rooms }
                };
            },
            [](const AckFrame &f) {
                return QJsonObject { { u"ack"_s, f.ack.toJson() } };
            },
            [](const EventFrame &f) {
                return QJsonObject { { u"event"_s, f.event.toJson() } };
            },
            [](const ResumedFrame &f) {
                QJsonArray rooms;
                for (const auto &r : f.rooms) {
                    rooms.append(QJsonObject { { u"roomId"_s, r.roomId },
                                               { u"status"_s, resumeStatusName(r.status) },
                                               { u"fromSeq"_s, r.fromSeq },
                                               { u"toSeq"_s, r.toSeq } });
                }
                return QJsonObject { { u"rooms"_s, rooms } };
            },
            [](const TypingNotice &f) {
                return QJsonObject { { u"roomId"_s, f.roomId },
                                     { u"userId"_s, f.userId },
                                     { u"active"_s, f.active } };
            },
            [](const PresenceNotice &f) {
                return QJsonObject { { u"userId"_s, f.userId },
                                     { u"status"_s, presenceName(f.status) } };
            },
            [](const PongFrame &f) {
                return QJsonObject { { u"ts"_s, f.ts } };
            },
            [](const ErrorFrame &f) {
                return QJsonObject { { u"error"_s, f.error.toJson() } };
            },
            [](const ReadNotice &f) {
                return f.state.toJson();
            },
        },
        frame.payload);
    o.insert(u"type"_s, frameTypeName(frame.payload));
    if (!frame.id.isEmpty())
        o.insert(u"id"_s, frame.id);
    return compact(o);
}

Result<ServerFrame> parseServerFrame(QByteArrayView data)
{
    // The client accepts server frames up to 4x the client frame limit: a hello lists rooms.
    auto object = parseJsonObject(data, 4 * limits::FrameBytesMax);
    if (!object)
        return object.error();
    JsonReader r(*object);
    ServerFrame frame;
    frame.id = r.optionalText(u"id", kRequestIdRule).value_or(QString());
    auto type = readType(r);
    if (!type)
        return type.error();
    auto payload = parseServerPayload(*type, r);
    if (!payload)
        return payload.error();
    frame.payload = std::move(payload).value();
    return frame;
}

} // namespace confab
