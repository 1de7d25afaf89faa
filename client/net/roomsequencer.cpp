#include "roomsequencer.h"

#include "apiclient.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>

Q_LOGGING_CATEGORY(lcSequencer, "confab.client.sequencer", QtInfoMsg)

namespace confab::client {

RoomSequencer::RoomSequencer(ApiClient *api, QObject *parent)
    : QObject(parent)
    , m_api(api)
{
}

void RoomSequencer::forget(qint64 roomId)
{
    m_cursors.remove(roomId);
    m_held.remove(roomId);
}

void RoomSequencer::clear()
{
    m_cursors.clear();
    m_held.clear();
}

void RoomSequencer::accept(const RoomEvent &event)
{
    const qint64 room = event.roomId;
    if (!m_cursors.contains(room)) {
        // A room we did not know (just joined, or reset): its first event is the baseline.
        m_cursors.insert(room, event.seq - 1);
    }
    const qint64 cursor = m_cursors.value(room);
    if (event.seq <= cursor)
        return; // already delivered
    m_held[room].emplace(event.seq, event);
    if (event.seq == cursor + 1)
        deliverInOrder(room);
    else
        fillGap(room);
}

void RoomSequencer::deliverInOrder(qint64 roomId)
{
    auto held = m_held.find(roomId);
    if (held == m_held.end())
        return;
    qint64 &cursor = m_cursors[roomId];
    while (!held->empty()) {
        auto first = held->begin();
        if (first->first <= cursor) {
            held->erase(first);
            continue;
        }
        if (first->first != cursor + 1)
            break;
        const RoomEvent event = first->second;
        held->erase(first);
        cursor = event.seq;
        m_lastEventId = qMax(m_lastEventId, event.id);
        emit eventReady(event);
    }
    if (held->empty())
        m_held.erase(held);
}

void RoomSequencer::fillGap(qint64 roomId)
{
    if (m_filling.contains(roomId) || !m_api)
        return;
    m_filling.insert(roomId);
    const qint64 after = m_cursors.value(roomId);
    qCInfo(lcSequencer) << "room" << roomId << "has a gap after seq" << after << ": fetching it";
    QPointer<RoomSequencer> self(this);
    m_api->events(roomId, after, {}, 200, [this, self, roomId](Result<EventPage> page) {
        if (!self)
            return;
        m_filling.remove(roomId);
        if (page) {
            for (const RoomEvent &e : page->events) {
                if (e.seq > m_cursors.value(roomId))
                    m_held[roomId].emplace(e.seq, e);
            }
            deliverInOrder(roomId);
        }
        const auto held = m_held.constFind(roomId);
        if (held != m_held.constEnd() && !held->empty()
            && held->begin()->first > m_cursors.value(roomId) + 1)
            QTimer::singleShot(page ? 0 : 1000, this, [this, roomId] { fillGap(roomId); });
    });
}

} // namespace confab::client
