#include "userservice.h"

#include "database.h"
#include "storage/backend.h"
#include "metrics.h"

#include <QCryptographicHash>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

#include <sodium.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcUsers, "confab.server.users", QtInfoMsg)

namespace confab::server {

namespace {

const QString kUserColumns = u"id, username, display_name, status_text, created_at"_s;

QString newToken()
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(bytes), sizeof bytes)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Result<User> readUser(QSqlDatabase db, qint64 id)
{
    CachedQuery q(db, u"SELECT "_s + kUserColumns + u" FROM users WHERE id = ?"_s);
    if (auto r = execCached(q, { id }); !r)
        return r.error();
    if (!q->next())
        return makeError(ErrorCode::UserNotFound, u"no user %1"_s.arg(id));
    return userFromRow(*q);
}

} // namespace

User userFromRow(const QSqlQuery &q, int first)
{
    User u;
    u.id = q.value(first).toLongLong();
    u.username = q.value(first + 1).toString();
    u.displayName = q.value(first + 2).toString();
    u.statusText = q.value(first + 3).toString();
    u.createdAt = q.value(first + 4).toLongLong();
    return u;
}

UserService::UserService(const ServerContext &ctx, PasswordHasher::Cost cost, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_hasher(new PasswordHasher(cost, this))
    , m_limiter(ctx.now)
    , m_registrations(ctx.now, qMax(1, ctx.config.registrationsPerHour), 60 * 60 * 1000)
{
    m_ctx.metrics->defineCounter(u"confab_logins_total"_s, u"Login attempts by outcome"_s,
                                 { u"outcome"_s });
    m_ctx.metrics->defineCounter(u"confab_password_hashes_total"_s,
                                 u"argon2id hashes and verifications started"_s, {});
    m_hasher->setWorkStarted(
        [metrics = m_ctx.metrics] { metrics->inc(u"confab_password_hashes_total"_s, {}); });
}

namespace {

Error hasherBusy()
{
    Error e = makeError(ErrorCode::Unavailable, u"the server is busy checking passwords; try again"_s);
    e.retryAfterSeconds = 1;
    return e;
}

Error rateLimited(int wait, const QString &what)
{
    Error e = makeError(ErrorCode::RateLimited, u"%1; try again in %2 s"_s.arg(what).arg(wait));
    e.retryAfterSeconds = wait;
    return e;
}

} // namespace

QByteArray UserService::hashToken(const QString &token)
{
    return QCryptographicHash::hash(token.toLatin1(), QCryptographicHash::Sha256);
}

void UserService::registerUser(const RegisterRequest &req, const QString &address,
                               std::function<void(Result<User>)> done)
{
    // Who may join (docs/security.md): open; invite (a single-use code from an admin); closed
    // (nobody, but for the setup code while the server has no account at all).
    const QString policy = m_ctx.config.registration;
    const bool needInvite = policy != u"open";
    if (needInvite && req.invite.isEmpty())
        return done(makeError(ErrorCode::Forbidden,
                              policy == u"closed"
                                  ? u"registration is closed on this server: ask an admin"_s
                                  : u"this server registers by invitation: ask an admin for an"
                                    u" invite code"_s,
                              u"invite"_s));
    if (needInvite) {
        QSqlQuery q(m_ctx.database->reader());
        q.prepare(u"SELECT created_by FROM invites WHERE code_hash = ? AND used_by IS NULL"
                  u" AND expires_at > ?"_s);
        if (auto r = execPrepared(q, { hashToken(req.invite), m_ctx.now() }); !r)
            return done(r.error());
        const bool valid = q.next() && (policy == u"invite" || q.value(0).toLongLong() == 0);
        if (!valid)
            return done(makeError(ErrorCode::Forbidden,
                                  u"the invite code is not valid (unknown, used or expired)"_s,
                                  u"invite"_s));
    }
    if (m_hasher->busy())
        return done(hasherBusy());
    const bool limited = m_ctx.config.registrationsPerHour > 0;
    const QStringList keys { LoginLimiter::addressKey(address) };
    if (limited) {
        if (const int wait = m_registrations.begin(keys); wait > 0)
            return done(rateLimited(wait, u"too many registrations from your address"_s));
        // Every attempt counts, whatever its outcome.
        done = [this, keys, done = std::move(done)](Result<User> r) {
            m_registrations.end(keys, true);
            done(std::move(r));
        };
    }
    // A taken name costs no hashing (the write below checks again, in its transaction).
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT 1 FROM users WHERE username = ?"_s);
    if (auto r = execPrepared(q, { req.username }); !r)
        return done(r.error());
    if (q.next())
        return done(makeError(ErrorCode::UsernameTaken,
                              u"the username '%1' is taken"_s.arg(req.username), u"username"_s));
    m_hasher->hash(req.password, this, [this, req, needInvite, done](const QByteArray &encoded) {
        if (encoded.isEmpty())
            return done(makeError(ErrorCode::Internal, u"password hashing failed"_s));
        const qint64 now = m_ctx.now();
        m_ctx.database->write(
            [req, encoded, now, needInvite](QSqlDatabase &db) -> Result<QVariant> {
                const auto inserted = insertUser(db, req, encoded, now, false);
                if (!inserted)
                    return inserted.error();
                const QVariant id = inserted.value();
                if (needInvite) {
                    // Used once: checked again here, in the transaction that uses it.
                    QSqlQuery use(db);
                    use.prepare(u"UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ?"
                                u" AND used_by IS NULL AND expires_at > ?"_s);
                    if (auto r = execPrepared(use, { id, now, hashToken(req.invite), now }); !r)
                        return r.error();
                    if (use.numRowsAffected() != 1)
                        return makeError(ErrorCode::Forbidden,
                                         u"the invite code is not valid (unknown, used or"
                                         u" expired)"_s,
                                         u"invite"_s);
                }
                return id;
            },
            this,
            [this, done](const Result<QVariant> &r) {
                if (!r)
                    return done(r.error());
                done(user(r.value().toLongLong()));
            });
    });
}

void UserService::login(const LoginRequest &req, const QString &address,
                        std::function<void(Result<LoginResponse>)> done)
{
    if (m_hasher->busy())
        return done(hasherBusy());
    const QStringList keys { LoginLimiter::userKey(req.username),
                             LoginLimiter::addressKey(address) };
    if (const int wait = m_limiter.begin(keys); wait > 0) {
        m_ctx.metrics->inc(u"confab_logins_total"_s, { u"rate_limited"_s });
        return done(rateLimited(wait, u"too many failed logins"_s));
    }
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT id, password_hash, disabled FROM users WHERE username = ?"_s);
    if (auto r = execPrepared(q, { req.username }); !r) {
        m_limiter.end(keys, false);
        return done(r.error());
    }
    const bool found = q.next();
    const qint64 userId = found ? q.value(0).toLongLong() : 0;
    const QByteArray encoded = found ? q.value(1).toString().toLatin1() : QByteArray();
    const bool disabled = found && q.value(2).toInt() != 0;

    m_hasher->verify(req.password, encoded, this,
                     [this, req, keys, userId, disabled, address, done](bool ok) {
        m_limiter.end(keys, !ok); // a failure is kept; a success gives its places back
        if (!ok) {
            m_ctx.metrics->inc(u"confab_logins_total"_s, { u"failed"_s });
            return done(makeError(ErrorCode::InvalidCredentials, u"wrong username or password"_s));
        }
        m_limiter.clear(LoginLimiter::userKey(req.username));
        if (disabled) { // said only to whoever knows the password
            m_ctx.metrics->inc(u"confab_logins_total"_s, { u"disabled"_s });
            return done(makeError(ErrorCode::Forbidden,
                                  u"this account has been disabled by an admin"_s));
        }
        const QString token = newToken();
        const QByteArray tokenHash = hashToken(token);
        const qint64 now = m_ctx.now();
        const qint64 expires = now + qint64(m_ctx.config.sessionTtlDays) * 24 * 3600 * 1000;
        m_ctx.database->write(
            [userId, tokenHash, device = req.deviceName, now, expires,
             address](QSqlDatabase &db) -> Result<QVariant> {
                QSqlQuery ins(db);
                ins.prepare(u"INSERT INTO sessions (token_hash, user_id, device, created_at,"
                            u" expires_at, last_seen, address) VALUES (?, ?, COALESCE(?, ''), ?, ?,"
                            u" ?, ?)"_s);
                if (auto r = execPrepared(
                        ins, { tokenHash, userId, device, now, expires, now, address });
                    !r)
                    return r.error();
                return QVariant(true);
            },
            this,
            [this, token, expires, userId, done](const Result<QVariant> &r) {
                if (!r)
                    return done(r.error());
                auto u = user(userId);
                if (!u)
                    return done(u.error());
                m_ctx.metrics->inc(u"confab_logins_total"_s, { u"ok"_s });
                done(LoginResponse { token, expires, u.value() });
            });
    });
}

void UserService::logout(const Session &session, std::function<void(Result<bool>)> done)
{
    m_ctx.database->write(
        [hash = session.tokenHash](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"UPDATE sessions SET revoked = 1 WHERE token_hash = ?"_s);
            if (auto r = execPrepared(q, { hash }); !r)
                return r.error();
            return QVariant(true);
        },
        this,
        [this, hash = session.tokenHash, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            announceRevoked({ hash });
            done(true);
        });
}

