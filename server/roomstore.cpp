#include "roomstore.h"

#include "database.h"
#include "storage/backend.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>


using namespace Qt::StringLiterals;

namespace confab::server::roomstore {

namespace {

const QString kRoomColumns
    = u"r.id, r.name, r.topic, r.visibility, r.owner_id, r.created_at, r.last_seq,"
      u" (SELECT COUNT(*) FROM members m WHERE m.room_id = r.id)"_s;
const QString kEventColumns = u"id, room_id, seq, type, sender_id, ts, content, client_msg_id"_s;

Room roomFromRow(const QSqlQuery &q)
{
    Room r;
    r.id = q.value(0).toLongLong();
    r.name = q.value(1).toString();
    r.topic = q.value(2).toString();
    const QString vis = q.value(3).toString();
    r.visibility = vis == u"private" ? RoomVisibility::Private
        : vis == u"direct"           ? RoomVisibility::Direct
                                     : RoomVisibility::Public;
    r.ownerId = q.value(4).toLongLong();
    r.createdAt = q.value(5).toLongLong();
    r.lastSeq = q.value(6).toLongLong();
    r.memberCount = q.value(7).toInt();
    return r;
}

} // namespace

// The newest seq of a room that is not deleted (room_not_found otherwise).
Result<qint64> lastSeqOf(QSqlDatabase &db, qint64 roomId)
{
    // Locked until the transaction ends: nodes sharing a PostgreSQL database take turns.
    CachedQuery q(db,
                  u"SELECT last_seq FROM rooms WHERE id = ? AND deleted = 0"_s
                      + storage::lockRow(db));
    if (auto r = execCached(q, { roomId }); !r)
        return r.error();
    if (!q->next())
        return makeError(ErrorCode::RoomNotFound, u"no room %1"_s.arg(roomId), u"roomId"_s);
    return q->value(0).toLongLong();
}


Result<Room> room(QSqlDatabase db, qint64 roomId)
{
    CachedQuery q(
        db, u"SELECT "_s + kRoomColumns + u" FROM rooms r WHERE r.id = ? AND r.deleted = 0"_s);
    if (auto r = execCached(q, { roomId }); !r)
        return r.error();
    if (!q->next())
        return makeError(ErrorCode::RoomNotFound, u"no room %1"_s.arg(roomId), u"roomId"_s);
    return roomFromRow(*q);
}

std::optional<MemberRole> role(QSqlDatabase db, qint64 roomId, qint64 userId)
{
    CachedQuery q(db, u"SELECT role FROM members WHERE room_id = ? AND user_id = ?"_s);
    if (!execCached(q, { roomId, userId }) || !q->next())
        return std::nullopt;
    MemberRole r;
    if (!roleFromName(q->value(0).toString(), &r))
        return std::nullopt;
    return r;
}

std::optional<Error> checkMember(QSqlDatabase db, qint64 roomId, qint64 userId)
{
    if (role(db, roomId, userId))
        return std::nullopt;
    return makeError(ErrorCode::NotMember, u"you are not a member of room %1"_s.arg(roomId),
                     u"roomId"_s);
}

std::optional<Error> checkCanRead(QSqlDatabase db, const Room &r, qint64 userId)
{
    if (r.visibility == RoomVisibility::Public)
        return std::nullopt;
    return checkMember(db, r.id, userId);
}

QList<Member> members(QSqlDatabase db, qint64 roomId)
{
    CachedQuery q(db,
                  u"SELECT m.user_id, u.username, u.display_name, m.role, m.joined_at"
                  u" FROM members m JOIN users u ON u.id = m.user_id WHERE m.room_id = ?"
                  u" ORDER BY m.joined_at, m.user_id"_s);
    QList<Member> out;
    if (!execCached(q, { roomId }))
        return out;
    while (q->next()) {
        Member m;
        m.userId = q->value(0).toLongLong();
        m.username = q->value(1).toString();
        m.displayName = q->value(2).toString();
        roleFromName(q->value(3).toString(), &m.role);
        m.joinedAt = q->value(4).toLongLong();
        out.append(m);
    }
    return out;
}

QList<qint64> memberIds(QSqlDatabase db, qint64 roomId)
{
    CachedQuery q(db, u"SELECT user_id FROM members WHERE room_id = ?"_s);
    QList<qint64> out;
    if (execCached(q, { roomId })) {
        while (q->next())
            out.append(q->value(0).toLongLong());
    }
    return out;
}

QList<RoomCursor> cursorsOf(QSqlDatabase db, qint64 userId)
{
    CachedQuery q(db,
                  u"SELECT r.id, r.last_seq FROM members m JOIN rooms r ON r.id = m.room_id"
                  u" WHERE m.user_id = ? AND r.deleted = 0 ORDER BY r.id"_s);
    QList<RoomCursor> out;
    if (execCached(q, { userId })) {
        while (q->next())
            out.append({ q->value(0).toLongLong(), q->value(1).toLongLong() });
    }
    return out;
}

namespace {

// The read state columns for members m joined with rooms r (bind the user id twice first).
constexpr auto kReadColumns
    = u"m.room_id, m.read_seq, r.msg_count - m.read_no,"
      u" (SELECT COUNT(*) FROM mentions x WHERE x.room_id = m.room_id AND x.user_id IN (?, 0)"
      u"  AND x.seq > m.read_seq)";

ReadState readStateFromRow(const QSqlQuery &q)
{
    return { q.value(0).toLongLong(), q.value(1).toLongLong(),
             int(std::max<qint64>(0, q.value(2).toLongLong())), q.value(3).toInt() };
}

} // namespace

Result<ReadState> readState(QSqlDatabase db, qint64 roomId, qint64 userId)
{
    CachedQuery q(db,
                  u"SELECT "_s + QString::fromUtf16(kReadColumns)
                      + u" FROM members m JOIN rooms r ON r.id = m.room_id"
                        u" WHERE m.room_id = ? AND m.user_id = ? AND r.deleted = 0"_s);
    if (auto r = execCached(q, { userId, roomId, userId }); !r)
        return r.error();
    if (!q->next())
        return makeError(ErrorCode::NotMember, u"you are not a member of room %1"_s.arg(roomId),
                         u"roomId"_s);
    return readStateFromRow(*q);
}

QHash<qint64, ReadState> readStates(QSqlDatabase db, qint64 userId)
{
    CachedQuery q(db,
                  u"SELECT "_s + QString::fromUtf16(kReadColumns)
                      + u" FROM members m JOIN rooms r ON r.id = m.room_id"
                        u" WHERE m.user_id = ? AND r.deleted = 0"_s);
    QHash<qint64, ReadState> out;
    if (execCached(q, { userId, userId })) {
        while (q->next()) {
            const ReadState s = readStateFromRow(*q);
            out.insert(s.roomId, s);
        }
    }
    return out;
}

Result<bool> markRead(QSqlDatabase &db, qint64 roomId, qint64 userId, qint64 seq)
{
    QSqlQuery q(db);
    q.prepare(u"SELECT r.last_seq, m.read_seq FROM rooms r"
              u" LEFT JOIN members m ON m.room_id = r.id AND m.user_id = ?"
              u" WHERE r.id = ? AND r.deleted = 0"_s);
    if (auto r = execPrepared(q, { userId, roomId }); !r)
        return r.error();
    if (!q.next())
        return makeError(ErrorCode::RoomNotFound, u"no room %1"_s.arg(roomId), u"roomId"_s);
    if (q.value(1).isNull())
        return makeError(ErrorCode::NotMember, u"you are not a member of room %1"_s.arg(roomId),
                         u"roomId"_s);
    const qint64 lastSeq = q.value(0).toLongLong();
    if (seq > lastSeq)
        return makeError(ErrorCode::InvalidValue,
                         u"seq %1 is past the room's newest event (%2)"_s.arg(seq).arg(lastSeq),
                         u"seq"_s);
    if (seq <= q.value(1).toLongLong())
        return false; // markers only move forward
    // The message ordinal at `seq`: the newest message at or before it (an index walk back
    // from `seq`, not a count).
    q.prepare(u"SELECT msg_no FROM events WHERE room_id = ? AND seq <= ? AND msg_no IS NOT NULL"
              u" ORDER BY seq DESC LIMIT 1"_s);
    if (auto r = execPrepared(q, { roomId, seq }); !r)
        return r.error();
    const qint64 readNo = q.next() ? q.value(0).toLongLong() : 0;
    q.prepare(u"UPDATE members SET read_seq = ?, read_no = ? WHERE room_id = ? AND user_id = ?"
              u" AND read_seq < ?"_s);
    if (auto r = execPrepared(q, { seq, readNo, roomId, userId, seq }); !r)
        return r.error();
    return q.numRowsAffected() > 0;
}

namespace {

struct SenderRead
{
    qint64 seq = 0;
    qint64 msgNo = 0;
};
thread_local QHash<QPair<qint64, qint64>, SenderRead> t_senderReads; // (room, user) → newest

} // namespace

void noteSenderRead(qint64 roomId, qint64 userId, qint64 seq, qint64 msgNo)
{
    SenderRead &r = t_senderReads[{ roomId, userId }];
    if (seq > r.seq)
        r = { seq, msgNo };
}

Result<bool> applySenderReads(QSqlDatabase &db)
{
    if (t_senderReads.isEmpty())
        return true;
    if (!storage::foldsStatements(db)) {
        // SQLite: one prepared statement per sender, no round trips (a single UPDATE … FROM
        // VALUES for the batch made fan-out p50 30% worse: docs/benchmarks.md).
        CachedQuery q(db,
                      u"UPDATE members SET read_seq = ?, read_no = ?"
                      u" WHERE room_id = ? AND user_id = ? AND read_seq < ?"_s);
        for (auto it = t_senderReads.cbegin(); it != t_senderReads.cend(); ++it) {
            if (auto r = execCached(q, { it->seq, it->msgNo, it.key().first, it.key().second,
                                         it->seq });
                !r)
                return r.error();
        }
        t_senderReads.clear();
        return true;
    }
    // PostgreSQL, where each statement is a round trip: a batch's senders in a few statements,
    // rows of 64, then of 8, then single ones, so that at most three texts are prepared.
    const auto statement = [](int rows) -> QString {
        QString sql = u"UPDATE members SET read_seq = v.column3, read_no = v.column4 FROM (VALUES"_s;
        for (int i = 0; i < rows; ++i)
            sql += (i ? u","_s : u" "_s)
                + u"(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))"_s;
        return sql
            + u") AS v WHERE members.room_id = v.column1 AND members.user_id = v.column2"
              u" AND members.read_seq < v.column3"_s;
    };
    const QList<QPair<QPair<qint64, qint64>, SenderRead>> all = [] {
        QList<QPair<QPair<qint64, qint64>, SenderRead>> out;
        for (auto it = t_senderReads.cbegin(); it != t_senderReads.cend(); ++it)
            out.append({ it.key(), it.value() });
        return out;
    }();
    qsizetype at = 0;
    for (const int rows : { 64, 8, 1 }) {
        while (all.size() - at >= rows) {
            CachedQuery q(db, statement(rows));
            QVariantList values;
            for (qsizetype i = at; i < at + rows; ++i)
                values << all[i].first.first << all[i].first.second << all[i].second.seq
                       << all[i].second.msgNo;
            if (auto r = execCached(q, values); !r)
                return r.error();
            at += rows;
        }
    }
    t_senderReads.clear();
    return true;
}

void dropSenderReads()
{
    t_senderReads.clear();
}

Result<QList<qint64>> membersNamed(QSqlDatabase &db, qint64 roomId, const QStringList &usernames)
{
    QList<qint64> ids;
    CachedQuery q(db,
                  u"SELECT m.user_id FROM users u JOIN members m ON m.user_id = u.id"
                  u" AND m.room_id = ? WHERE u.username = ?"_s);
    for (const QString &name : usernames) {
        if (auto r = execCached(q, { roomId, name }); !r)
            return r.error();
        if (q->next())
            ids.append(q->value(0).toLongLong());
    }
    return ids;
}

std::optional<Error> addMentions(QSqlDatabase &db, qint64 roomId, qint64 seq,
                                 const QList<qint64> &userIds)
{
    CachedQuery q(db, u"INSERT INTO mentions (room_id, user_id, seq) VALUES (?, ?, ?)"
                      u" ON CONFLICT DO NOTHING"_s);
    for (qint64 id : userIds) {
        if (auto r = execCached(q, { roomId, id, seq }); !r)
            return r.error();
    }
    return std::nullopt;
}

QList<Room> visibleRooms(QSqlDatabase db, qint64 userId, QList<qint64> *joined)
{
    QSqlQuery q(db);
    q.prepare(u"SELECT "_s + kRoomColumns
              + u", EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = ?)"
                u" AS joined FROM rooms r WHERE r.deleted = 0 AND (r.visibility = 'public' OR"
                u" EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = ?))"
                u" ORDER BY r.id"_s);
    QList<Room> out;
    if (!execPrepared(q, { userId, userId }))
        return out;
    while (q.next()) {
        out.append(roomFromRow(q));
        if (q.value(8).toBool())
            joined->append(out.last().id);
    }
    return out;
}

Result<PostPosition> positionForPoster(QSqlDatabase &db, qint64 roomId, qint64 userId)
{
    // One row answers all three: the room exists, the poster is in it, and where the message goes.
    CachedQuery q(db,
                  u"SELECT r.last_seq, r.msg_count, EXISTS (SELECT 1 FROM members m"
                  u" WHERE m.room_id = r.id AND m.user_id = ?)"
                  u" FROM rooms r WHERE r.id = ? AND r.deleted = 0"_s
                      + storage::lockRow(db));
    if (auto r = execCached(q, { userId, roomId }); !r)
        return r.error();
    if (!q->next())
        return makeError(ErrorCode::RoomNotFound, u"no room %1"_s.arg(roomId), u"roomId"_s);
    if (!q->value(2).toBool())
        return makeError(ErrorCode::NotMember, u"you are not a member of room %1"_s.arg(roomId),
                         u"roomId"_s);
    return PostPosition { q->value(0).toLongLong(), q->value(1).toLongLong() };
}

Result<std::optional<RoomEvent>> appendAfter(QSqlDatabase &db, qint64 roomId, qint64 lastSeq,
                                             EventType type, qint64 senderId,
                                             const QJsonObject &content, qint64 ts,
                                             const QString &clientMsgId, qint64 msgNo)
{
    RoomEvent e;
    e.roomId = roomId;
    e.seq = lastSeq + 1;
    e.type = type;
    e.senderId = senderId;
    e.ts = ts;
    e.content = content;
    e.clientMsgId = clientMsgId;
    // A (sender, clientMsgId) that exists already inserts nothing (the unique index decides, in
    // the same step as the insert); any other constraint still fails the statement.
    const QVariantList values {
        roomId, e.seq, eventTypeName(type), senderId, ts,
        QString::fromUtf8(QJsonDocument(content).toJson(QJsonDocument::Compact)),
        clientMsgId.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(clientMsgId),
        msgNo > 0 ? QVariant(msgNo) : QVariant(QMetaType::fromType<qint64>())
    };
    static const QString insert
        = u"INSERT INTO events (room_id, seq, type, sender_id, ts, content, client_msg_id, msg_no)"
          u" VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
          u" ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING"_s;
    if (storage::foldsStatements(db)) {
        // One round trip: the insert and the room's newest seq (and message count) together.
        CachedQuery both(db,
                         u"WITH ins AS ("_s + insert
                             + u" RETURNING id), bump AS (UPDATE rooms SET last_seq = ?,"
                               u" msg_count = COALESCE(CAST(? AS BIGINT), msg_count)"
                               u" WHERE id = ? AND EXISTS (SELECT 1 FROM ins))"
                               u" SELECT id FROM ins"_s);
        if (auto r = execCached(both, values + QVariantList { e.seq, values[7], roomId }); !r)
            return r.error();
        if (!both->next())
            return std::optional<RoomEvent>();
        e.id = both->value(0).toLongLong();
        return std::optional<RoomEvent>(std::move(e));
    }
    CachedQuery ins(db, insert + storage::returningId(db));
    if (auto r = execCached(ins, values); !r)
        return r.error();
    const std::optional<qint64> id = storage::insertedId(db, *ins);
    if (!id)
        return std::optional<RoomEvent>();
    e.id = *id;
    // Plain statements, not `UPDATE ... RETURNING`: SQLite buffers RETURNING rows in a temporary
    // b-tree, opened and freed per statement, which cost the writer more than the INSERT itself
    // (docs/benchmarks.md).
    if (msgNo <= 0) {
        CachedQuery bump(db, u"UPDATE rooms SET last_seq = ? WHERE id = ?"_s);
        if (auto r = execCached(bump, { e.seq, roomId }); !r)
            return r.error();
        return std::optional<RoomEvent>(std::move(e));
    }
    CachedQuery bump(db, u"UPDATE rooms SET last_seq = ?, msg_count = ? WHERE id = ?"_s);
    if (auto r = execCached(bump, { e.seq, msgNo, roomId }); !r)
        return r.error();
    return std::optional<RoomEvent>(std::move(e));
}

Result<RoomEvent> append(QSqlDatabase &db, qint64 roomId, EventType type, qint64 senderId,
                         const QJsonObject &content, qint64 ts)
{
    const Result<qint64> lastSeq = lastSeqOf(db, roomId);
    if (!lastSeq)
        return lastSeq.error();
    // Without a clientMsgId nothing can conflict: appendAfter stores it or fails.
    auto e = appendAfter(db, roomId, lastSeq.value(), type, senderId, content, ts, {});
    if (!e)
        return e.error();
    if (!*e)
        return makeError(ErrorCode::Internal, u"room %1: the event was not stored"_s.arg(roomId));
    return std::move(**e);
}

Result<RoomEvent> createRoom(QSqlDatabase &db, const QString &name, const QString &topic,
                             RoomVisibility visibility, qint64 ownerId, qint64 ts,
                             const QString &dmKey)
{
    QSqlQuery q(db);
    // An empty QString binds as NULL in QtSql: text columns take COALESCE(?, '').
    q.prepare(u"INSERT INTO rooms (name, topic, visibility, owner_id, created_at, dm_key)"
              u" VALUES (?, COALESCE(?, ''), ?, ?, ?, ?)"_s
              + storage::returningId(db));
    if (auto r = execPrepared(
            q,
            { name, topic, visibilityName(visibility), ownerId, ts,
              dmKey.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(dmKey) });
        !r)
        return r.error();
    const qint64 roomId = storage::insertedId(db, q).value_or(0);
    return append(db, roomId, EventType::RoomCreate, ownerId,
                  { { u"name"_s, name },
                    { u"topic"_s, topic.isNull() ? u""_s : topic },
                    { u"visibility"_s, visibilityName(visibility) } },
                  ts);
}

Result<std::optional<RoomEvent>> addMember(QSqlDatabase &db, qint64 roomId, qint64 userId,
                                           MemberRole r, qint64 ts, qint64 invitedBy)
{
    if (role(db, roomId, userId))
        return std::optional<RoomEvent>();
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO members (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)"_s);
    if (auto res = execPrepared(q, { roomId, userId, roleName(r), ts }); !res)
        return res.error();
    QJsonObject content { { u"userId"_s, userId } };
    if (invitedBy)
        content.insert(u"invitedBy"_s, invitedBy);
    auto ev
        = append(db, roomId, EventType::MemberJoin, invitedBy ? invitedBy : userId, content, ts);
    if (!ev)
        return ev.error();
    return std::optional<RoomEvent>(ev.value());
}

RoomEvent eventFromRow(const QSqlQuery &q)
{
    RoomEvent e;
    e.id = q.value(0).toLongLong();
    e.roomId = q.value(1).toLongLong();
    e.seq = q.value(2).toLongLong();
    eventTypeFromName(q.value(3).toString(), &e.type);
    e.senderId = q.value(4).toLongLong();
    e.ts = q.value(5).toLongLong();
    e.content = QJsonDocument::fromJson(q.value(6).toString().toUtf8()).object();
    e.clientMsgId = q.value(7).toString();
    return e;
}

Result<RoomEvent> event(QSqlDatabase db, qint64 roomId, qint64 eventId)
{
    CachedQuery q(db,
                  u"SELECT "_s + kEventColumns + u" FROM events WHERE id = ? AND room_id = ?"_s);
    if (auto r = execCached(q, { eventId, roomId }); !r)
        return r.error();
    if (!q->next())
        return makeError(ErrorCode::EventNotFound,
                         u"no message %1 in room %2"_s.arg(eventId).arg(roomId));
    return eventFromRow(*q);
}

QJsonObject replyPreview(const RoomEvent &target)
{
    QJsonObject p { { u"eventId"_s, target.id },
                    { u"seq"_s, target.seq },
                    { u"senderId"_s, target.senderId } };
    if (target.isRedacted()) {
        p.insert(u"redacted"_s, true);
        return p;
    }
    const QString body = target.body();
    // The first 200 code points (not UTF-16 units: a surrogate pair is never cut).
    qsizetype cut = 0;
    for (int points = 0; cut < body.size() && points < 200; ++points)
        cut += body.at(cut).isHighSurrogate() && cut + 1 < body.size() ? 2 : 1;
    p.insert(u"body"_s, body.left(cut));
    // A file's message: its name too (its caption may be empty).
    if (const QJsonValue file = target.content.value(u"file"_s); file.isObject())
        p.insert(u"fileName"_s, file.toObject().value(u"name"_s).toString());
    return p;
}

void attachReplyPreviews(QSqlDatabase db, qint64 roomId, QList<RoomEvent> &events)
{
    QHash<qint64, QList<int>> wanted; // target id → positions of its replies
    for (int i = 0; i < events.size(); ++i) {
        const qint64 target = events[i].content.value(u"replyTo"_s).toInteger();
        if (target > 0 && events[i].type == EventType::Message)
            wanted[target].append(i);
    }
    if (wanted.isEmpty())
        return; // nearly every page
    QStringList marks;
    QVariantList values { roomId };
    for (auto it = wanted.cbegin(); it != wanted.cend(); ++it) {
        marks << u"?"_s;
        values << it.key();
    }
    QSqlQuery q(db);
    q.prepare(u"SELECT "_s + kEventColumns + u" FROM events WHERE room_id = ? AND id IN ("_s
              + marks.join(u',') + u")"_s);
    if (!execPrepared(q, values))
        return;
    while (q.next()) {
        const RoomEvent target = eventFromRow(q);
        const QJsonObject preview = replyPreview(target);
        for (int i : wanted.value(target.id))
            events[i].content.insert(u"replyPreview"_s, preview);
    }
}

Result<QList<RoomEvent>> range(QSqlDatabase db, qint64 roomId, qint64 afterSeq, qint64 toSeq,
                               int limit)
{
    CachedQuery q(
        db,
        u"SELECT "_s + kEventColumns
            + u" FROM events WHERE room_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"_s);
    if (auto r = execCached(q, { roomId, afterSeq, toSeq, limit }); !r)
        return r.error();
    QList<RoomEvent> out;
    while (q->next())
        out.append(eventFromRow(*q));
    attachReplyPreviews(db, roomId, out);
    return out;
}

Result<EventPage> page(QSqlDatabase db, qint64 roomId, std::optional<qint64> after,
                       std::optional<qint64> before, int limit)
{
    auto r = room(db, roomId);
    if (!r)
        return r.error();
    EventPage p;
    p.roomId = roomId;
    p.lastSeq = r->lastSeq;
    if (after) {
        CachedQuery q(db,
                      u"SELECT "_s + kEventColumns
                          + u" FROM events WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?"_s);
        if (auto res = execCached(q, { roomId, *after, limit + 1 }); !res)
            return res.error();
        while (q->next())
            p.events.append(eventFromRow(*q));
        p.hasMore = p.events.size() > limit;
        if (p.hasMore)
            p.events.removeLast();
    } else {
        const qint64 upper = before ? *before : r->lastSeq + 1;
        CachedQuery q(
            db,
            u"SELECT "_s + kEventColumns
                + u" FROM events WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"_s);
        if (auto res = execCached(q, { roomId, upper, limit + 1 }); !res)
            return res.error();
        while (q->next())
            p.events.prepend(eventFromRow(*q));
        p.hasMore = p.events.size() > limit;
        if (p.hasMore)
            p.events.removeFirst();
    }
    attachReplyPreviews(db, roomId, p.events);
    return p;
}

} // namespace confab::server::roomstore
