#include "searchtext.h"

#include "protocollimits.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace confab {

namespace {

bool hasWordCharacter(const QString &s)
{
    return std::any_of(s.cbegin(), s.cend(), [](QChar c) { return c.isLetterOrNumber(); });
}

QString quoted(const QString &term)
{
    QString t = term;
    t.replace(u'"', u"\"\""_s);
    return u'"' + t + u'"';
}

} // namespace

void takeMarkedSnippet(const QString &marked, SearchHit *hit)
{
    QString plain;
    int codePoints = 0;
    int start = -1;
    const QList<uint> ucs4 = marked.toUcs4();
    for (const uint c : ucs4) {
        if (c == SearchMarkOpen) {
            start = codePoints;
        } else if (c == SearchMarkClose) {
            if (start >= 0 && codePoints > start)
                hit->highlights.append({ start, codePoints - start });
            start = -1;
        } else if (codePoints < limits::SearchSnippetMax) {
            plain += QString::fromUcs4(reinterpret_cast<const char32_t *>(&c), 1);
            ++codePoints;
        }
    }
    if (start >= 0 && codePoints > start) // cut inside a match
        hit->highlights.append({ start, codePoints - start });
    hit->snippet = plain;
}

namespace {

} // namespace

QList<SearchTerm> searchTerms(const QString &typed)
{
    QList<SearchTerm> terms;
    qsizetype i = 0;
    const qsizetype n = typed.size();
    while (i < n) {
        if (typed.at(i).isSpace()) {
            ++i;
            continue;
        }
        if (typed.at(i) == u'"') { // a phrase, up to the next quote (or the end)
            const qsizetype end = typed.indexOf(u'"', i + 1);
            const QString phrase = typed.mid(i + 1, end < 0 ? -1 : end - i - 1);
            if (hasWordCharacter(phrase))
                terms.append({ phrase, true, false });
            i = end < 0 ? n : end + 1;
            continue;
        }
        qsizetype end = i;
        while (end < n && !typed.at(end).isSpace() && typed.at(end) != u'"')
            ++end;
        QString word = typed.mid(i, end - i);
        bool prefix = word.endsWith(u'*');
        while (word.endsWith(u'*'))
            word.chop(1);
        // A prefix of fewer than 3 characters would merge the doclists of a large part of the
        // vocabulary (hundreds of ms on a million messages): it is searched as a word.
        prefix = prefix && word.toUcs4().size() >= 3;
        if (hasWordCharacter(word))
            terms.append({ word, false, prefix });
        i = end;
    }
    return terms;
}

QStringList searchWords(const QString &text)
{
    QStringList out;
    QString word;
    const auto flush = [&] {
        if (word.isEmpty())
            return;
        // Case and accents do not matter (FTS5's unicode61 with remove_diacritics; unaccent and
        // lower() on PostgreSQL): decomposed, marks dropped, case folded.
        QString folded;
        for (const QChar c : word.normalized(QString::NormalizationForm_KD))
            if (c.category() != QChar::Mark_NonSpacing)
                folded += c;
        out.append(folded.toCaseFolded());
        word.clear();
    };
    for (const QChar c : text) {
        if (c.isLetterOrNumber() || c.isSurrogate() || c.category() == QChar::Mark_NonSpacing)
            word += c;
        else
            flush();
    }
    flush();
    return out;
}

namespace {

// A tsquery lexeme: quoted, its quotes and backslashes escaped.
QString lexeme(const QString &word)
{
    QString w = word;
    w.replace(u'\\', u"\\\\"_s).replace(u'\'', u"''"_s);
    return u'\'' + w + u'\'';
}

} // namespace

QString ftsMatchExpression(const QString &typed)
{
    QStringList out;
    for (const SearchTerm &t : searchTerms(typed))
        out.append(quoted(t.text) + (t.prefix ? u" *"_s : QString()));
    return out.join(u" AND "_s);
}

QString tsQueryExpression(const QString &typed)
{
    // Each term as the words the index holds (searchWords: split where FTS5 splits, folded);
    // a term of several words is a phrase, as FTS5 reads "budget-2027".
    QStringList out;
    for (const SearchTerm &t : searchTerms(typed)) {
        QStringList words;
        for (const QString &w : searchWords(t.text))
            words.append(lexeme(w));
        if (words.isEmpty())
            continue;
        if (t.prefix)
            words.last() += u":*"_s;
        out.append(words.size() == 1 ? words[0] : u'(' + words.join(u" <-> "_s) + u')');
    }
    return out.join(u" & "_s);
}

} // namespace confab
