#include "apiroutes.h"

#include "jsonreader.h"
#include "accounts/accountservice.h"
#include "messageservice.h"
#include "protocollimits.h"
#include "roomservice.h"
#include "router.h"
#include "userservice.h"

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

const QString kApi = u"/api/v1"_s;

// Authenticates the bearer token; answers 401 (503 when storage cannot say) and returns nullopt
// when it is not valid.
std::optional<Session> authed(UserService *users, const HttpRequest &req, const HttpResponder &res)
{
    auto session = users->authenticate(req.bearerToken(), req.peer);
    if (!session) {
        res.sendError(session.error());
        return std::nullopt;
    }
    return session.value();
}

// Parses the body as T; answers 400 and returns nullopt on any codec error.
template<typename T> std::optional<T> body(const HttpRequest &req, const HttpResponder &res)
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
    const auto v = parseCanonicalInteger(req.query.queryItemValue(name, QUrl::FullyDecoded), min, max);
    if (!v) {
        *error = makeError(ErrorCode::InvalidValue,
                           u"must be an integer between %1 and %2"_s.arg(min).arg(max), name);
        return std::nullopt;
    }
    return v;
}

using RoomHandler
    = std::function<void(const Session &, qint64 roomId, HttpRequest &, const HttpResponder &)>;

// A route under /rooms/{id}: a valid token and a well-formed room id (404 otherwise).
void roomRoute(Router &router, UserService *users, const QByteArray &method, const QString &path,
               RoomHandler handler)
{
    authedRoute(router, users, method, u"/rooms/{id}"_s + path,
                [handler = std::move(handler)](const Session &s, HttpRequest &req,
                                               const HttpResponder &res) {
                    if (const qint64 id = pathId(req, res, u"id"_s, ErrorCode::RoomNotFound))
                        handler(s, id, req, res);
                });
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
    router.add("POST", kApi + u"/auth/register"_s,
               [users](HttpRequest &req, const HttpResponder &res) {
                   if (const auto r = body<RegisterRequest>(req, res))
                       users->registerUser(*r, req.peer.toString(),
                                           replyWith<User>(res, 201, [](const User &u) {
                                               return QJsonObject { { u"user"_s, u.toJson() } };
                                           }));
               });
    router.add("POST", kApi + u"/auth/login"_s,
               [users](HttpRequest &req, const HttpResponder &res) {
                   if (const auto r = body<LoginRequest>(req, res))
                       users->login(*r, req.peer.toString(),
                                    replyWith<LoginResponse>(res, 200, [](const LoginResponse &l) {
                                        return l.toJson();
                                    }));
               });
    authedRoute(router, users, "POST", u"/auth/logout"_s,
                [users](const Session &s, HttpRequest &, const HttpResponder &res) {
                    users->logout(s, [res](Result<bool> r) {
                        r ? res.send(204, "application/json", {}) : res.sendError(r.error());
                    });
                });
}

void registerUserRoutes(Router &router, UserService *users, RoomService *rooms)
{
    const auto userJson = [](const User &u) { return u.toJson(); };
    authedRoute(router, users, "GET", u"/users/me"_s,
                [users](const Session &s, HttpRequest &, const HttpResponder &res) {
                    const auto u = users->user(s.userId);
                    if (!u)
                        return res.sendError(u.error());
                    QJsonObject me = u->toJson();
                    me.insert(u"admin"_s, users->isAdmin(s.userId)); // only here: about yourself
                    res.sendJson(200, me);
                });
    authedRoute(router, users, "PATCH", u"/users/me"_s,
                [users, userJson](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    if (const auto patch = body<ProfilePatch>(req, res))
                        users->updateProfile(s.userId, *patch, replyWith<User>(res, 200, userJson));
                });
    authedRoute(router, users, "GET", u"/users/{id}"_s,
                [users](const Session &, HttpRequest &req, const HttpResponder &res) {
                    if (const qint64 id = pathId(req, res, u"id"_s, ErrorCode::UserNotFound)) {
                        const auto u = users->user(id);
                        u ? res.sendJson(200, u->toJson()) : res.sendError(u.error());
                    }
                });
    authedRoute(router, users, "GET", u"/users"_s,
                [users](const Session &, HttpRequest &req, const HttpResponder &res) {
                    std::optional<Error> err;
                    const int limit = int(queryInt(req, u"limit"_s, 1, limits::PageSizeMax, &err)
                                              .value_or(limits::PageSizeDefault));
                    const QString q = req.query.queryItemValue(u"q"_s, QUrl::FullyDecoded);
                    if (!err)
                        err = checkTextValue(q, { 0, limits::UsernameMax, TextKind::Line }, u"q"_s);
                    if (err)
                        return res.sendError(*err);
                    res.sendJson(
                        200,
                        QJsonObject { { u"users"_s, toJsonArray(users->listUsers(q, limit)) } });
                });
    authedRoute(router, users, "POST", u"/users/{id}/dm"_s,
                [rooms](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    const qint64 id = pathId(req, res, u"id"_s, ErrorCode::UserNotFound);
                    if (!id)
                        return;
                    rooms->openDirect(s.userId, id, [res](Result<RoomService::Direct> r) {
                        r ? res.sendJson(r->created ? 201 : 200, r->room.toJson())
                          : res.sendError(r.error());
                    });
                });
}

