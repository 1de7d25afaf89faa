#include "database.h"
#include "storage/backend.h"

#include "metrics.h"
#include "schema.h"
#include "storagewriter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QEvent>
#include <QHash>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcStorage, "confab.server.storage", QtInfoMsg)

namespace confab::server {

namespace {

const QEvent::Type kWakeWriter = QEvent::Type(QEvent::registerEventType());

Error sqlError(const QSqlQuery &q, const QString &what)
{
    // A statement that fails is a defect or an outage, never a user's mistake: worth a line.
    qCWarning(lcStorage).noquote() << what << q.lastError().text() << "in" << q.lastQuery();
    return makeError(storage::errorCodeFor(q), what + u": "_s + q.lastError().text());
}

} // namespace

std::atomic<int> &commitsInProgress()
{
    static std::atomic<int> n { 0 };
    return n;
}

CommitClock &commitClock()
{
    static CommitClock clock;
    return clock;
}

Result<bool> execPrepared(QSqlQuery &query, const QVariantList &values)
{
    for (qsizetype i = 0; i < values.size(); ++i)
        query.bindValue(int(i), values[i]);
    if (!query.exec())
        return sqlError(query, u"statement failed"_s);
    return true;
}

namespace {

struct CachedStatement
{
    QSqlQuery query;
    bool prepared = false;
    bool busy = false;
};

// connection name → SQL → statement, per thread (a connection belongs to one thread).
thread_local QHash<QString, QHash<QString, std::shared_ptr<CachedStatement>>> t_statements;

} // namespace

CachedQuery::CachedQuery(const QSqlDatabase &db, const QString &sql)
{
    auto &slot = t_statements[db.connectionName()][sql];
    if (!slot) {
        slot = std::make_shared<CachedStatement>(CachedStatement { QSqlQuery(db) });
        slot->query.setForwardOnly(true); // rows are read once: QtSql need not keep them
        slot->prepared = slot->query.prepare(sql);
    }
    if (!slot->busy && slot->prepared) {
        slot->busy = true;
        m_busy = &slot->busy;
        m_query = &slot->query;
        m_prepared = true;
        return;
    }
    m_own = std::make_unique<QSqlQuery>(db);
    m_query = m_own.get();
    m_query->setForwardOnly(true);
    m_prepared = m_query->prepare(sql);
}

CachedQuery::~CachedQuery()
{
    m_query->finish();
    if (m_busy)
        *m_busy = false;
}

bool CachedQuery::anyBusy(const QString &connectionName)
{
    const auto it = t_statements.constFind(connectionName);
    if (it == t_statements.cend())
        return false;
    for (const auto &statement : *it)
        if (statement->busy)
            return true;
    return false;
}

void CachedQuery::dropAll(const QString &connectionName)
{
    t_statements.remove(connectionName);
}

Result<bool> execCached(CachedQuery &query, const QVariantList &values)
{
    if (!query.prepared())
        return sqlError(*query, u"statement failed to prepare"_s);
    return execPrepared(*query, values);
}

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const QString &dataDir)
{
    const QByteArray path = QFile::encodeName(QDir(dataDir).filePath(u"confab.lock"_s));
    const int fd = ::open(path.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return makeError(ErrorCode::Unavailable,
                         u"cannot open %1: %2"_s.arg(QFile::decodeName(path),
                                                     QString::fromLocal8Bit(strerror(errno))));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return makeError(ErrorCode::Conflict,
                         u"%1 is in use by another process (a running confab-server, or"
                         u" confab-admin)"_s.arg(dataDir));
    }
    return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock()
{
    ::close(m_fd); // releases the lock
}

Database::Database(Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_connectionPrefix(u"confab-"_s + QUuid::createUuid().toString(QUuid::Id128))
    , m_metrics(metrics)
{
    if (m_metrics) {
        m_metrics->defineHistogram(u"confab_storage_commit_batch_size"_s,
                                   u"Write jobs per committed transaction"_s,
                                   { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 });
        m_metrics->defineCounter(u"confab_storage_commits_total"_s, u"Committed write batches"_s);
        m_metrics->defineCounter(u"confab_storage_commit_failures_total"_s,
                                 u"Write batches that failed to commit"_s);
        m_metrics->defineCounter(u"confab_storage_merged_total"_s,
                                 u"Writes committed in a batch that ran them merged, a statement"
                                 u" for many (PostgreSQL: plain messages)"_s);
        m_metrics->defineCounter(u"confab_storage_retried_batches_total"_s,
                                 u"Batches run again with a savepoint per job after a job failed"
                                 u" (PostgreSQL)"_s);
    }
}

Database::~Database()
{
    close();
}

Result<bool> Database::open(const QString &dataDir, const QString &databaseUrl)
{
    auto where = storage::Location::parse(databaseUrl, dataDir);
    if (!where)
        return where.error();
    if (!QDir().mkpath(dataDir))
        return makeError(ErrorCode::Unavailable, u"cannot create data directory %1"_s.arg(dataDir));
    auto lock = DataDirLock::acquire(dataDir);
    if (!lock)
        return lock.error();
    m_lock = std::move(lock).value();
    m_backend = storage::Backend::make(where.value());
    m_path = where->engine == storage::Location::Engine::Sqlite ? where->sqlitePath : QString();

    auto connected = m_backend->connect(m_connectionPrefix + u"-reader"_s);
    if (!connected)
        return connected.error();
    QSqlDatabase db = connected.value();
    auto version = m_backend->schemaVersion(db);
    if (!version)
        return version.error();
    const int latest = int(m_backend->migrations().size());
    if (version.value() > latest) {
        return makeError(ErrorCode::Unavailable,
                         u"%1 has schema version %2, but this confab-server knows only up to %3; "
                         u"run a newer confab-server (refusing to start)"_s
                             .arg(m_backend->location().display())
                             .arg(version.value())
                             .arg(latest));
    }
    int migrated = version.value();
    if (auto r = m_backend->migrate(db, &migrated); !r)
        return r.error();
    m_schemaVersion = migrated;

    // The epoch names this database's history; a client holding another epoch must resync.
    // Nodes sharing one PostgreSQL database share it: the first to start writes it.
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO NOTHING"_s);
    if (auto r = execPrepared(
            q, { QString::number(QRandomGenerator::system()->generate64(), 36) });
        !r)
        return r.error();
    if (!q.exec(u"SELECT value FROM meta WHERE key = 'epoch'"_s) || !q.next())
        return sqlError(q, u"cannot read epoch"_s);
    m_epoch = q.value(0).toString();

    m_writer = std::make_unique<StorageWriter>(m_backend.get(), m_connectionPrefix + u"-writer"_s,
                                               m_metrics);
    m_writer->setHooks(m_hooks);
    m_writer->setTracer(m_tracer);
    QString error;
    if (!m_writer->startAndWait(&error)) {
        m_writer.reset();
        return makeError(ErrorCode::Unavailable, u"storage writer failed: "_s + error);
    }
    qCInfo(lcStorage).noquote() << "opened" << m_backend->location().display() << "schema"
                                << m_schemaVersion;
    return true;
}

void Database::close()
{
    if (m_writer) {
        m_writer->stop();
        m_writer.reset();
    }
    const QString reader = m_connectionPrefix + u"-reader"_s;
    if (QSqlDatabase::contains(reader)) {
        CachedQuery::dropAll(reader);
        QSqlDatabase::database(reader, false).close();
        QSqlDatabase::removeDatabase(reader);
    }
    m_lock.reset();
}

void Database::write(Job job, QObject *context, Done done)
{
    queue(std::move(job), nullptr, {}, {}, context, std::move(done));
}

bool Database::mergesWrites() const
{
    return m_backend && !m_backend->preparesControl();
}

void Database::writeMerged(const void *kind, Merge merge, std::shared_ptr<Merged> merged,
                           QObject *context, Done done)
{
    Job job = [merged](QSqlDatabase &db) { return merged->alone(db); };
    queue(std::move(job), kind, std::move(merge), std::move(merged), context, std::move(done));
}

void Database::queue(Job job, const void *kind, Merge merge, std::shared_ptr<Merged> merged,
                     QObject *context, Done done)
{
    if (!m_writer) {
        QMetaObject::invokeMethod(
            this, [done] { done(makeError(ErrorCode::Unavailable, u"storage is closed"_s)); },
            Qt::QueuedConnection);
        return;
    }
    QPointer<QObject> guard(context);
    StorageWriter::Item item;
    item.job = std::move(job);
    item.kind = kind;
    item.merge = std::move(merge);
    item.merged = std::move(merged);
    // Completion hops to this object's thread first; only there is `guard` checked, so a
    // context deleted in the meantime is never touched from the writer thread.
    item.complete = [this, guard, done = std::move(done)](Result<QVariant> r) {
        QMetaObject::invokeMethod(
            this,
            [guard, done, r = std::move(r)] {
                if (guard)
                    done(r);
            },
            Qt::QueuedConnection);
    };
    m_writer->enqueue(std::move(item));
    // An idle writer starts when the writes of this event-loop pass are queued: at the start
    // of the next pass (a high-priority posted event runs before the others). Woken per write,
    // it committed each message nearly alone: 678 commits (fdatasync) a second for 2,000
    // messages under rooms of 5000 clients, 293 this way, and the CPU went to delivery.
    if (!m_wakePosted.exchange(true))
        QCoreApplication::postEvent(this, new QEvent(kWakeWriter), Qt::HighEventPriority);
}

bool Database::event(QEvent *e)
{
    if (e->type() == kWakeWriter) {
        m_wakePosted = false;
        if (m_writer)
            m_writer->wake();
        return true;
    }
    return QObject::event(e);
}

void Database::flush()
{
    if (m_writer)
        m_writer->waitUntilIdle();
    QCoreApplication::sendPostedEvents(this);
}

QSqlDatabase Database::reader() const
{
    const QString name = m_connectionPrefix + u"-reader"_s;
    QSqlDatabase db = QSqlDatabase::database(name, false);
    // After a failed statement, and only where no statement of it is in use up the stack.
    if (m_backend && storage::connectionSuspect() && !CachedQuery::anyBusy(name))
        m_backend->revive(db);
    return db;
}

bool Database::isWritable() const
{
    return m_writer && m_writer->lastCommitOk();
}

} // namespace confab::server
