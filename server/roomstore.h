// roomstore: SQL for rooms, members and the per-room event log. Write helpers run inside the
// writer's transaction (so checks and writes are one atomic step); read helpers take the reader.
#pragma once

#include "frames.h"
#include "result.h"
#include "types.h"

#include <QHash>
#include <QSqlDatabase>

#include <optional>

class QSqlQuery;

namespace confab::server::roomstore {

// The room, if it exists and is not deleted; else room_not_found.
Result<Room> room(QSqlDatabase db, qint64 roomId);
std::optional<MemberRole> role(QSqlDatabase db, qint64 roomId, qint64 userId);
// The newest seq of a room that is not deleted (room_not_found otherwise).
Result<qint64> lastSeqOf(QSqlDatabase &db, qint64 roomId);
// May `userId` read room `r`? Public rooms: anyone. Others: members (else not_member).
std::optional<Error> checkCanRead(QSqlDatabase db, const Room &r, qint64 userId);
// The caller must be a member (else not_member).
std::optional<Error> checkMember(QSqlDatabase db, qint64 roomId, qint64 userId);

QList<Member> members(QSqlDatabase db, qint64 roomId);
QList<qint64> memberIds(QSqlDatabase db, qint64 roomId);
// Rooms the user is in, with their newest seq.
QList<RoomCursor> cursorsOf(QSqlDatabase db, qint64 userId);
QList<Room> visibleRooms(QSqlDatabase db, qint64 userId, QList<qint64> *joined);

// Inserts a room and appends its room_create event (seq 1); returns that event.
Result<RoomEvent> createRoom(QSqlDatabase &db, const QString &name, const QString &topic,
                             RoomVisibility visibility, qint64 ownerId, qint64 ts,
                             const QString &dmKey = {});
// Where a new message of `userId` in `roomId` goes: the room's newest seq and its number of
// messages; room_not_found or not_member when it may not post. In the writer's transaction:
// both stay current until it commits.
struct PostPosition
{
    qint64 lastSeq = 0;
    qint64 msgCount = 0;
};
Result<PostPosition> positionForPoster(QSqlDatabase &db, qint64 roomId, qint64 userId);
// Appends one event at lastSeq + 1 (the room's newest seq, read in this transaction) and makes
// it the room's newest. Empty, and nothing changed, if (senderId, clientMsgId) exists already.
// `msgNo` > 0: the event is the room's msgNo-th message.
Result<std::optional<RoomEvent>> appendAfter(QSqlDatabase &db, qint64 roomId, qint64 lastSeq,
                                             EventType type, qint64 senderId,
                                             const QJsonObject &content, qint64 ts,
                                             const QString &clientMsgId, qint64 msgNo = 0);
// Where engines fold statements (PostgreSQL: each is a round trip), a member's message with
// nothing to look up first (no file, reply or mention) in one statement: positionForPoster and
// appendAfter together. `at` is what positionForPoster would say (an error: nothing stored);
// `event` is empty when (senderId, clientMsgId) exists already.
struct Posted
{
    Result<PostPosition> at = PostPosition {};
    std::optional<RoomEvent> event;
};
Result<Posted> postMessage(QSqlDatabase &db, qint64 roomId, qint64 senderId,
                           const QJsonObject &content, qint64 ts, const QString &clientMsgId);
// PostgreSQL: many members' plain messages (postMessage's kind), stored in the order given (a
// room's in that order of seq), a statement per room and up to 64 of its messages. Each one not
// stored is nullopt: its room does not exist, its sender is not a member, its (sender,
// clientMsgId) exists already or comes earlier in the list; the caller sends it alone, which
// says which. An error: a statement failed (and with it the transaction).
struct PlainPostIn
{
    qint64 senderId = 0;
    qint64 roomId = 0;
    QString clientMsgId;
    QString body;
    qint64 ts = 0;
};
struct PlainPostOut
{
    RoomEvent event;
    qint64 msgNo = 0;
};
Result<std::vector<std::optional<PlainPostOut>>> postMessages(QSqlDatabase &db,
                                                              const std::vector<PlainPostIn> &posts);
// Sending reads the room up to the message: noted per (room, sender) by the job, written once
// per batch by applySenderReads (the writer's beforeCommit hook; a sender with 64 messages in a
// batch costs one UPDATE, not 64), forgotten by dropSenderReads (afterBatch). Writer thread only.
void noteSenderRead(qint64 roomId, qint64 userId, qint64 seq, qint64 msgNo);
Result<bool> applySenderReads(QSqlDatabase &db);
void dropSenderReads();
// The members of the room among `usernames` (lowercase), as user ids.
Result<QList<qint64>> membersNamed(QSqlDatabase &db, qint64 roomId, const QStringList &usernames);
// Records that the message at `seq` mentions `userIds` (0: everyone in the room).
std::optional<Error> addMentions(QSqlDatabase &db, qint64 roomId, qint64 seq,
                                 const QList<qint64> &userIds);

// Read state. readState: the member's (not_member otherwise); readStates: every room the user
// is in. Neither counts rows: unread is a difference of counters, mentions a range of an index.
Result<ReadState> readState(QSqlDatabase db, qint64 roomId, qint64 userId);
QHash<qint64, ReadState> readStates(QSqlDatabase db, qint64 userId);
// Moves the member's marker forward to `seq` (≤ the room's newest seq, else bad_request).
// False: the marker was at or past `seq` already, and nothing changed.
Result<bool> markRead(QSqlDatabase &db, qint64 roomId, qint64 userId, qint64 seq);
// Appends one event (not a message: those carry a clientMsgId, see appendAfter) to the
// room's log with the next seq (inside the current transaction).
Result<RoomEvent> append(QSqlDatabase &db, qint64 roomId, EventType type, qint64 senderId,
                         const QJsonObject &content, qint64 ts);
// Adds a member and appends member_join. No-op (nullopt) if already a member.
Result<std::optional<RoomEvent>> addMember(QSqlDatabase &db, qint64 roomId, qint64 userId,
                                           MemberRole role, qint64 ts, qint64 invitedBy = 0);

RoomEvent eventFromRow(const QSqlQuery &q);
// What a reply shows of the message it answers: {"eventId", "seq", "senderId", "body" (its
// first 200 code points)}, or {"eventId", "seq", "senderId", "redacted": true} once deleted.
QJsonObject replyPreview(const RoomEvent &target);
// Puts the replyPreview of each reply among `events` (one query for all of them).
void attachReplyPreviews(QSqlDatabase db, qint64 roomId, QList<RoomEvent> &events);
Result<RoomEvent> event(QSqlDatabase db, qint64 roomId, qint64 eventId);

// Events with afterSeq < seq <= toSeq, ascending (at most `limit`).
Result<QList<RoomEvent>> range(QSqlDatabase db, qint64 roomId, qint64 afterSeq, qint64 toSeq,
                               int limit);
// One history page (see GET rooms/{id}/events in docs/protocol.md).
Result<EventPage> page(QSqlDatabase db, qint64 roomId, std::optional<qint64> after,
                       std::optional<qint64> before, int limit);

} // namespace confab::server::roomstore
