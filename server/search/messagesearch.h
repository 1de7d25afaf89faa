// messagesearch: the full-text index of messages (SQLite FTS5, docs/protocol.md "Search").
//
// The index holds each message's current text (the newest edit), and nothing of deleted ones.
// It is built from the log for existing messages by the migration that created it (schema 5),
// never at start, and follows the log after that (catchUp); a search first brings it up to
// date (SearchIndexer::whenCurrent), so what was deleted or edited before is never found.
#pragma once

#include "requests.h"
#include "result.h"

#include <QSqlDatabase>

#include <optional>

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

} // namespace confab::server::messagesearch
