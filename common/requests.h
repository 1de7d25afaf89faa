// REST bodies of protocol v1 (requests the client sends, responses the server returns).
#pragma once

#include "types.h"

#include <optional>

namespace confab {

struct RegisterRequest
{
    QString username;
    QString password;
    QString displayName; // optional on the wire; empty means "use the username"
    QString invite; // optional: the invite code an invite-only server requires

    QJsonObject toJson() const;
    static Result<RegisterRequest> fromJson(const QJsonObject &o);
};

// POST auth/password: the current password is required.
struct ChangePasswordRequest
{
    QString currentPassword;
    QString newPassword;
    bool revokeOtherSessions = false;

    QJsonObject toJson() const;
    static Result<ChangePasswordRequest> fromJson(const QJsonObject &o);
};

// One login session of the caller (GET auth/sessions).
struct SessionInfo
{
    qint64 id = 0;
    QString device;
    qint64 createdAt = 0;
    qint64 lastSeenAt = 0;
    QString address; // where it was last seen from
    bool current = false; // the session making the request

    QJsonObject toJson() const;
    static Result<SessionInfo> fromJson(const QJsonObject &o);
    friend bool operator==(const SessionInfo &, const SessionInfo &) = default;
};

// POST admin/invites: a single-use registration code.
struct CreateInviteRequest
{
    int expiresInHours = 72; // 1 .. 720

    QJsonObject toJson() const;
    static Result<CreateInviteRequest> fromJson(const QJsonObject &o);
};

struct Invite
{
    QString code;
    qint64 expiresAt = 0;

    QJsonObject toJson() const;
    static Result<Invite> fromJson(const QJsonObject &o);
};

struct LoginRequest
{
    QString username;
    QString password;
    QString deviceName; // optional: shown in the session list

    QJsonObject toJson() const;
    static Result<LoginRequest> fromJson(const QJsonObject &o);
};

struct LoginResponse
{
    QString token;
    qint64 expiresAt = 0;
    User user;

    QJsonObject toJson() const;
    static Result<LoginResponse> fromJson(const QJsonObject &o);
};

// PATCH users/me: at least one field.
struct ProfilePatch
{
    std::optional<QString> displayName;
    std::optional<QString> statusText;

    QJsonObject toJson() const;
    static Result<ProfilePatch> fromJson(const QJsonObject &o);
};

struct CreateRoomRequest
{
    QString name;
    QString topic;
    RoomVisibility visibility
        = RoomVisibility::Public; // public or private; direct via users/{id}/dm

    QJsonObject toJson() const;
    static Result<CreateRoomRequest> fromJson(const QJsonObject &o);
};

// PATCH rooms/{id}: at least one field.
struct RoomPatch
{
    std::optional<QString> name;
    std::optional<QString> topic;

    QJsonObject toJson() const;
    static Result<RoomPatch> fromJson(const QJsonObject &o);
};

struct InviteRequest
{
    qint64 userId = 0;

    QJsonObject toJson() const;
    static Result<InviteRequest> fromJson(const QJsonObject &o);
};

// PATCH rooms/{id}/members/{userId} (owner only)
struct RoleChangeRequest
{
    MemberRole role = MemberRole::Member; // admin or member

    QJsonObject toJson() const;
    static Result<RoleChangeRequest> fromJson(const QJsonObject &o);
};

struct SendMessageRequest
{
    QString clientMsgId;
    QString body;
    qint64 replyTo = 0; // optional: a message in the same room this one answers
    QString fileId = {}; // optional: a finished upload of the sender's to this room; body may be ""

    QJsonObject toJson() const;
    static Result<SendMessageRequest> fromJson(const QJsonObject &o);
};

struct EditMessageRequest
{
    QString body;

    QJsonObject toJson() const;
    static Result<EditMessageRequest> fromJson(const QJsonObject &o);
};

// POST rooms/{id}/messages/{eventId}/reactions: react with `key` (see checkReactionKey).
struct ReactRequest
{
    QString key;

    QJsonObject toJson() const;
    static Result<ReactRequest> fromJson(const QJsonObject &o);
};

// The answer to adding or removing a reaction: `changed` false when it was already so (nothing
// stored); otherwise the reaction or reaction_remove event that was appended.
struct ReactionResult
{
    bool changed = false;
    std::optional<RoomEvent> event;

    QJsonObject toJson() const;
    static Result<ReactionResult> fromJson(const QJsonObject &o);
};

// POST rooms/{id}/read: "I have read this room up to `seq`".
struct MarkReadRequest
{
    qint64 seq = 0;

    QJsonObject toJson() const;
    static Result<MarkReadRequest> fromJson(const QJsonObject &o);
};

// The server's answer to an accepted send, over REST and as the `ack` frame.
struct SendAck
{
    QString clientMsgId;
    qint64 eventId = 0;
    qint64 roomId = 0;
    qint64 seq = 0;
    qint64 ts = 0;
    bool duplicate = false; // true: this clientMsgId was accepted before; nothing new was stored

    QJsonObject toJson() const;
    static Result<SendAck> fromJson(const QJsonObject &o);
    friend bool operator==(const SendAck &, const SendAck &) = default;
};

// GET rooms/{id}/events
struct EventPage
{
    qint64 roomId = 0;
    QList<RoomEvent> events; // ascending seq
    bool hasMore = false; // more events exist beyond this page in the requested direction
    qint64 lastSeq = 0; // the room's newest seq when the page was read
    // `around` pages only: hasMore is for older events, this for newer ones.
    std::optional<bool> hasMoreAfter;

    QJsonObject toJson() const;
    static Result<EventPage> fromJson(const QJsonObject &o);
};

// GET search: one match. `snippet` is plain text around the match (at most a few dozen words,
// "…" where it was cut); `highlights` are the matched words in it, as [start, length] in code
// points, so a client can mark them without parsing any markup.
struct SearchHit
{
    struct Span
    {
        int start = 0;
        int length = 0;
        friend bool operator==(const Span &, const Span &) = default;
    };
    RoomEvent event; // the message as first sent (its edits are separate events)
    QString snippet; // from its current text
    QList<Span> highlights;

    QJsonObject toJson() const;
    static Result<SearchHit> fromJson(const QJsonObject &o);
    friend bool operator==(const SearchHit &, const SearchHit &) = default;
};

struct SearchResults
{
    QList<SearchHit> results;
    bool hasMore = false; // older matches may exist: ask again with before = nextBefore
    qint64 nextBefore = 0; // with hasMore

    QJsonObject toJson() const;
    static Result<SearchResults> fromJson(const QJsonObject &o);
};

} // namespace confab
