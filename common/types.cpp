#include "types.h"

#include "jsonreader.h"
#include "protocollimits.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace confab {

TextRule usernameRule()
{
    return { limits::UsernameMin, limits::UsernameMax, TextKind::Line };
}
TextRule passwordRule()
{
    return { limits::PasswordMin, limits::PasswordMax, TextKind::Line };
}
TextRule displayNameRule()
{
    return { 0, limits::DisplayNameMax, TextKind::Line };
}
TextRule statusTextRule()
{
    return { 0, limits::StatusTextMax, TextKind::Line };
}
TextRule roomNameRule()
{
    return { 1, limits::RoomNameMax, TextKind::Line };
}
TextRule topicRule()
{
    return { 0, limits::TopicMax, TextKind::Line };
}
TextRule messageBodyRule()
{
    return { 1, limits::MessageBodyMax, TextKind::Multiline };
}
TextRule captionRule()
{
    return { 0, limits::MessageBodyMax, TextKind::Multiline };
}

bool isFileId(QStringView id)
{
    if (id.size() != limits::FileIdLength)
        return false;
    for (QChar c : id) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

QString safeFileName(const QString &raw)
{
    // The last component: whatever a sender wrote before a separator is not a place to put it.
    QString name = raw;
    const qsizetype cut = std::max(name.lastIndexOf(u'/'), name.lastIndexOf(u'\\'));
    if (cut >= 0)
        name = name.mid(cut + 1);
    QString out;
    out.reserve(name.size());
    const QList<uint> cps = name.toUcs4();
    for (uint c : cps) {
        const QChar::Category cat = QChar::category(char32_t(c));
        // Control, format (bidi overrides, zero-width), unassigned, surrogates, private use
        // and line or paragraph separators: none belongs in a name shown to people.
        if (c < 0x20 || c == 0x7F || cat == QChar::Other_Control || cat == QChar::Other_Format
            || cat == QChar::Other_NotAssigned || cat == QChar::Other_Surrogate
            || cat == QChar::Other_PrivateUse || cat == QChar::Separator_Line
            || cat == QChar::Separator_Paragraph)
            continue;
        if (c == u':' || c == u'*' || c == u'?' || c == u'"' || c == u'<' || c == u'>'
            || c == u'|')
            out += u'_'; // what Windows will not save
        else
            out += QString::fromUcs4(reinterpret_cast<const char32_t *>(&c), 1);
    }
    while (!out.isEmpty() && (out.front() == u'.' || out.front().isSpace()))
        out.remove(0, 1);
    while (!out.isEmpty() && (out.back() == u'.' || out.back().isSpace()))
        out.chop(1);
    // Limit in code points, keeping a short extension.
    QList<uint> kept = out.toUcs4();
    if (kept.size() > limits::FileNameMax) {
        const qsizetype dot = out.lastIndexOf(u'.');
        QString ext = dot > 0 ? out.mid(dot) : QString();
        if (ext.toUcs4().size() > 16)
            ext.clear();
        const int room = limits::FileNameMax - int(ext.toUcs4().size());
        out = QString::fromUcs4(reinterpret_cast<const char32_t *>(kept.constData()), room)
                  .trimmed()
            + ext;
    }
    return out.isEmpty() ? u"file"_s : out;
}

QJsonObject FileInfo::toJson() const
{
    QJsonObject o { { u"fileId"_s, fileId }, { u"name"_s, name }, { u"size"_s, size },
                    { u"mime"_s, mime }, { u"sha256"_s, sha256 } };
    if (isImage()) {
        o.insert(u"width"_s, width);
        o.insert(u"height"_s, height);
    }
    if (hasThumbnail())
        o.insert(u"thumbnail"_s, QJsonObject { { u"width"_s, thumbWidth },
                                               { u"height"_s, thumbHeight } });
    return o;
}

Result<FileInfo> FileInfo::fromJson(const QJsonObject &o)
{
    JsonReader r(o, u"file."_s);
    FileInfo f;
    f.fileId = r.text(u"fileId", { limits::FileIdLength, limits::FileIdLength, TextKind::Token });
    f.name = r.text(u"name", { 1, limits::FileNameMax, TextKind::Line });
    f.size = r.integer(u"size", 0, limits::MaxSafeInteger);
    f.mime = r.text(u"mime", { 1, 255, TextKind::Line });
    f.sha256 = r.text(u"sha256", { 64, 64, TextKind::Token });
    f.width = int(r.optionalInteger(u"width", 1, 1 << 20).value_or(0));
    f.height = int(r.optionalInteger(u"height", 1, 1 << 20).value_or(0));
    if (!r.ok())
        return r.error();
    if (!isFileId(f.fileId))
        return makeError(ErrorCode::InvalidValue, u"not a file id"_s, u"file.fileId"_s);
    if (o.contains(u"thumbnail"_s)) {
        if (!o.value(u"thumbnail"_s).isObject())
            return makeError(ErrorCode::WrongType, u"thumbnail must be an object"_s,
                             u"file.thumbnail"_s);
        JsonReader t(o.value(u"thumbnail"_s).toObject(), u"file.thumbnail."_s);
        f.thumbWidth = int(t.integer(u"width", 1, limits::ThumbnailEdgeMax));
        f.thumbHeight = int(t.integer(u"height", 1, limits::ThumbnailEdgeMax));
        if (!t.ok())
            return t.error();
    }
    return f;
}

TextRule clientMsgIdRule()
{
    return { 1, limits::ClientMsgIdMax, TextKind::Token };
}

std::optional<Error> checkReactionKey(const QString &key, const QString &field)
{
    if (auto err = checkTextValue(key, { 1, limits::ReactionKeyMax, TextKind::Line }, field))
        return err;
    if (key.trimmed() != key)
        return makeError(ErrorCode::InvalidValue,
                         u"a reaction has no space at its start or end"_s, field);
    return std::nullopt;
}

std::optional<Error> checkUsername(const QString &username, const QString &field)
{
    if (auto err = checkTextValue(username, usernameRule(), field))
        return err;
    const auto bad = [&] {
        return makeError(ErrorCode::InvalidValue,
                         u"usernames are lowercase letters, digits, '.', '_' and '-', "
                         u"starting with a letter"_s,
                         field);
    };
    if (!(username.front() >= u'a' && username.front() <= u'z'))
        return bad();
    for (QChar c : username) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'.'
            || u == u'_' || u == u'-';
        if (!ok)
            return bad();
    }
    return std::nullopt;
}