void UserService::updateProfile(qint64 userId, const ProfilePatch &patch,
                                std::function<void(Result<User>)> done)
{
    m_ctx.database->write(
        [userId, patch](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"UPDATE users SET display_name = COALESCE(?, display_name),"
                      u" status_text = COALESCE(?, status_text) WHERE id = ?"_s);
            const auto opt = [](const std::optional<QString> &v) {
                return v ? QVariant(*v) : QVariant(QMetaType::fromType<QString>());
            };
            if (auto r = execPrepared(q, { opt(patch.displayName), opt(patch.statusText), userId });
                !r)
                return r.error();
            return QVariant(true);
        },
        this,
        [this, userId, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            auto u = user(userId);
            if (u)
                emit userUpdated(u.value());
            done(u);
        });
}

Result<Session> UserService::authenticate(const QString &token, const QHostAddress &peer) const
{
    const Error invalid
        = makeError(ErrorCode::Unauthorized, u"a valid bearer token is required (log in again)"_s);
    if (token.isEmpty())
        return invalid;
    const QByteArray hash = hashToken(token);
    const qint64 now = m_ctx.now();
    CachedQuery q(m_ctx.database->reader(),
                  u"SELECT user_id FROM sessions WHERE token_hash = ? AND revoked = 0"
                  u" AND expires_at > ?"_s);
    if (auto r = execCached(q, { hash, now }); !r)
        return r.error().code == ErrorCode::Unavailable
            ? r.error()
            : makeError(ErrorCode::Unavailable, u"cannot check the session now; try again"_s);
    if (!q->next())
        return invalid;
    Sighting &seen = m_seen[hash];
    seen.atMs = now;
    if (!peer.isNull())
        seen.address = peer.toString();
    return Session { q->value(0).toLongLong(), hash };
}

