#include "apiroutes.h"

#include "jsonreader.h"
#include "messageservice.h"
#include "protocollimits.h"
#include "roomservice.h"
#include "router.h"
#include "userservice.h"

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

const QString kApi = u"/api/v1"_s;

// Authenticates the bearer token; answers 401 and returns nullopt when it is not valid.
std::optional<Session> authed(UserService *users, const HttpRequest &req, const HttpResponder &res)
{
    const auto session = users->authenticate(req.bearerToken());
    if (!session)
        res.sendError(makeError(ErrorCode::Unauthorized,
                                u"a valid bearer token is required (log in again)"_s));
    return session;
}

// Parses the body as T; answers 400 and returns nullopt on any codec error.
template<typename T>
std::optional<T> body(const HttpRequest &req, const HttpResponder &res)
{
    auto object = parseJsonObject(req.body, limits::HttpBodyBytesMax);
    if (!object) {
        res.sendError(object.error());
        return std::nullopt;
    }
    auto parsed = T::fromJson(*object);
    if (!parsed) {
        res.sendError(parsed.error());
        return std::nullopt;
    }
    return std::move(parsed).value();
}

// A positive id from the path; answers 404 when malformed (no such resource can exist).
qint64 pathId(const HttpRequest &req, const HttpResponder &res, const QString &name,
              ErrorCode notFound)
{
    const qint64 id = req.idParam(name);
    if (!id)
        res.sendError(makeError(notFound, u"'%1' is not a valid id"_s.arg(req.params.value(name))));
    return id;
}

// Optional integer query parameter in [min, max]; sets *error when present but invalid.
std::optional<qint64> queryInt(const HttpRequest &req, const QString &name, qint64 min, qint64 max,
                               std::optional<Error> *error)
{
    if (!req.query.hasQueryItem(name))
        return std::nullopt;
    bool ok = false;
    const qint64 v = req.query.queryItemValue(name).toLongLong(&ok);
    if (!ok || v < min || v > max) {
        *error = makeError(ErrorCode::InvalidValue,
                           u"must be an integer between %1 and %2"_s.arg(min).arg(max), name);
        return std::nullopt;
    }
    return v;
}

template<typename T>
auto replyWith(const HttpResponder &res, int status, std::function<QJsonObject(const T &)> toJson)
{
    return [res, status, toJson](Result<T> r) {
        if (!r)
            return res.sendError(r.error());
        res.sendJson(status, toJson(r.value()));
    };
}

void registerAuthRoutes(Router &router, UserService *users)
{
    router.add("POST", kApi + u"/auth/register"_s, [users](HttpRequest &req, const HttpResponder &res) {
        const auto r = body<RegisterRequest>(req, res);
        if (!r)
            return;
        users->registerUser(*r, req.peer.toString(), replyWith<User>(res, 201, [](const User &u) {
                                return QJsonObject{{u"user"_s, u.toJson()}};
                            }));
    });
    router.add("POST", kApi + u"/auth/login"_s, [users](HttpRequest &req, const HttpResponder &res) {
        const auto r = body<LoginRequest>(req, res);
        if (!r)
            return;
        users->login(*r, req.peer.toString(),
                     replyWith<LoginResponse>(res, 200, [](const LoginResponse &l) { return l.toJson(); }));
    });
    router.add("POST", kApi + u"/auth/logout"_s, [users](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        users->logout(*s, [res](Result<bool> r) {
            if (!r)
                return res.sendError(r.error());
            res.send(204, "application/json", {});
        });
    });
}

void registerUserRoutes(Router &router, UserService *users, RoomService *rooms)
{
    router.add("GET", kApi + u"/users/me"_s, [users](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const auto u = users->user(s->userId);
        u ? res.sendJson(200, u->toJson()) : res.sendError(u.error());
    });
    router.add("PATCH", kApi + u"/users/me"_s, [users](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const auto patch = body<ProfilePatch>(req, res);
        if (!patch)
            return;
        users->updateProfile(s->userId, *patch,
                             replyWith<User>(res, 200, [](const User &u) { return u.toJson(); }));
    });
    router.add("GET", kApi + u"/users/{id}"_s, [users](HttpRequest &req, const HttpResponder &res) {
        if (!authed(users, req, res))
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::UserNotFound);
        if (!id)
            return;
        const auto u = users->user(id);
        u ? res.sendJson(200, u->toJson()) : res.sendError(u.error());
    });
    router.add("GET", kApi + u"/users"_s, [users](HttpRequest &req, const HttpResponder &res) {
        if (!authed(users, req, res))
            return;
        std::optional<Error> err;
        const int limit = int(queryInt(req, u"limit"_s, 1, limits::PageSizeMax, &err)
                                  .value_or(limits::PageSizeDefault));
        const QString q = req.query.queryItemValue(u"q"_s, QUrl::FullyDecoded);
        if (!err)
            err = checkTextValue(q, {0, limits::UsernameMax, TextKind::Line}, u"q"_s);
        if (err)
            return res.sendError(*err);
        res.sendJson(200, QJsonObject{{u"users"_s, toJsonArray(users->listUsers(q, limit))}});
    });
    router.add("POST", kApi + u"/users/{id}/dm"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::UserNotFound);
        if (!id)
            return;
        rooms->openDirect(s->userId, id, [res](Result<RoomService::Direct> r) {
            if (!r)
                return res.sendError(r.error());
            res.sendJson(r->created ? 201 : 200, r->room.toJson());
        });
    });
}

