#include "formattedtext.h"

#include <QUrl>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_';
}

bool safeUrl(const QString &url)
{
    const QUrl u(url, QUrl::StrictMode);
    const QString scheme = u.scheme().toLower();
    return u.isValid()
        && (scheme == u"http" || scheme == u"https" || scheme == u"mailto" || scheme == u"confab")
        && (scheme == u"mailto" || !u.host().isEmpty());
}

class InlineReader
{
public:
    InlineReader(QString &out, QList<FormatSpan> &spans)
        : m_out(out)
        , m_spans(spans)
    {
    }

    void read(QStringView s)
    {
        qsizetype i = 0;
        while (i < s.size()) {
            const QChar c = s[i];
            if (c == u'\\' && i + 1 < s.size() && QStringView(u"\\`*_[]()>#").contains(s[i + 1])) {
                m_out += s[i + 1];
                i += 2;
                continue;
            }
            if (c == u'`') {
                const qsizetype end = s.indexOf(u'`', i + 1);
                if (end > i + 1) {
                    add(FormatSpan::Kind::Code, s.mid(i + 1, end - i - 1), false);
                    i = end + 1;
                    continue;
                }
            }
            if (c == u'*' && i + 1 < s.size() && s[i + 1] == u'*') {
                const qsizetype end = s.indexOf(u"**", i + 2);
                if (end > i + 2 && !s[i + 2].isSpace() && !s[end - 1].isSpace()) {
                    add(FormatSpan::Kind::Bold, s.mid(i + 2, end - i - 2), true);
                    i = end + 2;
                    continue;
                }
            }
            if (c == u'*' || c == u'_') {
                // `_` only at word edges: snake_case stays as typed.
                const bool edgeBefore = i == 0 || !isWordChar(s[i - 1]);
                qsizetype end = s.indexOf(c, i + 1);
                while (c == u'_' && end > 0 && end + 1 < s.size() && isWordChar(s[end + 1]))
                    end = s.indexOf(c, end + 1);
                if ((c == u'*' || edgeBefore) && end > i + 1 && !s[i + 1].isSpace()
                    && !s[end - 1].isSpace()) {
                    add(FormatSpan::Kind::Italic, s.mid(i + 1, end - i - 1), true);
                    i = end + 1;
                    continue;
                }
            }
            if (c == u'[') {
                const qsizetype close = s.indexOf(u"](", i + 1);
                const qsizetype end = close > i ? s.indexOf(u')', close + 2) : -1;
                if (close > i + 1 && end > close + 2) {
                    const QString url = s.mid(close + 2, end - close - 2).toString();
                    if (safeUrl(url)) {
                        const int start = int(m_out.size());
                        read(s.mid(i + 1, close - i - 1));
                        m_spans.append({ FormatSpan::Kind::Link, start,
                                         int(m_out.size()) - start, url });
                        i = end + 1;
                        continue;
                    }
                }
            }
            if ((c == u'h' || c == u'H' || c == u'c' || c == u'C')
                && (i == 0 || !isWordChar(s[i - 1]))
                && (s.mid(i).startsWith(u"http://", Qt::CaseInsensitive)
                    || s.mid(i).startsWith(u"https://", Qt::CaseInsensitive)
                    || s.mid(i).startsWith(u"confab://", Qt::CaseInsensitive))) {
                qsizetype end = i;
                while (end < s.size() && !s[end].isSpace())
                    ++end;
                // Sentence punctuation after a link is not part of it.
                while (end > i && QStringView(u".,;:!?)'\"").contains(s[end - 1]))
                    --end;
                const QString url = s.mid(i, end - i).toString();
                if (safeUrl(url)) {
                    m_spans.append({ FormatSpan::Kind::Link, int(m_out.size()),
                                     int(url.size()), url });
                    m_out += url;
                    i = end;
                    continue;
                }
            }
            m_out += c;
            ++i;
        }
    }

private:
    void add(FormatSpan::Kind kind, QStringView inner, bool nested)
    {
        const int start = int(m_out.size());
        if (nested)
            read(inner);
        else
            m_out += inner;
        m_spans.append({ kind, start, int(m_out.size()) - start, {} });
    }
    QString &m_out;
    QList<FormatSpan> &m_spans;
};

bool isFence(QStringView line)
{
    return line.trimmed().startsWith(u"```");
}

} // namespace

QString FormattedText::linkAt(int pos) const
{
    for (const FormatSpan &s : spans) {
        if (s.kind == FormatSpan::Kind::Link && pos >= s.start && pos < s.start + s.length)
            return s.url;
    }
    return {};
}

FormattedText formatMessage(const QString &body)
{
    FormattedText f;
    const QList<QStringView> lines = QStringView(body).split(u'\n');
    // Fences pair up in order; a last one without a partner is text.
    QList<int> fences;
    for (int i = 0; i < lines.size(); ++i) {
        if (isFence(lines[i]))
            fences.append(i);
    }
    if (fences.size() % 2)
        fences.removeLast();
    InlineReader reader(f.text, f.spans);
    int next = 0; // index into fences
    for (int i = 0; i < lines.size(); ++i) {
        if (i > 0)
            f.text += u'\n'; // every line break as typed (the fences' own lines are dropped)
        if (next < fences.size() && i == fences[next]) {
            // A code block: its lines as typed, in one span; the fences are not shown.
            const int end = fences[next + 1];
            const int start = int(f.text.size());
            for (int j = i + 1; j < end; ++j) {
                if (j > i + 1)
                    f.text += u'\n';
                f.text += lines[j];
            }
            if (int(f.text.size()) > start)
                f.spans.append({ FormatSpan::Kind::CodeBlock, start, int(f.text.size()) - start, {} });
            i = end;
            next += 2;
            continue;
        }
        QStringView line = lines[i];
        if (line.startsWith(u'>')) {
            line = line.mid(line.startsWith(u"> ") ? 2 : 1);
            const int start = int(f.text.size());
            reader.read(line);
            f.spans.append({ FormatSpan::Kind::Quote, start, int(f.text.size()) - start, {} });
            continue;
        }
        reader.read(line);
    }
    std::stable_sort(f.spans.begin(), f.spans.end(),
                     [](const FormatSpan &a, const FormatSpan &b) { return a.start < b.start; });
    return f;
}

} // namespace confab::client
