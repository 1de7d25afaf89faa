#include "mentions.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace confab {

QList<MentionToken> findMentions(const QString &body)
{
    QList<MentionToken> tokens;
    if (!body.contains(u'@'))
        return tokens; // nearly every message: one pass over the text, nothing else
    static const QRegularExpression mention(u"(?<![\\p{L}\\p{N}_.@-])@([A-Za-z0-9._-]{1,32})"_s);
    for (auto it = mention.globalMatch(body); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        MentionToken t { int(m.capturedStart()), int(m.capturedLength()),
                         m.captured(1).toLower() };
        while (t.name.endsWith(u'.') || t.name.endsWith(u'-')) {
            t.name.chop(1);
            --t.length;
        }
        if (!t.name.isEmpty())
            tokens.append(t);
    }
    return tokens;
}

} // namespace confab
