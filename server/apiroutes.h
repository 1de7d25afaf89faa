// ApiRoutes: protocol v1's REST endpoints (docs/protocol.md) mapped onto the services.
#pragma once

namespace confab::server {

class MessageService;
class RoomService;
class Router;
class UserService;

void registerApiRoutes(Router &router, UserService *users, RoomService *rooms,
                       MessageService *messages);

} // namespace confab::server
