// Protocol v1 domain types: users, rooms, members and room events.
// fromJson validates strictly and returns an Error instead of a partly filled value;
// toJson(fromJson(x)) == x for every valid x.
#pragma once

#include "jsonreader.h"
#include "result.h"

#include <QJsonArray>
#include <optional>

#include <QJsonObject>
#include <QList>
#include <QString>

namespace confab {

struct User
{
    qint64 id = 0;
    QString username;
    QString displayName;
    QString statusText;
    qint64 createdAt = 0; // ms since the epoch, UTC

    QJsonObject toJson() const;
    static Result<User> fromJson(const QJsonObject &o);
    friend bool operator==(const User &, const User &) = default;
};

enum class RoomVisibility { Public, Private, Direct };
QString visibilityName(RoomVisibility v);

// A user's read state in one room (docs/protocol.md, "Read state"): the highest seq they have
// read, messages from others after it, and those that mention them (or @room).
struct ReadState
{
    qint64 roomId = 0;
    qint64 readSeq = 0;
    int unread = 0;
    int mentions = 0;

    QJsonObject toJson() const; // roomId, readSeq, unread, mentions
    // The three counters from `o` (roomId too when present); an error names a bad field.
    static Result<ReadState> fromJson(const QJsonObject &o);
    friend bool operator==(const ReadState &, const ReadState &) = default;
};

struct Room
{
    qint64 id = 0;
    QString name;
    QString topic;
    RoomVisibility visibility = RoomVisibility::Public;
    qint64 ownerId = 0;
    qint64 createdAt = 0;
    qint64 lastSeq = 0; // seq of the newest event in the room's log
    int memberCount = 0;
    std::optional<ReadState> read; // the caller's, for rooms they are in (GET rooms)

    QJsonObject toJson() const;
    static Result<Room> fromJson(const QJsonObject &o);
    friend bool operator==(const Room &, const Room &) = default;
};

enum class MemberRole { Owner, Admin, Member };
QString roleName(MemberRole r);
bool roleFromName(QStringView name, MemberRole *out);

// A user's presence: online with at least one connection not away, away when every connection is
// away, offline with none.
enum class PresenceStatus { Online, Away, Offline };
QString presenceName(PresenceStatus s);
bool presenceFromName(QStringView name, PresenceStatus *out);

struct Member
{
    qint64 userId = 0;
    QString username;
    QString displayName;
    MemberRole role = MemberRole::Member;
    qint64 joinedAt = 0;
    PresenceStatus presence = PresenceStatus::Offline; // as the server saw it when listing

    QJsonObject toJson() const;
    static Result<Member> fromJson(const QJsonObject &o);
    friend bool operator==(const Member &, const Member &) = default;
};

enum class EventType {
    Message, // {body} or, once deleted, {redacted: true}
    Edit, // {targetId, body} or, once its message is deleted, {targetId, redacted: true}
    Delete, // {targetId}
    MemberJoin, // {userId[, invitedBy]}
    MemberLeave, // {userId}
    RoomCreate, // {name, topic, visibility}
    RoomUpdate, // {name?, topic?} (at least one)
    RoomDelete, // {}
    MemberRole, // {userId, role}: role is admin or member; set by the owner
    Reaction, // {targetId, key}: the sender reacted to message targetId with key
    ReactionRemove, // {targetId, key}: the sender took that reaction back
};
QString eventTypeName(EventType t);
bool eventTypeFromName(QStringView name, EventType *out);

// One entry of a room's append-only log. `seq` is gap-free and strictly increasing per room.
struct RoomEvent
{
    qint64 id = 0; // server-wide unique event id
    qint64 roomId = 0;
    qint64 seq = 0;
    EventType type = EventType::Message;
    qint64 senderId = 0;
    qint64 ts = 0; // commit time, ms since the epoch, UTC
    QJsonObject content; // shape depends on `type`, validated by validateEventContent
    QString clientMsgId; // the sender's idempotency key (message events only)

    QString body() const { return content.value(QLatin1StringView("body")).toString(); }
    bool isRedacted() const { return content.value(QLatin1StringView("redacted")).toBool(); }
    qint64 targetId() const
    {
        return qint64(content.value(QLatin1StringView("targetId")).toDouble());
    }
    qint64 subjectUserId() const
    {
        return qint64(content.value(QLatin1StringView("userId")).toDouble());
    }

    QJsonObject toJson() const;
    static Result<RoomEvent> fromJson(const QJsonObject &o);
    friend bool operator==(const RoomEvent &, const RoomEvent &) = default;
};

// Validates `content` for an event of `type`; `path` prefixes field names in the error.
std::optional<Error> validateEventContent(EventType type, const QJsonObject &content,
                                          const QString &path = QStringLiteral("content."));

// Text rules shared by codecs, server and client UI.
TextRule usernameRule();
TextRule passwordRule();
TextRule displayNameRule();
TextRule statusTextRule();
TextRule roomNameRule();
TextRule topicRule();
TextRule messageBodyRule();
// A message's body beside a file (its caption): may be empty.
TextRule captionRule();
// A file or upload id: 32 lowercase hex digits.
bool isFileId(QStringView id);
// The name a file is stored and offered under: the last path component of `raw` (both '/' and
// '\\' separate), without control, bidirectional or invisible characters, leading dots and
// spaces, trailing dots and spaces; at most FileNameMax code points (the extension kept); "file"
// when nothing is left. Never a path: no separator, never "." or "..".
QString safeFileName(const QString &raw);

// A shared file, as a message carries it in content.file (docs/protocol.md, "Files").
struct FileInfo
{
    QString fileId;
    QString name;
    qint64 size = 0;
    QString mime; // as the server sniffed it from the bytes, never as the uploader said
    QString sha256; // lowercase hex
    int width = 0; // images: pixels (0: not an image, or too large to look at)
    int height = 0;
    int thumbWidth = 0; // a preview exists (GET files/{id}/thumbnail) when > 0
    int thumbHeight = 0;

    bool isImage() const { return width > 0 && height > 0; }
    bool hasThumbnail() const { return thumbWidth > 0 && thumbHeight > 0; }
    QJsonObject toJson() const;
    static Result<FileInfo> fromJson(const QJsonObject &o);
    friend bool operator==(const FileInfo &, const FileInfo &) = default;
};
TextRule clientMsgIdRule();
// A reaction key: an emoji or short text, 1-16 code points, one line, no space at either end.
std::optional<Error> checkReactionKey(const QString &key, const QString &field);
// Usernames: 3-32 of [a-z0-9._-], starting with a letter.
std::optional<Error> checkUsername(const QString &username, const QString &field);

template<typename T> QJsonArray toJsonArray(const QList<T> &items)
{
    QJsonArray a;
    for (const auto &item : items)
        a.append(item.toJson());
    return a;
}

// Parses every element of `array` with T::fromJson; the first bad element decides the error.
template<typename T> Result<QList<T>> listFromJson(const QJsonValue &value, const QString &field)
{
    if (!value.isArray())
        return makeError(ErrorCode::WrongType, QStringLiteral("must be an array"), field);
    QList<T> out;
    const QJsonArray array = value.toArray();
    out.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = field + u'[' + QString::number(i) + u']';
        if (!array.at(i).isObject())
            return makeError(ErrorCode::WrongType, QStringLiteral("must be an object"), path);
        auto item = T::fromJson(array.at(i).toObject());
        if (!item) {
            Error e = item.error();
            e.field = path + u'.' + e.field;
            return e;
        }
        out.append(std::move(item).value());
    }
    return out;
}

} // namespace confab
