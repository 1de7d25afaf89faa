#include "backend.h"

#include "admin/datatools.h"
#include "database.h"
#include "pgschema.h"
#include "schema.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDriver>
#include <QSqlError>
#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

namespace confab::server::storage {

namespace {

Error sqlError(const QSqlQuery &q, const QString &what)
{
    return makeError(ErrorCode::Internal, what + u": "_s + q.lastError().text());
}

bool isPostgres(const QSqlDatabase &db)
{
    return db.driverName() == u"QPSQL";
}

// Runs one migration's statements in `q`'s open transaction.
Result<bool> runStatements(QSqlQuery &q, const QStringList &statements, int version)
{
    for (const QString &statement : statements) {
        if (!q.exec(statement))
            return sqlError(q, u"migration %1 failed"_s.arg(version));
    }
    return true;
}

void logMigrated(const Location &where, int from, int to)
{
    if (from == to)
        return;
    if (from == 0)
        qCInfo(lcStorage).noquote() << "created" << where.display() << "at schema version" << to;
    else
        qCInfo(lcStorage).noquote() << "migrated" << where.display() << "from schema version"
                                    << from << "to" << to;
}

class SqliteBackend final : public Backend
{
public:
    using Backend::Backend;
    QString system() const override { return u"sqlite"_s; }

    Result<QSqlDatabase> connect(const QString &name) const override
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(m_where.sqlitePath);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (auto r = openSession(db); !r)
            return r.error();
        return db;
    }

    Result<bool> openSession(QSqlDatabase &db) const override
    {
        if (!db.open())
            return makeError(ErrorCode::Unavailable, u"cannot open %1: %2"_s.arg(
                                                         m_where.sqlitePath, db.lastError().text()));
        QSqlQuery q(db);
        if (!q.exec(u"PRAGMA journal_mode=WAL"_s) || !q.next() || q.value(0).toString() != u"wal")
            return makeError(ErrorCode::Unavailable,
                             u"cannot switch %1 to WAL mode"_s.arg(m_where.sqlitePath));
        // FULL: an acknowledged event survives power loss as well as a crash.
        if (!q.exec(u"PRAGMA synchronous=FULL"_s) || !q.exec(u"PRAGMA foreign_keys=ON"_s))
            return sqlError(q, u"cannot configure %1"_s.arg(m_where.sqlitePath));
        return true;
    }

    // BEGIN IMMEDIATE takes the write lock up front (no deadlock upgrading a read lock).
    QString beginWrite() const override { return u"BEGIN IMMEDIATE"_s; }
    bool preparesControl() const override { return true; }
    QString beginSnapshot() const override { return u"BEGIN"_s; }

    Result<int> schemaVersion(QSqlDatabase &db) const override
    {
        QSqlQuery q(db);
        if (!q.exec(u"PRAGMA user_version"_s) || !q.next())
            return sqlError(q, u"cannot read schema version"_s);
        return q.value(0).toInt();
    }

    const QList<QStringList> &migrations() const override { return schema::migrations(); }

    Result<bool> migrate(QSqlDatabase &db, int *version) const override
    {
        const int latest = int(migrations().size());
        // An upgrade keeps the database as it was first (docs/operations.md, "Upgrades"): a
        // copy at its old schema in DATA_DIR/backups, made with the online backup API. No
        // copy, no migration.
        if (*version > 0 && *version < latest) {
            const QString dataDir = QFileInfo(m_where.sqlitePath).absolutePath();
            const QString dir = QDir(dataDir).filePath(u"backups"_s);
            const QString copy = QDir(dir).filePath(
                u"confab-schema%1-before-%2-%3.db"_s.arg(*version).arg(latest).arg(
                    QDateTime::currentDateTimeUtc().toString(u"yyyyMMdd-HHmmss"_s)));
            QDir().mkpath(dir);
            if (auto saved = datatools::backup(dataDir, copy); !saved)
                return makeError(ErrorCode::Unavailable,
                                 u"not migrating %1 from schema %2: the backup before it failed"
                                 u" (%3)"_s.arg(m_where.sqlitePath)
                                     .arg(*version)
                                     .arg(saved.error().message));
            qCInfo(lcStorage).noquote() << "schema" << *version << "is older than" << latest
                                        << ": saved a copy as" << copy;
        }
        QSqlQuery q(db);
        const int from = *version;
        for (; *version < latest; ++*version) {
            if (!q.exec(u"BEGIN IMMEDIATE"_s))
                return sqlError(q, u"cannot start migration"_s);
            auto ran = runStatements(q, migrations().at(*version), *version + 1);
            if (ran && (!q.exec(u"PRAGMA user_version=%1"_s.arg(*version + 1))
                        || !q.exec(u"COMMIT"_s)))
                ran = sqlError(q, u"migration %1 failed"_s.arg(*version + 1));
            if (!ran) {
                q.exec(u"ROLLBACK"_s);
                return ran.error();
            }
        }
        logMigrated(m_where, from, *version);
        return true;
    }
};

class PostgresBackend final : public Backend
{
public:
    using Backend::Backend;
    QString system() const override { return u"postgresql"_s; }

