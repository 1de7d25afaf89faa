// messagesearch: the full-text index of messages (docs/protocol.md "Search"), one per storage
// engine: SQLite FTS5 here, PostgreSQL's tsvector and GIN in pgsearch.cpp (namespace pg).
//
// The index holds each message's current text (the newest edit), and nothing of deleted ones.
// It is built from the log for existing messages by the migration that created it (schema 5),
// never at start, and follows the log after that (catchUp); a search first brings it up to
// date (SearchIndexer::whenCurrent), so what was deleted or edited before is never found.
#pragma once

#include "requests.h"
#include "result.h"

#include <QSqlDatabase>

#include <functional>
#include <optional>

namespace confab::server {
class CachedQuery;
}
namespace confab::server::messagesearch {

// Writer side (inside a write job's transaction): brings the index up to date with the log's
// events after the high-water mark (at most `maxEvents` of them): new messages, edits (the
// newest text wins) and deletes, in order, and moves the mark in the same transaction. The index
// is thus a projection of the log; SearchIndexer decides when this runs.
struct Progress
{
    qint64 indexedThrough = 0; // every event id up to this is applied
    bool more = false; // events after it remain
};
Result<Progress> catchUp(QSqlDatabase &db, int maxEvents);

// Where to look: one room (the caller checked it may be read), or every room `userId` is in.
struct Scope
{
    qint64 roomId = 0;
    qint64 userId = 0;
};
// The newest `limit` matches in `scope` with event id < `before` (0: no bound), best match first
// within the page; hasMore and nextBefore when older matches may exist. Each hit's event is the
// message with its current text as `body` (edits applied). Takes about 15 ms at most: a page
// may end early, and nextBefore says where the next one starts.
Result<SearchResults> search(QSqlDatabase db, const QString &typed, const Scope &scope,
                             qint64 before, int limit);

// PostgreSQL: a trigger keeps the index in each inserting transaction (storage/pgschema.cpp),
// so catchUp() has nothing to do; search() answers as above, from the GIN index.
namespace pg {
Result<Progress> catchUp(QSqlDatabase &db);
Result<SearchResults> search(QSqlDatabase db, const QString &typed, const Scope &scope,
                             qint64 before, int limit);
} // namespace pg

// Shared by both engines. relevance(): BM25's weighting of one hit from its text with the
// matches marked (k1 1.2, b 0.75, a typical chat line of 12 words; without the corpus-wide IDF:
// every result holds every word). walkWindows(): newest first, in windows of event ids that
// grow fourfold, until the page is full, the oldest message is passed or 15 ms are spent; `q`
// selects the hits of one window (columns 0–7 the event, 8 the marked snippet, 9 the body
// highlighted, 10 the body, 11 the name highlighted) for bind(upper, lower, rows wanted).
// With `mark`, columns 8, 9 and 11 are not read: mark(body, name) gives them.
double relevance(const QString &highlighted);
// The first id past the newest indexed one, or below `before` (nullopt: nothing indexed), by
// `newestSql` ("SELECT MAX(...) FROM message_search"); and the SQL condition on e.room_id for
// `scope` (one bound value: the room or the user).
Result<std::optional<qint64>> searchUpperBound(QSqlDatabase db, const QString &newestSql,
                                               qint64 before);
QString roomCondition(const Scope &scope);
struct Marks
{
    QString snippet, body, name;
};
using Marker = std::function<Marks(const QString &body, const QString &name)>;
Result<SearchResults> walkWindows(CachedQuery &q, qint64 upper, int limit,
                                  const std::function<QVariantList(qint64, qint64, int)> &bind,
                                  const Marker &mark = {});

} // namespace confab::server::messagesearch
