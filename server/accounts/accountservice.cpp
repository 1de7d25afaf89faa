#include "accountservice.h"

#include "database.h"

#include <QSqlQuery>

#include <sodium.h>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

constexpr qint64 kHourMs = 3600 * 1000;

} // namespace

QString AccountService::newCode()
{
    static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"; // 31 letters
    QString code;
    for (int i = 0; i < 20; ++i) {
        if (i > 0 && i % 5 == 0)
            code += u'-';
        code += QLatin1Char(alphabet[randombytes_uniform(sizeof alphabet - 1)]);
    }
    return code;
}

AccountService::AccountService(const ServerContext &ctx, UserService *users, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_users(users)
{
}

bool AccountService::isAdmin(qint64 userId) const
{
    return m_users->isAdmin(userId);
}

bool AccountService::isDisabled(qint64 userId) const
{
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT disabled FROM users WHERE id = ?"_s);
    return execPrepared(q, { userId }) && q.next() && q.value(0).toInt() != 0;
}

Error AccountService::notAdmin() const
{
    return makeError(ErrorCode::Forbidden, u"only a server admin may do this"_s);
}

Result<QList<SessionInfo>> AccountService::sessions(const Session &caller) const
{
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT id, token_hash, device, created_at, last_seen, address FROM sessions"
              u" WHERE user_id = ? AND revoked = 0 AND expires_at > ? ORDER BY created_at"_s);
    if (auto r = execPrepared(q, { caller.userId, m_ctx.now() }); !r)
        return r.error();
    QList<SessionInfo> out;
    while (q.next()) {
        SessionInfo s;
        s.id = q.value(0).toLongLong();
        const QByteArray hash = q.value(1).toByteArray();
        s.device = q.value(2).toString();
        s.createdAt = q.value(3).toLongLong();
        s.lastSeenAt = q.value(4).toLongLong();
        s.address = q.value(5).toString();
        // Newer than the stored one: what this server saw since it started.
        const UserService::Sighting seen = m_users->lastSeen(hash);
        if (seen.atMs > s.lastSeenAt) {
            s.lastSeenAt = seen.atMs;
            if (!seen.address.isEmpty())
                s.address = seen.address;
        }
        s.current = hash == caller.tokenHash;
        out.append(s);
    }
    return out;
}

void AccountService::revokeSession(const Session &caller, qint64 sessionId,
                                   std::function<void(Result<bool>)> done)
{
    m_ctx.database->write(
        [caller, sessionId](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"SELECT token_hash FROM sessions WHERE id = ? AND user_id = ?"
                      u" AND revoked = 0"_s);
            if (auto r = execPrepared(q, { sessionId, caller.userId }); !r)
                return r.error();
            if (!q.next())
                return makeError(ErrorCode::NotFound, u"you have no session %1"_s.arg(sessionId));
            const QByteArray hash = q.value(0).toByteArray();
            q.prepare(u"UPDATE sessions SET revoked = 1 WHERE id = ?"_s);
            if (auto r = execPrepared(q, { sessionId }); !r)
                return r.error();
            return QVariant(hash);
        },
        this,
        [this, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            // Its WebSocket and SSE connections close now.
            m_users->announceRevoked({ r.value().toByteArray() });
            done(true);
        });
}

void AccountService::createInvite(const Session &caller, const CreateInviteRequest &req,
                                  std::function<void(Result<Invite>)> done)
{
    if (!isAdmin(caller.userId))
        return done(notAdmin());
    const QString code = newCode();
    const qint64 now = m_ctx.now();
    const qint64 expires = now + req.expiresInHours * kHourMs;
    m_ctx.database->write(
        [hash = UserService::hashToken(code), by = caller.userId, now,
         expires](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"INSERT INTO invites (code_hash, created_by, created_at, expires_at)"
                      u" VALUES (?, ?, ?, ?)"_s);
            if (auto r = execPrepared(q, { hash, by, now, expires }); !r)
                return r.error();
            return QVariant(true);
        },
        this,
        [code, expires, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            done(Invite { code, expires });
        });
}

void AccountService::setDisabled(const Session &caller, qint64 userId, bool disabled,
                                 std::function<void(Result<User>)> done)
{
    if (!isAdmin(caller.userId))
        return done(notAdmin());
    if (userId == caller.userId && disabled)
        return done(makeError(ErrorCode::Conflict, u"you cannot disable your own account"_s));
    applyDisabled(userId, disabled, [this, userId, done](Result<int> r) {
        if (!r)
            return done(r.error());
        done(m_users->user(userId));
    });
}

void AccountService::applyDisabled(qint64 userId, bool disabled,
                                   std::function<void(Result<int>)> done)
{
    auto revoked = std::make_shared<QList<QByteArray>>();
    m_ctx.database->write(
        [userId, disabled, revoked](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"UPDATE users SET disabled = ? WHERE id = ?"_s);
            if (auto r = execPrepared(q, { disabled ? 1 : 0, userId }); !r)
                return r.error();
            if (q.numRowsAffected() != 1)
                return makeError(ErrorCode::UserNotFound, u"no user %1"_s.arg(userId));
            if (!disabled)
                return QVariant(true);
            // Every session ends with the account, in the same transaction.
            auto hashes = UserService::revokeSessions(db, userId);
            if (!hashes)
                return hashes.error();
            *revoked = hashes.value();
            return QVariant(true);
        },
        this,
        [this, revoked, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            m_users->announceRevoked(*revoked); // their WebSocket and SSE streams close now
            done(int(revoked->size()));
        });
}

Result<QString> AccountService::setupCodeIfNeeded()
{
    if (m_ctx.config.registration == u"open")
        return QString();
    QSqlQuery q(m_ctx.database->reader());
    if (!q.exec(u"SELECT COUNT(*) FROM users"_s) || !q.next())
        return makeError(ErrorCode::Internal, u"cannot count accounts"_s);
    if (q.value(0).toLongLong() > 0)
        return QString();
    const QString code = newCode();
    const qint64 now = m_ctx.now();
    // Synchronous: the code is printed only once it is stored.
    auto done = std::make_shared<std::optional<Result<QVariant>>>();
    m_ctx.database->write(
        [hash = UserService::hashToken(code), now](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery ins(db);
            ins.prepare(u"INSERT INTO invites (code_hash, created_by, created_at, expires_at)"
                        u" VALUES (?, 0, ?, ?)"_s);
            if (auto r = execPrepared(ins, { hash, now, now + 7 * 24 * kHourMs }); !r)
                return r.error();
            return QVariant(true);
        },
        this, [done](const Result<QVariant> &r) { *done = r; });
    m_ctx.database->flush();
    if (!*done || !**done)
        return makeError(ErrorCode::Internal, u"cannot store the setup code"_s);
    return code;
}

} // namespace confab::server
