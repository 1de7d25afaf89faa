#include "requests.h"

#include "jsonreader.h"
#include "protocollimits.h"

using namespace Qt::StringLiterals;

namespace confab {

namespace {

void insertIf(QJsonObject &o, const QString &key, const std::optional<QString> &v)
{
    if (v)
        o.insert(key, *v);
}

} // namespace

QJsonObject RegisterRequest::toJson() const
{
    QJsonObject o { { u"username"_s, username }, { u"password"_s, password } };
    if (!displayName.isEmpty())
        o.insert(u"displayName"_s, displayName);
    if (!invite.isEmpty())
        o.insert(u"invite"_s, invite);
    return o;
}

Result<RegisterRequest> RegisterRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    RegisterRequest req;
    req.username = r.text(u"username", usernameRule());
    req.password = r.text(u"password", passwordRule());
    req.displayName = r.optionalText(u"displayName", displayNameRule()).value_or(QString());
    req.invite = r.optionalText(u"invite", { 1, 64, TextKind::Line }).value_or(QString());
    if (!r.ok())
        return r.error();
    if (auto err = checkUsername(req.username, u"username"_s))
        return *err;
    return req;
}

QJsonObject ChangePasswordRequest::toJson() const
{
    return { { u"currentPassword"_s, currentPassword },
             { u"newPassword"_s, newPassword },
             { u"revokeOtherSessions"_s, revokeOtherSessions } };
}

Result<ChangePasswordRequest> ChangePasswordRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    ChangePasswordRequest req;
    req.currentPassword = r.text(u"currentPassword", passwordRule());
    req.newPassword = r.text(u"newPassword", passwordRule());
    req.revokeOtherSessions = r.optionalBoolean(u"revokeOtherSessions").value_or(false);
    if (!r.ok())
        return r.error();
    return req;
}

QJsonObject SessionInfo::toJson() const
{
    return { { u"id"_s, id },
             { u"device"_s, device },
             { u"createdAt"_s, createdAt },
             { u"lastSeenAt"_s, lastSeenAt },
             { u"address"_s, address },
             { u"current"_s, current } };
}

Result<SessionInfo> SessionInfo::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    SessionInfo s;
    s.id = r.id(u"id");
    s.device = r.optionalText(u"device", { 0, 64, TextKind::Line }).value_or(QString());
    s.createdAt = r.integer(u"createdAt", 0, limits::MaxSafeInteger);
    s.lastSeenAt = r.integer(u"lastSeenAt", 0, limits::MaxSafeInteger);
    s.address = r.optionalText(u"address", { 0, 64, TextKind::Line }).value_or(QString());
    s.current = r.optionalBoolean(u"current").value_or(false);
    if (!r.ok())
        return r.error();
    return s;
}

QJsonObject CreateInviteRequest::toJson() const
{
    return { { u"expiresInHours"_s, expiresInHours } };
}

Result<CreateInviteRequest> CreateInviteRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    CreateInviteRequest req;
    req.expiresInHours = int(r.optionalInteger(u"expiresInHours", 1, 720).value_or(72));
    if (!r.ok())
        return r.error();
    return req;
}

QJsonObject Invite::toJson() const
{
    return { { u"code"_s, code }, { u"expiresAt"_s, expiresAt } };
}

Result<Invite> Invite::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    Invite i;
    i.code = r.text(u"code", { 1, 64, TextKind::Line });
    i.expiresAt = r.integer(u"expiresAt", 0, limits::MaxSafeInteger);
    if (!r.ok())
        return r.error();
    return i;
}

QJsonObject LoginRequest::toJson() const
{
    QJsonObject o { { u"username"_s, username }, { u"password"_s, password } };
    if (!deviceName.isEmpty())
        o.insert(u"deviceName"_s, deviceName);
    return o;
}

Result<LoginRequest> LoginRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    LoginRequest req;
    // Login does not re-check the username pattern: a wrong name is just wrong credentials.
    req.username = r.text(u"username", { 1, limits::UsernameMax, TextKind::Line });
    req.password = r.text(u"password", { 1, limits::PasswordMax, TextKind::Line });
    req.deviceName = r.optionalText(u"deviceName", { 0, limits::DeviceNameMax, TextKind::Line })
                         .value_or(QString());
    if (!r.ok())
        return r.error();
    return req;
}

QJsonObject LoginResponse::toJson() const
{
    return { { u"token"_s, token }, { u"expiresAt"_s, expiresAt }, { u"user"_s, user.toJson() } };
}

Result<LoginResponse> LoginResponse::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    LoginResponse resp;
    resp.token = r.text(u"token", { 16, limits::TokenMax, TextKind::Token });
    resp.expiresAt = r.integer(u"expiresAt", 0, limits::MaxSafeInteger);
    const QJsonObject user = r.object(u"user");
    if (!r.ok())
        return r.error();
    auto u = User::fromJson(user);
    if (!u) {
        Error e = u.error();
        e.field = u"user."_s + e.field;
        return e;
    }
    resp.user = std::move(u).value();
    return resp;
}

