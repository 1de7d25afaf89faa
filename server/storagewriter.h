// StorageWriter: the single writer thread of Database (see database.h). Internal to storage.
#pragma once

#include "database.h"

#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <deque>

namespace confab::server {

class StorageWriter : public QThread
{
public:
    struct Item
    {
        Database::Job job;
        std::function<void(Result<QVariant>)> complete; // called on the writer thread
        // Database::writeMerged: what the optimistic try hands to `merge` (job runs it alone)
        const void *kind = nullptr;
        Database::Merge merge;
        std::shared_ptr<Database::Merged> merged;
    };

    StorageWriter(const storage::Backend *backend, QString connectionName, Metrics *metrics);
    ~StorageWriter() override;

    // Returns false when the connection could not be opened (the thread is not running then).
    bool startAndWait(QString *error);
    // Queues an item. An idle writer starts only at wake() (Database calls it once per
    // event-loop pass, so what one pass queued shares a commit); a busy one takes what has
    // queued when its commit is done.
    void enqueue(Item item);
    void wake();
    void waitUntilIdle();
    void stop();
    bool lastCommitOk() const;
    void setHooks(Database::CommitHooks hooks) { m_hooks = std::move(hooks); } // before start
    void setTracer(otlp::SpanExporter *tracer) { m_tracer = tracer; } // before start

protected:
    void run() override;

private:
    void runBatch(QSqlDatabase &db, std::deque<Item> &batch);

    const storage::Backend *m_backend;
    QString m_connectionName;
    Metrics *m_metrics;
    mutable QMutex m_mutex;
    QWaitCondition m_wake;
    QWaitCondition m_idle;
    QWaitCondition m_started;
    std::deque<Item> m_queue;
    int m_inFlight = 0;
    bool m_stopping = false;
    bool m_ready = false;
    bool m_lastCommitOk = true;
    QString m_openError;
    Database::CommitHooks m_hooks;
    otlp::SpanExporter *m_tracer = nullptr;
    static constexpr size_t kMaxBatch = 512;
};

} // namespace confab::server
