#include "localcache.h"

#include "protocollimits.h"
#include "searchtext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {
// The text of the newest cached edit of message %1 (NULL without one).
const QString kNewestEditOf
    = u"(SELECT json_extract(x.json, '$.content.body') FROM events x"
      u" WHERE json_extract(x.json, '$.type') = 'edit'"
      u" AND json_extract(x.json, '$.content.targetId') = %1"
      u" AND json_extract(x.json, '$.content.redacted') IS NULL ORDER BY x.seq DESC LIMIT 1)"_s;
} // namespace

namespace {

QString toText(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QJsonObject fromText(const QString &s)
{
    return QJsonDocument::fromJson(s.toUtf8()).object();
}

} // namespace

LocalCache::LocalCache(QString path, int historyPerRoom, QObject *parent)
    : QObject(parent)
    , m_path(std::move(path))
    , m_connection(u"confab-cache-"_s + QUuid::createUuid().toString(QUuid::Id128))
    , m_historyPerRoom(historyPerRoom)
{
}

LocalCache::~LocalCache()
{
    if (QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

Result<bool> LocalCache::open()
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
    db.setDatabaseName(m_path);
    if (!db.open())
        return makeError(ErrorCode::Unavailable,
                         u"cannot open cache %1: %2"_s.arg(m_path, db.lastError().text()));
    QSqlQuery q(db);
    // An offline index from before file names were searched (one column): built again below.
    if (q.exec(u"SELECT value FROM meta WHERE key = 'search_index'"_s) && q.next()
        && q.value(0).toString() != u"2"_s) {
        for (const QString &sql :
             { u"DROP TRIGGER IF EXISTS event_search_message"_s,
               u"DROP TRIGGER IF EXISTS event_search_edit"_s,
               u"DROP TRIGGER IF EXISTS event_search_redacted"_s,
               u"DROP TRIGGER IF EXISTS event_search_gone"_s, u"DROP TABLE IF EXISTS event_search"_s,
               u"DELETE FROM meta WHERE key = 'search_index'"_s })
            q.exec(sql);
    }
    for (
        const QString &sql : QStringList {
            u"PRAGMA journal_mode=WAL"_s,
            u"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
            u"CREATE TABLE IF NOT EXISTS rooms (id INTEGER PRIMARY KEY, json TEXT NOT NULL)"_s,
            u"CREATE TABLE IF NOT EXISTS members (room_id INTEGER PRIMARY KEY, json TEXT NOT NULL)"_s,
            u"CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL,"
            u" seq INTEGER NOT NULL, json TEXT NOT NULL, UNIQUE (room_id, seq))"_s,
            u"CREATE TABLE IF NOT EXISTS cursors (room_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)"_s,
            u"CREATE TABLE IF NOT EXISTS unsent_reads (room_id INTEGER PRIMARY KEY,"
            u" seq INTEGER NOT NULL)"_s,
            u"CREATE TABLE IF NOT EXISTS unsent_reactions (id INTEGER PRIMARY KEY,"
            u" room_id INTEGER NOT NULL, event_id INTEGER NOT NULL, key TEXT NOT NULL,"
            u" add_it INTEGER NOT NULL, UNIQUE (event_id, key))"_s,
            // Offline search: the cached messages' current text and their file's name in FTS5,
            // kept so by triggers (an edit's text replaces the message's, a redaction or an
            // evicted event leaves).
            // recursive_triggers: INSERT OR REPLACE of a page fires the delete trigger too.
            u"PRAGMA recursive_triggers = ON"_s,
            u"CREATE VIRTUAL TABLE IF NOT EXISTS event_search USING fts5(body, name,"
            u" tokenize = 'unicode61 remove_diacritics 2')"_s,
            u"CREATE INDEX IF NOT EXISTS events_edit_target ON events"
            u" (json_extract(json, '$.content.targetId')) WHERE json_extract(json, '$.type') = 'edit'"_s,
            u"CREATE TRIGGER IF NOT EXISTS event_search_message AFTER INSERT ON events"
            u" WHEN json_extract(new.json, '$.type') = 'message'"
            u" AND json_extract(new.json, '$.content.redacted') IS NULL BEGIN"
            u" DELETE FROM event_search WHERE rowid = new.id;"
            u" INSERT INTO event_search (rowid, body, name) VALUES (new.id, COALESCE("_s
                + kNewestEditOf.arg(u"new.id"_s)
                + u", json_extract(new.json, '$.content.body')),"
                  u" COALESCE(json_extract(new.json, '$.content.file.name'), '')); END"_s,
            u"CREATE TRIGGER IF NOT EXISTS event_search_edit AFTER INSERT ON events"
            u" WHEN json_extract(new.json, '$.type') = 'edit'"
            u" AND json_extract(new.json, '$.content.redacted') IS NULL BEGIN"
            u" UPDATE event_search SET body = "_s
                + kNewestEditOf.arg(u"json_extract(new.json, '$.content.targetId')"_s)
                + u" WHERE rowid = json_extract(new.json, '$.content.targetId'); END"_s,
            u"CREATE TRIGGER IF NOT EXISTS event_search_redacted AFTER UPDATE OF json ON events"
            u" WHEN json_extract(new.json, '$.content.redacted') IS NOT NULL"
            u" AND json_extract(new.json, '$.type') = 'message' BEGIN"
            u" DELETE FROM event_search WHERE rowid = new.id; END"_s,
            u"CREATE TRIGGER IF NOT EXISTS event_search_gone AFTER DELETE ON events BEGIN"
            u" DELETE FROM event_search WHERE rowid = old.id; END"_s,
        }) {
        if (!q.exec(sql))
            return makeError(ErrorCode::Unavailable,
                             u"cannot prepare cache: "_s + q.lastError().text());
    }
    // A cache from before offline search (or before file names were in it): index what it
    // holds, once.
    if (q.exec(u"SELECT 1 FROM meta WHERE key = 'search_index'"_s) && !q.next()) {
        q.exec(u"INSERT INTO event_search (rowid, body, name) SELECT e.id, COALESCE("_s
               + kNewestEditOf.arg(u"e.id"_s)
               + u", json_extract(e.json, '$.content.body')),"
                 u" COALESCE(json_extract(e.json, '$.content.file.name'), '') FROM events e"
                 u" WHERE json_extract(e.json, '$.type') = 'message'"
                 u" AND json_extract(e.json, '$.content.redacted') IS NULL"_s);
        q.exec(u"INSERT INTO meta (key, value) VALUES ('search_index', '2')"_s);
    }
    return true;
}

Result<SearchResults> LocalCache::search(const QString &typed, qint64 roomId, qint64 before,
                                         int limit) const
{
    SearchResults out;
    const QString terms = ftsMatchExpression(typed);
    if (terms.isEmpty())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT e.json, snippet(event_search, -1, char(2), char(3), '…', 24),"
              u" event_search.body FROM event_search JOIN events e ON e.id = event_search.rowid"
              u" WHERE event_search MATCH ? AND event_search.rowid < ?"
              u" AND (? = 0 OR e.room_id = ?) ORDER BY event_search.rowid DESC LIMIT ?"_s);
    q.addBindValue(terms);
    q.addBindValue(before > 0 ? before : limits::MaxSafeInteger);
    q.addBindValue(roomId);
    q.addBindValue(roomId);
    q.addBindValue(limit + 1);
    if (!q.exec())
        return makeError(ErrorCode::Unavailable, u"offline search failed: "_s + q.lastError().text());
    while (q.next()) {
        auto e = RoomEvent::fromJson(fromText(q.value(0).toString()));
        if (!e)
            continue;
        SearchHit hit;
        hit.event = e.value();
        hit.event.content.insert(u"body"_s, q.value(2).toString()); // as it reads now
        takeMarkedSnippet(q.value(1).toString(), &hit);
        out.results.append(hit);
    }
    if (out.results.size() > limit) {
        out.results.removeLast();
        out.hasMore = true;
        out.nextBefore = out.results.last().event.id;
    }
    return out;
}

void LocalCache::putRooms(const QList<Room> &rooms)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    QSqlQuery q(db);
    q.exec(u"DELETE FROM rooms"_s);
    q.prepare(u"INSERT INTO rooms (id, json) VALUES (?, ?)"_s);
    for (const Room &r : rooms) {
        q.addBindValue(r.id);
        q.addBindValue(toText(r.toJson()));
        q.exec();
    }
    db.commit();
}

