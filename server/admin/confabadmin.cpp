// confab-admin: administer a Confab server (docs/operations.md). It talks to the running server
// over DATA_DIR/admin.sock, so nothing needs a restart; with the server stopped it works on the
// data directory itself, holding the directory's lock as the server would.
//
// Exit codes: 0 done; 1 refused (no such user, name taken, bad value...); 2 usage; 3 the server
// or its storage cannot be reached.
#include "admin/adminservice.h"
#include "admin/datatools.h"
#include "confabserver.h"
#include "database.h"
#include "storage/backend.h"
#include "serverconfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QTextStream>

#include <cstdio>
#include <iostream>
#include <string>

using namespace confab;
using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

enum Exit { Ok = 0, Refused = 1, Usage = 2, Unreachable = 3 };

const char kUsage[] = R"(Usage: confab-admin [--config FILE | --data-dir DIR] [--json] COMMAND

Users
  users list
  users create NAME [--admin] [--display-name TEXT] [--password-stdin]
  users reset-password NAME [--password-stdin]   (ends every session of NAME)
  users disable NAME | users enable NAME          (disable ends every session)
  users make-admin NAME [--revoke]
Sessions
  sessions list [NAME]
  sessions revoke ID
Invites
  invites create [--hours N]   a single-use invite code (default 72 hours, at most 720)
Rooms
  rooms list
  rooms delete ID
  rooms export ID --format json|html [--output FILE]
Data
  backup FILE      a consistent copy while the server runs
  restore FILE     the server must be stopped; the old database is kept aside
  stats
  vacuum           the server must be stopped

Without --password-stdin a password is generated and printed once.
The server's configuration: --config, else $CONFAB_CONFIG, else /etc/confab/server.ini.
Exit codes: 0 done, 1 refused, 2 usage, 3 server or storage unreachable.
)";

bool g_json = false;

void printJson(const QJsonValue &v)
{
    const QJsonDocument doc = v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject());
    std::fputs(doc.toJson(QJsonDocument::Indented).constData(), stdout);
}

int failWith(const Error &e)
{
    const int code = e.code == ErrorCode::Unavailable || e.code == ErrorCode::Internal
        ? Unreachable
        : Refused;
    if (g_json)
        printJson(QJsonObject { { u"error"_s, e.toJson() } });
    std::fprintf(stderr, "confab-admin: %s\n", qPrintable(e.message));
    return code;
}

int usage(const QString &why)
{
    std::fprintf(stderr, "confab-admin: %s\n\n%s", qPrintable(why), kUsage);
    return Usage;
}

QString when(qint64 ms)
{
    if (ms <= 0)
        return u"-"_s;
    return QDateTime::fromMSecsSinceEpoch(ms).toString(u"yyyy-MM-dd HH:mm"_s);
}

// Columns padded to their widest cell.
void printTable(const QStringList &header, const QList<QStringList> &rows)
{
    QList<qsizetype> width;
    for (const QString &h : header)
        width.append(h.size());
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    const auto line = [&](const QStringList &cells) {
        QString out;
        for (qsizetype i = 0; i < cells.size(); ++i)
            out += i + 1 < cells.size() ? cells[i].leftJustified(width[i] + 2) : cells[i];
        std::printf("%s\n", qPrintable(out));
    };
    line(header);
    for (const QStringList &row : rows)
        line(row);
}