namespace {

template<typename E> struct NameTable
{
    E value;
    QStringView name;
};

constexpr NameTable<RoomVisibility> kVisibilities[] = {
    { RoomVisibility::Public, u"public" },
    { RoomVisibility::Private, u"private" },
    { RoomVisibility::Direct, u"direct" },
};
constexpr NameTable<MemberRole> kRoles[] = {
    { MemberRole::Owner, u"owner" },
    { MemberRole::Admin, u"admin" },
    { MemberRole::Member, u"member" },
};
constexpr NameTable<EventType> kEventTypes[] = {
    { EventType::Message, u"message" },
    { EventType::Edit, u"edit" },
    { EventType::Delete, u"delete" },
    { EventType::MemberJoin, u"member_join" },
    { EventType::MemberLeave, u"member_leave" },
    { EventType::RoomCreate, u"room_create" },
    { EventType::RoomUpdate, u"room_update" },
    { EventType::RoomDelete, u"room_delete" },
    { EventType::MemberRole, u"member_role" },
    { EventType::Reaction, u"reaction" },
    { EventType::ReactionRemove, u"reaction_remove" },
};

template<typename E, size_t N> QString nameOf(const NameTable<E> (&table)[N], E value)
{
    for (const auto &entry : table) {
        if (entry.value == value)
            return entry.name.toString();
    }
    return {};
}

template<typename E, size_t N>
bool valueOf(const NameTable<E> (&table)[N], QStringView name, E *out)
{
    for (const auto &entry : table) {
        if (entry.name == name) {
            *out = entry.value;
            return true;
        }
    }
    return false;
}

qint64 timestamp(JsonReader &r, QStringView key)
{
    return r.integer(key, 0, limits::MaxSafeInteger);
}

} // namespace

QString visibilityName(RoomVisibility v)
{
    return nameOf(kVisibilities, v);
}
QString roleName(MemberRole r)
{
    return nameOf(kRoles, r);
}
bool roleFromName(QStringView name, MemberRole *out)
{
    return valueOf(kRoles, name, out);
}
QString eventTypeName(EventType t)
{
    return nameOf(kEventTypes, t);
}
bool eventTypeFromName(QStringView name, EventType *out)
{
    return valueOf(kEventTypes, name, out);
}