void registerRoomRoutes(Router &router, UserService *users, RoomService *rooms,
                        const std::function<PresenceStatus(qint64)> &presenceOf)
{
    const auto roomJson = [](const Room &r) { return r.toJson(); };
    const auto noContent = [](const HttpResponder &res) {
        return [res](Result<bool> r) {
            r ? res.send(204, "application/json", {}) : res.sendError(r.error());
        };
    };
    authedRoute(router, users, "GET", u"/rooms"_s,
                [rooms](const Session &s, HttpRequest &, const HttpResponder &res) {
                    QList<qint64> joined;
                    const QList<Room> list = rooms->list(s.userId, &joined);
                    QJsonArray ids;
                    for (qint64 id : joined)
                        ids.append(id);
                    res.sendJson(
                        200,
                        QJsonObject { { u"rooms"_s, toJsonArray(list) }, { u"joined"_s, ids } });
                });
    authedRoute(router, users, "POST", u"/rooms"_s,
                [rooms, roomJson](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    if (const auto r = body<CreateRoomRequest>(req, res))
                        rooms->create(s.userId, *r, replyWith<Room>(res, 201, roomJson));
                });
    roomRoute(router, users, "GET", {},
              [rooms](const Session &s, qint64 id, HttpRequest &, const HttpResponder &res) {
                  const auto r = rooms->get(s.userId, id);
                  r ? res.sendJson(200, r->toJson()) : res.sendError(r.error());
              });
    roomRoute(
        router, users, "PATCH", {},
        [rooms, roomJson](const Session &s, qint64 id, HttpRequest &req, const HttpResponder &res) {
            if (const auto patch = body<RoomPatch>(req, res))
                rooms->update(s.userId, id, *patch, replyWith<Room>(res, 200, roomJson));
        });
    roomRoute(
        router, users, "DELETE", {},
        [rooms, noContent](const Session &s, qint64 id, HttpRequest &, const HttpResponder &res) {
            rooms->remove(s.userId, id, noContent(res));
        });
    roomRoute(
        router, users, "POST", u"/join"_s,
        [rooms, roomJson](const Session &s, qint64 id, HttpRequest &, const HttpResponder &res) {
            rooms->join(s.userId, id, replyWith<Room>(res, 200, roomJson));
        });
    roomRoute(
        router, users, "POST", u"/leave"_s,
        [rooms, noContent](const Session &s, qint64 id, HttpRequest &, const HttpResponder &res) {
            rooms->leave(s.userId, id, noContent(res));
        });
    roomRoute(router, users, "POST", u"/invite"_s,
              [rooms](const Session &s, qint64 id, HttpRequest &req, const HttpResponder &res) {
                  if (const auto inv = body<InviteRequest>(req, res))
                      rooms->invite(
                          s.userId, id, inv->userId,
                          replyWith<Member>(res, 200, [](const Member &m) { return m.toJson(); }));
              });
    roomRoute(
        router, users, "GET", u"/members"_s,
        [rooms, presenceOf](const Session &s, qint64 id, HttpRequest &, const HttpResponder &res) {
            auto m = rooms->members(s.userId, id);
            if (!m)
                return res.sendError(m.error());
            for (Member &member : m.value())
                member.presence = presenceOf(member.userId);
            res.sendJson(200, QJsonObject { { u"members"_s, toJsonArray(m.value()) } });
        });
    roomRoute(router, users, "PATCH", u"/members/{userId}"_s,
              [rooms](const Session &s, qint64 id, HttpRequest &req, const HttpResponder &res) {
                  const qint64 target = pathId(req, res, u"userId"_s, ErrorCode::UserNotFound);
                  if (!target)
                      return;
                  if (const auto change = body<RoleChangeRequest>(req, res))
                      rooms->setRole(
                          s.userId, id, target, change->role,
                          replyWith<Member>(res, 200, [](const Member &m) { return m.toJson(); }));
              });
    roomRoute(router, users, "GET", u"/events"_s,
              [rooms](const Session &s, qint64 id, HttpRequest &req, const HttpResponder &res) {
                  std::optional<Error> err;
                  const auto after = queryInt(req, u"after"_s, 0, limits::MaxSafeInteger, &err);
                  const auto before = queryInt(req, u"before"_s, 1, limits::MaxSafeInteger, &err);
                  const auto around = queryInt(req, u"around"_s, 1, limits::MaxSafeInteger, &err);
                  const int limit = int(queryInt(req, u"limit"_s, 1, limits::PageSizeMax, &err)
                                            .value_or(limits::PageSizeDefault));
                  if (!err && int(bool(after)) + int(bool(before)) + int(bool(around)) > 1)
                      err = makeError(ErrorCode::InvalidValue,
                                      u"give one of after, before and around"_s,
                                      around ? u"around"_s : u"before"_s);
                  if (err)
                      return res.sendError(*err);
                  if (around) {
                      // The event at SEQ and those before it (half the page), then after it.
                      auto older = rooms->history(s.userId, id, {}, *around + 1, limit / 2 + 1);
                      if (!older)
                          return res.sendError(older.error());
                      const int rest = std::max(0, limit - int(older->events.size()));
                      EventPage page = older.value();
                      page.hasMoreAfter = false;
                      if (rest > 0 && *around < page.lastSeq) {
                          auto newer = rooms->history(s.userId, id, *around, {}, rest);
                          if (!newer)
                              return res.sendError(newer.error());
                          page.events += newer->events;
                          page.hasMoreAfter = newer->hasMore;
                      } else {
                          page.hasMoreAfter = *around < page.lastSeq;
                      }
                      return res.sendJson(200, page.toJson());
                  }
                  const auto page = rooms->history(s.userId, id, after, before, limit);
                  page ? res.sendJson(200, page->toJson()) : res.sendError(page.error());
              });
}

