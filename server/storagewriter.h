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
    };

    StorageWriter(QString path, QString connectionName, Metrics *metrics);
    ~StorageWriter() override;

    // Returns false when the connection could not be opened (the thread is not running then).
    bool startAndWait(QString *error);
    // Queues an item; without `wake`, an idle writer starts on it only at wake() (the caller
    // gathers what one event-loop pass queued into one commit).
    void enqueue(Item item, bool wake = true);
    void wake();
    void waitUntilIdle();
    void stop();
    bool lastCommitOk() const;

protected:
    void run() override;

private:
    void runBatch(QSqlDatabase &db, std::deque<Item> &batch);

    QString m_path;
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
    static constexpr size_t kMaxBatch = 512;
};

} // namespace confab::server
