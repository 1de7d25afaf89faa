#include "messagesearch.h"

#include "database.h"
#include "protocollimits.h"
#include "roomstore.h"
#include "searchtext.h"
#include "storage/backend.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace confab::server::messagesearch {

double relevance(const QString &highlighted)
{
    int found = 0, words = 0;
    bool inWord = false;
    for (const QChar c : highlighted) {
        if (c == SearchMarkOpen) {
            ++found;
        } else if (c.isLetterOrNumber()) {
            words += !inWord;
            inWord = true;
            continue;
        }
        inWord = false;
    }
    constexpr double k1 = 1.2, b = 0.75, typical = 12;
    const double tf = found;
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * words / typical));
}

namespace {
constexpr qint64 kBudgetMs = 15;
} // namespace

Result<Progress> catchUp(QSqlDatabase &db, int maxEvents)
{
    if (!storage::isEmbedded(db))
        return pg::catchUp(db);
    qint64 mark = 0, newest = 0;
    {
        CachedQuery q(db,
                      u"SELECT (SELECT value FROM meta WHERE key = 'search_indexed'),"
                      u" (SELECT MAX(id) FROM events)"_s);
        if (auto r = execCached(q); !r)
            return r.error();
        if (q->next()) {
            mark = q->value(0).toLongLong();
            newest = q->value(1).toLongLong();
        }
    }
    if (newest <= mark)
        return Progress { mark, false };
    const qint64 through = qMin(newest, mark + maxEvents);
    // The log's events in (mark, through], in three statements: new messages as their text is
    // now (deleted ones are redacted in the log, and skipped), then edits in log order (the
    // newest wins; a redacted edit belongs to a deleted message), then deletes.
    CachedQuery add(db,
                    u"INSERT INTO message_search (rowid, body, name)"
                    u" SELECT id, json_extract(content, '$.body'),"
                    u" COALESCE(json_extract(content, '$.file.name'), '') FROM events"
                    u" WHERE id > ? AND id <= ? AND type = 'message'"
                    u" AND json_extract(content, '$.redacted') IS NULL"_s);
    if (auto r = execCached(add, { mark, through }); !r)
        return r.error();
    CachedQuery edits(db,
                      u"SELECT json_extract(content, '$.targetId'), json_extract(content, '$.body')"
                      u" FROM events WHERE id > ? AND id <= ? AND type = 'edit'"
                      u" AND json_extract(content, '$.redacted') IS NULL ORDER BY id"_s);
    if (auto r = execCached(edits, { mark, through }); !r)
        return r.error();
    QList<QPair<qint64, QString>> edited;
    while (edits->next())
        edited.append({ edits->value(0).toLongLong(), edits->value(1).toString() });
    CachedQuery replace(db, u"UPDATE message_search SET body = ? WHERE rowid = ?"_s);
    for (const auto &[id, body] : std::as_const(edited)) {
        if (auto r = execCached(replace, { body, id }); !r)
            return r.error();
    }
    CachedQuery drop(db,
                     u"DELETE FROM message_search WHERE rowid IN ("
                     u" SELECT json_extract(content, '$.targetId') FROM events"
                     u" WHERE id > ? AND id <= ? AND type = 'delete')"_s);
    if (auto r = execCached(drop, { mark, through }); !r)
        return r.error();
    CachedQuery save(db,
                     u"INSERT INTO meta (key, value) VALUES ('search_indexed', ?)"
                     u" ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s);
    if (auto r = execCached(save, { QString::number(through) }); !r)
        return r.error();
    return Progress { through, through < newest };
}

Result<SearchResults> search(QSqlDatabase db, const QString &typed, const Scope &scope,
                             qint64 before, int limit)
{
    if (!storage::isEmbedded(db))
        return pg::search(db, typed, scope, before, limit);
    SearchResults out;
    const QString terms = ftsMatchExpression(typed);
    if (terms.isEmpty())
        return out;
    const auto bound = searchUpperBound(db, u"SELECT MAX(rowid) FROM message_search"_s, before);
    if (!bound)
        return bound.error();
    if (!*bound)
        return out; // nothing indexed
    const qint64 upper = **bound;
    // The rooms: a join per candidate row (a primary-key lookup), not a filter inside FTS5,
    // whose doclists for "every message of room r" would be as long as the room.
    const QString rooms = roomCondition(scope);
    CachedQuery q(db,
                  u"SELECT e.id, e.room_id, e.seq, e.type, e.sender_id, e.ts, e.content,"
                  u" e.client_msg_id, snippet(message_search, -1, char(2), char(3), '…', 24),"
                  u" highlight(message_search, 0, char(2), char(3)), message_search.body,"
                  u" highlight(message_search, 1, char(2), char(3))"
                  u" FROM message_search JOIN events e ON e.id = message_search.rowid"
                  u" WHERE message_search MATCH ? AND message_search.rowid < ?"
                  u" AND message_search.rowid >= ? AND "_s
                      + rooms + u" ORDER BY message_search.rowid DESC LIMIT ?"_s);
    return walkWindows(q, upper, limit, [&](qint64 up, qint64 low, int want) {
        return QVariantList { u"{body name} : (%1)"_s.arg(terms), up, low,
                              scope.roomId ? scope.roomId : scope.userId, want };
    });
}

Result<std::optional<qint64>> searchUpperBound(QSqlDatabase db, const QString &newestSql,
                                               qint64 before)
{
    CachedQuery newest(db, newestSql);
    if (auto r = execCached(newest); !r)
        return r.error();
    if (!newest->next() || newest->value(0).isNull())
        return std::optional<qint64>();
    return std::optional<qint64>(
        qMin(before > 0 ? before : limits::MaxSafeInteger, newest->value(0).toLongLong() + 1));
}

QString roomCondition(const Scope &scope)
{
    return scope.roomId
        ? u"e.room_id = ?"_s
        : u"e.room_id IN (SELECT m.room_id FROM members m JOIN rooms r ON r.id = m.room_id"
          u" WHERE m.user_id = ? AND r.deleted = 0)"_s;
}

Result<SearchResults> walkWindows(CachedQuery &q, qint64 upper, int limit,
                                  const std::function<QVariantList(qint64, qint64, int)> &bind,
                                  const Marker &mark)
{
    SearchResults out;
    // Newest first, in windows of event ids that grow fourfold, until the page is full, the
    // oldest message is passed, or the time budget is spent (a common word in a room with few
    // messages, a prefix of many words): then the page ends early and says where to go on.
    QElapsedTimer spent;
    spent.start();
    QList<QPair<double, SearchHit>> page;
    qint64 window = 4096;
    bool exhausted = false;
    while (page.size() <= limit) {
        const qint64 lower = qMax<qint64>(0, upper - window);
        if (auto r = execCached(q, bind(upper, lower, limit + 1 - int(page.size()))); !r)
            return r.error();
        while (q->next()) {
            SearchHit hit;
            hit.event = roomstore::eventFromRow(*q);
            const QString body = q->value(10).toString();
            hit.event.content.insert(u"body"_s, body); // as it reads now
            const Marks marks = mark ? mark(body, q->value(11).toString())
                                     : Marks { q->value(8).toString(), q->value(9).toString(),
                                               q->value(11).toString() };
            takeMarkedSnippet(marks.snippet, &hit);
            // A hit in the file's name counts as one in a short line.
            page.append({ std::max(relevance(marks.body), relevance(marks.name)),
                          std::move(hit) });
        }
        upper = lower;
        window *= 4;
        if (lower == 0) {
            exhausted = true;
            break;
        }
        if (spent.elapsed() >= kBudgetMs)
            break;
    }
    if (page.size() > limit) {
        page.removeLast();
        out.hasMore = true;
        out.nextBefore = page.last().second.event.id;
    } else if (!exhausted) {
        out.hasMore = true;
        out.nextBefore = upper;
    }
    // Best first within the page; equal scores keep newest first.
    std::stable_sort(page.begin(), page.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    for (auto &p : page)
        out.results.append(std::move(p.second));
    return out;
}

} // namespace confab::server::messagesearch
