#include "datatools.h"

#include "database.h"
#include "roomstore.h"
#include "schema.h"
#include "storage/backend.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTimeZone>
#include <QUrl>
#include <QUuid>

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace confab::server::datatools {

namespace {

Error fail(const QString &message, ErrorCode code = ErrorCode::Unavailable)
{
    return makeError(code, message);
}

// A raw SQLite handle, closed on scope exit (the backup API is not reachable through QtSql).
struct Handle
{
    sqlite3 *db = nullptr;
    ~Handle() { sqlite3_close_v2(db); }
    QString error() const { return QString::fromUtf8(sqlite3_errmsg(db)); }
};

Result<bool> openHandle(Handle &h, const QString &path, int flags)
{
    if (sqlite3_open_v2(QFile::encodeName(path).constData(), &h.db, flags, nullptr) != SQLITE_OK)
        return fail(u"cannot open %1: %2"_s.arg(path, h.error()));
    sqlite3_busy_timeout(h.db, 5000);
    return true;
}

// The first column of the first row of `sql`, as text (empty on no row).
Result<QString> queryText(Handle &h, const char *sql)
{
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(h.db, sql, -1, &st, nullptr) != SQLITE_OK)
        return fail(h.error());
    QString out;
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        out = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(h.error());
    return out;
}

bool syncFile(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

void syncDirectory(const QString &dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

QString dbPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(u"confab.db"_s);
}

// Moves FILE and its -wal/-shm (when there) to NEWNAME and NEWNAME-wal/-shm.
bool moveWithWal(const QString &from, const QString &to)
{
    if (!QFile::rename(from, to))
        return false;
    for (const QString &suffix : { u"-wal"_s, u"-shm"_s }) {
        if (QFile::exists(from + suffix))
            QFile::rename(from + suffix, to + suffix);
    }
    return true;
}

} // namespace

Result<QJsonObject> inspect(const QString &file)
{
    if (!QFileInfo(file).isFile())
        return fail(u"%1 is not a file"_s.arg(file), ErrorCode::NotFound);
    Handle h;
    // Read-only and immutable: a backup being checked is never written, nor given a WAL.
    const QString uri = u"file:"_s + QString::fromUtf8(QUrl::toPercentEncoding(
                            QFileInfo(file).absoluteFilePath(), "/"))
        + u"?immutable=1"_s;
    if (auto r = openHandle(h, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI); !r)
        return r.error();
    const auto check = queryText(h, "PRAGMA integrity_check");
    if (!check || check.value() != u"ok")
        return fail(u"%1 is not a sound SQLite database (%2)"_s.arg(
                        file, check ? check.value() : check.error().message),
                    ErrorCode::InvalidValue);
    const auto version = queryText(h, "PRAGMA user_version");
    if (!version)
        return version.error();
    const int v = version->toInt();
    if (v < 1)
        return fail(u"%1 is not a Confab database (no schema)"_s.arg(file),
                    ErrorCode::InvalidValue);
    if (v > schema::latestVersion())
        return fail(u"%1 has schema version %2, newer than this confab-server knows (%3)"_s.arg(file)
                        .arg(v)
                        .arg(schema::latestVersion()),
                    ErrorCode::InvalidValue);
    // (A database never opened by a server has no epoch yet; it gets one when it is.)
    const auto epoch = queryText(h, "SELECT value FROM meta WHERE key = 'epoch'");
    if (!epoch)
        return fail(u"%1 is not a Confab database (no meta table)"_s.arg(file),
                    ErrorCode::InvalidValue);
    QJsonObject out { { u"file"_s, file },
                      { u"schemaVersion"_s, v },
                      { u"epoch"_s, epoch.value() },
                      { u"bytes"_s, QFileInfo(file).size() } };
    for (const auto &[key, sql] :
         { std::pair { u"users"_s, "SELECT COUNT(*) FROM users" },
           std::pair { u"rooms"_s, "SELECT COUNT(*) FROM rooms" },
           std::pair { u"events"_s, "SELECT COUNT(*) FROM events" } }) {
        const auto n = queryText(h, sql);
        if (!n)
            return fail(u"%1 is not a Confab database (%2)"_s.arg(file, n.error().message),
                        ErrorCode::InvalidValue);
        out.insert(key, n->toLongLong());
    }
    return out;
}

Result<QJsonObject> backup(const QString &dataDir, const QString &target)
{
    const QString source = dbPath(dataDir);
    if (!QFileInfo(source).isFile())
        return fail(u"there is no database in %1"_s.arg(dataDir), ErrorCode::NotFound);
    if (QFileInfo::exists(target))
        return fail(u"%1 exists already: choose a new file name"_s.arg(target), ErrorCode::Conflict);
    const QString partial = target + u".partial"_s;
    QFile::remove(partial);

    Handle src;
    // Read-write so that it can read the server's WAL (it writes nothing).
    if (auto r = openHandle(src, source, SQLITE_OPEN_READWRITE); !r)
        return r.error();
    Handle dst;
    if (auto r = openHandle(dst, partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE); !r)
        return r.error();
    sqlite3_backup *b = sqlite3_backup_init(dst.db, "main", src.db, "main");
    if (!b) {
        QFile::remove(partial);
        return fail(u"backup failed: %1"_s.arg(dst.error()));
    }
    // -1: every page in one step, inside one read transaction of the source (a snapshot; the
    // server's writes go on beside it in the WAL).
    int rc = sqlite3_backup_step(b, -1);
    while (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        sqlite3_sleep(50);
        rc = sqlite3_backup_step(b, -1);
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        const QString why = dst.error();
        QFile::remove(partial);
        return fail(u"backup failed: %1"_s.arg(why));
    }
    // A backup stands alone: no WAL beside it.
    if (auto r = queryText(dst, "PRAGMA journal_mode=DELETE"); !r) {
        QFile::remove(partial);
        return r.error();
    }
    sqlite3_close_v2(dst.db);
    dst.db = nullptr;
    auto checked = inspect(partial);
    if (!checked) {
        QFile::remove(partial);
        return checked.error();
    }
    if (!syncFile(partial) || !QFile::rename(partial, target)) {
        QFile::remove(partial);
        return fail(u"cannot write %1"_s.arg(target));
    }
    syncDirectory(QFileInfo(target).absolutePath());
    QJsonObject out = checked.value();
    out.insert(u"file"_s, target);
    return out;
}

Result<QJsonObject> restore(const QString &dataDir, const QString &file)
{
    if (!QDir().mkpath(dataDir))
        return fail(u"cannot create %1"_s.arg(dataDir));
    auto lock = DataDirLock::acquire(dataDir);
    if (!lock)
        return fail(u"the server is running on %1: stop it first (systemctl stop confab-server)"_s
                        .arg(dataDir),
                    ErrorCode::Conflict);
    auto checked = inspect(file);
    if (!checked)
        return checked.error();
    const QString live = dbPath(dataDir);
    const QString incoming = live + u".restoring"_s;
    QFile::remove(incoming);
    if (!QFile::copy(file, incoming))
        return fail(u"cannot copy %1 into %2"_s.arg(file, dataDir));
    QFile(incoming).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    // A new epoch: the restored history is not the one clients last saw.
    const QString epoch = QString::number(QRandomGenerator::system()->generate64(), 36);
    {
        Handle h;
        if (auto r = openHandle(h, incoming, SQLITE_OPEN_READWRITE); !r)
            return r.error();
        const QByteArray sql = "UPDATE meta SET value = '" + epoch.toLatin1()
            + "' WHERE key = 'epoch'";
        if (sqlite3_exec(h.db, sql.constData(), nullptr, nullptr, nullptr) != SQLITE_OK)
            return fail(u"cannot prepare the restored database: %1"_s.arg(h.error()));
    }
    if (!syncFile(incoming))
        return fail(u"cannot sync %1"_s.arg(incoming));
    QString keptAside;
    if (QFileInfo::exists(live)) {
        keptAside = live + u".before-restore-"_s
            + QDateTime::currentDateTimeUtc().toString(u"yyyyMMdd-HHmmss"_s);
        if (!moveWithWal(live, keptAside))
            return fail(u"cannot move %1 aside"_s.arg(live));
    }
    if (!QFile::rename(incoming, live)) {
        if (!keptAside.isEmpty())
            moveWithWal(keptAside, live); // as it was
        return fail(u"cannot put the restored database in place"_s);
    }
    syncDirectory(dataDir);
    QJsonObject out = checked.value();
    out.insert(u"restored"_s, live);
    out.insert(u"previous"_s, keptAside);
    out.insert(u"epoch"_s, epoch);
    return out;
}

Result<QJsonObject> vacuum(const QString &dataDir)
{
    auto lock = DataDirLock::acquire(dataDir);
    if (!lock)
        return fail(u"the server is running on %1: stop it first (vacuum rewrites the whole"
                    u" database and would hold up every send)"_s.arg(dataDir),
                    ErrorCode::Conflict);
    const QString path = dbPath(dataDir);
    if (!QFileInfo(path).isFile())
        return fail(u"there is no database in %1"_s.arg(dataDir), ErrorCode::NotFound);
    const auto size = [&] {
        return QFileInfo(path).size() + QFileInfo(path + u"-wal"_s).size();
    };
    const qint64 before = size();
    Handle h;
    if (auto r = openHandle(h, path, SQLITE_OPEN_READWRITE); !r)
        return r.error();
    for (const char *sql : { "INSERT INTO message_search (message_search) VALUES ('optimize')",
                             "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA optimize" }) {
        if (sqlite3_exec(h.db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            return fail(u"%1 failed: %2"_s.arg(QString::fromLatin1(sql), h.error()));
    }
    sqlite3_close_v2(h.db);
    h.db = nullptr;
    return QJsonObject { { u"bytesBefore"_s, before }, { u"bytesAfter"_s, size() } };
}

Result<QJsonObject> exportRoom(const QString &dataDir, const QString &databaseUrl, qint64 roomId,
                               const QString &format, QIODevice *out)
{
    if (format != u"json" && format != u"html")
        return fail(u"the export format is json or html"_s, ErrorCode::InvalidValue);
    const auto where = storage::Location::parse(databaseUrl, dataDir);
    if (!where)
        return where.error();
    if (databaseUrl.isEmpty() && !QFileInfo(where->sqlitePath).isFile())
        return fail(u"there is no database in %1"_s.arg(dataDir), ErrorCode::NotFound);
    const auto backend = storage::Backend::make(where.value());
    const QString name = u"confab-export-"_s + QUuid::createUuid().toString(QUuid::Id128);
    struct Remove
    {
        QString name;
        ~Remove() { QSqlDatabase::removeDatabase(name); }
    } remover { name };
    QJsonObject summary;
    {
        auto connected = backend->connect(name);
        if (!connected)
            return connected.error();
        QSqlDatabase db = connected.value();
        QSqlQuery q(db);
        // One read transaction: the room, its members and its log as of one moment.
        q.exec(backend->beginSnapshot());
        q.prepare(u"SELECT name, topic, visibility, created_at, last_seq FROM rooms"
                  u" WHERE id = ? AND deleted = 0"_s);
        q.addBindValue(roomId);
        if (!q.exec() || !q.next())
            return fail(u"there is no room %1"_s.arg(roomId), ErrorCode::RoomNotFound);
        const QJsonObject room { { u"id"_s, roomId },
                                 { u"name"_s, q.value(0).toString() },
                                 { u"topic"_s, q.value(1).toString() },
                                 { u"visibility"_s, q.value(2).toString() },
                                 { u"createdAt"_s, q.value(3).toLongLong() },
                                 { u"lastSeq"_s, q.value(4).toLongLong() } };
        QHash<qint64, QString> names;
        QSqlQuery u(db);
        u.exec(u"SELECT id, username, display_name FROM users"_s);
        while (u.next())
            names.insert(u.value(0).toLongLong(),
                         u.value(2).toString().isEmpty() ? u.value(1).toString()
                                                         : u.value(2).toString());
        QJsonArray members;
        q.prepare(u"SELECT m.user_id, u.username, m.role, m.joined_at FROM members m"
                  u" JOIN users u ON u.id = m.user_id WHERE m.room_id = ? ORDER BY m.user_id"_s);
        q.addBindValue(roomId);
        q.exec();
        while (q.next())
            members.append(QJsonObject { { u"userId"_s, q.value(0).toLongLong() },
                                         { u"username"_s, q.value(1).toString() },
                                         { u"role"_s, q.value(2).toString() },
                                         { u"joinedAt"_s, q.value(3).toLongLong() } });
        // The newest text of each edited message (for the page).
        QHash<qint64, QString> edited;
        if (format == u"html") {
            q.prepare(u"SELECT content FROM events WHERE room_id = ? AND type = 'edit'"
                      u" ORDER BY seq"_s);
            q.addBindValue(roomId);
            q.exec();
            while (q.next()) {
                const QJsonObject c = QJsonDocument::fromJson(q.value(0).toByteArray()).object();
                if (!c.value(u"redacted"_s).toBool())
                    edited.insert(qint64(c.value(u"targetId"_s).toDouble()),
                                  c.value(u"body"_s).toString());
            }
        }

        const auto put = [out](const QByteArray &bytes) { return out->write(bytes) == bytes.size(); };
        const QString title = room.value(u"name"_s).toString();
        bool ok = true;
        if (format == u"json") {
            QByteArray head = QJsonDocument(room).toJson(QJsonDocument::Compact);
            ok = put("{\"room\":" + head + ",\"members\":"
                     + QJsonDocument(members).toJson(QJsonDocument::Compact) + ",\"events\":[\n");
        } else {
            ok = put("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
                     + title.toHtmlEscaped().toUtf8()
                     + u" — Confab export</title>\n<style>body{font-family:sans-serif;max-width:"
                       u"50em;margin:2em auto;color:#222}.m{margin:.6em 0}.who{font-weight:bold}"
                       u".ts{color:#666;font-size:.85em;margin-left:.5em}.body{white-space:"
                       u"pre-wrap}.note{color:#666;font-style:italic}</style></head><body>\n"_s
                           .toUtf8()
                     + "<h1>" + title.toHtmlEscaped().toUtf8() + "</h1>\n<p class=\"note\">"
                     + room.value(u"topic"_s).toString().toHtmlEscaped().toUtf8() + "</p>\n");
        }
        q.setForwardOnly(true);
        q.prepare(u"SELECT id, room_id, seq, type, sender_id, ts, content, client_msg_id"
                  u" FROM events WHERE room_id = ? ORDER BY seq"_s);
        q.addBindValue(roomId);
        if (!q.exec())
            return fail(u"cannot read the room's log"_s);
        qint64 count = 0;
        qint64 messages = 0;
        while (ok && q.next()) {
            const RoomEvent e = roomstore::eventFromRow(q);
            ++count;
            if (format == u"json") {
                ok = put((count > 1 ? ",\n" : "")
                         + QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact));
                continue;
            }
            if (e.type != EventType::Message)
                continue;
            ++messages;
            const QString when = QDateTime::fromMSecsSinceEpoch(e.ts, Qt::UTC)
                                     .toString(u"yyyy-MM-dd HH:mm 'UTC'"_s);
            QString text;
            if (e.isRedacted())
                text = u"<span class=\"note\">This message was deleted.</span>"_s;
            else if (edited.contains(e.id))
                text = edited.value(e.id).toHtmlEscaped()
                    + u" <span class=\"note\">(edited)</span>"_s;
            else
                text = e.body().toHtmlEscaped();
            ok = put((u"<div class=\"m\" id=\"e%1\"><span class=\"who\">%2</span><span "
                      u"class=\"ts\">%3</span><div class=\"body\">%4</div></div>\n"_s)
                         .arg(e.id)
                         .arg(names.value(e.senderId, u"(unknown)"_s).toHtmlEscaped(), when, text)
                         .toUtf8());
        }
        if (ok)
            ok = put(format == u"json" ? "\n]}\n" : "</body></html>\n");
        q.exec(u"COMMIT"_s);
        if (!ok)
            return fail(u"cannot write the export"_s);
        summary = { { u"room"_s, roomId },
                    { u"name"_s, title },
                    { u"events"_s, count },
                    { u"format"_s, format } };
        if (format == u"html")
            summary.insert(u"messages"_s, messages);
    }
    return summary;
}

void giveBackToOwner(const QString &dataDir)
{
    if (::geteuid() != 0)
        return;
    struct stat dir = {};
    if (::stat(QFile::encodeName(dataDir).constData(), &dir) != 0 || dir.st_uid == 0)
        return;
    // Everything below it (the lock, a restored database, WAL files, backups/ made by a
    // migration run offline), never following a link.
    QDirIterator it(dataDir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QByteArray path = QFile::encodeName(it.next());
        struct stat st = {};
        if (::lstat(path.constData(), &st) == 0 && st.st_uid == 0
            && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
            [[maybe_unused]] int rc = ::lchown(path.constData(), dir.st_uid, dir.st_gid);
        }
    }
}

} // namespace confab::server::datatools
