// The storage layer's two engines (docs/scale.md): SQLite, embedded in the data directory (the
// default), and PostgreSQL (`--database postgres://…`, several nodes on one history).
//
// Everything that differs between them lives here and in their schema files: how a connection
// is opened and configured, how a write transaction begins, where the schema version is kept,
// the migrations, and the few SQL fragments whose spelling differs. The services write portable
// SQL and ask this layer for those fragments (by the connection they hold); they never ask which
// engine it is.
#pragma once

#include "errors.h"
#include "result.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace confab::server::storage {

// Where the database is: a file in the data directory, or a PostgreSQL server.
struct Location
{
    enum class Engine { Sqlite, Postgres };
    Engine engine = Engine::Sqlite;
    QString sqlitePath;
    // PostgreSQL: postgres://[user[:password]@][host][:port]/database[?host=/socket/dir]
    QString host, user, password, database;
    int port = 5432;

    // An empty url (or "sqlite"): DATA_DIR/confab.db. Otherwise a postgres:// or postgresql://
    // URL; anything else is refused with a clear error.
    static Result<Location> parse(const QString &url, const QString &dataDir);
    // What logs and errors say: the path, or the URL without its password.
    QString display() const;
};

class Backend
{
public:
    virtual ~Backend() = default;
    static std::unique_ptr<Backend> make(const Location &where);

    const Location &location() const { return m_where; }
    virtual QString system() const = 0; // "sqlite", "postgresql" (traces, logs, /metrics)
    // Opens a connection named `name` for the calling thread, with the engine's session settings
    // (SQLite: WAL, synchronous=FULL, foreign keys, busy timeout).
    virtual Result<QSqlDatabase> connect(const QString &name) const = 0;
    // After a statement failed on this thread (connectionSuspect()): checks the connection with
    // a probe and, when it is gone (PostgreSQL restarted, the network cut), opens it again with
    // its session settings. Call only where none of its statements is in use. False: still
    // unreachable (the next call tries again).
    bool revive(QSqlDatabase &db) const;
    // The statement that starts a write batch: one that takes the write lock up front on
    // SQLite, a plain BEGIN on PostgreSQL (its row locks do the rest).
    virtual QString beginWrite() const = 0;
    // A read-only transaction that sees one moment throughout (exports).
    virtual QString beginSnapshot() const = 0;
    // Whether BEGIN, SAVEPOINT and COMMIT can be prepared statements (PostgreSQL: no).
    virtual bool preparesControl() const = 0;

    // Schema: read the version, then migrate() under the engine's migration lock (PostgreSQL:
    // an advisory lock, so nodes starting together migrate once). `before(version)` runs
    // before an existing database is migrated (SQLite: the copy in DATA_DIR/backups).
    virtual Result<int> schemaVersion(QSqlDatabase &db) const = 0;
    virtual const QList<QStringList> &migrations() const = 0;
    virtual Result<bool> migrate(QSqlDatabase &db, int *version) const = 0;

protected:
    explicit Backend(Location where) : m_where(std::move(where)) { }
    // Opens `db` (added, configured with connection parameters) and sets the session up.
    virtual Result<bool> openSession(QSqlDatabase &db) const = 0;
    Location m_where;
};

// The SQL fragments that differ, for the engine behind `db`.
//  - lockRow(): after a SELECT of one row that a transaction will update from what it read
//    (a room's last_seq): " FOR UPDATE" on PostgreSQL, whose nodes write concurrently; nothing
//    on SQLite, whose write transaction holds the whole database already.
//  - returningId() / insertedId(): the id of a row just inserted (SQLite: the connection's
//    last rowid, no RETURNING, whose rows SQLite buffers in a temporary b-tree per statement).
//  - jsonText() / jsonInt(): a top-level member of a JSON text column.
QString lockRow(const QSqlDatabase &db);
QString returningId(const QSqlDatabase &db);
// The id of the row `insert` (ending in returningId()) added; nullopt when it added none (ON
// CONFLICT DO NOTHING).
std::optional<qint64> insertedId(const QSqlDatabase &db, QSqlQuery &insert);
QString jsonText(const QSqlDatabase &db, const QString &column, const QString &key);
QString jsonInt(const QSqlDatabase &db, const QString &column, const QString &key);
bool isEmbedded(const QSqlDatabase &db); // SQLite: file tools (backup, VACUUM) apply
// Each statement is a round trip to another process (PostgreSQL): where SQL allows, fold two
// statements into one (a data-modifying WITH). SQLite has no such statements, and its
// statements cost no round trip.
bool foldsStatements(const QSqlDatabase &db);
// Makes or removes blobs only one transaction at a time across every node sharing the files
// directory (PostgreSQL: the advisory lock FilesLockKey until the transaction ends; SQLite: its
// one writer does that already). Without it one node's collect() could remove a blob that
// another node's finishUpload() found and is about to refer to.
constexpr qint64 FilesLockKey = 7080702;
Result<bool> lockFiles(QSqlDatabase &db);

// What a failed statement means for the caller: Unavailable when it may succeed if tried again
// (PostgreSQL unreachable or shutting down, a deadlock or serialization failure between nodes,
// SQLite busy), Internal otherwise. Marks this thread's connections suspect on PostgreSQL.
ErrorCode errorCodeFor(const QSqlQuery &failed);
bool connectionSuspect();

} // namespace confab::server::storage
