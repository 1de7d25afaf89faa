#include "reactionstore.h"

#include "database.h"
#include "protocollimits.h"
#include "roomstore.h"

#include <QJsonArray>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace confab::server::reactionstore {

Result<std::optional<RoomEvent>> react(QSqlDatabase &db, qint64 roomId, qint64 userId,
                                       qint64 targetId, const QString &key, bool add, qint64 ts)
{
    if (add) {
        CachedQuery keys(db,
                         u"SELECT COUNT(DISTINCT key), SUM(CASE WHEN key = ? THEN 1 ELSE 0 END)"
                         u" FROM reactions"
                         u" WHERE target_id = ?"_s);
        if (auto r = execCached(keys, { key, targetId }); !r)
            return r.error();
        const bool keyInUse = keys->next() && keys->value(1).toLongLong() > 0;
        if (!keyInUse && keys->value(0).toInt() >= limits::ReactionKeysPerMessage)
            return makeError(ErrorCode::InvalidValue,
                             u"a message takes at most %1 different reactions"_s.arg(
                                 limits::ReactionKeysPerMessage),
                             u"key"_s);
    }
    // The event's seq goes into the row: read the room's newest seq first (this transaction
    // holds the write lock, so it is the seq the event gets).
    const Result<qint64> newest = roomstore::lastSeqOf(db, roomId);
    if (!newest)
        return newest.error();
    const qint64 lastSeq = newest.value();
    CachedQuery change(db,
                       add ? u"INSERT INTO reactions (target_id, key, user_id, room_id, seq)"
                             u" VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"_s
                           : u"DELETE FROM reactions WHERE target_id = ? AND key = ?"
                             u" AND user_id = ?"_s);
    const QVariantList values = add ? QVariantList { targetId, key, userId, roomId, lastSeq + 1 }
                                    : QVariantList { targetId, key, userId };
    if (auto r = execCached(change, values); !r)
        return r.error();
    if (change->numRowsAffected() == 0)
        return std::optional<RoomEvent>(); // it was so already
    auto e = roomstore::appendAfter(db, roomId, lastSeq, add ? EventType::Reaction : EventType::ReactionRemove,
                         userId, { { u"targetId"_s, targetId }, { u"key"_s, key } }, ts, {});
    if (!e)
        return e.error();
    return *e;
}

std::optional<Error> clearReactions(QSqlDatabase &db, qint64 targetId)
{
    CachedQuery q(db, u"DELETE FROM reactions WHERE target_id = ?"_s);
    if (auto r = execCached(q, { targetId }); !r)
        return r.error();
    return std::nullopt;
}

void attachReactions(QSqlDatabase db, qint64 roomId, qint64 viewerId, QList<RoomEvent> &events)
{
    QHash<qint64, int> at; // message id → position
    for (int i = 0; i < events.size(); ++i) {
        if (events[i].type == EventType::Message && !events[i].isRedacted())
            at.insert(events[i].id, i);
    }
    if (at.isEmpty())
        return;
    QStringList marks;
    QVariantList values;
    for (auto it = at.cbegin(); it != at.cend(); ++it) {
        marks << u"?"_s;
        values << it.key();
    }
    values << roomId;
    // One statement, so the counted rows and asOf come from one snapshot (a reaction committed
    // between two statements would be counted and then applied again by the client).
    QSqlQuery q(db);
    q.prepare(u"SELECT r.last_seq, x.target_id, x.key, x.user_id FROM rooms r"
              u" LEFT JOIN reactions x ON x.target_id IN ("_s
              + marks.join(u',') + u") WHERE r.id = ? ORDER BY x.seq"_s);
    if (!execPrepared(q, values))
        return;
    struct Key
    {
        QString key;
        int count = 0;
        bool mine = false;
        QJsonArray users;
    };
    QHash<qint64, QList<Key>> byTarget;
    qint64 asOf = 0;
    while (q.next()) {
        asOf = q.value(0).toLongLong();
        if (q.value(1).isNull())
            continue;
        QList<Key> &keys = byTarget[q.value(1).toLongLong()];
        const QString key = q.value(2).toString();
        const qint64 user = q.value(3).toLongLong();
        auto it = std::find_if(keys.begin(), keys.end(), [&](const Key &k) { return k.key == key; });
        if (it == keys.end())
            it = keys.insert(keys.end(), Key { key, 0, false, {} });
        ++it->count;
        it->mine = it->mine || user == viewerId;
        if (it->users.size() < limits::ReactionUsersShown)
            it->users.append(user);
    }
    for (auto it = at.cbegin(); it != at.cend(); ++it) {
        QJsonArray list;
        for (const Key &k : byTarget.value(it.key()))
            list.append(QJsonObject { { u"key"_s, k.key },
                                      { u"count"_s, k.count },
                                      { u"mine"_s, k.mine },
                                      { u"users"_s, k.users } });
        QJsonObject &content = events[it.value()].content;
        content.insert(u"reactions"_s, list);
        content.insert(u"reactionsAsOf"_s, asOf);
    }
}

} // namespace confab::server::reactionstore
