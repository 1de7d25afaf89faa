#include "searchindexer.h"

#include "database.h"
#include "messagesearch.h"

#include <QPointer>

using namespace std::chrono_literals;

namespace confab::server {

SearchIndexer::SearchIndexer(Database *database, QObject *parent)
    : QObject(parent)
    , m_database(database)
{
    m_tick.setInterval(100ms);
    connect(&m_tick, &QTimer::timeout, this, &SearchIndexer::tick);
    m_sinceChange.start();
}

void SearchIndexer::start()
{
    catchUp();
}

void SearchIndexer::textChanged(qint64 eventId)
{
    // Per message: two compares and a clock read, no timer restart.
    m_committed = qMax(m_committed, eventId);
    m_sinceChange.restart();
    if (m_committed - m_indexed >= MaxBacklog && !m_running)
        catchUp();
    else if (!m_tick.isActive())
        m_tick.start();
}

void SearchIndexer::tick()
{
    if (m_running)
        return;
    if (m_indexed >= m_committed) {
        m_tick.stop();
        return;
    }
    if (m_sinceChange.elapsed() >= QuietMs)
        catchUp();
}

void SearchIndexer::whenCurrent(QObject *context, std::function<void(bool)> then)
{
    if (m_indexed >= m_committed && !m_running && m_waiting.isEmpty()) {
        then(true);
        return;
    }
    QPointer<QObject> guard(context);
    m_waiting.append([guard, then = std::move(then)](bool current) {
        if (guard)
            then(current);
    });
    if (!m_running)
        catchUp();
}

void SearchIndexer::catchUp()
{
    m_running = true;
    m_database->writeTyped<messagesearch::Progress>(
        [](QSqlDatabase &db) { return messagesearch::catchUp(db, EventsPerJob); }, this,
        [this](Result<messagesearch::Progress> r) {
            m_running = false;
            if (!r) {
                // Nobody waits on a failing index: they get an error now; the tick tries again.
                for (const auto &w : std::exchange(m_waiting, {}))
                    w(false);
                if (!m_tick.isActive())
                    m_tick.start();
                return;
            }
            m_indexed = qMax(m_indexed, r->indexedThrough);
            m_committed = qMax(m_committed, r->indexedThrough);
            const bool behind = r->more || m_indexed < m_committed;
            // Someone waits, or the backlog is still too long: go on at once. Else the tick
            // decides.
            if (behind && (!m_waiting.isEmpty() || m_committed - m_indexed >= MaxBacklog / 2))
                return catchUp();
            if (behind) {
                if (!m_tick.isActive())
                    m_tick.start();
                return;
            }
            for (const auto &w : std::exchange(m_waiting, {}))
                w(true);
        });
}

} // namespace confab::server