std::optional<QList<Room>> LocalCache::rooms()
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    QList<Room> out;
    if (q.exec(u"SELECT json FROM rooms ORDER BY id"_s)) {
        while (q.next()) {
            if (auto r = Room::fromJson(fromText(q.value(0).toString())))
                out.append(r.value());
        }
    }
    if (out.isEmpty()) {
        ++m_misses;
        return std::nullopt;
    }
    ++m_hits;
    return out;
}

void LocalCache::putMembers(qint64 roomId, const QList<Member> &members)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT OR REPLACE INTO members (room_id, json) VALUES (?, ?)"_s);
    q.addBindValue(roomId);
    q.addBindValue(
        QString::fromUtf8(QJsonDocument(toJsonArray(members)).toJson(QJsonDocument::Compact)));
    q.exec();
}

std::optional<QList<Member>> LocalCache::members(qint64 roomId)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT json FROM members WHERE room_id = ?"_s);
    q.addBindValue(roomId);
    if (q.exec() && q.next()) {
        auto list = listFromJson<Member>(
            QJsonDocument::fromJson(q.value(0).toString().toUtf8()).array(), u"members"_s);
        if (list) {
            ++m_hits;
            return list.value();
        }
    }
    ++m_misses;
    return std::nullopt;
}

void LocalCache::applyEvent(const RoomEvent &event)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    QSqlQuery q(db);
    q.prepare(u"INSERT OR IGNORE INTO events (id, room_id, seq, json) VALUES (?, ?, ?, ?)"_s);
    q.addBindValue(event.id);
    q.addBindValue(event.roomId);
    q.addBindValue(event.seq);
    q.addBindValue(toText(event.toJson()));
    q.exec();
    if (event.type == EventType::Delete) {
        // Redact the message and its edits, as the server did.
        const qint64 target = event.targetId();
        QSqlQuery sel(db);
        sel.prepare(u"SELECT id, json FROM events WHERE room_id = ?"_s);
        sel.addBindValue(event.roomId);
        sel.exec();
        QList<QPair<qint64, QString>> updates;
        while (sel.next()) {
            auto e = RoomEvent::fromJson(fromText(sel.value(1).toString()));
            if (!e)
                continue;
            RoomEvent ev = e.value();
            if (ev.id == target && ev.type == EventType::Message)
                ev.content = QJsonObject { { u"redacted"_s, true } };
            else if (ev.type == EventType::Edit && ev.targetId() == target)
                ev.content = QJsonObject { { u"targetId"_s, target }, { u"redacted"_s, true } };
            else
                continue;
            updates.append({ ev.id, toText(ev.toJson()) });
        }
        QSqlQuery upd(db);
        upd.prepare(u"UPDATE events SET json = ? WHERE id = ?"_s);
        for (const auto &[id, json] : updates) {
            upd.addBindValue(json);
            upd.addBindValue(id);
            upd.exec();
        }
    }
    q.prepare(u"DELETE FROM events WHERE room_id = ? AND seq <= ?"_s);
    q.addBindValue(event.roomId);
    q.addBindValue(event.seq - m_historyPerRoom);
    q.exec();
    q.prepare(u"INSERT INTO cursors (room_id, seq) VALUES (?, ?) ON CONFLICT(room_id)"
              u" DO UPDATE SET seq = MAX(seq, excluded.seq)"_s);
    q.addBindValue(event.roomId);
    q.addBindValue(event.seq);
    q.exec();
    db.commit();
}

