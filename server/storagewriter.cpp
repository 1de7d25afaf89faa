#include "storagewriter.h"

#include "otlp/spanexporter.h"

#include "metrics.h"
#include "storage/backend.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <optional>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

namespace confab::server {

StorageWriter::StorageWriter(const storage::Backend *backend, QString connectionName,
                             Metrics *metrics)
    : m_backend(backend)
    , m_connectionName(std::move(connectionName))
    , m_metrics(metrics)
{
    setObjectName(u"confab-storage-writer"_s);
}

StorageWriter::~StorageWriter()
{
    stop();
}

bool StorageWriter::startAndWait(QString *error)
{
    QMutexLocker lock(&m_mutex);
    start();
    while (!m_ready && m_openError.isEmpty())
        m_started.wait(&m_mutex);
    if (!m_openError.isEmpty()) {
        *error = m_openError;
        lock.unlock();
        wait();
        return false;
    }
    return true;
}

void StorageWriter::enqueue(Item item)
{
    QMutexLocker lock(&m_mutex);
    m_queue.push_back(std::move(item));
}

void StorageWriter::wake()
{
    QMutexLocker lock(&m_mutex);
    m_wake.wakeOne();
}

void StorageWriter::waitUntilIdle()
{
    QMutexLocker lock(&m_mutex);
    m_wake.wakeOne(); // whatever waits for a wake() that has not come yet
    while (m_ready && (!m_queue.empty() || m_inFlight > 0))
        m_idle.wait(&m_mutex);
}

void StorageWriter::stop()
{
    {
        QMutexLocker lock(&m_mutex);
        m_stopping = true;
        m_wake.wakeAll();
    }
    wait();
}

bool StorageWriter::lastCommitOk() const
{
    QMutexLocker lock(&m_mutex);
    return m_ready && m_lastCommitOk;
}

void StorageWriter::run()
{
    {
        auto connected = m_backend->connect(m_connectionName);
        const bool ok = connected.ok();
        QSqlDatabase db = ok ? connected.value() : QSqlDatabase();
        {
            QMutexLocker lock(&m_mutex);
            if (!ok)
                m_openError = connected.error().message;
            else
                m_ready = true;
            m_started.wakeAll();
        }
        if (ok) {
            std::deque<Item> batch;
            for (;;) {
                {
                    QMutexLocker lock(&m_mutex);
                    while (m_queue.empty() && !m_stopping)
                        m_wake.wait(&m_mutex);
                    if (m_queue.empty() && m_stopping)
                        break;
                    // Take what has queued up, up to a bound: under load batches grow by
                    // themselves while the previous commit's fsync is running.
                    while (!m_queue.empty() && batch.size() < kMaxBatch) {
                        batch.push_back(std::move(m_queue.front()));
                        m_queue.pop_front();
                    }
                    m_inFlight = int(batch.size());
                }
                // After a failure: the connection may be gone (PostgreSQL restarted); a batch
                // that cannot reach it fails as unavailable, and the next one tries again.
                if (storage::connectionSuspect())
                    m_backend->revive(db);
                ++commitsInProgress();
                QElapsedTimer took;
                took.start();
                runBatch(db, batch);
                CommitClock &clock = commitClock();
                clock.nanos.fetch_add(quint64(took.nsecsElapsed()), std::memory_order_relaxed);
                clock.commits.fetch_add(1, std::memory_order_release);
                --commitsInProgress();
                batch.clear();
                QMutexLocker lock(&m_mutex);
                m_inFlight = 0;
                if (m_queue.empty())
                    m_idle.wakeAll();
            }
        }
        CachedQuery::dropAll(m_connectionName);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    QMutexLocker lock(&m_mutex);
    m_ready = false;
    m_idle.wakeAll();
}

namespace {

class Control
{
public:
    Control(QSqlDatabase &db, const QString &sql, bool prepare) : m_sql(sql)
    {
        if (prepare)
            m_cached.emplace(db, sql);
        else
            m_plain.emplace(db);
    }
    Result<bool> exec()
    {
        if (m_cached)
            return execCached(*m_cached);
        if (!m_plain->exec(m_sql))
            return makeError(storage::errorCodeFor(*m_plain),
                             m_sql + u" failed: "_s + m_plain->lastError().text());
        return true;
    }

private:
    QString m_sql;
    std::optional<CachedQuery> m_cached;
    std::optional<QSqlQuery> m_plain;
};

} // namespace

void StorageWriter::runBatch(QSqlDatabase &db, std::deque<Item> &batch)
{
    // SQLite: prepared once, reused for every batch and job (BEGIN IMMEDIATE takes the write
    // lock up front, no deadlock upgrading a read lock). PostgreSQL prepares no transaction
    // control: there they go as text.
    const bool prepare = m_backend->preparesControl();
    Control begin(db, m_backend->beginWrite(), prepare);
    Control savepoint(db, u"SAVEPOINT job"_s, prepare);
    Control rollbackTo(db, u"ROLLBACK TO job"_s, prepare);
    Control release(db, u"RELEASE job"_s, prepare);
    Control commit(db, u"COMMIT"_s, prepare);
    std::vector<Result<QVariant>> results;
    results.reserve(batch.size());
    const qint64 startNs = m_tracer ? otlp::nowNs() : 0;
    // PostgreSQL, where every statement is a round trip: the control statements between two
    // jobs go as one text ("RELEASE job; SAVEPOINT job"), one round trip instead of two.
    QSqlQuery chained(db);
    const auto chain = [&](const QString &sql) -> Result<bool> {
        if (!chained.exec(sql))
            return makeError(storage::errorCodeFor(chained),
                             sql + u" failed: "_s + chained.lastError().text());
        return true;
    };
    Result<bool> step = true;
    // The batch's end: its hook, COMMIT; the whole of it rolled back if either fails.
    const auto finish = [&] {
        if (step && m_hooks.beforeCommit)
            step = m_hooks.beforeCommit(db);
        if (step)
            step = commit.exec();
        if (!step)
            QSqlQuery(db).exec(u"ROLLBACK"_s);
        return step.ok();
    };
    // PostgreSQL first tries the batch without savepoints (a round trip less per job): if every
    // job succeeds it commits as it is; if one fails, all of it is rolled back and run again with
    // a savepoint per job, where a failing job is undone alone. Jobs touch nothing but the
    // database (and what afterBatch forgets), so running one twice is running it once.
    bool ok = false;
    bool settled = false; // the optimistic attempt decided the batch: committed, or failed
    if (!prepare) {
        step = chain(m_backend->beginWrite());
        bool jobsOk = step.ok();
        // Consecutive items of one merged kind go to their merge() together (one statement for
        // many: Database::writeMerged), before the next job: the order stays the queue's.
        std::vector<size_t> run;
        size_t merged = 0; // items handed to a merge()
        const auto flushRun = [&] {
            if (run.empty() || !jobsOk)
                return;
            std::vector<Database::Merged *> items;
            items.reserve(run.size());
            for (size_t i : run)
                items.push_back(batch[i].merged.get());
            Result<bool> together = batch[run.front()].merge(db, items);
            merged += items.size();
            for (size_t i : run) {
                Database::Merged *m = batch[i].merged.get();
                if (!together || !m->result) {
                    jobsOk = false; // its statement failed: try again, one by one
                    break;
                }
                results.push_back(*m->result); // (an error here changed nothing: Merge's word)
            }
            run.clear();
        };
        for (size_t i = 0; jobsOk && i < batch.size(); ++i) {
            if (batch[i].kind) {
                if (!run.empty() && batch[run.front()].kind != batch[i].kind)
                    flushRun();
                run.push_back(i);
                continue;
            }
            flushRun();
            if (!jobsOk)
                break;
            Result<QVariant> r = batch[i].job(db);
            jobsOk = r.ok();
            results.push_back(std::move(r));
        }
        flushRun();
        if (jobsOk) {
            // Past the jobs, a failure is the batch's, as below (never run twice: a commit that
            // failed may have happened).
            settled = true;
            ok = finish();
            if (ok && m_metrics && merged > 0)
                m_metrics->inc(u"confab_storage_merged_total"_s, {}, double(merged));
        } else if (step) {
            QSqlQuery(db).exec(u"ROLLBACK"_s);
            if (m_hooks.afterBatch)
                m_hooks.afterBatch();
            results.clear();
            if (m_metrics)
                m_metrics->inc(u"confab_storage_retried_batches_total"_s);
        } else {
            settled = true; // BEGIN itself failed
        }
    }
    if (!settled) {
        step = prepare ? begin.exec() : chain(m_backend->beginWrite() + u"; SAVEPOINT job"_s);
        ok = step.ok();
    }
    if (ok && !settled) {
        // Each job in its own savepoint: a failing job is undone alone. If the savepoints
        // themselves fail, nothing in the batch can be trusted and all of it is rolled back.
        for (size_t i = 0; i < batch.size(); ++i) {
            if (prepare && !(step = savepoint.exec()))
                break;
            Result<QVariant> r = batch[i].job(db);
            if (prepare) {
                if (!r.ok() && !(step = rollbackTo.exec()))
                    break;
                if (!(step = release.exec()))
                    break;
            } else {
                QString next = r.ok() ? u"RELEASE job"_s : u"ROLLBACK TO job; RELEASE job"_s;
                if (i + 1 < batch.size())
                    next += u"; SAVEPOINT job"_s;
                if (!(step = chain(next)))
                    break;
            }
            results.push_back(std::move(r));
        }
        ok = finish();
    }
    if (m_hooks.afterBatch)
        m_hooks.afterBatch();
    const QString error = ok ? QString() : step.error().message;
    if (!ok)
        qCCritical(lcStorage) << "commit failed:" << error;
    {
        QMutexLocker lock(&m_mutex);
        m_lastCommitOk = ok;
    }
    if (m_tracer) {
        // A trace of its own: one batch commits the jobs of many senders.
        otlp::Span span = otlp::Span::of(otlp::TraceContext::newRoot(), {}, u"storage.commit"_s,
                                         otlp::SpanKind::Internal, startNs);
        span.endNs = otlp::nowNs();
        span.attributes = { { u"db.system"_s, m_backend->system() },
                            { u"confab.batch.jobs"_s, qint64(batch.size()) } };
        if (!ok) {
            span.error = true;
            span.statusMessage = error;
        }
        m_tracer->record(std::move(span));
    }
    if (m_metrics) {
        m_metrics->observe(u"confab_storage_commit_batch_size"_s, double(batch.size()));
        m_metrics->inc(ok ? u"confab_storage_commits_total"_s
                          : u"confab_storage_commit_failures_total"_s);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
        if (ok)
            batch[i].complete(std::move(results[i]));
        else
            batch[i].complete(makeError(ErrorCode::Unavailable, u"storage commit failed"_s));
    }
}

} // namespace confab::server