    Result<QSqlDatabase> connect(const QString &name) const override
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
        if (!db.isValid())
            return makeError(ErrorCode::Unavailable,
                             u"the Qt PostgreSQL driver (QPSQL) is not installed"_s);
        db.setHostName(m_where.host);
        db.setPort(m_where.port);
        db.setUserName(m_where.user);
        db.setPassword(m_where.password);
        db.setDatabaseName(m_where.database);
        db.setConnectOptions(u"connect_timeout=5;application_name=confab-server"_s);
        if (auto r = openSession(db); !r)
            return r.error();
        return db;
    }

    Result<bool> openSession(QSqlDatabase &db) const override
    {
        if (!db.open())
            return makeError(ErrorCode::Unavailable, u"cannot connect to %1: %2"_s.arg(
                                                         m_where.display(), db.lastError().text()));
        QSqlQuery q(db);
        // Read committed (the default) with the row locks of lockRow(); an acknowledged event
        // is on disk: synchronous_commit is never relaxed for this session.
        if (!q.exec(u"SET synchronous_commit = on"_s)
            || !q.exec(u"SET client_min_messages = warning"_s))
            return sqlError(q, u"cannot configure the session on %1"_s.arg(m_where.display()));
        return true;
    }

    QString beginWrite() const override { return u"BEGIN"_s; }
    bool preparesControl() const override { return false; }
    QString beginSnapshot() const override
    {
        return u"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"_s;
    }

    Result<int> schemaVersion(QSqlDatabase &db) const override
    {
        QSqlQuery q(db);
        // Under the migration lock: two nodes starting together on a new database would both
        // run CREATE TABLE IF NOT EXISTS, and one would fail on the catalog's unique key
        // (PostgreSQL's IF NOT EXISTS is not safe against a concurrent create).
        const bool made = q.exec(u"BEGIN"_s) && q.exec(u"SELECT pg_advisory_xact_lock(7080701)"_s)
            && q.exec(u"CREATE TABLE IF NOT EXISTS confab_schema (version INTEGER NOT NULL)"_s)
            && q.exec(u"COMMIT"_s);
        if (!made) {
            Error e = sqlError(q, u"cannot read schema version"_s);
            q.exec(u"ROLLBACK"_s);
            return e;
        }
        if (!q.exec(u"SELECT COALESCE(MAX(version), 0) FROM confab_schema"_s) || !q.next())
            return sqlError(q, u"cannot read schema version"_s);
        return q.value(0).toInt();
    }

    const QList<QStringList> &migrations() const override { return pgschema::migrations(); }

    Result<bool> migrate(QSqlDatabase &db, int *version) const override
    {
        const int latest = int(migrations().size());
        QSqlQuery q(db);
        int from = -1;
        for (;;) {
            // One node migrates; the others wait on the lock, then find the work done.
            if (!q.exec(u"BEGIN"_s) || !q.exec(u"SELECT pg_advisory_xact_lock(7080701)"_s))
                return sqlError(q, u"cannot start migration"_s);
            if (!q.exec(u"SELECT COALESCE(MAX(version), 0) FROM confab_schema"_s) || !q.next()) {
                Error e = sqlError(q, u"cannot read schema version"_s);
                q.exec(u"ROLLBACK"_s);
                return e;
            }
            *version = q.value(0).toInt();
            if (from < 0)
                from = *version;
            if (*version >= latest) {
                logMigrated(m_where, from, *version);
                return q.exec(u"COMMIT"_s) ? Result<bool>(true)
                                           : Result<bool>(sqlError(q, u"migration"_s));
            }
            auto ran = runStatements(q, migrations().at(*version), *version + 1);
            if (ran
                && (!q.exec(u"DELETE FROM confab_schema"_s)
                    || !q.exec(u"INSERT INTO confab_schema (version) VALUES (%1)"_s.arg(
                        *version + 1))
                    || !q.exec(u"COMMIT"_s)))
                ran = sqlError(q, u"migration %1 failed"_s.arg(*version + 1));
            if (!ran) {
                q.exec(u"ROLLBACK"_s);
                return ran.error();
            }
        }
    }
};

thread_local bool t_suspect = false;

} // namespace

bool Backend::revive(QSqlDatabase &db) const
{
    if (!t_suspect)
        return true;
    {
        QSqlQuery probe(db);
        if (db.isOpen() && probe.exec(u"SELECT 1"_s)) {
            t_suspect = false;
            return true;
        }
    }
    CachedQuery::dropAll(db.connectionName());
    db.close();
    if (auto r = openSession(db); !r) {
        qCWarning(lcStorage).noquote() << "still unreachable:" << r.error().message;
        return false;
    }
    qCInfo(lcStorage).noquote() << "connected again to" << m_where.display();
    t_suspect = false;
    return true;
}