void LocalCache::putHistory(qint64 roomId, const QList<RoomEvent> &events)
{
    if (events.isEmpty())
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    QSqlQuery q(db);
    // REPLACE: a page read from the server is at least as new as what is cached (redactions).
    q.prepare(u"INSERT OR REPLACE INTO events (id, room_id, seq, json) VALUES (?, ?, ?, ?)"_s);
    qint64 newest = 0;
    for (const RoomEvent &e : events) {
        if (e.roomId != roomId)
            continue;
        q.addBindValue(e.id);
        q.addBindValue(e.roomId);
        q.addBindValue(e.seq);
        q.addBindValue(toText(e.toJson()));
        q.exec();
        newest = std::max(newest, e.seq);
    }
    q.prepare(u"DELETE FROM events WHERE room_id = ? AND seq <= "
              u"(SELECT MAX(seq) FROM events WHERE room_id = ?) - ?"_s);
    q.addBindValue(roomId);
    q.addBindValue(roomId);
    q.addBindValue(m_historyPerRoom);
    q.exec();
    db.commit();
}

std::optional<QList<RoomEvent>> LocalCache::history(qint64 roomId, int limit)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT json FROM events WHERE room_id = ? ORDER BY seq DESC LIMIT ?"_s);
    q.addBindValue(roomId);
    q.addBindValue(limit);
    QList<RoomEvent> out;
    if (q.exec()) {
        while (q.next()) {
            if (auto e = RoomEvent::fromJson(fromText(q.value(0).toString())))
                out.prepend(e.value());
        }
    }
    if (out.isEmpty()) {
        ++m_misses;
        return std::nullopt;
    }
    ++m_hits;
    return out;
}

