// Icons drawn at run time (no image files to install), crisp at any device pixel ratio.
#pragma once

#include "types.h"

#include <QIcon>

namespace confab::client {

QIcon appIcon(); // a speech bubble in the palette's highlight colour
QIcon badgeIcon(int unread); // the app icon with a red unread count (tray)
QIcon presenceIcon(PresenceStatus status); // green, amber or hollow grey dot
QIcon mutedIcon();
QIcon emojiIcon(const QColor &colour); // the composer's emoji button
QIcon attachIcon(const QColor &colour); // the composer's attach button: a paper clip

} // namespace confab::client
