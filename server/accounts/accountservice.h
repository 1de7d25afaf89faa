// AccountService: what users and admins manage about accounts (docs/protocol.md, "Accounts"):
//  - a user's own login sessions: listed (device, created, last seen, address) and revoked one
//    by one; a revoked session's WebSocket and SSE connections close at once (sessionRevoked);
//  - the server-level admin role (the first account registered holds it);
//  - single-use invite codes with an expiry, made by admins (stored hashed, like tokens);
//  - disabling an account: its sessions end at once and it cannot log in.
// Passwords stay with UserService (login, registration, password change).
#pragma once

#include "requests.h"
#include "servercontext.h"
#include "userservice.h"

#include <QObject>

namespace confab::server {

class AccountService : public QObject
{
    Q_OBJECT
public:
    AccountService(const ServerContext &ctx, UserService *users, QObject *parent = nullptr);

    bool isAdmin(qint64 userId) const;
    bool isDisabled(qint64 userId) const;

    Result<QList<SessionInfo>> sessions(const Session &caller) const;
    // 404 unless `sessionId` is one of the caller's own live sessions.
    void revokeSession(const Session &caller, qint64 sessionId,
                       std::function<void(Result<bool>)> done);

    // Admins only (403 otherwise).
    void createInvite(const Session &caller, const CreateInviteRequest &req,
                      std::function<void(Result<Invite>)> done);
    void setDisabled(const Session &caller, qint64 userId, bool disabled,
                     std::function<void(Result<User>)> done);
    // The change itself, for whoever may make it (an admin above, an operator through
    // confab-admin): `done` gets the number of sessions that ended.
    void applyDisabled(qint64 userId, bool disabled, std::function<void(Result<int>)> done);

    // While the server has no account and registration is not open: a single-use code for the
    // first (admin) account, valid 7 days (printed at start). Empty otherwise.
    Result<QString> setupCodeIfNeeded();

    // 20 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 100 bits,
    // grouped XXXXX-XXXXX-XXXXX-XXXXX: invite codes, and passwords confab-admin makes.
    static QString newCode();

private:
    Error notAdmin() const;

    ServerContext m_ctx;
    UserService *m_users;
};

} // namespace confab::server
