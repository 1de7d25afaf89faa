// AdminService: the server's administration commands (confab-admin; docs/operations.md). They act
// as the server itself, not as a user: whoever reaches them is an operator of this machine (the
// admin socket is mode 0660, group confab; offline, the database file's own permissions).
//
// One code path for both ways confab-admin works: online, AdminSocket hands each request to the
// running server's AdminService, so a disabled account's sockets close at once; offline (server
// stopped), confab-admin opens the data directory itself (taking its lock) and runs the same
// service. Commands and their arguments are JSON (run()); each answers JSON or an Error.
#pragma once

#include "result.h"
#include "servercontext.h"

#include <QJsonObject>
#include <QObject>

#include <functional>

namespace confab::server {

class AccountService;
class RoomService;
class UserService;

class AdminService : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(Result<QJsonValue>)>;

    AdminService(const ServerContext &ctx, UserService *users, AccountService *accounts,
                 RoomService *rooms, QObject *parent = nullptr);

    // `command`: one of commands(); `args`: its arguments (docs/operations.md, "confab-admin").
    // An unknown command or a bad argument is an InvalidValue error and changes nothing.
    void run(const QString &command, const QJsonObject &args, Done done);
    static QStringList commands();

    // What only a running server knows (open connections, uptime), merged into `stats`.
    void setLiveStats(std::function<QJsonObject()> fn) { m_liveStats = std::move(fn); }

    // 20 characters without look-alikes, grouped XXXXX-XXXXX-XXXXX-XXXXX (100 bits).
    static QString generateSecret();

private:
    void usersList(Done done);
    void usersCreate(const QJsonObject &args, Done done);
    void resetPassword(const QJsonObject &args, Done done);
    void setDisabled(const QJsonObject &args, bool disabled, Done done);
    void makeAdmin(const QJsonObject &args, Done done);
    void sessionsList(const QJsonObject &args, Done done);
    void sessionsRevoke(const QJsonObject &args, Done done);
    void invitesCreate(const QJsonObject &args, Done done);
    void roomsList(Done done);
    void roomsDelete(const QJsonObject &args, Done done);
    void stats(Done done);

    // The user named by args["user"] (a username); UserNotFound otherwise.
    Result<qint64> userIdOf(const QJsonObject &args) const;
    QJsonObject userJson(qint64 id) const;

    ServerContext m_ctx;
    UserService *m_users;
    AccountService *m_accounts;
    RoomService *m_rooms;
    std::function<QJsonObject()> m_liveStats;
};

} // namespace confab::server
