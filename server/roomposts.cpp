// roomstore's folded posts (roomstore.h): where each statement is a round trip (PostgreSQL), a
// member's plain message in one statement, and the plain messages of a batch in one statement
// per room (Database::writeMerged). The data-modifying WITH statements are PostgreSQL's.
#include "roomstore.h"

#include "database.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlQuery>

#include <map>

using namespace Qt::StringLiterals;

namespace confab::server::roomstore {

Result<Posted> postMessage(QSqlDatabase &db, qint64 roomId, qint64 senderId,
                           const QJsonObject &content, qint64 ts, const QString &clientMsgId)
{
    // The room's row locked (FOR UPDATE: writers of one room, on any node, take turns; a
    // waiting one reads the row its predecessor committed), the event inserted at its newest
    // seq + 1 unless the unique key has it, the row moved on: one round trip.
    CachedQuery q(db,
                  u"WITH pos AS (SELECT r.id, r.last_seq, r.msg_count, EXISTS (SELECT 1 FROM"
                  u" members m WHERE m.room_id = r.id AND m.user_id = ?) AS member"
                  u" FROM rooms r WHERE r.id = ? AND r.deleted = 0 FOR UPDATE),"
                  u" ins AS (INSERT INTO events (room_id, seq, type, sender_id, ts, content,"
                  u" client_msg_id, msg_no) SELECT pos.id, pos.last_seq + 1, 'message',"
                  u" CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT),"
                  u" pos.msg_count + 1 FROM pos WHERE pos.member"
                  u" ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL"
                  u" DO NOTHING RETURNING id, seq, msg_no),"
                  u" bump AS (UPDATE rooms SET last_seq = ins.seq, msg_count = ins.msg_no"
                  u" FROM ins WHERE rooms.id = ?)"
                  u" SELECT pos.last_seq, pos.msg_count, pos.member, ins.id FROM pos"
                  u" LEFT JOIN ins ON true"_s);
    const QString json = QString::fromUtf8(QJsonDocument(content).toJson(QJsonDocument::Compact));
    const QVariant cid = clientMsgId.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                               : QVariant(clientMsgId);
    if (auto r = execCached(q, { senderId, roomId, senderId, ts, json, cid, roomId }); !r)
        return r.error();
    Posted out;
    if (!q->next()) {
        out.at = makeError(ErrorCode::RoomNotFound, u"no room %1"_s.arg(roomId), u"roomId"_s);
        return out;
    }
    if (!q->value(2).toBool()) {
        out.at = makeError(ErrorCode::NotMember, u"you are not a member of room %1"_s.arg(roomId),
                           u"roomId"_s);
        return out;
    }
    out.at = PostPosition { q->value(0).toLongLong(), q->value(1).toLongLong() };
    if (q->value(3).isNull())
        return out; // a retry: the unique key has it
    RoomEvent e;
    e.id = q->value(3).toLongLong();
    e.roomId = roomId;
    e.seq = out.at->lastSeq + 1;
    e.type = EventType::Message;
    e.senderId = senderId;
    e.ts = ts;
    e.content = content;
    e.clientMsgId = clientMsgId;
    out.event = std::move(e);
    return out;
}

Result<std::vector<std::optional<PlainPostOut>>> postMessages(QSqlDatabase &db,
                                                              const std::vector<PlainPostIn> &posts)
{
    std::vector<std::optional<PlainPostOut>> out(posts.size());
    // Per room, in the order given; a (sender, clientMsgId) twice: the later one is not taken.
    std::map<qint64, std::vector<size_t>> byRoom;
    QSet<QPair<qint64, QString>> seen;
    for (size_t i = 0; i < posts.size(); ++i) {
        const auto key = qMakePair(posts[i].senderId, posts[i].clientMsgId);
        if (!posts[i].clientMsgId.isEmpty() && seen.contains(key))
            continue;
        seen.insert(key);
        byRoom[posts[i].roomId].push_back(i);
    }
    // One text per number of rows (64, 16, 4, 1), prepared once per connection: the room's row
    // locked, the rows its sender may post and that are not stored yet numbered in order, put
    // at the room's newest seq + their number, the row moved on by as many.
    const auto statement = [](int rows) -> QString {
        QString values;
        for (int i = 0; i < rows; ++i)
            values += (i ? u","_s : QString()) + u"(%1, CAST(? AS BIGINT), CAST(? AS BIGINT),"
                                                  u" CAST(? AS TEXT), CAST(? AS TEXT))"_s.arg(i);
        return u"WITH pos AS (SELECT r.id, r.last_seq, r.msg_count FROM rooms r"
               u" WHERE r.id = ? AND r.deleted = 0 FOR UPDATE),"
               u" v (ord, sender, ts, content, cid) AS (VALUES "_s
            + values
            + u"), ok AS (SELECT v.*, ROW_NUMBER() OVER (ORDER BY v.ord) AS n FROM v, pos"
              u" WHERE EXISTS (SELECT 1 FROM members m WHERE m.room_id = pos.id"
              u" AND m.user_id = v.sender) AND NOT EXISTS (SELECT 1 FROM events e"
              u" WHERE e.sender_id = v.sender AND e.client_msg_id = v.cid)),"
              u" ins AS (INSERT INTO events (room_id, seq, type, sender_id, ts, content,"
              u" client_msg_id, msg_no) SELECT pos.id, pos.last_seq + ok.n, 'message', ok.sender,"
              u" ok.ts, ok.content, ok.cid, pos.msg_count + ok.n FROM pos, ok RETURNING id, seq),"
              u" bump AS (UPDATE rooms SET last_seq = pos.last_seq + c.k,"
              u" msg_count = pos.msg_count + c.k FROM pos, (SELECT COUNT(*) AS k FROM ins) c"
              u" WHERE rooms.id = pos.id AND c.k > 0)"
              u" SELECT ok.ord, ins.id, ins.seq, pos.msg_count + ok.n FROM ok, pos, ins"
              u" WHERE ins.seq = pos.last_seq + ok.n"_s;
    };
    for (const auto &[roomId, indexes] : byRoom) {
        size_t at = 0;
        while (at < indexes.size()) {
            const size_t left = indexes.size() - at;
            const int rows = left >= 64 ? 64 : left >= 16 ? 16 : left >= 4 ? 4 : 1;
            CachedQuery q(db, statement(rows));
            QVariantList values { roomId };
            for (int r = 0; r < rows; ++r) {
                const PlainPostIn &p = posts[indexes[at + size_t(r)]];
                values << p.senderId << p.ts
                       << QString::fromUtf8(QJsonDocument(QJsonObject { { u"body"_s, p.body } })
                                                .toJson(QJsonDocument::Compact))
                       << (p.clientMsgId.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                                   : QVariant(p.clientMsgId));
            }
            if (auto r = execCached(q, values); !r)
                return r.error();
            while (q->next()) {
                const size_t i = indexes[at + size_t(q->value(0).toInt())];
                const PlainPostIn &p = posts[i];
                PlainPostOut o;
                o.event.id = q->value(1).toLongLong();
                o.event.roomId = roomId;
                o.event.seq = q->value(2).toLongLong();
                o.event.type = EventType::Message;
                o.event.senderId = p.senderId;
                o.event.ts = p.ts;
                o.event.content = QJsonObject { { u"body"_s, p.body } };
                o.event.clientMsgId = p.clientMsgId;
                o.msgNo = q->value(3).toLongLong();
                out[i] = std::move(o);
            }
            at += size_t(rows);
        }
    }
    return out;
}

} // namespace confab::server::roomstore
