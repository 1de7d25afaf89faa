// EventCache: recent events per room and room metadata, in memory, bounded.
//
// Fed from the EventBus in commit order, so it holds each room's newest events as a contiguous
// run of seqs (a run that would get a gap is restarted). History pages and resume replays are
// served from it when it covers the requested range; otherwise the caller reads the database.
// It stays exact under deletes: a delete redacts the cached message and its edits, as the
// database does. Hits and misses are counted per kind.
//
// In the multi-node mode a second tier stands behind it (SharedEvents: the recent events Redis
// holds for the whole cluster, cluster/sharedcache.h): what this node's run cannot answer is
// asked there before the database, with the room's newest seq as storage knows it, so that
// the shared run answers only when it reaches that seq and every delete up to it is applied.
// What it answers becomes this node's run for the room (the local tier in front of the shared
// one; events the node's sequencer delivers afterwards extend it as usual).
#pragma once

#include "types.h"

#include <QHash>
#include <QList>

#include <deque>
#include <list>
#include <optional>

namespace confab::server {

class Metrics;

// Events seq fromSeq..toSeq of a room, all of them and exact (every delete up to toSeq
// applied), or nullopt.
class SharedEvents
{
public:
    virtual ~SharedEvents() = default;
    virtual std::optional<QList<RoomEvent>> run(qint64 roomId, qint64 fromSeq, qint64 toSeq) = 0;
    // Events read from storage after a miss, offered back (exact as storage said them).
    virtual void repair(const QList<RoomEvent> &events) { Q_UNUSED(events); }
};

class EventCache
{
public:
    EventCache(Metrics *metrics, int eventsPerRoom = 256, int maxRooms = 512);

    // Applies committed events (in commit order).
    void apply(const QList<RoomEvent> &events);

    // Events with afterSeq < seq <= toSeq if the cache holds all of them, else nullopt (a miss).
    // `newestSeq`, the room's newest seq as storage said it just now, lets the shared tier
    // answer what this one cannot (0: this tier only).
    std::optional<QList<RoomEvent>> range(qint64 roomId, qint64 afterSeq, qint64 toSeq,
                                          qint64 newestSeq = 0);
    // The newest `limit` events below `beforeSeq`, oldest first, and whether older ones exist;
    // nullopt when the cache cannot answer exactly.
    std::optional<QList<RoomEvent>> before(qint64 roomId, qint64 beforeSeq, int limit,
                                           bool *hasMore, qint64 newestSeq = 0);
    // The tier behind this one (not owned); counted as confab_shared_cache_{hits,misses}_total.
    void setShared(SharedEvents *shared);
    // What the caller read from storage after this cache (and the shared one) missed.
    void readFromStorage(const QList<RoomEvent> &events)
    {
        if (m_shared)
            m_shared->repair(events);
    }

    // What deleting event `target` does to event `c` of its room (a no-op for most): the
    // message itself and its edits lose their content, a reply's preview of it its body. As
    // the database does it (messageservice.cpp).
    static void redact(RoomEvent &c, qint64 target);

    // Room metadata; put() after a database read, invalidated by the room's own events.
    std::optional<Room> room(qint64 roomId);
    void putRoom(const Room &room);
    // Multi-node mode: other nodes write the rooms too, and this node hears of it a moment
    // later (or, with Redis away, up to a poll later). A room's metadata (its lastSeq above
    // all) is then read from storage every time, so that a page says exactly what is there;
    // the event runs stay, contiguous, and answer what they cover.
    void setRoomsWrittenElsewhere(bool elsewhere) { m_roomsElsewhere = elsewhere; }

    qint64 hits() const { return m_hits; }
    qint64 misses() const { return m_misses; }

private:
    struct RoomLog
    {
        std::deque<RoomEvent> events; // contiguous seqs, ascending
    };
    void touch(qint64 roomId);
    void count(bool hit, const QString &kind);
    // A run the shared tier answered (exact up to the room's newest seq) becomes this room's run
    // here, so that the next page is answered from memory.
    void seed(qint64 roomId, const QList<RoomEvent> &run);
    std::optional<QList<RoomEvent>> fromShared(qint64 roomId, qint64 fromSeq, qint64 toSeq,
                                               qint64 newestSeq, const QString &kind);
    RoomLog *log(qint64 roomId);

    Metrics *m_metrics;
    int m_eventsPerRoom;
    int m_maxRooms;
    QHash<qint64, RoomLog> m_logs;
    std::list<qint64> m_lru; // most recently used first
    QHash<qint64, std::list<qint64>::iterator> m_lruPos;
    QHash<qint64, Room> m_rooms;
    qint64 m_hits = 0;
    qint64 m_misses = 0;
    bool m_roomsElsewhere = false; // setRoomsWrittenElsewhere
    SharedEvents *m_shared = nullptr;
};

} // namespace confab::server
