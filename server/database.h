// Database: the store behind one small interface, on SQLite or PostgreSQL (storage/backend.h).
//
//  - open(): creates the data directory and database (SQLite: WAL + synchronous=FULL), applies
//    pending migrations, and refuses a database whose schema is newer than this binary knows.
//  - write(job, context, done): every write goes through ONE writer thread with its own
//    connection. The writer drains its queue in batches: BEGIN IMMEDIATE, one SAVEPOINT per job
//    (a failing job rolls back alone), COMMIT, then each job's `done` runs on `context`'s thread.
//    A job's result is therefore only ever seen after it is durable (group commit). On
//    PostgreSQL the batch is a plain BEGIN; what must not race with other nodes takes a row lock.
//  - reader(): a connection for the calling (event-loop) thread; reads never wait for the
//    writer (SQLite's WAL, PostgreSQL's MVCC).
#pragma once

#include "result.h"

#include <QObject>
#include <QPointer>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace confab::server {

class Metrics;
class StorageWriter;
}
namespace confab::server::storage {
class Backend;
}
namespace confab::otlp {
class SpanExporter;
}
namespace confab::server {

// An exclusive lock on a data directory (flock() on DIR/confab.lock) for as long as one process
// uses its database: a second confab-server on the same directory, or confab-admin working
// offline while the server runs, is refused instead of writing beside it. The kernel drops it
// when the process dies, so a crash leaves nothing stale.
class DataDirLock
{
public:
    static Result<std::unique_ptr<DataDirLock>> acquire(const QString &dataDir);
    ~DataDirLock();
    DataDirLock(const DataDirLock &) = delete;
    DataDirLock &operator=(const DataDirLock &) = delete;

private:
    explicit DataDirLock(int fd) : m_fd(fd) { }
    int m_fd;
};

class Database : public QObject
{
    Q_OBJECT
public:
    // A write job runs on the writer thread inside the batch transaction. It returns a value for
    // its `done` callback, or an Error (its savepoint is then rolled back).
    using Job = std::function<Result<QVariant>(QSqlDatabase &db)>;
    using Done = std::function<void(const Result<QVariant> &result)>;

    explicit Database(Metrics *metrics = nullptr, QObject *parent = nullptr);
    ~Database() override;

    // Opens (and migrates) the database: dataDir/confab.db, or the PostgreSQL database that
    // `databaseUrl` names (storage/backend.h). dataDir is locked either way (files, TLS).
    Result<bool> open(const QString &dataDir, const QString &databaseUrl = {});
    void close();

    // Queues a write; `done` is called on `context`'s thread after commit (or failure).
    // If `context` is destroyed first, `done` is not called (the write still happens).
    void write(Job job, QObject *context, Done done);
    // Typed form of write(): `job` returns Result<T>; `done` gets the job's error, the commit's
    // error, or the value once committed.
    template<typename T, typename JobFn, typename DoneFn>
    void writeTyped(JobFn job, QObject *context, DoneFn done)
    {
        auto slot = std::make_shared<std::optional<Result<T>>>();
        write(
            [job = std::move(job), slot](QSqlDatabase &db) -> Result<QVariant> {
                Result<T> r = job(db);
                const bool ok = r.ok();
                std::optional<Error> err = ok ? std::nullopt : std::optional<Error>(r.error());
                slot->emplace(std::move(r));
                if (!ok)
                    return *err;
                return QVariant(true);
            },
            context,
            [slot, done = std::move(done)](const Result<QVariant> &r) {
                if (!r.ok() && (!*slot || (*slot)->ok()))
                    done(Result<T>(r.error())); // the commit itself failed
                else
                    done(std::move(**slot));
            });
    }

    // A write that may run merged with others of its kind: on PostgreSQL, where each statement
    // is a round trip, many such writes in one statement. In a batch's first try (storagewriter)
    // a run of consecutive items of one kind goes to their kind's `merge` at once, in queue
    // order, before the next other job; when the batch is tried again with a savepoint per job
    // (a job failed), and on SQLite, each runs alone. Either way the item ends with `result`
    // set; what it computed besides (the send's outcome) it keeps in its own members.
    struct Merged
    {
        virtual ~Merged() = default;
        virtual Result<QVariant> alone(QSqlDatabase &db) = 0; // sets nothing else but its own
        std::optional<Result<QVariant>> result; // set by merge() (alone()'s is returned)
    };
    // Sets every item's `result` (an item it cannot take in one statement it runs alone()), or
    // fails as a whole (a failed statement: the batch is rolled back and tried again). An item's
    // result that is an error must mean the item changed nothing and the transaction is intact
    // (a refusal); anything else is the merge's failure.
    using Merge = std::function<Result<bool>(QSqlDatabase &db, const std::vector<Merged *> &items)>;
    void writeMerged(const void *kind, Merge merge, std::shared_ptr<Merged> item,
                     QObject *context, Done done);
    // Whether merging can happen here (PostgreSQL); elsewhere callers write as usual.
    bool mergesWrites() const;