bool connectionSuspect()
{
    return t_suspect;
}

ErrorCode errorCodeFor(const QSqlQuery &failed)
{
    const QSqlError e = failed.lastError();
    const QString state = e.nativeErrorCode();
    if (failed.driver() && failed.driver()->dbmsType() == QSqlDriver::PostgreSQL) {
        t_suspect = true;
        // 08: connection exceptions; 57P0x: shutting down, cannot connect now; 40001/40P01:
        // serialization failure and deadlock between nodes; no SQLSTATE at all: libpq lost
        // the server before an answer.
        if (state.isEmpty() || state.startsWith(u"08") || state.startsWith(u"57P")
            || state == u"40001" || state == u"40P01" || e.type() == QSqlError::ConnectionError)
            return ErrorCode::Unavailable;
        return ErrorCode::Internal;
    }
    // SQLite: SQLITE_BUSY (5) after the busy timeout, SQLITE_FULL (13): the disk.
    if (state == u"5" || state == u"13" || e.type() == QSqlError::ConnectionError)
        return ErrorCode::Unavailable;
    return ErrorCode::Internal;
}

Result<Location> Location::parse(const QString &url, const QString &dataDir)
{
    Location where;
    if (url.isEmpty() || url == u"sqlite") {
        where.sqlitePath = QDir(dataDir).filePath(u"confab.db"_s);
        return where;
    }
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || (u.scheme() != u"postgres" && u.scheme() != u"postgresql"))
        return makeError(ErrorCode::BadRequest,
                         u"--database: expected postgres://[user[:password]@]host[:port]/database"
                         u" (or nothing, for SQLite in the data directory), not '%1'"_s.arg(
                             QUrl(url).toDisplayString(QUrl::RemovePassword)));
    where.engine = Engine::Postgres;
    where.host = u.host();
    where.port = u.port(5432);
    where.user = u.userName();
    where.password = u.password();
    where.database = u.path().mid(1);
    const QUrlQuery query(u);
    if (query.hasQueryItem(u"host"_s)) // a Unix socket directory
        where.host = query.queryItemValue(u"host"_s, QUrl::FullyDecoded);
    if (where.database.isEmpty() || where.database.contains(u'/'))
        return makeError(ErrorCode::BadRequest,
                         u"--database: the URL names no database (postgres://host/DATABASE)"_s);
    return where;
}

QString Location::display() const
{
    if (engine == Engine::Sqlite)
        return sqlitePath;
    QUrl u;
    u.setScheme(u"postgres"_s);
    u.setHost(host.startsWith(u'/') ? QString() : host);
    u.setPort(port);
    u.setUserName(user);
    u.setPath(u'/' + database);
    return u.toString();
}

std::unique_ptr<Backend> Backend::make(const Location &where)
{
    if (where.engine == Location::Engine::Postgres)
        return std::unique_ptr<Backend>(new PostgresBackend(where));
    return std::unique_ptr<Backend>(new SqliteBackend(where));
}

QString lockRow(const QSqlDatabase &db)
{
    return isPostgres(db) ? u" FOR UPDATE"_s : QString();
}

QString returningId(const QSqlDatabase &db)
{
    return isPostgres(db) ? u" RETURNING id"_s : QString();
}

std::optional<qint64> insertedId(const QSqlDatabase &db, QSqlQuery &insert)
{
    // (PostgreSQL: a forward-only query reads rows one by one, and the count of rows affected
    // is not known before the last: the RETURNING row is the answer.)
    if (!isPostgres(db)) {
        if (insert.numRowsAffected() != 1)
            return std::nullopt;
        return insert.lastInsertId().toLongLong();
    }
    if (!insert.next())
        return std::nullopt;
    return insert.value(0).toLongLong();
}

QString jsonText(const QSqlDatabase &db, const QString &column, const QString &key)
{
    if (isPostgres(db))
        return u"(CAST(%1 AS jsonb) ->> '%2')"_s.arg(column, key);
    return u"json_extract(%1, '$.%2')"_s.arg(column, key);
}

QString jsonInt(const QSqlDatabase &db, const QString &column, const QString &key)
{
    if (isPostgres(db))
        return u"CAST(CAST(%1 AS jsonb) ->> '%2' AS BIGINT)"_s.arg(column, key);
    return u"json_extract(%1, '$.%2')"_s.arg(column, key);
}

bool isEmbedded(const QSqlDatabase &db)
{
    return !isPostgres(db);
}

bool foldsStatements(const QSqlDatabase &db)
{
    return isPostgres(db);
}

Result<bool> lockFiles(QSqlDatabase &db)
{
    if (!isPostgres(db))
        return true;
    CachedQuery q(db, u"SELECT pg_advisory_xact_lock(%1)"_s.arg(FilesLockKey));
    return execCached(q, {});
}

} // namespace confab::server::storage
