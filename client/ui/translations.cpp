#include "translations.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

using namespace Qt::StringLiterals;

namespace confab::client {

QString installTranslations(const QString &language)
{
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    if (!language.isEmpty())
        QLocale::setDefault(locale);
    static QTranslator *ours = nullptr;
    static QTranslator *qt = nullptr;
    for (QTranslator **t : { &ours, &qt }) {
        if (*t) {
            QCoreApplication::removeTranslator(*t);
            delete *t;
            *t = nullptr;
        }
    }
    QString used = u"en"_s;
    auto *mine = new QTranslator(QCoreApplication::instance());
    if (mine->load(locale, u"confab"_s, u"_"_s, u":/i18n"_s)) {
        QCoreApplication::installTranslator(mine);
        ours = mine;
        used = QFileInfo(mine->filePath()).completeBaseName().section(u'_', 1);
    } else {
        delete mine;
    }
    auto *base = new QTranslator(QCoreApplication::instance());
    if (base->load(locale, u"qtbase"_s, u"_"_s,
                   QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(base);
        qt = base;
    } else {
        delete base;
    }
    return used;
}

QStringList availableLanguages()
{
    QStringList languages { u"en"_s };
    const QStringList files = QDir(u":/i18n"_s).entryList({ u"confab_*.qm"_s });
    for (const QString &f : files)
        languages << f.mid(7).chopped(3);
    return languages;
}

} // namespace confab::client
