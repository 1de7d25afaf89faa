// RoomService: rooms and membership. Every change is committed together with its event in the
// room's log, then published on the EventBus ("commit, then notify members").
#pragma once

#include "requests.h"
#include "servercontext.h"

#include <QObject>

namespace confab::server {

class EventBus;

class RoomService : public QObject
{
    Q_OBJECT
public:
    RoomService(const ServerContext &ctx, EventBus *bus, QObject *parent = nullptr);

    void create(qint64 userId, const CreateRoomRequest &req,
                std::function<void(Result<Room>)> done);
    void update(qint64 userId, qint64 roomId, const RoomPatch &patch,
                std::function<void(Result<Room>)> done);
    void remove(qint64 userId, qint64 roomId, std::function<void(Result<bool>)> done);
    // An operator's delete (confab-admin rooms delete): any room; the room_delete event carries
    // the owner as its sender (the protocol's senderId is always a user).
    void removeAsServer(qint64 roomId, std::function<void(Result<bool>)> done);
    void join(qint64 userId, qint64 roomId, std::function<void(Result<Room>)> done);
    void leave(qint64 userId, qint64 roomId, std::function<void(Result<bool>)> done);
    void invite(qint64 userId, qint64 roomId, qint64 targetId,
                std::function<void(Result<Member>)> done);
    // Owner only: make a member an admin, or an admin a member again.
    void setRole(qint64 userId, qint64 roomId, qint64 targetId, MemberRole role,
                 std::function<void(Result<Member>)> done);
    struct Direct
    {
        Room room;
        bool created = false;
    };
    void openDirect(qint64 userId, qint64 otherId, std::function<void(Result<Direct>)> done);

    Result<Room> get(qint64 userId, qint64 roomId) const;
    Result<QList<Member>> members(qint64 userId, qint64 roomId) const;
    QList<Room> list(qint64 userId, QList<qint64> *joined) const;
    Result<EventPage> history(qint64 userId, qint64 roomId, std::optional<qint64> after,
                              std::optional<qint64> before, int limit) const;

    // GET search: the newest `limit` matches of `typed` older than event `before` (0: none), best
    // first within the page; in `roomId` (one the user may read) or else every room the user is
    // in (docs/protocol.md, "Search").
    // Answers once every message acknowledged before the call is in the index.
    void search(qint64 userId, const QString &typed, std::optional<qint64> roomId, qint64 before,
                int limit, std::function<void(Result<SearchResults>)> done);

private:
    Result<EventPage> page(qint64 userId, qint64 roomId, std::optional<qint64> after,
                              std::optional<qint64> before, int limit) const;
    template<typename T, typename JobFn, typename DoneFn> void commit(JobFn job, DoneFn done);
    void removeAs(std::optional<qint64> userId, qint64 roomId,
                  std::function<void(Result<bool>)> done);

    ServerContext m_ctx;
    EventBus *m_bus;
};

} // namespace confab::server
