// Translations: Confab's own (Qt Linguist, client/ui/i18n/confab_*.ts, compiled into the
// binary) and Qt's (standard buttons and dialogs, from the system's qt6-translations-l10n).
#pragma once

#include <QString>

namespace confab::client {

// Installs the translators for `language` ("de", "de_DE"; empty: the system's locale) and makes
// it the default locale for dates and numbers when given explicitly. Returns the language of
// Confab's translation in use ("en" when none matched: the source strings are English).
QString installTranslations(const QString &language);
QStringList availableLanguages(); // "en" and every shipped translation

} // namespace confab::client