void registerRoomRoutes(Router &router, UserService *users, RoomService *rooms)
{
    const auto roomJson = [](const Room &r) { return r.toJson(); };
    router.add("GET", kApi + u"/rooms"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        QList<qint64> joined;
        const QList<Room> list = rooms->list(s->userId, &joined);
        QJsonArray ids;
        for (qint64 id : joined)
            ids.append(id);
        res.sendJson(200, QJsonObject{{u"rooms"_s, toJsonArray(list)}, {u"joined"_s, ids}});
    });
    router.add("POST", kApi + u"/rooms"_s, [users, rooms, roomJson](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const auto r = body<CreateRoomRequest>(req, res);
        if (!r)
            return;
        rooms->create(s->userId, *r, replyWith<Room>(res, 201, roomJson));
    });
    router.add("GET", kApi + u"/rooms/{id}"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        const auto r = rooms->get(s->userId, id);
        r ? res.sendJson(200, r->toJson()) : res.sendError(r.error());
    });
    router.add("PATCH", kApi + u"/rooms/{id}"_s, [users, rooms, roomJson](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        const auto patch = body<RoomPatch>(req, res);
        if (!patch)
            return;
        rooms->update(s->userId, id, *patch, replyWith<Room>(res, 200, roomJson));
    });
    router.add("DELETE", kApi + u"/rooms/{id}"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        rooms->remove(s->userId, id, [res](Result<bool> r) {
            r ? res.send(204, "application/json", {}) : res.sendError(r.error());
        });
    });
    router.add("POST", kApi + u"/rooms/{id}/join"_s, [users, rooms, roomJson](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        rooms->join(s->userId, id, replyWith<Room>(res, 200, roomJson));
    });
    router.add("POST", kApi + u"/rooms/{id}/leave"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        rooms->leave(s->userId, id, [res](Result<bool> r) {
            r ? res.send(204, "application/json", {}) : res.sendError(r.error());
        });
    });
    router.add("POST", kApi + u"/rooms/{id}/invite"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        const auto inv = body<InviteRequest>(req, res);
        if (!inv)
            return;
        rooms->invite(s->userId, id, inv->userId,
                      replyWith<Member>(res, 200, [](const Member &m) { return m.toJson(); }));
    });
    router.add("GET", kApi + u"/rooms/{id}/members"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        const auto m = rooms->members(s->userId, id);
        m ? res.sendJson(200, QJsonObject{{u"members"_s, toJsonArray(m.value())}})
          : res.sendError(m.error());
    });
    router.add("GET", kApi + u"/rooms/{id}/events"_s, [users, rooms](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        std::optional<Error> err;
        const auto after = queryInt(req, u"after"_s, 0, limits::MaxSafeInteger, &err);
        const auto before = queryInt(req, u"before"_s, 1, limits::MaxSafeInteger, &err);
        const int limit = int(queryInt(req, u"limit"_s, 1, limits::PageSizeMax, &err)
                                  .value_or(limits::PageSizeDefault));
        if (!err && after && before)
            err = makeError(ErrorCode::InvalidValue, u"give either after or before, not both"_s,
                            u"before"_s);
        if (err)
            return res.sendError(*err);
        const auto page = rooms->history(s->userId, id, after, before, limit);
        page ? res.sendJson(200, page->toJson()) : res.sendError(page.error());
    });
}

void registerMessageRoutes(Router &router, UserService *users, MessageService *messages)
{
    router.add("POST", kApi + u"/rooms/{id}/messages"_s, [users, messages](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        if (!id)
            return;
        const auto m = body<SendMessageRequest>(req, res);
        if (!m)
            return;
        messages->send(s->userId, id, m->clientMsgId, m->body, [res](Result<SendAck> r) {
            if (!r)
                return res.sendError(r.error());
            res.sendJson(r->duplicate ? 200 : 201, r->toJson());
        });
    });
    const auto eventJson = [](const RoomEvent &e) { return e.toJson(); };
    router.add("PATCH", kApi + u"/rooms/{id}/messages/{eventId}"_s, [users, messages, eventJson](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        const qint64 eventId = id ? pathId(req, res, u"eventId"_s, ErrorCode::EventNotFound) : 0;
        if (!id || !eventId)
            return;
        const auto e = body<EditMessageRequest>(req, res);
        if (!e)
            return;
        messages->edit(s->userId, id, eventId, e->body, replyWith<RoomEvent>(res, 200, eventJson));
    });
    router.add("DELETE", kApi + u"/rooms/{id}/messages/{eventId}"_s, [users, messages, eventJson](HttpRequest &req, const HttpResponder &res) {
        const auto s = authed(users, req, res);
        if (!s)
            return;
        const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound);
        const qint64 eventId = id ? pathId(req, res, u"eventId"_s, ErrorCode::EventNotFound) : 0;
        if (!id || !eventId)
            return;
        messages->remove(s->userId, id, eventId, replyWith<RoomEvent>(res, 200, eventJson));
    });
}

} // namespace

void registerApiRoutes(Router &router, UserService *users, RoomService *rooms,
                       MessageService *messages)
{
    registerAuthRoutes(router, users);
    registerUserRoutes(router, users, rooms);
    registerRoomRoutes(router, users, rooms);
    registerMessageRoutes(router, users, messages);
}

} // namespace confab::server