void printHuman(const QString &command, const QJsonValue &v)
{
    const QJsonObject o = v.toObject();
    if (command == u"users.list") {
        QList<QStringList> rows;
        for (const QJsonValue &u : v.toArray()) {
            const QJsonObject x = u.toObject();
            QStringList flags;
            if (x.value(u"admin"_s).toBool())
                flags << u"admin"_s;
            if (x.value(u"disabled"_s).toBool())
                flags << u"disabled"_s;
            rows.append({ QString::number(x.value(u"id"_s).toInteger()),
                          x.value(u"username"_s).toString(), x.value(u"displayName"_s).toString(),
                          when(x.value(u"createdAt"_s).toInteger()),
                          QString::number(x.value(u"sessions"_s).toInteger()),
                          flags.join(u","_s) });
        }
        printTable({ u"ID"_s, u"USER"_s, u"NAME"_s, u"CREATED"_s, u"SESSIONS"_s, u"FLAGS"_s },
                   rows);
    } else if (command == u"sessions.list") {
        QList<QStringList> rows;
        for (const QJsonValue &s : v.toArray()) {
            const QJsonObject x = s.toObject();
            rows.append({ QString::number(x.value(u"id"_s).toInteger()),
                          x.value(u"user"_s).toString(), x.value(u"device"_s).toString(),
                          when(x.value(u"createdAt"_s).toInteger()),
                          when(x.value(u"lastSeenAt"_s).toInteger()),
                          x.value(u"address"_s).toString() });
        }
        printTable({ u"ID"_s, u"USER"_s, u"DEVICE"_s, u"LOGGED IN"_s, u"LAST SEEN"_s, u"FROM"_s },
                   rows);
    } else if (command == u"rooms.list") {
        QList<QStringList> rows;
        for (const QJsonValue &r : v.toArray()) {
            const QJsonObject x = r.toObject();
            rows.append({ QString::number(x.value(u"id"_s).toInteger()),
                          x.value(u"name"_s).toString(), x.value(u"visibility"_s).toString(),
                          x.value(u"owner"_s).toString(),
                          QString::number(x.value(u"members"_s).toInteger()),
                          QString::number(x.value(u"messages"_s).toInteger()),
                          when(x.value(u"lastActivityAt"_s).toInteger()) });
        }
        printTable({ u"ID"_s, u"NAME"_s, u"VISIBILITY"_s, u"OWNER"_s, u"MEMBERS"_s,
                     u"MESSAGES"_s, u"LAST ACTIVITY"_s },
                   rows);
    } else if (command == u"users.create" || command == u"users.reset-password") {
        const QString name = o.value(u"user"_s).toObject().value(u"username"_s).toString();
        std::printf("%s %s.\n", command == u"users.create" ? "Created" : "New password for",
                    qPrintable(name));
        if (o.contains(u"sessionsEnded"_s))
            std::printf("Sessions ended: %lld\n",
                        qlonglong(o.value(u"sessionsEnded"_s).toInteger()));
        if (o.contains(u"password"_s))
            std::printf("Password: %s\n(shown once: hand it over; it can be changed under Account"
                        " in the client)\n",
                        qPrintable(o.value(u"password"_s).toString()));
    } else if (command == u"invites.create") {
        std::printf("Invite code: %s\n(valid until %s, once: type it in the client's connect"
                    " dialog)\n",
                    qPrintable(o.value(u"code"_s).toString()),
                    qPrintable(when(o.value(u"expiresAt"_s).toInteger())));
    } else if (command == u"users.disable" || command == u"users.enable"
               || command == u"users.make-admin") {
        const QJsonObject u = o.value(u"user"_s).toObject();
        std::printf("%s: %s%s\n", qPrintable(u.value(u"username"_s).toString()),
                    u.value(u"disabled"_s).toBool() ? "disabled" : "enabled",
                    u.value(u"admin"_s).toBool() ? ", admin" : "");
        if (o.contains(u"sessionsEnded"_s))
            std::printf("Sessions ended: %lld\n",
                        qlonglong(o.value(u"sessionsEnded"_s).toInteger()));
    } else {
        // Key: value lines (stats, backup, restore, vacuum, revoke, delete, export).
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QJsonValue x = it.value();
            const QString text = x.isString() ? x.toString()
                : x.isBool()                  ? (x.toBool() ? u"yes"_s : u"no"_s)
                                              : QString::number(x.toInteger());
            std::printf("%-22s %s\n", qPrintable(it.key() + u':'), qPrintable(text));
        }
    }
}

// The running server's answer, or nullopt when nothing listens on `path`.
std::optional<Result<QJsonValue>> askServer(const QString &path, const QString &command,
                                            const QJsonObject &args, QString *socketError)
{
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(2000)) {
        if (socket.error() == QLocalSocket::SocketAccessError)
            return Result<QJsonValue>(makeError(
                ErrorCode::Unavailable,
                u"no permission for %1: run confab-admin as root or as a member of the server's"
                u" group (adduser $USER confab)"_s.arg(path)));
        *socketError = socket.errorString();
        return std::nullopt;
    }
    socket.write(QJsonDocument(QJsonObject { { u"command"_s, command }, { u"args"_s, args } })
                     .toJson(QJsonDocument::Compact)
                 + '\n');
    QByteArray line;
    while (!line.endsWith('\n')) {
        if (!socket.waitForReadyRead(120000))
            return Result<QJsonValue>(makeError(
                ErrorCode::Unavailable, u"the server did not answer: "_s + socket.errorString()));
        line += socket.readAll();
    }
    const QJsonObject answer = QJsonDocument::fromJson(line).object();
    if (answer.value(u"ok"_s).toBool())
        return Result<QJsonValue>(answer.value(u"result"_s));
    const QJsonObject e = answer.value(u"error"_s).toObject();
    ErrorCode code = ErrorCode::Internal;
    errorCodeFromName(e.value(u"code"_s).toString(), &code);
    return Result<QJsonValue>(makeError(code, e.value(u"message"_s).toString()));
}

