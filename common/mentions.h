// Mentions in a message body (docs/protocol.md, "Mentions"): one rule for the server, which
// resolves them, and the client, which draws them. No I/O.
#pragma once

#include <QList>
#include <QString>

namespace confab {

struct MentionToken
{
    int start = 0; // of the '@', in UTF-16 units
    int length = 0; // '@' and the name, a trailing '.' or '-' left out
    QString name; // lowercase, without '@'; "room" for @room
};

// Every "@name" of `body`, in order: '@' not preceded by a letter, digit, '_', '.', '@' or '-'
// (so "x@example.com" is none), then 1–32 of A–Z a–z 0–9 . _ -; a trailing '.' or '-' ends a
// sentence, not the name. Empty without a scan when the body has no '@'.
QList<MentionToken> findMentions(const QString &body);

} // namespace confab