QJsonObject ProfilePatch::toJson() const
{
    QJsonObject o;
    insertIf(o, u"displayName"_s, displayName);
    insertIf(o, u"statusText"_s, statusText);
    return o;
}

Result<ProfilePatch> ProfilePatch::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    ProfilePatch p;
    p.displayName = r.optionalText(u"displayName", displayNameRule());
    p.statusText = r.optionalText(u"statusText", statusTextRule());
    if (r.ok() && !p.displayName && !p.statusText)
        r.fail(ErrorCode::MissingField, u"nothing to change: give displayName or statusText"_s,
               u"displayName");
    if (!r.ok())
        return r.error();
    return p;
}

QJsonObject CreateRoomRequest::toJson() const
{
    return { { u"name"_s, name },
             { u"topic"_s, topic },
             { u"visibility"_s, visibilityName(visibility) } };
}

Result<CreateRoomRequest> CreateRoomRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    CreateRoomRequest req;
    req.name = r.text(u"name", roomNameRule());
    req.topic = r.optionalText(u"topic", topicRule()).value_or(QString());
    const QString vis
        = r.has(u"visibility") ? r.oneOf(u"visibility", { u"public", u"private" }) : u"public"_s;
    if (!r.ok())
        return r.error();
    req.visibility = vis == u"private" ? RoomVisibility::Private : RoomVisibility::Public;
    return req;
}

QJsonObject RoomPatch::toJson() const
{
    QJsonObject o;
    insertIf(o, u"name"_s, name);
    insertIf(o, u"topic"_s, topic);
    return o;
}

Result<RoomPatch> RoomPatch::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    RoomPatch p;
    p.name = r.optionalText(u"name", roomNameRule());
    p.topic = r.optionalText(u"topic", topicRule());
    if (r.ok() && !p.name && !p.topic)
        r.fail(ErrorCode::MissingField, u"nothing to change: give name or topic"_s, u"name");
    if (!r.ok())
        return r.error();
    return p;
}

QJsonObject InviteRequest::toJson() const
{
    return { { u"userId"_s, userId } };
}

Result<InviteRequest> InviteRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    InviteRequest req;
    req.userId = r.id(u"userId");
    if (!r.ok())
        return r.error();
    return req;
}

QJsonObject RoleChangeRequest::toJson() const
{
    return { { u"role"_s, roleName(role) } };
}

Result<RoleChangeRequest> RoleChangeRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    const QString role = r.oneOf(u"role", { u"admin", u"member" });
    if (!r.ok())
        return r.error();
    RoleChangeRequest req;
    roleFromName(role, &req.role);
    return req;
}

QJsonObject SendMessageRequest::toJson() const
{
    QJsonObject o { { u"clientMsgId"_s, clientMsgId }, { u"body"_s, body } };
    if (replyTo)
        o.insert(u"replyTo"_s, replyTo);
    if (!fileId.isEmpty())
        o.insert(u"fileId"_s, fileId);
    return o;
}

Result<SendMessageRequest> SendMessageRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    SendMessageRequest req;
    req.clientMsgId = r.text(u"clientMsgId", clientMsgIdRule());
    req.fileId = r.optionalText(u"fileId", { limits::FileIdLength, limits::FileIdLength,
                                             TextKind::Token })
                     .value_or(QString());
    req.body = r.text(u"body", req.fileId.isEmpty() ? messageBodyRule() : captionRule());
    req.replyTo = r.optionalId(u"replyTo").value_or(0);
    if (!r.ok())
        return r.error();
    if (!req.fileId.isEmpty() && !isFileId(req.fileId))
        return makeError(ErrorCode::InvalidValue, u"not a file id"_s, u"fileId"_s);
    return req;
}

QJsonObject EditMessageRequest::toJson() const
{
    return { { u"body"_s, body } };
}

Result<EditMessageRequest> EditMessageRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    EditMessageRequest req;
    req.body = r.text(u"body", messageBodyRule());
    if (!r.ok())
        return r.error();
    return req;
}

QJsonObject ReactRequest::toJson() const
{
    return { { u"key"_s, key } };
}

Result<ReactRequest> ReactRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    ReactRequest req;
    req.key = r.text(u"key", { 1, limits::ReactionKeyMax, TextKind::Line });
    if (!r.ok())
        return r.error();
    if (auto err = checkReactionKey(req.key, u"key"_s))
        return *err;
    return req;
}

QJsonObject ReactionResult::toJson() const
{
    QJsonObject o { { u"changed"_s, changed } };
    if (event)
        o.insert(u"event"_s, event->toJson());
    return o;
}