QHash<qint64, qint64> LocalCache::cursors() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    QHash<qint64, qint64> out;
    if (q.exec(u"SELECT room_id, seq FROM cursors"_s)) {
        while (q.next())
            out.insert(q.value(0).toLongLong(), q.value(1).toLongLong());
    }
    return out;
}

QHash<qint64, qint64> LocalCache::unsentReads() const
{
    QHash<qint64, qint64> out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (q.exec(u"SELECT room_id, seq FROM unsent_reads"_s)) {
        while (q.next())
            out.insert(q.value(0).toLongLong(), q.value(1).toLongLong());
    }
    return out;
}

void LocalCache::putUnsentRead(qint64 roomId, qint64 seq)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT INTO unsent_reads (room_id, seq) VALUES (?, ?) ON CONFLICT (room_id)"
              u" DO UPDATE SET seq = MAX(seq, excluded.seq)"_s);
    q.addBindValue(roomId);
    q.addBindValue(seq);
    q.exec();
}

void LocalCache::dropUnsentRead(qint64 roomId, qint64 uptoSeq)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"DELETE FROM unsent_reads WHERE room_id = ? AND seq <= ?"_s);
    q.addBindValue(roomId);
    q.addBindValue(uptoSeq);
    q.exec();
}

QList<LocalCache::UnsentReaction> LocalCache::unsentReactions() const
{
    QList<UnsentReaction> out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (q.exec(u"SELECT room_id, event_id, key, add_it FROM unsent_reactions ORDER BY id"_s)) {
        while (q.next())
            out.append({ q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString(),
                         q.value(3).toBool() });
    }
    return out;
}

void LocalCache::putUnsentReaction(const UnsentReaction &r)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    // The newest intent replaces an older one and goes to the end of the line.
    q.prepare(u"DELETE FROM unsent_reactions WHERE event_id = ? AND key = ?"_s);
    q.addBindValue(r.eventId);
    q.addBindValue(r.key);
    q.exec();
    q.prepare(u"INSERT INTO unsent_reactions (room_id, event_id, key, add_it) VALUES (?, ?, ?, ?)"_s);
    q.addBindValue(r.roomId);
    q.addBindValue(r.eventId);
    q.addBindValue(r.key);
    q.addBindValue(r.add ? 1 : 0);
    q.exec();
}

void LocalCache::dropUnsentReaction(const UnsentReaction &r)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"DELETE FROM unsent_reactions WHERE event_id = ? AND key = ? AND add_it = ?"_s);
    q.addBindValue(r.eventId);
    q.addBindValue(r.key);
    q.addBindValue(r.add ? 1 : 0);
    q.exec();
}

QString LocalCache::epoch() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (q.exec(u"SELECT value FROM meta WHERE key = 'epoch'"_s) && q.next())
        return q.value(0).toString();
    return {};
}

void LocalCache::setEpoch(const QString &epoch)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES ('epoch', ?)"_s);
    q.addBindValue(epoch);
    q.exec();
}

void LocalCache::forgetRoom(qint64 roomId)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    for (const QString &table : { u"events"_s, u"cursors"_s, u"members"_s, u"unsent_reads"_s,
                                  u"unsent_reactions"_s }) {
        q.prepare(u"DELETE FROM %1 WHERE room_id = ?"_s.arg(table));
        q.addBindValue(roomId);
        q.exec();
    }
}

void LocalCache::clear()
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    for (const QString &table :
         { u"events"_s, u"cursors"_s, u"members"_s, u"rooms"_s, u"unsent_reads"_s,
           u"unsent_reactions"_s })
        q.exec(u"DELETE FROM "_s + table);
    m_stale = true;
}

} // namespace confab::client
