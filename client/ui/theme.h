// Theme: the application's palette and font from the user's preferences. "Follow the system"
// keeps the platform's palette (Qt 6.4 has no colour-scheme signal; a restart follows a change);
// light and dark are Fusion palettes of our own, checked for contrast in tst_look.
#pragma once

#include "clientsettings.h"

#include <QPalette>

namespace confab::client {

QPalette lightPalette();
QPalette darkPalette();
// Applies theme and font size to the running application (windows repaint at once).
void applyTheme(Preferences::Theme theme, int fontPointSize);
bool isDark(const QPalette &palette);

} // namespace confab::client
