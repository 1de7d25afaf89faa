// Search on PostgreSQL: message_search (id = the message's event id, body = its current text,
// name = its file's name) with a generated tsvector and a GIN index, kept by a trigger on events
// (storage/pgschema.cpp, migration 7). Same contract as the FTS5 search in messagesearch.cpp:
// walkWindows() pages it.
#include "messagesearch.h"

#include "database.h"
#include "protocollimits.h"
#include "roomstore.h"
#include "searchtext.h"

#include <QSqlQuery>


using namespace Qt::StringLiterals;

namespace confab::server::messagesearch::pg {

namespace {

struct Marked
{
    QString full; // the text, every matching word between SearchMarkOpen and SearchMarkClose
    QString snippet; // marked too: the whole text, or 24 words of it around the first match
    bool found = false;
};

constexpr int kSnippetWords = 24;

// The text with the words that match `terms` marked, as FTS5's highlight() and snippet() mark
// them: words as searchWords() splits and folds them; a term's words in a row, its last one as a
// prefix when the term asks for one.
Marked marked(const QString &text, const QList<SearchTerm> &terms)
{
    struct Span
    {
        qsizetype start, end;
        QString folded;
        bool hit = false;
    };
    QList<Span> words;
    qsizetype start = -1;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        const bool inWord = i < text.size()
            && (text[i].isLetterOrNumber() || text[i].isSurrogate()
                || text[i].category() == QChar::Mark_NonSpacing);
        if (inWord && start < 0)
            start = i;
        if (!inWord && start >= 0) {
            words.append({ start, i, searchWords(text.mid(start, i - start)).join(QString()) });
            start = -1;
        }
    }
    for (const SearchTerm &t : terms) {
        const QStringList want = searchWords(t.text);
        if (want.isEmpty())
            continue;
        for (qsizetype i = 0; i + want.size() <= words.size(); ++i) {
            bool all = true;
            for (qsizetype k = 0; k < want.size() && all; ++k) {
                const QString &w = words[i + k].folded;
                all = (t.prefix && k == want.size() - 1) ? w.startsWith(want[k]) : w == want[k];
            }
            for (qsizetype k = 0; all && k < want.size(); ++k)
                words[i + k].hit = true;
        }
    }
    Marked out;
    const auto markedRange = [&](qsizetype from, qsizetype to) { // words [from, to)
        QString s;
        qsizetype at = words[from].start;
        for (qsizetype i = from; i < to; ++i) {
            s += text.mid(at, words[i].start - at);
            const QString w = text.mid(words[i].start, words[i].end - words[i].start);
            s += words[i].hit ? QChar(SearchMarkOpen) + w + QChar(SearchMarkClose) : w;
            at = words[i].end;
        }
        return s;
    };
    if (words.isEmpty())
        return out;
    out.full = text.left(words[0].start) + markedRange(0, words.size())
        + text.mid(words.last().end);
    qsizetype first = -1;
    for (qsizetype i = 0; i < words.size() && first < 0; ++i)
        if (words[i].hit)
            first = i;
    out.found = first >= 0;
    if (words.size() <= kSnippetWords) {
        out.snippet = out.full;
        return out;
    }
    const qsizetype from = qBound<qsizetype>(0, qMax<qsizetype>(first, 0) - 4,
                                             words.size() - kSnippetWords);
    const qsizetype to = from + kSnippetWords;
    out.snippet = (from > 0 ? u"…"_s : QString()) + markedRange(from, to)
        + (to < words.size() ? u"…"_s : QString());
    return out;
}

} // namespace

Result<Progress> catchUp(QSqlDatabase &db)
{
    CachedQuery q(db, u"SELECT COALESCE(MAX(id), 0) FROM events"_s);
    if (auto r = execCached(q); !r)
        return r.error();
    return Progress { q->next() ? q->value(0).toLongLong() : 0, false };
}

Result<SearchResults> search(QSqlDatabase db, const QString &typed, const Scope &scope,
                             qint64 before, int limit)
{
    SearchResults out;
    const QString terms = tsQueryExpression(typed);
    if (terms.isEmpty())
        return out;
    const auto bound = searchUpperBound(db, u"SELECT MAX(id) FROM message_search"_s, before);
    if (!bound)
        return bound.error();
    if (!*bound)
        return out; // nothing indexed
    const qint64 upper = **bound;
    const QString rooms = roomCondition(scope);
    // The hits' texts; what FTS5's snippet() and highlight() give, marked here (marked()).
    CachedQuery q(db,
                  u"SELECT e.id, e.room_id, e.seq, e.type, e.sender_id, e.ts, e.content,"
                  u" e.client_msg_id, NULL, NULL, s.body, s.name"
                  u" FROM message_search s JOIN events e ON e.id = s.id"
                  u" WHERE s.words @@ to_tsquery('confab', ?) AND s.id < ? AND s.id >= ? AND "_s
                      + rooms + u" ORDER BY s.id DESC LIMIT ?"_s);
    const QList<SearchTerm> wanted = searchTerms(typed);
    return walkWindows(
        q, upper, limit,
        [&](qint64 up, qint64 low, int want) {
            return QVariantList { terms, up, low, scope.roomId ? scope.roomId : scope.userId,
                                  want };
        },
        [&](const QString &body, const QString &name) {
            const Marked b = marked(body, wanted);
            const Marked n = marked(name, wanted);
            return Marks { b.found ? b.snippet : n.snippet, b.full, n.full };
        });
}

} // namespace confab::server::messagesearch::pg