Result<ReactionResult> ReactionResult::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    ReactionResult out;
    out.changed = r.boolean(u"changed");
    const bool hasEvent = r.has(u"event");
    const QJsonObject event = hasEvent ? r.object(u"event") : QJsonObject();
    if (!r.ok())
        return r.error();
    if (hasEvent) {
        auto e = RoomEvent::fromJson(event);
        if (!e) {
            Error err = e.error();
            err.field = u"event."_s + err.field;
            return err;
        }
        out.event = std::move(e).value();
    }
    return out;
}

QJsonObject MarkReadRequest::toJson() const
{
    return { { u"seq"_s, seq } };
}

Result<MarkReadRequest> MarkReadRequest::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    MarkReadRequest req;
    req.seq = r.integer(u"seq", 0, limits::MaxSafeInteger);
    if (!r.ok())
        return r.error();
    return req;
}

QJsonObject SendAck::toJson() const
{
    return { { u"clientMsgId"_s, clientMsgId },
             { u"eventId"_s, eventId },
             { u"roomId"_s, roomId },
             { u"seq"_s, seq },
             { u"ts"_s, ts },
             { u"duplicate"_s, duplicate } };
}

Result<SendAck> SendAck::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    SendAck a;
    a.clientMsgId = r.text(u"clientMsgId", clientMsgIdRule());
    a.eventId = r.id(u"eventId");
    a.roomId = r.id(u"roomId");
    a.seq = r.id(u"seq");
    a.ts = r.integer(u"ts", 0, limits::MaxSafeInteger);
    a.duplicate = r.boolean(u"duplicate");
    if (!r.ok())
        return r.error();
    return a;
}

QJsonObject EventPage::toJson() const
{
    QJsonObject o { { u"roomId"_s, roomId },
                    { u"events"_s, toJsonArray(events) },
                    { u"hasMore"_s, hasMore },
                    { u"lastSeq"_s, lastSeq } };
    if (hasMoreAfter)
        o.insert(u"hasMoreAfter"_s, *hasMoreAfter);
    return o;
}

Result<EventPage> EventPage::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    EventPage p;
    p.roomId = r.id(u"roomId");
    p.hasMore = r.boolean(u"hasMore");
    p.lastSeq = r.integer(u"lastSeq", 0, limits::MaxSafeInteger);
    p.hasMoreAfter = r.optionalBoolean(u"hasMoreAfter");
    const QJsonArray events = r.array(u"events", limits::PageSizeMax);
    if (!r.ok())
        return r.error();
    auto list = listFromJson<RoomEvent>(events, u"events"_s);
    if (!list)
        return list.error();
    p.events = std::move(list).value();
    return p;
}

QJsonObject SearchHit::toJson() const
{
    QJsonArray spans;
    for (const Span &h : highlights)
        spans.append(QJsonArray { h.start, h.length });
    return { { u"event"_s, event.toJson() }, { u"snippet"_s, snippet },
             { u"highlights"_s, spans } };
}

Result<SearchHit> SearchHit::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    SearchHit hit;
    const QJsonObject event = r.object(u"event");
    hit.snippet = r.text(u"snippet", { 0, limits::SearchSnippetMax, TextKind::Multiline });
    const QJsonArray spans = r.array(u"highlights", limits::SearchSnippetMax);
    if (!r.ok())
        return r.error();
    auto e = RoomEvent::fromJson(event);
    if (!e) {
        Error err = e.error();
        err.field = u"event."_s + err.field;
        return err;
    }
    hit.event = std::move(e).value();
    const qsizetype length = hit.snippet.toUcs4().size();
    for (qsizetype i = 0; i < spans.size(); ++i) {
        const QJsonArray pair = spans.at(i).toArray();
        const qint64 start = pair.size() == 2 && pair.at(0).isDouble() ? pair.at(0).toInteger(-1) : -1;
        const qint64 len = pair.size() == 2 && pair.at(1).isDouble() ? pair.at(1).toInteger(-1) : -1;
        if (start < 0 || len <= 0 || start + len > length)
            return makeError(ErrorCode::InvalidValue,
                             u"a highlight is [start, length] inside the snippet"_s,
                             u"highlights[%1]"_s.arg(i));
        hit.highlights.append({ int(start), int(len) });
    }
    return hit;
}

QJsonObject SearchResults::toJson() const
{
    QJsonObject o { { u"results"_s, toJsonArray(results) }, { u"hasMore"_s, hasMore } };
    if (hasMore)
        o.insert(u"nextBefore"_s, nextBefore);
    return o;
}

Result<SearchResults> SearchResults::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    SearchResults out;
    out.hasMore = r.boolean(u"hasMore");
    if (out.hasMore)
        out.nextBefore = r.integer(u"nextBefore", 1, limits::MaxSafeInteger);
    const QJsonArray results = r.array(u"results", limits::PageSizeMax);
    if (!r.ok())
        return r.error();
    auto list = listFromJson<SearchHit>(results, u"results"_s);
    if (!list)
        return list.error();
    out.results = std::move(list).value();
    return out;
}

} // namespace confab
