#include "eventcache.h"

#include "metrics.h"

using namespace Qt::StringLiterals;

namespace confab::server {

EventCache::EventCache(Metrics *metrics, int eventsPerRoom, int maxRooms)
    : m_metrics(metrics)
    , m_eventsPerRoom(eventsPerRoom)
    , m_maxRooms(maxRooms)
{
    if (m_metrics) {
        m_metrics->defineCounter(u"confab_cache_hits_total"_s,
                                 u"Cache lookups answered from memory"_s, { u"kind"_s });
        m_metrics->defineCounter(u"confab_cache_misses_total"_s,
                                 u"Cache lookups that went to the database"_s, { u"kind"_s });
    }
}

void EventCache::count(bool hit, const QString &kind)
{
    ++(hit ? m_hits : m_misses);
    if (m_metrics)
        m_metrics->inc(hit ? u"confab_cache_hits_total"_s : u"confab_cache_misses_total"_s,
                       { kind });
}

void EventCache::touch(qint64 roomId)
{
    if (auto it = m_lruPos.find(roomId); it != m_lruPos.end())
        m_lru.erase(*it);
    m_lru.push_front(roomId);
    m_lruPos.insert(roomId, m_lru.begin());
    while (int(m_lru.size()) > m_maxRooms) {
        const qint64 victim = m_lru.back();
        m_lru.pop_back();
        m_lruPos.remove(victim);
        m_logs.remove(victim);
        m_rooms.remove(victim);
    }
}

EventCache::RoomLog *EventCache::log(qint64 roomId)
{
    auto it = m_logs.find(roomId);
    return it == m_logs.end() ? nullptr : &*it;
}

void EventCache::redact(RoomEvent &c, qint64 target)
{
    if (c.id == target && c.type == EventType::Message) {
        c.content = QJsonObject { { u"redacted"_s, true } };
    } else if (c.type == EventType::Edit && c.targetId() == target) {
        c.content = QJsonObject { { u"targetId"_s, target }, { u"redacted"_s, true } };
    } else if (c.type == EventType::Message
               && c.content.value(u"replyTo"_s).toInteger() == target) {
        // A reply's preview of it goes too (docs/protocol.md, "Replies").
        QJsonObject preview = c.content.value(u"replyPreview"_s).toObject();
        preview.remove(u"body"_s);
        preview.insert(u"redacted"_s, true);
        c.content.insert(u"replyPreview"_s, preview);
    }
}

void EventCache::apply(const QList<RoomEvent> &events)
{
    for (const RoomEvent &e : events) {
        RoomLog &l = m_logs[e.roomId];
        touch(e.roomId);
        if (!l.events.empty() && e.seq >= l.events.front().seq && e.seq <= l.events.back().seq)
            continue; // held already: the run came from the cluster's cache (seed) before it
        if (!l.events.empty() && l.events.back().seq + 1 != e.seq)
            l.events.clear(); // would leave a gap: restart the run here
        l.events.push_back(e);
        while (int(l.events.size()) > m_eventsPerRoom)
            l.events.pop_front();

        if (e.type == EventType::Delete) {
            for (RoomEvent &c : l.events)
                redact(c, e.targetId());
        }
        // Metadata: lastSeq moves with every event; anything else about the room is re-read.
        auto room = m_rooms.find(e.roomId);
        if (room != m_rooms.end()) {
            if (e.type == EventType::Message || e.type == EventType::Edit
                || e.type == EventType::Delete)
                room->lastSeq = e.seq;
            else
                m_rooms.erase(room);
        }
        if (e.type == EventType::RoomDelete) {
            m_logs.remove(e.roomId);
            m_rooms.remove(e.roomId);
        }
    }
}

void EventCache::setShared(SharedEvents *shared)
{
    m_shared = shared;
    if (m_metrics && shared) {
        m_metrics->defineCounter(u"confab_shared_cache_hits_total"_s,
                                 u"Lookups this node's cache missed and the cluster's (Redis) answered"_s,
                                 { u"kind"_s });
        m_metrics->defineCounter(u"confab_shared_cache_misses_total"_s,
                                 u"Lookups neither this node's cache nor the cluster's could answer"_s,
                                 { u"kind"_s });
    }
}

std::optional<QList<RoomEvent>> EventCache::fromShared(qint64 roomId, qint64 fromSeq,
                                                       qint64 toSeq, qint64 newestSeq,
                                                       const QString &kind)
{
    if (!m_shared || newestSeq < toSeq || fromSeq > toSeq)
        return std::nullopt;
    // The whole run up to the newest seq: a delete later than toSeq redacts what is asked.
    auto run = m_shared->run(roomId, fromSeq, newestSeq);
    if (m_metrics)
        m_metrics->inc(run ? u"confab_shared_cache_hits_total"_s
                           : u"confab_shared_cache_misses_total"_s,
                       { kind });
    if (!run)
        return std::nullopt;
    seed(roomId, *run);
    run->resize(toSeq - fromSeq + 1);
    return run;
}

void EventCache::seed(qint64 roomId, const QList<RoomEvent> &run)
{
    if (run.isEmpty())
        return;
    RoomLog &l = m_logs[roomId];
    touch(roomId);
    // What this node holds is never newer than the run (it ends at the newest seq storage had).
    // Older events of its own that adjoin it stay, with the run's deletes applied to them.
    const qint64 first = run.first().seq;
    if (!l.events.empty() && l.events.front().seq < first && l.events.back().seq + 1 >= first) {
        while (l.events.back().seq >= first)
            l.events.pop_back();
        for (const RoomEvent &e : run) {
            if (e.type == EventType::Delete) {
                for (RoomEvent &c : l.events)
                    redact(c, e.targetId());
            }
        }
    } else {
        l.events.clear();
    }
    l.events.insert(l.events.end(), run.begin(), run.end());
    while (int(l.events.size()) > m_eventsPerRoom)
        l.events.pop_front();
}

std::optional<QList<RoomEvent>> EventCache::range(qint64 roomId, qint64 afterSeq, qint64 toSeq,
                                                  qint64 newestSeq)
{
    RoomLog *l = log(roomId);
    if (toSeq <= afterSeq) {
        count(true, u"range"_s);
        return QList<RoomEvent> {};
    }
    if (!l || l->events.empty() || l->events.front().seq > afterSeq + 1
        || l->events.back().seq < toSeq) {
        count(false, u"range"_s);
        return fromShared(roomId, afterSeq + 1, toSeq, newestSeq, u"range"_s);
    }
    touch(roomId);
    QList<RoomEvent> out;
    const qint64 first = l->events.front().seq;
    for (qint64 seq = afterSeq + 1; seq <= toSeq; ++seq)
        out.append(l->events[size_t(seq - first)]);
    count(true, u"range"_s);
    return out;
}

std::optional<QList<RoomEvent>> EventCache::before(qint64 roomId, qint64 beforeSeq, int limit,
                                                   bool *hasMore, qint64 newestSeq)
{
    RoomLog *l = log(roomId);
    const qint64 upper = beforeSeq - 1; // newest seq wanted
    const qint64 lower = qMax<qint64>(1, upper - limit + 1);
    // Exact only when the cached run covers [lower, upper] entirely.
    if (!l || l->events.empty() || upper > l->events.back().seq || lower < l->events.front().seq
        || upper < lower) {
        count(false, u"page"_s);
        if (upper < lower)
            return std::nullopt;
        auto shared = fromShared(roomId, lower, upper, newestSeq, u"page"_s);
        if (shared)
            *hasMore = lower > 1;
        return shared;
    }
    const qint64 first = l->events.front().seq;
    touch(roomId);
    QList<RoomEvent> out;
    for (qint64 seq = lower; seq <= upper; ++seq)
        out.append(l->events[size_t(seq - first)]);
    *hasMore = lower > 1;
    count(true, u"page"_s);
    return out;
}

std::optional<Room> EventCache::room(qint64 roomId)
{
    const auto it = m_rooms.constFind(roomId);
    if (it == m_rooms.constEnd() || m_roomsElsewhere) {
        count(false, u"room"_s);
        return std::nullopt;
    }
    count(true, u"room"_s);
    return *it;
}

void EventCache::putRoom(const Room &room)
{
    if (m_roomsElsewhere)
        return;
    m_rooms.insert(room.id, room);
    touch(room.id);
}

} // namespace confab::server
