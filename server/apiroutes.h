// ApiRoutes: protocol v1's REST endpoints (docs/protocol.md) mapped onto the services.
#pragma once

#include "types.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace confab::server {

class AccountService;
class HttpResponder;
struct HttpRequest;
struct Session;
class MessageService;
class RoomService;
class Router;
class UserService;

// A route under /api/v1 (`path` without it) that needs a valid bearer token: 401 otherwise.
using AuthedHandler = std::function<void(const Session &, HttpRequest &, const HttpResponder &)>;
void authedRoute(Router &router, UserService *users, const QByteArray &method, const QString &path,
                 AuthedHandler handler);

// `presenceOf` fills in each member's presence in member lists (the realtime hub knows it).
void registerApiRoutes(Router &router, UserService *users, RoomService *rooms,
                       MessageService *messages,
                       std::function<PresenceStatus(qint64 userId)> presenceOf);

// Sessions, password change, invites and the admin's account controls (docs/protocol.md,
// "Accounts").
void registerAccountRoutes(Router &router, UserService *users, AccountService *accounts);

} // namespace confab::server
