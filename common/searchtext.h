// Search text (docs/protocol.md, "Search"): one rule for what a typed query means, for the
// server's index and the client's offline search in its cache, and for turning a snippet with
// match marks into plain text and highlight spans. Strings only: no SQL, no I/O.
#pragma once

#include "requests.h"

#include <QString>

namespace confab {

// The SQLite FTS5 query for what a user typed: words (each must occur), "quoted phrases", and a
// trailing * on a word of 3 or more characters for its prefix. Never FTS5 syntax from the user:
// every term is quoted. Empty when nothing searchable is left (only punctuation, say).
QString ftsMatchExpression(const QString &typed);
// The same for PostgreSQL's to_tsquery(): the same terms, each as searchWords() (a term of
// several words is a phrase: <-> between them), a prefix as :*, all joined by &.
QString tsQueryExpression(const QString &typed);

// The terms of what was typed: words (each must occur), "quoted phrases", a trailing * on a
// word of 3 or more characters for its prefix.
struct SearchTerm
{
    QString text; // a word, or a phrase's words
    bool phrase = false;
    bool prefix = false;
};
QList<SearchTerm> searchTerms(const QString &typed);
// The words of a text as an index holds them: split at anything that is not a letter or a
// digit (as FTS5's unicode61 tokenizer does), accents dropped, case folded.
QStringList searchWords(const QString &text);

// What FTS5's snippet()/highlight() put around a match (message text refuses control
// characters, so neither can occur in a body).
inline constexpr char16_t SearchMarkOpen = 0x02;
inline constexpr char16_t SearchMarkClose = 0x03;
// A marked snippet → hit->snippet (plain, at most SearchSnippetMax code points) and
// hit->highlights.
void takeMarkedSnippet(const QString &marked, SearchHit *hit);

} // namespace confab