void UserService::changePassword(const Session &session, const ChangePasswordRequest &req,
                                 const QString &address, std::function<void(Result<int>)> done)
{
    if (m_hasher->busy())
        return done(makeError(ErrorCode::Unavailable, u"the server is busy checking passwords;"
                                                      u" try again"_s));
    const auto who = user(session.userId);
    if (!who)
        return done(who.error());
    // Guessing the current password here is guessing a login: the same limits.
    const QStringList keys { LoginLimiter::userKey(who->username),
                             LoginLimiter::addressKey(address) };
    if (const int wait = m_limiter.begin(keys); wait > 0)
        return done(rateLimited(wait, u"too many wrong passwords"_s));
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT password_hash FROM users WHERE id = ?"_s);
    if (auto r = execPrepared(q, { session.userId }); !r || !q.next()) {
        m_limiter.end(keys, false);
        return done(r ? makeError(ErrorCode::UserNotFound, u"no such user"_s) : r.error());
    }
    const QByteArray encoded = q.value(0).toString().toLatin1();
    m_hasher->verify(req.currentPassword, encoded, this, [this, session, req, keys, done](bool ok) {
        m_limiter.end(keys, !ok);
        if (!ok)
            return done(makeError(ErrorCode::InvalidCredentials,
                                  u"the current password is wrong"_s, u"currentPassword"_s));
        m_hasher->hash(req.newPassword, this, [this, session, req, done](const QByteArray &fresh) {
            if (fresh.isEmpty())
                return done(makeError(ErrorCode::Internal, u"password hashing failed"_s));
            auto revoked = std::make_shared<QList<QByteArray>>();
            m_ctx.database->write(
                [session, fresh, others = req.revokeOtherSessions,
                 revoked](QSqlDatabase &db) -> Result<QVariant> {
                    QSqlQuery q(db);
                    q.prepare(u"UPDATE users SET password_hash = ? WHERE id = ?"_s);
                    if (auto r = execPrepared(q, { QString::fromLatin1(fresh), session.userId });
                        !r)
                        return r.error();
                    if (!others)
                        return QVariant(0);
                    auto hashes = revokeSessions(db, session.userId, session.tokenHash);
                    if (!hashes)
                        return hashes.error();
                    *revoked = hashes.value();
                    return QVariant(int(revoked->size()));
                },
                this,
                [this, revoked, done](const Result<QVariant> &r) {
                    if (!r)
                        return done(r.error());
                    announceRevoked(*revoked); // their sockets close now
                    done(r.value().toInt());
                });
        });
    });
}