void registerSearchRoute(Router &router, UserService *users, RoomService *rooms)
{
    authedRoute(router, users, "GET", u"/search"_s,
                [rooms](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    std::optional<Error> err;
                    const auto roomId = queryInt(req, u"roomId"_s, 1, limits::MaxSafeInteger, &err);
                    const auto before = queryInt(req, u"before"_s, 1, limits::MaxSafeInteger, &err);
                    const int limit = int(queryInt(req, u"limit"_s, 1, limits::SearchPageMax, &err)
                                              .value_or(limits::SearchPageDefault));
                    if (err)
                        return res.sendError(*err);
                    if (!req.query.hasQueryItem(u"q"_s))
                        return res.sendError(makeError(ErrorCode::MissingField,
                                                       u"say what to search for"_s, u"q"_s));
                    const QString q = req.query.queryItemValue(u"q"_s, QUrl::FullyDecoded);
                    if (auto bad = checkTextValue(q, { 1, limits::SearchQueryMax, TextKind::Line },
                                                  u"q"_s))
                        return res.sendError(*bad);
                    rooms->search(s.userId, q, roomId, before.value_or(0), limit,
                                  replyWith<SearchResults>(res, 200, [](const SearchResults &r) {
                                      return r.toJson();
                                  }));
                });
}

void registerMessageRoutes(Router &router, UserService *users, MessageService *messages)
{
    roomRoute(router, users, "POST", u"/messages"_s,
              [messages](const Session &s, qint64 id, HttpRequest &req, const HttpResponder &res) {
                  const auto m = body<SendMessageRequest>(req, res);
                  if (!m)
                      return;
                  messages->send(
                      s.userId, id, m->clientMsgId, m->body, m->replyTo, m->fileId,
                      [res](Result<SendAck> r) {
                          r ? res.sendJson(r->duplicate ? 200 : 201, r->toJson())
                            : res.sendError(r.error());
                      },
                      req.trace);
              });
    roomRoute(router, users, "POST", u"/read"_s,
              [messages](const Session &s, qint64 id, HttpRequest &req, const HttpResponder &res) {
                  if (const auto m = body<MarkReadRequest>(req, res))
                      messages->markRead(s.userId, id, m->seq, nullptr,
                                         replyWith<ReadState>(res, 200, [](const ReadState &st) {
                                             return st.toJson();
                                         }));
              });
    const auto eventJson = [](const RoomEvent &e) { return e.toJson(); };
    roomRoute(router, users, "PATCH", u"/messages/{eventId}"_s,
              [messages, eventJson](const Session &s, qint64 id, HttpRequest &req,
                                    const HttpResponder &res) {
                  const qint64 eventId = pathId(req, res, u"eventId"_s, ErrorCode::EventNotFound);
                  if (!eventId)
                      return;
                  if (const auto e = body<EditMessageRequest>(req, res))
                      messages->edit(s.userId, id, eventId, e->body,
                                     replyWith<RoomEvent>(res, 200, eventJson));
              });
    const auto reactionJson = [](const ReactionResult &r) { return r.toJson(); };
    roomRoute(router, users, "POST", u"/messages/{eventId}/reactions"_s,
              [messages, reactionJson](const Session &s, qint64 id, HttpRequest &req,
                                       const HttpResponder &res) {
                  const qint64 eventId = pathId(req, res, u"eventId"_s, ErrorCode::EventNotFound);
                  if (!eventId)
                      return;
                  if (const auto r = body<ReactRequest>(req, res))
                      messages->react(s.userId, id, eventId, r->key, true,
                                      replyWith<ReactionResult>(res, 200, reactionJson));
              });
    roomRoute(router, users, "DELETE", u"/messages/{eventId}/reactions/{key}"_s,
              [messages, reactionJson](const Session &s, qint64 id, HttpRequest &req,
                                       const HttpResponder &res) {
                  const qint64 eventId = pathId(req, res, u"eventId"_s, ErrorCode::EventNotFound);
                  if (!eventId)
                      return;
                  // The key is one path segment, percent-encoded (an emoji is several bytes).
                  const QString key = req.params.value(u"key"_s);
                  if (auto err = checkReactionKey(key, u"key"_s))
                      return res.sendError(*err);
                  messages->react(s.userId, id, eventId, key, false,
                                  replyWith<ReactionResult>(res, 200, reactionJson));
              });
    roomRoute(
        router, users, "DELETE", u"/messages/{eventId}"_s,
        [messages, eventJson](const Session &s, qint64 id, HttpRequest &req,
                              const HttpResponder &res) {
            if (const qint64 eventId = pathId(req, res, u"eventId"_s, ErrorCode::EventNotFound))
                messages->remove(s.userId, id, eventId, replyWith<RoomEvent>(res, 200, eventJson));
        });
}

} // namespace

