#include "roomservice.h"

#include "files/filestore.h"

#include "database.h"
#include "eventbus.h"
#include "eventcache.h"
#include "reactionstore.h"
#include "roomstore.h"
#include "search/messagesearch.h"
#include "search/searchindexer.h"

#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

// What a write job hands back: its value plus the events it appended, in order.
template<typename T> struct Outcome
{
    T value;
    QList<RoomEvent> events;
};

} // namespace

RoomService::RoomService(const ServerContext &ctx, EventBus *bus, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_bus(bus)
{
}

template<typename T, typename JobFn, typename DoneFn>
void RoomService::commit(JobFn job, DoneFn done)
{
    m_ctx.database->writeTyped<Outcome<T>>(std::move(job), this,
                                           [this, done = std::move(done)](Result<Outcome<T>> r) {
                                               if (!r)
                                                   return done(Result<T>(r.error()));
                                               if (!r->events.isEmpty())
                                                   m_bus->publish(r->events);
                                               done(Result<T>(std::move(r).value().value));
                                           });
}

void RoomService::create(qint64 userId, const CreateRoomRequest &req,
                         std::function<void(Result<Room>)> done)
{
    const qint64 now = m_ctx.now();
    commit<Room>(
        [userId, req, now](QSqlDatabase &db) -> Result<Outcome<Room>> {
            auto created
                = roomstore::createRoom(db, req.name, req.topic, req.visibility, userId, now);
            if (!created)
                return created.error();
            const qint64 roomId = created->roomId;
            Outcome<Room> out;
            out.events.append(created.value());
            auto joined = roomstore::addMember(db, roomId, userId, MemberRole::Owner, now);
            if (!joined)
                return joined.error();
            out.events.append(**joined);
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            out.value = room.value();
            return out;
        },
        std::move(done));
}

void RoomService::update(qint64 userId, qint64 roomId, const RoomPatch &patch,
                         std::function<void(Result<Room>)> done)
{
    const qint64 now = m_ctx.now();
    commit<Room>(
        [userId, roomId, patch, now](QSqlDatabase &db) -> Result<Outcome<Room>> {
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            const auto role = roomstore::role(db, roomId, userId);
            if (!role)
                return makeError(ErrorCode::NotMember, u"you are not in this room"_s);
            if (*role == MemberRole::Member || room->visibility == RoomVisibility::Direct)
                return makeError(ErrorCode::Forbidden,
                                 u"only the owner or an admin can change the room"_s);
            QSqlQuery q(db);
            q.prepare(u"UPDATE rooms SET name = ?, topic = COALESCE(?, '') WHERE id = ?"_s);
            if (auto r = execPrepared(
                    q,
                    { patch.name.value_or(room->name), patch.topic.value_or(room->topic), roomId });
                !r)
                return r.error();
            QJsonObject content;
            if (patch.name)
                content.insert(u"name"_s, *patch.name);
            if (patch.topic)
                content.insert(u"topic"_s, *patch.topic);
            auto ev = roomstore::append(db, roomId, EventType::RoomUpdate, userId, content, now);
            if (!ev)
                return ev.error();
            auto updated = roomstore::room(db, roomId);
            if (!updated)
                return updated.error();
            return Outcome<Room> { updated.value(), { ev.value() } };
        },
        std::move(done));
}

void RoomService::remove(qint64 userId, qint64 roomId, std::function<void(Result<bool>)> done)
{
    removeAs(userId, roomId, std::move(done));
}

void RoomService::removeAsServer(qint64 roomId, std::function<void(Result<bool>)> done)
{
    removeAs(std::nullopt, roomId, std::move(done));
}

void RoomService::removeAs(std::optional<qint64> userId, qint64 roomId,
                          std::function<void(Result<bool>)> done)
{
    const qint64 now = m_ctx.now();
    commit<bool>(
        [userId, roomId, now](QSqlDatabase &db) -> Result<Outcome<bool>> {
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            if (userId
                && (room->ownerId != *userId || room->visibility == RoomVisibility::Direct))
                return makeError(ErrorCode::Forbidden, u"only the owner can delete the room"_s);
            // An operator's delete is sent in the owner's name: senderId is always a user.
            auto ev = roomstore::append(db, roomId, EventType::RoomDelete,
                                        userId.value_or(room->ownerId), {}, now);
            if (!ev)
                return ev.error();
            QSqlQuery q(db);
            q.prepare(u"UPDATE rooms SET deleted = 1 WHERE id = ?"_s);
            if (auto r = execPrepared(q, { roomId }); !r)
                return r.error();
            if (auto r = filestore::dropForRoom(db, roomId); !r)
                return r.error();
            return Outcome<bool> { true, { ev.value() } };
        },
        std::move(done));
}

void RoomService::join(qint64 userId, qint64 roomId, std::function<void(Result<Room>)> done)
{
    const qint64 now = m_ctx.now();
    commit<Room>(
        [userId, roomId, now](QSqlDatabase &db) -> Result<Outcome<Room>> {
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            Outcome<Room> out;
            if (roomstore::role(db, roomId, userId)) {
                out.value = room.value(); // already in: nothing changes
                return out;
            }
            if (room->visibility != RoomVisibility::Public)
                return makeError(ErrorCode::Forbidden,
                                 u"this room is private: ask a member for an invitation"_s);
            auto ev = roomstore::addMember(db, roomId, userId, MemberRole::Member, now);
            if (!ev)
                return ev.error();
            out.events.append(**ev);
            auto updated = roomstore::room(db, roomId);
            if (!updated)
                return updated.error();
            out.value = updated.value();
            return out;
        },
        std::move(done));
}

void RoomService::leave(qint64 userId, qint64 roomId, std::function<void(Result<bool>)> done)
{
    const qint64 now = m_ctx.now();
    commit<bool>(
        [userId, roomId, now](QSqlDatabase &db) -> Result<Outcome<bool>> {
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            if (auto err = roomstore::checkMember(db, roomId, userId))
                return *err;
            if (room->ownerId == userId && room->visibility != RoomVisibility::Direct)
                return makeError(ErrorCode::Conflict,
                                 u"the owner cannot leave; delete the room instead"_s);
            QSqlQuery q(db);
            q.prepare(u"DELETE FROM members WHERE room_id = ? AND user_id = ?"_s);
            if (auto r = execPrepared(q, { roomId, userId }); !r)
                return r.error();
            auto ev = roomstore::append(db, roomId, EventType::MemberLeave, userId,
                                        { { u"userId"_s, userId } }, now);
            if (!ev)
                return ev.error();
            return Outcome<bool> { true, { ev.value() } };
        },
        std::move(done));
}

void RoomService::invite(qint64 userId, qint64 roomId, qint64 targetId,
                         std::function<void(Result<Member>)> done)
{
    const qint64 now = m_ctx.now();
    commit<Member>(
        [userId, roomId, targetId, now](QSqlDatabase &db) -> Result<Outcome<Member>> {
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            if (auto err = roomstore::checkMember(db, roomId, userId))
                return *err;
            if (room->visibility == RoomVisibility::Direct)
                return makeError(ErrorCode::Forbidden, u"direct rooms take no invitations"_s);
            QSqlQuery q(db);
            q.prepare(u"SELECT 1 FROM users WHERE id = ?"_s);
            if (!execPrepared(q, { targetId }) || !q.next())
                return makeError(ErrorCode::UserNotFound, u"no user %1"_s.arg(targetId),
                                 u"userId"_s);
            Outcome<Member> out;
            auto ev = roomstore::addMember(db, roomId, targetId, MemberRole::Member, now, userId);
            if (!ev)
                return ev.error();
            if (*ev)
                out.events.append(**ev);
            for (const Member &m : roomstore::members(db, roomId)) {
                if (m.userId == targetId)
                    out.value = m;
            }
            return out;
        },
        std::move(done));
}

void RoomService::setRole(qint64 userId, qint64 roomId, qint64 targetId, MemberRole role,
                          std::function<void(Result<Member>)> done)
{
    const qint64 now = m_ctx.now();
    commit<Member>(
        [=](QSqlDatabase &db) -> Result<Outcome<Member>> {
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            if (room->ownerId != userId || room->visibility == RoomVisibility::Direct)
                return makeError(ErrorCode::Forbidden, u"only the owner can change roles"_s);
            const auto current = roomstore::role(db, roomId, targetId);
            if (!current)
                return makeError(ErrorCode::NotMember,
                                 u"user %1 is not in this room"_s.arg(targetId), u"userId"_s);
            if (*current == MemberRole::Owner)
                return makeError(ErrorCode::Conflict, u"the owner's role cannot change"_s);
            Outcome<Member> out;
            if (*current != role) {
                QSqlQuery q(db);
                q.prepare(u"UPDATE members SET role = ? WHERE room_id = ? AND user_id = ?"_s);
                if (auto r = execPrepared(q, { roleName(role), roomId, targetId }); !r)
                    return r.error();
                auto ev = roomstore::append(
                    db, roomId, EventType::MemberRole, userId,
                    { { u"userId"_s, targetId }, { u"role"_s, roleName(role) } }, now);
                if (!ev)
                    return ev.error();
                out.events.append(ev.value());
            }
            for (const Member &m : roomstore::members(db, roomId)) {
                if (m.userId == targetId)
                    out.value = m;
            }
            return out;
        },
        std::move(done));
}

void RoomService::openDirect(qint64 userId, qint64 otherId,
                             std::function<void(Result<Direct>)> done)
{
    const qint64 now = m_ctx.now();
    commit<Direct>(
        [userId, otherId, now](QSqlDatabase &db) -> Result<Outcome<Direct>> {
            if (userId == otherId)
                return makeError(ErrorCode::InvalidValue, u"a direct room needs another user"_s,
                                 u"id"_s);
            QSqlQuery q(db);
            q.prepare(u"SELECT username FROM users WHERE id IN (?, ?) ORDER BY id"_s);
            QStringList names;
            if (execPrepared(q, { userId, otherId })) {
                while (q.next())
                    names.append(q.value(0).toString());
            }
            if (names.size() != 2)
                return makeError(ErrorCode::UserNotFound, u"no user %1"_s.arg(otherId), u"id"_s);
            const QString key = u"%1:%2"_s.arg(qMin(userId, otherId)).arg(qMax(userId, otherId));
            q.prepare(u"SELECT id FROM rooms WHERE dm_key = ? AND deleted = 0"_s);
            if (auto r = execPrepared(q, { key }); !r)
                return r.error();
            Outcome<Direct> out;
            if (q.next()) {
                auto room = roomstore::room(db, q.value(0).toLongLong());
                if (!room)
                    return room.error();
                out.value = { room.value(), false };
                return out;
            }
            const QString name = names.join(u", "_s);
            auto created
                = roomstore::createRoom(db, name, {}, RoomVisibility::Direct, userId, now, key);
            if (!created)
                return created.error();
            const qint64 roomId = created->roomId;
            out.events.append(created.value());
            for (qint64 member : { userId, otherId }) {
                auto ev = roomstore::addMember(db, roomId, member, MemberRole::Member, now);
                if (!ev)
                    return ev.error();
                out.events.append(**ev);
            }
            auto room = roomstore::room(db, roomId);
            if (!room)
                return room.error();
            out.value = { room.value(), true };
            return out;
        },
        std::move(done));
}

Result<Room> RoomService::get(qint64 userId, qint64 roomId) const
{
    QSqlDatabase db = m_ctx.database->reader();
    Result<Room> room = makeError(ErrorCode::RoomNotFound, {});
    if (auto cached = m_ctx.cache->room(roomId)) {
        room = *cached;
    } else {
        room = roomstore::room(db, roomId);
        if (!room)
            return room;
        m_ctx.cache->putRoom(room.value());
    }
    if (auto err = roomstore::checkCanRead(db, room.value(), userId))
        return *err;
    return room;
}

Result<QList<Member>> RoomService::members(qint64 userId, qint64 roomId) const
{
    auto room = get(userId, roomId);
    if (!room)
        return room.error();
    return roomstore::members(m_ctx.database->reader(), roomId);
}

QList<Room> RoomService::list(qint64 userId, QList<qint64> *joined) const
{
    QSqlDatabase db = m_ctx.database->reader();
    QList<Room> rooms = roomstore::visibleRooms(db, userId, joined);
    // The caller's read state in each room they are in (docs/protocol.md, "Read state").
    const QHash<qint64, ReadState> read = roomstore::readStates(db, userId);
    for (Room &r : rooms) {
        if (const auto it = read.constFind(r.id); it != read.constEnd())
            r.read = *it;
    }
    return rooms;
}

Result<EventPage> RoomService::page(qint64 userId, qint64 roomId, std::optional<qint64> after,
                                       std::optional<qint64> before, int limit) const
{
    auto room = get(userId, roomId);
    if (!room)
        return room.error();
    EventPage page;
    page.roomId = roomId;
    page.lastSeq = room->lastSeq;
    if (after) {
        const qint64 to = qMin(room->lastSeq, *after + limit);
        if (auto events = m_ctx.cache->range(roomId, *after, to, room->lastSeq)) {
            page.events = *events;
            page.hasMore = room->lastSeq > to;
            return page;
        }
    } else {
        bool hasMore = false;
        if (auto events
            = m_ctx.cache->before(roomId, before.value_or(room->lastSeq + 1), limit, &hasMore,
                                    room->lastSeq)) {
            page.events = *events;
            page.hasMore = hasMore;
            return page;
        }
    }
    auto stored = roomstore::page(m_ctx.database->reader(), roomId, after, before, limit);
    if (stored)
        m_ctx.cache->readFromStorage(stored->events);
    return stored;
}

void RoomService::search(qint64 userId, const QString &typed, std::optional<qint64> roomId,
                         qint64 before, int limit, std::function<void(Result<SearchResults>)> done)
{
    if (roomId) {
        if (auto room = get(userId, *roomId); !room) // room_not_found, not_member
            return done(room.error());
    }
    const auto run = [this, userId, typed, roomId, before, limit, done] {
        done(messagesearch::search(m_ctx.database->reader(), typed, { roomId.value_or(0), userId },
                                   before, limit));
    };
    if (!m_ctx.search)
        return run();
    m_ctx.search->whenCurrent(this, [run, done](bool current) {
        if (!current)
            return done(makeError(ErrorCode::Unavailable,
                                  u"the search index cannot be brought up to date; try again"_s));
        run();
    });
}

Result<EventPage> RoomService::history(qint64 userId, qint64 roomId, std::optional<qint64> after,
                                       std::optional<qint64> before, int limit) const
{
    auto p = page(userId, roomId, after, before, limit);
    if (p) // the caller's view of each message's reactions ("mine"), cached page or not
        reactionstore::attachReactions(m_ctx.database->reader(), roomId, userId, p.value().events);
    return p;
}

} // namespace confab::server