// --- User -------------------------------------------------------------------------------------

QJsonObject User::toJson() const
{
    return { { u"id"_s, id },
             { u"username"_s, username },
             { u"displayName"_s, displayName },
             { u"statusText"_s, statusText },
             { u"createdAt"_s, createdAt } };
}

Result<User> User::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    User u;
    u.id = r.id(u"id");
    u.username = r.text(u"username", usernameRule());
    u.displayName = r.text(u"displayName", displayNameRule());
    u.statusText = r.text(u"statusText", statusTextRule());
    u.createdAt = timestamp(r, u"createdAt");
    if (!r.ok())
        return r.error();
    if (auto err = checkUsername(u.username, u"username"_s))
        return *err;
    return u;
}

// --- Room -------------------------------------------------------------------------------------

QJsonObject ReadState::toJson() const
{
    return { { u"roomId"_s, roomId },
             { u"readSeq"_s, readSeq },
             { u"unread"_s, unread },
             { u"mentions"_s, mentions } };
}

Result<ReadState> ReadState::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    ReadState s;
    s.roomId = r.optionalId(u"roomId").value_or(0);
    s.readSeq = r.integer(u"readSeq", 0, limits::MaxSafeInteger);
    s.unread = int(r.integer(u"unread", 0, std::numeric_limits<int>::max()));
    s.mentions = int(r.integer(u"mentions", 0, std::numeric_limits<int>::max()));
    if (!r.ok())
        return r.error();
    return s;
}

QJsonObject Room::toJson() const
{
    QJsonObject o { { u"id"_s, id },           { u"name"_s, name },
                    { u"topic"_s, topic },     { u"visibility"_s, visibilityName(visibility) },
                    { u"ownerId"_s, ownerId }, { u"createdAt"_s, createdAt },
                    { u"lastSeq"_s, lastSeq }, { u"memberCount"_s, memberCount } };
    if (read) {
        o.insert(u"readSeq"_s, read->readSeq);
        o.insert(u"unread"_s, read->unread);
        o.insert(u"mentions"_s, read->mentions);
    }
    return o;
}

Result<Room> Room::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    Room room;
    room.id = r.id(u"id");
    room.name = r.text(u"name", roomNameRule());
    room.topic = r.text(u"topic", topicRule());
    const QString vis = r.oneOf(u"visibility", { u"public", u"private", u"direct" });
    room.ownerId = r.integer(u"ownerId", 0, limits::MaxSafeInteger);
    room.createdAt = timestamp(r, u"createdAt");
    room.lastSeq = r.integer(u"lastSeq", 0, limits::MaxSafeInteger);
    room.memberCount = int(r.integer(u"memberCount", 0, std::numeric_limits<int>::max()));
    if (!r.ok())
        return r.error();
    valueOf(kVisibilities, vis, &room.visibility);
    if (r.has(u"readSeq")) {
        auto read = ReadState::fromJson(o);
        if (!read)
            return read.error();
        room.read = read.value();
        room.read->roomId = room.id;
    }
    return room;
}

// --- Member -----------------------------------------------------------------------------------

QString presenceName(PresenceStatus s)
{
    switch (s) {
    case PresenceStatus::Online:
        return u"online"_s;
    case PresenceStatus::Away:
        return u"away"_s;
    case PresenceStatus::Offline:
        return u"offline"_s;
    }
    return {};
}

bool presenceFromName(QStringView name, PresenceStatus *out)
{
    if (name == u"online")
        *out = PresenceStatus::Online;
    else if (name == u"away")
        *out = PresenceStatus::Away;
    else if (name == u"offline")
        *out = PresenceStatus::Offline;
    else
        return false;
    return true;
}

QJsonObject Member::toJson() const
{
    return { { u"userId"_s, userId },           { u"username"_s, username },
             { u"displayName"_s, displayName }, { u"role"_s, roleName(role) },
             { u"joinedAt"_s, joinedAt },       { u"presence"_s, presenceName(presence) } };
}