Result<qint64> UserService::insertUser(QSqlDatabase &db, const RegisterRequest &req,
                                      const QByteArray &encodedPassword, qint64 now, bool admin)
{
    QSqlQuery q(db);
    q.prepare(u"SELECT 1 FROM users WHERE username = ?"_s);
    if (auto r = execPrepared(q, { req.username }); !r)
        return r.error();
    if (q.next())
        return makeError(ErrorCode::UsernameTaken,
                         u"the username '%1' is taken"_s.arg(req.username), u"username"_s);
    // An empty QString binds as NULL in QtSql: text columns take COALESCE(?, '').
    // The server's first account is its admin.
    q.prepare(u"INSERT INTO users (username, password_hash, display_name, created_at, is_admin)"
              u" VALUES (?, ?, COALESCE(?, ''), ?,"
              u" CASE WHEN ? = 1 OR NOT EXISTS (SELECT 1 FROM users) THEN 1 ELSE 0 END)"_s
              + storage::returningId(db));
    if (auto r = execPrepared(q, { req.username, QString::fromLatin1(encodedPassword),
                                   req.displayName, now, admin ? 1 : 0 });
        !r)
        return r.error();
    return storage::insertedId(db, q).value_or(0);
}

Result<QList<QByteArray>> UserService::revokeSessions(QSqlDatabase &db, qint64 userId,
                                                      const QByteArray &except)
{
    // (An empty QByteArray would bind as NULL, and "!= NULL" matches nothing.)
    const QString but = except.isEmpty() ? QString() : u" AND token_hash != ?"_s;
    const QVariantList args = except.isEmpty() ? QVariantList { userId }
                                               : QVariantList { userId, except };
    QSqlQuery q(db);
    q.prepare(u"SELECT token_hash FROM sessions WHERE user_id = ? AND revoked = 0"_s + but);
    if (auto r = execPrepared(q, args); !r)
        return r.error();
    QList<QByteArray> hashes;
    while (q.next())
        hashes.append(q.value(0).toByteArray());
    q.prepare(u"UPDATE sessions SET revoked = 1 WHERE user_id = ? AND revoked = 0"_s + but);
    if (auto r = execPrepared(q, args); !r)
        return r.error();
    return hashes;
}

void UserService::announceRevoked(const QList<QByteArray> &tokenHashes)
{
    for (const QByteArray &hash : tokenHashes) {
        forgetSession(hash);
        emit sessionRevoked(hash);
    }
}

bool UserService::isAdmin(qint64 userId) const
{
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT is_admin FROM users WHERE id = ?"_s);
    return execPrepared(q, { userId }) && q.next() && q.value(0).toInt() != 0;
}

Result<User> UserService::user(qint64 id) const
{
    return readUser(m_ctx.database->reader(), id);
}

QList<User> UserService::listUsers(const QString &prefix, int limit) const
{
    QSqlQuery q(m_ctx.database->reader());
    // Prefix match on username or display name; LIKE wildcards in the input are escaped.
    QString escaped = prefix;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"%"_s, u"\\%"_s).replace(u"_"_s, u"\\_"_s);
    q.prepare(u"SELECT "_s + kUserColumns
              + u" FROM users WHERE lower(username) LIKE lower(?) ESCAPE '\\'"
                u" OR lower(display_name) LIKE lower(?) ESCAPE '\\'"
                u" ORDER BY username LIMIT ?"_s);
    QList<User> users;
    const QString pattern = escaped + u'%';
    if (!execPrepared(q, { pattern, pattern, limit }))
        return users;
    while (q.next())
        users.append(userFromRow(q));
    return users;
}

} // namespace confab::server
