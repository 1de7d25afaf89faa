// Avatars: a user's initials on a colour derived from the user id (the same person has the same
// colour on every device), until profiles carry pictures (files, #19).
#pragma once

#include "types.h"

#include <QColor>
#include <QIcon>
#include <QString>

class QPainter;
class QRectF;

namespace confab::client {

QColor avatarColor(qint64 userId);
// "Alice Martin" → "AM", "bob" → "B", "" → "?": the first letters of the first two words.
QString avatarInitials(const QString &name);
// A filled circle with the initials in white, inside `rect`.
void paintAvatar(QPainter *painter, const QRectF &rect, qint64 userId, const QString &name);
// The avatar with a presence dot at its lower right (member list).
QIcon avatarIcon(qint64 userId, const QString &name, PresenceStatus presence);

} // namespace confab::client
