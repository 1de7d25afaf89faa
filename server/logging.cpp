#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtGlobal>

#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>

#ifdef CONFAB_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

using namespace Qt::StringLiterals;

namespace confab::server::logging {

namespace {

Format g_format = Format::Text;

// JOURNAL_STREAM is "device:inode" of the stream systemd connected stderr to; a child that
// inherited the variable but not the stream must not take the journal path.
bool stderrIsJournal()
{
    const QByteArray stream = qgetenv("JOURNAL_STREAM");
    if (stream.isEmpty())
        return false;
    struct stat st = {};
    if (::fstat(2, &st) != 0)
        return false;
    return stream == QByteArray::number(quint64(st.st_dev)) + ':' + QByteArray::number(quint64(st.st_ino));
}

int priority(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 7;
    case QtInfoMsg:
        return 6;
    case QtWarningMsg:
        return 4;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 2;
    }
    return 6;
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

void write(QtMsgType type, const char *category, const char *file, int line, const char *function,
           const QString &message)
{
    if (g_format == Format::Json) {
        const QJsonObject record { { u"ts"_s, QDateTime::currentDateTimeUtc().toString(
                                                  Qt::ISODateWithMs) },
                                   { u"level"_s, QLatin1StringView(levelName(type)) },
                                   { u"category"_s, QString::fromUtf8(category ? category : "") },
                                   { u"msg"_s, message } };
        const QByteArray out = QJsonDocument(record).toJson(QJsonDocument::Compact) + '\n';
        std::fwrite(out.constData(), 1, size_t(out.size()), stderr);
        std::fflush(stderr);
        return;
    }
#ifdef CONFAB_HAVE_SYSTEMD
    if (g_format == Format::Journal) {
        const QByteArray msg = message.toUtf8();
        sd_journal_send("MESSAGE=%s", msg.constData(), "PRIORITY=%d", priority(type),
                        "CONFAB_CATEGORY=%s", category ? category : "", "CODE_FILE=%s",
                        file ? file : "", "CODE_LINE=%d", line, "CODE_FUNC=%s",
                        function ? function : "", "SYSLOG_IDENTIFIER=confab-server", nullptr);
        return;
    }
#else
    Q_UNUSED(file)
    Q_UNUSED(line)
    Q_UNUSED(function)
    Q_UNUSED(priority)
#endif
    const QByteArray out = (category && *category && qstrcmp(category, "default") != 0
                                ? QByteArray(category) + ": "
                                : QByteArray())
        + message.toUtf8() + '\n';
    std::fwrite(out.constData(), 1, size_t(out.size()), stderr);
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    write(type, context.category, context.file, context.line, context.function, message);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

Format choose(const QString &configured)
{
    if (configured == u"json")
        return Format::Json;
    if (configured == u"text")
        return Format::Text;
#ifdef CONFAB_HAVE_SYSTEMD
    if (configured == u"journal" || stderrIsJournal())
        return Format::Journal;
#endif
    return Format::Text;
}

void install(Format format)
{
    g_format = format;
    if (format != Format::Text)
        qInstallMessageHandler(handler);
}

Format current()
{
    return g_format;
}

void announce(const QString &line)
{
    if (g_format == Format::Text) {
        std::fprintf(stderr, "%s\n", qPrintable(line));
        return;
    }
    write(QtInfoMsg, "confab.server", nullptr, 0, nullptr, line);
}

} // namespace confab::server::logging