    // Blocks until every queued write is committed (shutdown, tests).
    void flush();
    // Work a batch's jobs left for its end: `beforeCommit` runs on the writer thread inside the
    // batch's transaction, after its last job (its error rolls the whole batch back);
    // `afterBatch` runs after the commit or the rollback. Set before open().
    struct CommitHooks
    {
        std::function<Result<bool>(QSqlDatabase &db)> beforeCommit;
        std::function<void()> afterBatch;
    };
    void setCommitHooks(CommitHooks hooks) { m_hooks = std::move(hooks); }
    // Each committed batch becomes a "storage.commit" span (--otlp-endpoint). Set before open().
    void setTracer(otlp::SpanExporter *tracer) { m_tracer = tracer; }

    QSqlDatabase reader() const;
    QString path() const { return m_path; } // the SQLite file; empty on PostgreSQL
    const storage::Backend &backend() const { return *m_backend; } // while open
    QString epoch() const { return m_epoch; }
    int schemaVersion() const { return m_schemaVersion; }
    bool isWritable() const; // the writer is running and its last commit succeeded

protected:
    bool event(QEvent *e) override;

private:
    void queue(Job job, const void *kind, Merge merge, std::shared_ptr<Merged> merged,
               QObject *context, Done done);
    QString m_path;
    std::unique_ptr<DataDirLock> m_lock;
    std::unique_ptr<storage::Backend> m_backend;
    QString m_connectionPrefix;
    QString m_epoch;
    int m_schemaVersion = 0;
    Metrics *m_metrics;
    std::unique_ptr<StorageWriter> m_writer;
    CommitHooks m_hooks;
    otlp::SpanExporter *m_tracer = nullptr;
    std::atomic<bool> m_wakePosted { false };
};

// Batches being committed right now, in this process (every Database's writer counts): bulk
// disk writers (file uploads) hold their writes back while it is above 0, so a message's
// commit never waits in the disk's queue behind a file (docs/benchmarks.md, "Files").
std::atomic<int> &commitsInProgress();

// Batches committed in this process so far, and their time from taking the batch to the end of
// its commit: how fast the disk takes a message now (files/uploadgovernor.h paces uploads by it).
struct CommitClock
{
    std::atomic<quint64> commits { 0 };
    std::atomic<quint64> nanos { 0 };
};
CommitClock &commitClock();

// Helpers for prepared statements: exec with bound values, Error on failure.
Result<bool> execPrepared(QSqlQuery &query, const QVariantList &values = {});

// A statement prepared once per connection and kept: SQLite parses each SQL text once instead of
// on every use (7 statements per sent message). The cache lives on the connection's own thread;
// the statement is finished (its read snapshot released) when the CachedQuery goes out of scope.
// A statement already in use further up the stack gets a fresh, uncached query.
class CachedQuery
{
public:
    CachedQuery(const QSqlDatabase &db, const QString &sql);
    ~CachedQuery();
    CachedQuery(const CachedQuery &) = delete;
    CachedQuery &operator=(const CachedQuery &) = delete;

    QSqlQuery &operator*() { return *m_query; }
    QSqlQuery *operator->() { return m_query; }
    bool prepared() const { return m_prepared; } // false: the SQL did not compile (see lastError)

    // Drops the calling thread's statements for that connection; call before closing it.
    static void dropAll(const QString &connectionName);
    static bool anyBusy(const QString &connectionName); // one is in use on this thread

private:
    QSqlQuery *m_query;
    std::unique_ptr<QSqlQuery> m_own;
    bool *m_busy = nullptr;
    bool m_prepared = false;
};

// CachedQuery, executed with bound values.
Result<bool> execCached(CachedQuery &query, const QVariantList &values = {});

} // namespace confab::server
