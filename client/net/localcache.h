// LocalCache: what the client knows, on disk per account (SQLite), so it opens instantly with
// the last known state and reads history while the server is away:
//  - rooms, members, and the newest `historyPerRoom` events of each room (edits and deletes
//    applied: a deleted message is redacted here too);
//  - the per-room cursors and the server epoch, so a restarted client resumes exactly where it
//    stopped instead of from "now".
// Everything read from it is stale until the caller marks fresh data (markFresh); hits and
// misses are counted for the diagnostics.
#pragma once

#include "requests.h"
#include "types.h"

#include <QHash>
#include <QObject>

#include <optional>

namespace confab::client {

class LocalCache : public QObject
{
    Q_OBJECT
public:
    explicit LocalCache(QString path, int historyPerRoom = 500, QObject *parent = nullptr);
    ~LocalCache() override;

    Result<bool> open();

    void putRooms(const QList<Room> &rooms);
    std::optional<QList<Room>> rooms();
    void putMembers(qint64 roomId, const QList<Member> &members);
    std::optional<QList<Member>> members(qint64 roomId);

    // Applies a delivered event: stored (once), edits/deletes applied, the cursor advanced.
    void applyEvent(const RoomEvent &event);
    // A page of history read over REST (the newest events of a room): kept for offline reading.
    // Cursors do not move: only delivered events advance them.
    void putHistory(qint64 roomId, const QList<RoomEvent> &events);
    // The newest `limit` cached events of a room, oldest first (nullopt: nothing cached).
    std::optional<QList<RoomEvent>> history(qint64 roomId, int limit);

    // Offline search over the cached messages (their current text), newest first; `roomId` 0:
    // every cached room. The same query rules as the server's (searchtext.h).
    Result<SearchResults> search(const QString &typed, qint64 roomId, qint64 before,
                                 int limit) const;

    QHash<qint64, qint64> cursors() const;
    // Read markers this device set that the server has not acknowledged yet (roomId → seq):
    // on disk, so that what was read offline reaches the server after a restart too.
    QHash<qint64, qint64> unsentReads() const;
    void putUnsentRead(qint64 roomId, qint64 seq);
    void dropUnsentRead(qint64 roomId, qint64 uptoSeq); // acknowledged up to uptoSeq
    // Reactions the user added or took back that the server has not confirmed: the newest
    // intent per (message, key), oldest first.
    struct UnsentReaction
    {
        qint64 roomId = 0;
        qint64 eventId = 0;
        QString key;
        bool add = true;
        friend bool operator==(const UnsentReaction &, const UnsentReaction &) = default;
    };
    QList<UnsentReaction> unsentReactions() const;
    void putUnsentReaction(const UnsentReaction &r);
    void dropUnsentReaction(const UnsentReaction &r); // only if it is still the intent
    QString epoch() const;
    void setEpoch(const QString &epoch);
    void forgetRoom(qint64 roomId);
    void clear(); // the server's history was replaced

    bool isStale() const { return m_stale; }
    void markFresh() { m_stale = false; }
    qint64 hits() const { return m_hits; }
    qint64 misses() const { return m_misses; }

private:
    QString m_path;
    QString m_connection;
    int m_historyPerRoom;
    bool m_stale = true;
    qint64 m_hits = 0;
    qint64 m_misses = 0;
};

} // namespace confab::client