QString readPasswordFromStdin()
{
    std::string line;
    std::getline(std::cin, line);
    return QString::fromStdString(line).trimmed();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"confab-admin"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CONFAB_VERSION));
    applyLogLevel(u"warning"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Administer a Confab server."_s);
    const QCommandLineOption help({ u"h"_s, u"help"_s }, u"This help."_s);
    const QCommandLineOption version(u"version"_s, u"The version."_s);
    const QCommandLineOption configOpt(u"config"_s, u"The server's INI file."_s, u"file"_s);
    const QCommandLineOption dataDirOpt(u"data-dir"_s, u"The server's data directory."_s,
                                        u"dir"_s);
    const QCommandLineOption jsonOpt(u"json"_s, u"Answer in JSON."_s);
    const QCommandLineOption adminOpt(u"admin"_s, u"users create: a server admin."_s);
    const QCommandLineOption revokeOpt(u"revoke"_s, u"users make-admin: take the role away."_s);
    const QCommandLineOption displayOpt(u"display-name"_s, u"users create: display name."_s,
                                        u"text"_s);
    const QCommandLineOption stdinOpt(u"password-stdin"_s, u"Read the password from stdin."_s);
    const QCommandLineOption formatOpt(u"format"_s, u"rooms export: json or html."_s, u"format"_s);
    const QCommandLineOption hoursOpt(u"hours"_s, u"invites create: hours valid."_s, u"n"_s);
    const QCommandLineOption outputOpt(u"output"_s, u"rooms export: the file (default stdout)."_s,
                                       u"file"_s);
    parser.addOptions({ help, version, configOpt, dataDirOpt, jsonOpt, adminOpt, revokeOpt,
                        displayOpt, stdinOpt, formatOpt, hoursOpt, outputOpt });
    if (!parser.parse(QCoreApplication::arguments()))
        return usage(parser.errorText());
    if (parser.isSet(help)) {
        std::fputs(kUsage, stdout);
        return Ok;
    }
    if (parser.isSet(version)) {
        std::printf("confab-admin %s\n", CONFAB_VERSION);
        return Ok;
    }
    g_json = parser.isSet(jsonOpt);
    const QStringList pos = parser.positionalArguments();
    if (pos.isEmpty())
        return usage(u"no command"_s);

    // The server's own configuration, so that both agree on the data directory.
    QStringList serverArgs { u"confab-server"_s };
    QString configFile = parser.value(configOpt);
    const auto env = QProcessEnvironment::systemEnvironment();
    if (configFile.isEmpty() && !env.contains(u"CONFAB_CONFIG"_s) && !parser.isSet(dataDirOpt)
        && QFileInfo::exists(u"/etc/confab/server.ini"_s))
        configFile = u"/etc/confab/server.ini"_s;
    if (!configFile.isEmpty() && QFileInfo::exists(configFile)
        && !QFileInfo(configFile).isReadable())
        return failWith(makeError(ErrorCode::Unavailable,
                                  u"no permission to read %1: run confab-admin as root or as a"
                                  u" member of the server's group (adduser $USER confab)"_s.arg(
                                      configFile)));
    if (!configFile.isEmpty())
        serverArgs << u"--config"_s << configFile;
    if (parser.isSet(dataDirOpt))
        serverArgs << u"--data-dir"_s << parser.value(dataDirOpt);
    auto loaded = ServerConfig::load(serverArgs, env);
    if (!loaded)
        return usage(loaded.error().message);
    ServerConfig config = loaded.value();
    const QString dataDir = config.dataDir;

    // The command and its arguments.
    const QString group = pos.value(0);
    const QString verb = pos.value(1);
    const auto need = [&](int n) { return pos.size() == n; };
    QString command;
    QJsonObject args;
    if (group == u"users" && verb == u"list" && need(2)) {
        command = u"users.list"_s;
    } else if (group == u"users"
               && (verb == u"create" || verb == u"reset-password" || verb == u"disable"
                   || verb == u"enable" || verb == u"make-admin")
               && need(3)) {
        command = u"users."_s + verb;
        args.insert(u"user"_s, pos.value(2));
        if (verb == u"create" || verb == u"reset-password") {
            if (parser.isSet(stdinOpt))
                args.insert(u"password"_s, readPasswordFromStdin());
        }
        if (verb == u"create") {
            if (parser.isSet(adminOpt))
                args.insert(u"admin"_s, true);
            if (parser.isSet(displayOpt))
                args.insert(u"displayName"_s, parser.value(displayOpt));
        }
        if (verb == u"make-admin")
            args.insert(u"admin"_s, !parser.isSet(revokeOpt));
    } else if (group == u"sessions" && verb == u"list" && (need(2) || need(3))) {
        command = u"sessions.list"_s;
        if (need(3))
            args.insert(u"user"_s, pos.value(2));
    } else if ((group == u"sessions" && verb == u"revoke" && need(3))
               || (group == u"rooms" && (verb == u"delete" || verb == u"export") && need(3))) {
        bool ok = false;
        const qint64 id = pos.value(2).toLongLong(&ok);
        if (!ok || id <= 0)
            return usage(u"'%1' is not an id"_s.arg(pos.value(2)));
        command = group + u'.' + verb;
        args.insert(group == u"sessions" ? u"id"_s : u"room"_s, id);
    } else if (group == u"invites" && verb == u"create" && need(2)) {
        command = u"invites.create"_s;
        if (parser.isSet(hoursOpt)) {
            bool ok = false;
            const int hours = parser.value(hoursOpt).toInt(&ok);
            if (!ok)
                return usage(u"--hours takes a number of hours"_s);
            args.insert(u"expiresInHours"_s, hours);
        }
    } else if (group == u"rooms" && verb == u"list" && need(2)) {
        command = u"rooms.list"_s;
    } else if ((group == u"backup" || group == u"restore") && need(2)) {
        command = group;
    } else if ((group == u"stats" || group == u"vacuum") && need(1)) {
        command = group;
    } else {
        return usage(u"unknown command: %1"_s.arg(pos.join(u' ')));
    }

    // What works on the database file itself.
    const bool fileTool = command == u"backup" || command == u"restore" || command == u"vacuum";
    if (fileTool && !config.database.isEmpty())
        return failWith(makeError(
            ErrorCode::BadRequest, // refused: the right tool is PostgreSQL's
            u"%1 works on the SQLite file; this server keeps its history in PostgreSQL (%2): back"
            u" it up with pg_dump and restore it with pg_restore (docs/deploy.md); PostgreSQL's"
            u" autovacuum does what vacuum does"_s.arg(
                command, storage::Location::parse(config.database, dataDir)->display())));
    if (fileTool || command == u"rooms.export") {
        Result<QJsonObject> r = QJsonObject();
        if (command == u"backup") {
            r = datatools::backup(dataDir, pos.value(1));
        } else if (command == u"restore") {
            r = datatools::restore(dataDir, pos.value(1));
        } else if (command == u"vacuum") {
            r = datatools::vacuum(dataDir);
        } else {
            if (!parser.isSet(formatOpt))
                return usage(u"rooms export needs --format json or --format html"_s);
            QFile out;
            const bool toFile = parser.isSet(outputOpt);
            if (toFile) {
                out.setFileName(parser.value(outputOpt));
                if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly))
                    return failWith(makeError(ErrorCode::Conflict,
                                              u"cannot create %1: %2"_s.arg(out.fileName(),
                                                                            out.errorString())));
            } else if (!out.open(stdout, QIODevice::WriteOnly)) {
                return failWith(makeError(ErrorCode::Internal, u"cannot write to stdout"_s));
            }
            r = datatools::exportRoom(dataDir, config.database, args.value(u"room"_s).toInteger(),
                                      parser.value(formatOpt), &out);
            out.close();
            if (!r && toFile)
                QFile::remove(out.fileName());
            if (r && !toFile) { // the export went to stdout; the summary to stderr
                datatools::giveBackToOwner(dataDir);
                return Ok;
            }
        }
        datatools::giveBackToOwner(dataDir);
        if (!r)
            return failWith(r.error());
        g_json ? printJson(r.value()) : printHuman(command, r.value());
        return Ok;
    }

    // Through the running server, or offline on its data directory.
    QString socketError;
    const QString socketPath = QDir(dataDir).filePath(u"admin.sock"_s);
    std::optional<Result<QJsonValue>> answer
        = askServer(socketPath, command, args, &socketError);
    if (!answer) {
        if (config.database.isEmpty() && !QFileInfo::exists(QDir(dataDir).filePath(u"confab.db"_s)))
            return failWith(makeError(ErrorCode::Unavailable,
                                      u"no server answers on %1 and there is no Confab database"
                                      u" in %2 (is --data-dir or --config right?)"_s.arg(
                                          socketPath, dataDir)));
        config.realtimeThreads = 0;
        config.discovery = false;
        ConfabServer offline(config);
        if (auto opened = offline.openStorage(); !opened) {
            if (opened.error().code == ErrorCode::Conflict)
                return failWith(makeError(
                    ErrorCode::Unavailable,
                    u"the server is running but its admin socket %1 did not answer (%2): run"
                    u" confab-admin as root or as a member of the server's group"_s.arg(
                        socketPath, socketError)));
            datatools::giveBackToOwner(dataDir);
            return failWith(opened.error());
        }
        QEventLoop loop;
        offline.admin().run(command, args, [&](Result<QJsonValue> r) {
            answer = std::move(r);
            loop.quit();
        });
        if (!answer)
            loop.exec();
        offline.database().flush();
    }
    datatools::giveBackToOwner(dataDir);
    if (!*answer)
        return failWith(answer->error());
    g_json ? printJson(answer->value()) : printHuman(command, answer->value());
    return Ok;
}
