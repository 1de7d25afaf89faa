// RoomSequencer: turns room events from any transport (WebSocket, SSE, REST) into one stream,
// in seq order per room, each event once.
//
// Per room it keeps a cursor (the newest seq delivered). An event at or below the cursor is a
// duplicate and dropped; the next one is delivered; one further ahead reveals a gap, which is
// fetched over REST before the held event is delivered. Shared by the transports, so switching
// between them (WebSocket ↔ SSE) can neither skip nor repeat an event.
#pragma once

#include "types.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <map>

namespace confab::client {

class ApiClient;

class RoomSequencer : public QObject
{
    Q_OBJECT
public:
    explicit RoomSequencer(ApiClient *api, QObject *parent = nullptr);

    // Offers an event; it is delivered (eventReady) now, later (after a gap fill) or never (dup).
    void accept(const RoomEvent &event);

    bool knows(qint64 roomId) const { return m_cursors.contains(roomId); }
    qint64 cursor(qint64 roomId) const { return m_cursors.value(roomId); }
    void setCursor(qint64 roomId, qint64 lastSeq) { m_cursors[roomId] = lastSeq; }
    QHash<qint64, qint64> cursors() const { return m_cursors; }
    void forget(qint64 roomId);
    void clear();
    // The largest event id delivered so far (SSE's Last-Event-ID).
    qint64 lastEventId() const { return m_lastEventId; }

signals:
    void eventReady(const confab::RoomEvent &event);

private:
    void deliverInOrder(qint64 roomId);
    void fillGap(qint64 roomId);

    ApiClient *m_api;
    QHash<qint64, qint64> m_cursors;
    QHash<qint64, std::map<qint64, RoomEvent>> m_held;
    QSet<qint64> m_filling;
    qint64 m_lastEventId = 0;
};

} // namespace confab::client
