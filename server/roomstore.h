// roomstore: SQL for rooms, members and the per-room event log. Write helpers run inside the
// writer's transaction (so checks and writes are one atomic step); read helpers take the reader.
#pragma once

#include "frames.h"
#include "result.h"
#include "types.h"

#include <QSqlDatabase>

#include <optional>

class QSqlQuery;

namespace confab::server::roomstore {

// The room, if it exists and is not deleted; else room_not_found.
Result<Room> room(QSqlDatabase db, qint64 roomId);
std::optional<MemberRole> role(QSqlDatabase db, qint64 roomId, qint64 userId);
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
// May `userId` post to room `roomId`: the room's newest seq if so, else room_not_found or
// not_member. In the writer's transaction: the seq stays the newest until it commits.
Result<qint64> lastSeqForPoster(QSqlDatabase &db, qint64 roomId, qint64 userId);
// Appends one event at lastSeq + 1 (the room's newest seq, read in this transaction) and makes
// it the room's newest. Empty, and nothing changed, if (senderId, clientMsgId) exists already.
Result<std::optional<RoomEvent>> appendAfter(QSqlDatabase &db, qint64 roomId, qint64 lastSeq,
                                             EventType type, qint64 senderId,
                                             const QJsonObject &content, qint64 ts,
                                             const QString &clientMsgId);
// Appends one event (not a message: those carry a clientMsgId, see appendAfter) to the
// room's log with the next seq (inside the current transaction).
Result<RoomEvent> append(QSqlDatabase &db, qint64 roomId, EventType type, qint64 senderId,
                         const QJsonObject &content, qint64 ts);
// Adds a member and appends member_join. No-op (nullopt) if already a member.
Result<std::optional<RoomEvent>> addMember(QSqlDatabase &db, qint64 roomId, qint64 userId,
                                           MemberRole role, qint64 ts, qint64 invitedBy = 0);

RoomEvent eventFromRow(const QSqlQuery &q);
Result<RoomEvent> event(QSqlDatabase db, qint64 roomId, qint64 eventId);
// Events with afterSeq < seq <= toSeq, ascending (at most `limit`).
Result<QList<RoomEvent>> range(QSqlDatabase db, qint64 roomId, qint64 afterSeq, qint64 toSeq,
                               int limit);
// One history page (see GET rooms/{id}/events in docs/protocol.md).
Result<EventPage> page(QSqlDatabase db, qint64 roomId, std::optional<qint64> after,
                       std::optional<qint64> before, int limit);

} // namespace confab::server::roomstore