Result<Member> Member::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    Member m;
    m.userId = r.id(u"userId");
    m.username = r.text(u"username", usernameRule());
    m.displayName = r.text(u"displayName", displayNameRule());
    const QString role = r.oneOf(u"role", { u"owner", u"admin", u"member" });
    m.joinedAt = timestamp(r, u"joinedAt");
    const QString presence = r.has(u"presence")
        ? r.oneOf(u"presence", { u"online", u"away", u"offline" })
        : u"offline"_s;
    if (!r.ok())
        return r.error();
    roleFromName(role, &m.role);
    presenceFromName(presence, &m.presence);
    return m;
}

// --- RoomEvent --------------------------------------------------------------------------------

std::optional<Error> validateEventContent(EventType type, const QJsonObject &content,
                                          const QString &path)
{
    JsonReader r(content, path);
    switch (type) {
    case EventType::Message:
    case EventType::Edit:
        if (type == EventType::Edit)
            r.id(u"targetId");
        // A deleted message, and every edit of it, is redacted: its body is erased.
        if (r.optionalBoolean(u"redacted").value_or(false)) {
            if (r.has(u"body"))
                r.fail(ErrorCode::InvalidValue, u"a redacted event has no body"_s, u"body");
        } else if (type == EventType::Message && content.contains(u"file"_s)) {
            // A shared file: its body is a caption, and may be empty.
            r.text(u"body", captionRule());
            if (r.ok()) {
                if (!content.value(u"file"_s).isObject())
                    r.fail(ErrorCode::WrongType, u"file must be an object"_s, u"file");
                else if (auto f = FileInfo::fromJson(content.value(u"file"_s).toObject()); !f)
                    return f.error();
            }
        } else {
            r.text(u"body", messageBodyRule());
        }
        break;
    case EventType::Delete:
        r.id(u"targetId");
        break;
    case EventType::MemberJoin:
        r.id(u"userId");
        r.optionalId(u"invitedBy");
        break;
    case EventType::MemberLeave:
        r.id(u"userId");
        break;
    case EventType::RoomCreate:
        r.text(u"name", roomNameRule());
        r.text(u"topic", topicRule());
        r.oneOf(u"visibility", { u"public", u"private", u"direct" });
        break;
    case EventType::RoomUpdate:
        r.optionalText(u"name", roomNameRule());
        r.optionalText(u"topic", topicRule());
        if (r.ok() && !r.has(u"name") && !r.has(u"topic"))
            r.fail(ErrorCode::MissingField, u"a room update names a new name or topic"_s, u"name");
        break;
    case EventType::RoomDelete:
        break;
    case EventType::MemberRole:
        r.id(u"userId");
        r.oneOf(u"role", { u"admin", u"member" });
        break;
    case EventType::Reaction:
    case EventType::ReactionRemove: {
        r.id(u"targetId");
        const QString key = r.text(u"key", { 1, limits::ReactionKeyMax, TextKind::Line });
        if (r.ok()) {
            if (auto err = checkReactionKey(key, path + u"key"_s))
                return err;
        }
        break;
    }
    }
    if (!r.ok())
        return r.error();
    return std::nullopt;
}

QJsonObject RoomEvent::toJson() const
{
    QJsonObject o { { u"id"_s, id },
                    { u"roomId"_s, roomId },
                    { u"seq"_s, seq },
                    { u"type"_s, eventTypeName(type) },
                    { u"senderId"_s, senderId },
                    { u"ts"_s, ts },
                    { u"content"_s, content } };
    if (!clientMsgId.isEmpty())
        o.insert(u"clientMsgId"_s, clientMsgId);
    return o;
}

Result<RoomEvent> RoomEvent::fromJson(const QJsonObject &o)
{
    JsonReader r(o);
    RoomEvent e;
    e.id = r.id(u"id");
    e.roomId = r.id(u"roomId");
    e.seq = r.id(u"seq");
    const QString type = r.text(u"type", { 1, 32, TextKind::Token });
    e.senderId = r.id(u"senderId");
    e.ts = timestamp(r, u"ts");
    e.content = r.object(u"content");
    e.clientMsgId = r.optionalText(u"clientMsgId", clientMsgIdRule()).value_or(QString());
    if (!r.ok())
        return r.error();
    if (!eventTypeFromName(type, &e.type))
        return makeError(ErrorCode::UnknownType, u"unknown event type '%1'"_s.arg(type), u"type"_s);
    if (auto err = validateEventContent(e.type, e.content))
        return *err;
    return e;
}

} // namespace confab