void authedRoute(Router &router, UserService *users, const QByteArray &method, const QString &path,
                 AuthedHandler handler)
{
    router.add(method, kApi + path,
               [users, handler = std::move(handler)](HttpRequest &req, const HttpResponder &res) {
                   if (const auto s = authed(users, req, res))
                       handler(*s, req, res);
               });
}

void registerAccountRoutes(Router &router, UserService *users, AccountService *accounts)
{
    authedRoute(router, users, "POST", u"/auth/password"_s,
                [users](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    if (const auto r = body<ChangePasswordRequest>(req, res))
                        users->changePassword(s, *r, req.peer.toString(),
                                              replyWith<int>(res, 200, [](const int &n) {
                                                  return QJsonObject { { u"revokedSessions"_s, n } };
                                              }));
                });
    authedRoute(router, users, "GET", u"/auth/sessions"_s,
                [accounts](const Session &s, HttpRequest &, const HttpResponder &res) {
                    const auto list = accounts->sessions(s);
                    if (!list)
                        return res.sendError(list.error());
                    QJsonArray out;
                    for (const SessionInfo &i : list.value())
                        out.append(i.toJson());
                    res.sendJson(200, QJsonObject { { u"sessions"_s, out } });
                });
    authedRoute(router, users, "DELETE", u"/auth/sessions/{id}"_s,
                [accounts](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    if (const qint64 id = pathId(req, res, u"id"_s, ErrorCode::NotFound))
                        accounts->revokeSession(s, id, [res](Result<bool> r) {
                            r ? res.send(204, "application/json", {}) : res.sendError(r.error());
                        });
                });
    authedRoute(router, users, "POST", u"/admin/invites"_s,
                [accounts](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    // An empty body takes the defaults.
                    CreateInviteRequest defaults;
                    if (req.body.trimmed().isEmpty())
                        return accounts->createInvite(
                            s, defaults,
                            replyWith<Invite>(res, 201, [](const Invite &i) { return i.toJson(); }));
                    if (const auto r = body<CreateInviteRequest>(req, res))
                        accounts->createInvite(
                            s, *r,
                            replyWith<Invite>(res, 201, [](const Invite &i) { return i.toJson(); }));
                });
    for (const bool disable : { true, false }) {
        authedRoute(router, users, "POST",
                    disable ? u"/admin/users/{id}/disable"_s : u"/admin/users/{id}/enable"_s,
                    [accounts, disable](const Session &s, HttpRequest &req,
                                        const HttpResponder &res) {
                        if (const qint64 id = pathId(req, res, u"id"_s, ErrorCode::UserNotFound))
                            accounts->setDisabled(s, id, disable,
                                                  replyWith<User>(res, 200, [](const User &u) {
                                                      return u.toJson();
                                                  }));
                    });
    }
}

void registerApiRoutes(Router &router, UserService *users, RoomService *rooms,
                       MessageService *messages,
                       std::function<PresenceStatus(qint64 userId)> presenceOf)
{
    registerAuthRoutes(router, users);
    registerUserRoutes(router, users, rooms);
    registerRoomRoutes(router, users, rooms, presenceOf);
    registerMessageRoutes(router, users, messages);
    registerSearchRoute(router, users, rooms);
}

} // namespace confab::server
