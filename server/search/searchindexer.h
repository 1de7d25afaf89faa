// SearchIndexer: decides when the full-text index (messagesearch) follows the log.
//
// Nothing on the send path touches the index: FTS5 costs about 4 µs a message plus a segment
// per transaction, and in a burst that is CPU the messages need (measured: with an index write
// in every send, ingest fell from 34,000 to 19,000 msgs/s; indexed 50 ms later, to 29,500).
// The index catches up in one write job per 5,000 events instead:
//  - when the server is quiet (no message, edit or delete for 200 ms);
//  - when 100,000 events are pending, whatever the load (so the backlog, and the time a search
//    may wait for it, stay bounded under sustained load);
//  - before every search (whenCurrent): a search sees everything acknowledged before it, and
//    never text that was deleted or replaced by an edit before it.
// The high-water mark is committed with the rows it covers: after a crash the index resumes
// where it stopped (start()).
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <functional>

namespace confab::server {

class Database;

class SearchIndexer : public QObject
{
    Q_OBJECT
public:
    explicit SearchIndexer(Database *database, QObject *parent = nullptr);

    // After Database::open(): catches up with what a crash left (main thread).
    void start();
    // A message, edit or delete with this event id was committed (main thread).
    void textChanged(qint64 eventId);
    // Calls `then(true)` (unless `context` is gone) once every event committed so far is
    // applied; `then(false)` when the index could not be brought up to date (a storage error):
    // the caller answers an error rather than search a stale index.
    void whenCurrent(QObject *context, std::function<void(bool current)> then);

    static constexpr int EventsPerJob = 5000;
    static constexpr qint64 MaxBacklog = 100000;
    static constexpr int QuietMs = 200;

private:
    void tick();
    void catchUp();
    Database *m_database;
    QTimer m_tick;
    QElapsedTimer m_sinceChange;
    qint64 m_committed = 0; // newest such event id committed
    qint64 m_indexed = 0; // the index has applied every event up to this
    bool m_running = false;
    QList<std::function<void(bool)>> m_waiting;
};

} // namespace confab::server
