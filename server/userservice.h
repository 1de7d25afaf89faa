// UserService: accounts, login sessions and profiles.
// Passwords: argon2id (PasswordHasher, off the event loop). Sessions: 256-bit random opaque
// tokens, stored only as SHA-256 hashes with an expiry; a user may hold several (one per device);
// logout revokes the one presented.
#pragma once

#include "loginlimiter.h"
#include "passwordhasher.h"
#include "requests.h"
#include "servercontext.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <optional>

class QSqlDatabase;
class QSqlQuery;

namespace confab::server {

struct Session
{
    qint64 userId = 0;
    QByteArray tokenHash;
};

class UserService : public QObject
{
    Q_OBJECT
public:
    UserService(const ServerContext &ctx, PasswordHasher::Cost cost, QObject *parent = nullptr);

    // Limited per address (ServerConfig::registrationsPerHour, 429); a taken name is refused
    // before any hashing (409); a full hashing queue answers 503 with Retry-After.
    void registerUser(const RegisterRequest &req, const QString &address,
                      std::function<void(Result<User>)> done);
    // Failed attempts are limited per username and per address, counting attempts still being
    // checked (429); a full hashing queue answers 503 with Retry-After.
    void login(const LoginRequest &req, const QString &address,
               std::function<void(Result<LoginResponse>)> done);
    void logout(const Session &session, std::function<void(Result<bool>)> done);
    void updateProfile(qint64 userId, const ProfilePatch &patch,
                       std::function<void(Result<User>)> done);

    // The current password is required (checked like a login, with its limits); the other
    // sessions are revoked when asked. Returns how many were revoked.
    void changePassword(const Session &session, const ChangePasswordRequest &req,
                        const QString &address, std::function<void(Result<int>)> done);

    // Synchronous reads (WAL reader; never wait for the writer). `peer`: where the session is
    // used from (kept in memory as its last sighting; see lastSeen()).
    // Unauthorized for a token that is not a live session; Unavailable when storage cannot say
    // (a client must not be sent back to its login screen because PostgreSQL restarts).
    Result<Session> authenticate(const QString &token, const QHostAddress &peer = {}) const;
    struct Sighting
    {
        qint64 atMs = 0;
        QString address;
    };
    // When and where a session was last used since the server started (empty before).
    Sighting lastSeen(const QByteArray &tokenHash) const { return m_seen.value(tokenHash); }
    void forgetSession(const QByteArray &tokenHash) { m_seen.remove(tokenHash); }

    // Inside a write job: a new account (the name checked again, in this transaction); the
    // server's first account is its admin whatever `admin` says. Returns its id.
    static Result<qint64> insertUser(QSqlDatabase &db, const RegisterRequest &req,
                                     const QByteArray &encodedPassword, qint64 now, bool admin);
    // Inside a write job: revokes every live session of `userId` but `except`, and returns
    // their token hashes (for announceRevoked() once committed).
    static Result<QList<QByteArray>> revokeSessions(QSqlDatabase &db, qint64 userId,
                                                    const QByteArray &except = {});
    // After the commit: forgets them and emits sessionRevoked() for each (their sockets close).
    void announceRevoked(const QList<QByteArray> &tokenHashes);
    Result<User> user(qint64 id) const;
    QList<User> listUsers(const QString &prefix, int limit) const;

    static QByteArray hashToken(const QString &token);
    bool isAdmin(qint64 userId) const;
    // argon2id off the event loop, at the server's cost (AdminService sets passwords with it).
    PasswordHasher &hasher() { return *m_hasher; }

signals:
    void sessionRevoked(const QByteArray &tokenHash);
    void userUpdated(const confab::User &user);

private:
    ServerContext m_ctx;
    PasswordHasher *m_hasher;
    LoginLimiter m_limiter; // failed logins, per username and per address
    LoginLimiter m_registrations; // registrations per address
    mutable QHash<QByteArray, Sighting> m_seen; // per session token hash
};

// Reads a user row (id, username, display_name, status_text, created_at).
User userFromRow(const QSqlQuery &q, int first = 0);

} // namespace confab::server
