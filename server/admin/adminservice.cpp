#include "adminservice.h"

#include "accounts/accountservice.h"
#include "database.h"
#include "jsonreader.h"
#include "passwordhasher.h"
#include "requests.h"
#include "roomservice.h"
#include "schema.h"
#include "userservice.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

Error badArgument(const QString &message)
{
    return makeError(ErrorCode::InvalidValue, message);
}

qint64 scalar(QSqlDatabase db, const QString &sql)
{
    QSqlQuery q(db);
    return q.exec(sql) && q.next() ? q.value(0).toLongLong() : -1;
}

} // namespace

AdminService::AdminService(const ServerContext &ctx, UserService *users, AccountService *accounts,
                           RoomService *rooms, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_users(users)
    , m_accounts(accounts)
    , m_rooms(rooms)
{
}

QStringList AdminService::commands()
{
    return { u"users.list"_s,     u"users.create"_s,    u"users.reset-password"_s,
             u"users.disable"_s,  u"users.enable"_s,    u"users.make-admin"_s,
             u"sessions.list"_s,  u"sessions.revoke"_s, u"rooms.list"_s,
             u"rooms.delete"_s,   u"invites.create"_s, u"stats"_s };
}

QString AdminService::generateSecret()
{
    return AccountService::newCode(); // the invite codes' alphabet and length: easy to read out
}

void AdminService::run(const QString &command, const QJsonObject &args, Done done)
{
    if (command == u"users.list")
        return usersList(std::move(done));
    if (command == u"users.create")
        return usersCreate(args, std::move(done));
    if (command == u"users.reset-password")
        return resetPassword(args, std::move(done));
    if (command == u"users.disable" || command == u"users.enable")
        return setDisabled(args, command == u"users.disable", std::move(done));
    if (command == u"users.make-admin")
        return makeAdmin(args, std::move(done));
    if (command == u"sessions.list")
        return sessionsList(args, std::move(done));
    if (command == u"sessions.revoke")
        return sessionsRevoke(args, std::move(done));
    if (command == u"rooms.list")
        return roomsList(std::move(done));
    if (command == u"rooms.delete")
        return roomsDelete(args, std::move(done));
    if (command == u"invites.create")
        return invitesCreate(args, std::move(done));
    if (command == u"stats")
        return stats(std::move(done));
    done(badArgument(u"unknown command '%1' (known: %2)"_s.arg(command.left(64),
                                                               commands().join(u", "_s))));
}

Result<qint64> AdminService::userIdOf(const QJsonObject &args) const
{
    JsonReader r(args);
    const QString name = r.text(u"user", usernameRule());
    if (!r.ok())
        return r.error();
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT id FROM users WHERE username = ?"_s);
    if (auto e = execPrepared(q, { name }); !e)
        return e.error();
    if (!q.next())
        return makeError(ErrorCode::UserNotFound, u"there is no user '%1'"_s.arg(name));
    return q.value(0).toLongLong();
}

QJsonObject AdminService::userJson(qint64 id) const
{
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT u.id, u.username, u.display_name, u.created_at, u.is_admin, u.disabled,"
              u" (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.revoked = 0"
              u"  AND s.expires_at > ?)"
              u" FROM users u WHERE u.id = ?"_s);
    if (!execPrepared(q, { m_ctx.now(), id }) || !q.next())
        return {};
    return { { u"id"_s, q.value(0).toLongLong() },
             { u"username"_s, q.value(1).toString() },
             { u"displayName"_s, q.value(2).toString() },
             { u"createdAt"_s, q.value(3).toLongLong() },
             { u"admin"_s, q.value(4).toInt() != 0 },
             { u"disabled"_s, q.value(5).toInt() != 0 },
             { u"sessions"_s, q.value(6).toLongLong() } };
}

void AdminService::usersList(Done done)
{
    QSqlQuery q(m_ctx.database->reader());
    if (!q.exec(u"SELECT id FROM users ORDER BY id"_s))
        return done(makeError(ErrorCode::Internal, u"cannot list users"_s));
    QJsonArray out;
    while (q.next())
        out.append(userJson(q.value(0).toLongLong()));
    done(QJsonValue(out));
}

void AdminService::usersCreate(const QJsonObject &args, Done done)
{
    // The registration rules for the name and the password; no invite, no rate limit.
    const bool generated = !args.contains(u"password"_s);
    QJsonObject reg { { u"username"_s, args.value(u"user"_s) },
                      { u"password"_s,
                        generated ? QJsonValue(generateSecret()) : args.value(u"password"_s) } };
    if (args.contains(u"displayName"_s))
        reg.insert(u"displayName"_s, args.value(u"displayName"_s));
    auto req = RegisterRequest::fromJson(reg);
    if (!req) {
        Error e = req.error();
        if (e.field == u"username")
            e.field = u"user"_s;
        return done(e);
    }
    const bool admin = args.value(u"admin"_s).toBool(false);
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT 1 FROM users WHERE username = ?"_s);
    if (auto r = execPrepared(q, { req->username }); !r)
        return done(r.error());
    if (q.next())
        return done(makeError(ErrorCode::UsernameTaken,
                              u"the username '%1' is taken"_s.arg(req->username)));
    const RegisterRequest request = req.value();
    m_users->hasher().hash(request.password, this, [this, request, admin, generated,
                                                    done](const QByteArray &encoded) {
        if (encoded.isEmpty())
            return done(makeError(ErrorCode::Internal, u"password hashing failed"_s));
        const qint64 now = m_ctx.now();
        m_ctx.database->write(
            [request, encoded, admin, now](QSqlDatabase &db) -> Result<QVariant> {
                auto id = UserService::insertUser(db, request, encoded, now, admin);
                if (!id)
                    return id.error();
                return QVariant(id.value());
            },
            this,
            [this, request, generated, done](const Result<QVariant> &r) {
                if (!r)
                    return done(r.error());
                QJsonObject out { { u"user"_s, userJson(r.value().toLongLong()) } };
                if (generated)
                    out.insert(u"password"_s, request.password);
                done(QJsonValue(out));
            });
    });
}

void AdminService::resetPassword(const QJsonObject &args, Done done)
{
    const auto id = userIdOf(args);
    if (!id)
        return done(id.error());
    const bool generated = !args.contains(u"password"_s);
    QString password = generated ? generateSecret() : QString();
    if (!generated) {
        JsonReader r(args);
        password = r.text(u"password", passwordRule());
        if (!r.ok())
            return done(r.error());
    }
    const qint64 userId = id.value();
    m_users->hasher().hash(password, this, [this, userId, password, generated,
                                            done](const QByteArray &encoded) {
        if (encoded.isEmpty())
            return done(makeError(ErrorCode::Internal, u"password hashing failed"_s));
        auto revoked = std::make_shared<QList<QByteArray>>();
        m_ctx.database->write(
            [userId, encoded, revoked](QSqlDatabase &db) -> Result<QVariant> {
                QSqlQuery q(db);
                q.prepare(u"UPDATE users SET password_hash = ? WHERE id = ?"_s);
                if (auto r = execPrepared(q, { QString::fromLatin1(encoded), userId }); !r)
                    return r.error();
                // Whoever held the old password is out: every session ends with it.
                auto hashes = UserService::revokeSessions(db, userId);
                if (!hashes)
                    return hashes.error();
                *revoked = hashes.value();
                return QVariant(true);
            },
            this,
            [this, userId, password, generated, revoked, done](const Result<QVariant> &r) {
                if (!r)
                    return done(r.error());
                m_users->announceRevoked(*revoked);
                QJsonObject out { { u"user"_s, userJson(userId) },
                                  { u"sessionsEnded"_s, qint64(revoked->size()) } };
                if (generated)
                    out.insert(u"password"_s, password);
                done(QJsonValue(out));
            });
    });
}

void AdminService::setDisabled(const QJsonObject &args, bool disabled, Done done)
{
    const auto id = userIdOf(args);
    if (!id)
        return done(id.error());
    const qint64 userId = id.value();
    // The same as an admin's REST call; its WebSocket and SSE streams close now.
    m_accounts->applyDisabled(userId, disabled, [this, userId, done](Result<int> ended) {
        if (!ended)
            return done(ended.error());
        done(QJsonValue(QJsonObject { { u"user"_s, userJson(userId) },
                                      { u"sessionsEnded"_s, ended.value() } }));
    });
}

void AdminService::makeAdmin(const QJsonObject &args, Done done)
{
    const auto id = userIdOf(args);
    if (!id)
        return done(id.error());
    if (args.contains(u"admin"_s) && !args.value(u"admin"_s).isBool())
        return done(makeError(ErrorCode::WrongType, u"admin must be true or false"_s,
                              u"admin"_s));
    const bool admin = args.value(u"admin"_s).toBool(true);
    const qint64 userId = id.value();
    m_ctx.database->write(
        [userId, admin](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            if (!admin) {
                // A server keeps at least one admin who can still log in.
                q.prepare(u"SELECT COUNT(*) FROM users WHERE is_admin = 1 AND disabled = 0"
                          u" AND id != ?"_s);
                if (auto r = execPrepared(q, { userId }); !r)
                    return r.error();
                if (q.next() && q.value(0).toLongLong() == 0)
                    return makeError(ErrorCode::Conflict,
                                     u"this is the server's last admin: make another one first"_s);
            }
            q.prepare(u"UPDATE users SET is_admin = ? WHERE id = ?"_s);
            if (auto r = execPrepared(q, { admin ? 1 : 0, userId }); !r)
                return r.error();
            return QVariant(true);
        },
        this,
        [this, userId, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            done(QJsonValue(QJsonObject { { u"user"_s, userJson(userId) } }));
        });
}

void AdminService::sessionsList(const QJsonObject &args, Done done)
{
    std::optional<qint64> only;
    if (args.contains(u"user"_s)) {
        const auto id = userIdOf(args);
        if (!id)
            return done(id.error());
        only = id.value();
    }
    QSqlQuery q(m_ctx.database->reader());
    q.prepare(u"SELECT s.id, u.username, s.device, s.created_at, s.last_seen, s.address,"
              u" s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id"
              u" WHERE s.revoked = 0 AND s.expires_at > ? AND (CAST(? AS BIGINT) IS NULL OR s.user_id = ?)"
              u" ORDER BY s.id"_s);
    const QVariant user = only ? QVariant(*only) : QVariant();
    if (auto r = execPrepared(q, { m_ctx.now(), user, user }); !r)
        return done(r.error());
    QJsonArray out;
    while (q.next()) {
        qint64 lastSeen = q.value(4).toLongLong();
        QString address = q.value(5).toString();
        const UserService::Sighting seen = m_users->lastSeen(q.value(6).toByteArray());
        if (seen.atMs > lastSeen) {
            lastSeen = seen.atMs;
            if (!seen.address.isEmpty())
                address = seen.address;
        }
        out.append(QJsonObject { { u"id"_s, q.value(0).toLongLong() },
                                 { u"user"_s, q.value(1).toString() },
                                 { u"device"_s, q.value(2).toString() },
                                 { u"createdAt"_s, q.value(3).toLongLong() },
                                 { u"lastSeenAt"_s, lastSeen },
                                 { u"address"_s, address } });
    }
    done(QJsonValue(out));
}

void AdminService::sessionsRevoke(const QJsonObject &args, Done done)
{
    JsonReader r(args);
    const qint64 sessionId = r.id(u"id");
    if (!r.ok())
        return done(r.error());
    m_ctx.database->write(
        [sessionId](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"SELECT token_hash FROM sessions WHERE id = ? AND revoked = 0"_s);
            if (auto e = execPrepared(q, { sessionId }); !e)
                return e.error();
            if (!q.next())
                return makeError(ErrorCode::NotFound,
                                 u"there is no live session %1"_s.arg(sessionId));
            const QByteArray hash = q.value(0).toByteArray();
            q.prepare(u"UPDATE sessions SET revoked = 1 WHERE id = ?"_s);
            if (auto e = execPrepared(q, { sessionId }); !e)
                return e.error();
            return QVariant(hash);
        },
        this,
        [this, sessionId, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            m_users->announceRevoked({ r.value().toByteArray() });
            done(QJsonValue(QJsonObject { { u"revoked"_s, sessionId } }));
        });
}

void AdminService::invitesCreate(const QJsonObject &args, Done done)
{
    JsonReader r(args);
    const qint64 hours = r.optionalInteger(u"expiresInHours", 1, 720).value_or(72);
    if (!r.ok())
        return done(r.error());
    const QString code = generateSecret();
    const qint64 now = m_ctx.now();
    const qint64 expires = now + hours * 3600 * 1000;
    // created_by -1: an operator through confab-admin (0 is the setup code, the one code a
    // closed server takes; an operator's invite is an ordinary one).
    m_ctx.database->write(
        [hash = UserService::hashToken(code), now, expires](QSqlDatabase &db) -> Result<QVariant> {
            QSqlQuery q(db);
            q.prepare(u"INSERT INTO invites (code_hash, created_by, created_at, expires_at)"
                      u" VALUES (?, -1, ?, ?)"_s);
            if (auto e = execPrepared(q, { hash, now, expires }); !e)
                return e.error();
            return QVariant(true);
        },
        this,
        [code, expires, done](const Result<QVariant> &r) {
            if (!r)
                return done(r.error());
            done(QJsonValue(QJsonObject { { u"code"_s, code }, { u"expiresAt"_s, expires } }));
        });
}

void AdminService::roomsList(Done done)
{
    QSqlQuery q(m_ctx.database->reader());
    if (!q.exec(u"SELECT r.id, r.name, r.visibility, COALESCE(o.username, ''), r.created_at,"
                u" r.msg_count, r.last_seq,"
                u" (SELECT COUNT(*) FROM members m WHERE m.room_id = r.id),"
                u" (SELECT MAX(e.ts) FROM events e WHERE e.room_id = r.id AND e.seq = r.last_seq)"
                u" FROM rooms r LEFT JOIN users o ON o.id = r.owner_id"
                u" WHERE r.deleted = 0 ORDER BY r.id"_s))
        return done(makeError(ErrorCode::Internal, u"cannot list rooms"_s));
    QJsonArray out;
    while (q.next())
        out.append(QJsonObject { { u"id"_s, q.value(0).toLongLong() },
                                 { u"name"_s, q.value(1).toString() },
                                 { u"visibility"_s, q.value(2).toString() },
                                 { u"owner"_s, q.value(3).toString() },
                                 { u"createdAt"_s, q.value(4).toLongLong() },
                                 { u"messages"_s, q.value(5).toLongLong() },
                                 { u"lastSeq"_s, q.value(6).toLongLong() },
                                 { u"members"_s, q.value(7).toLongLong() },
                                 { u"lastActivityAt"_s, q.value(8).toLongLong() } });
    done(QJsonValue(out));
}

void AdminService::roomsDelete(const QJsonObject &args, Done done)
{
    JsonReader r(args);
    const qint64 roomId = r.id(u"room");
    if (!r.ok())
        return done(r.error());
    m_rooms->removeAsServer(roomId, [roomId, done](Result<bool> r) {
        if (!r)
            return done(r.error());
        done(QJsonValue(QJsonObject { { u"deleted"_s, roomId } }));
    });
}

void AdminService::stats(Done done)
{
    QSqlDatabase db = m_ctx.database->reader();
    QJsonObject out {
        { u"users"_s, scalar(db, u"SELECT COUNT(*) FROM users"_s) },
        { u"admins"_s, scalar(db, u"SELECT COUNT(*) FROM users WHERE is_admin = 1"_s) },
        { u"disabledUsers"_s, scalar(db, u"SELECT COUNT(*) FROM users WHERE disabled = 1"_s) },
        { u"rooms"_s, scalar(db, u"SELECT COUNT(*) FROM rooms WHERE deleted = 0"_s) },
        { u"messages"_s, scalar(db, u"SELECT COALESCE(SUM(msg_count), 0) FROM rooms"_s) },
        { u"events"_s, scalar(db, u"SELECT COALESCE(MAX(id), 0) FROM events"_s) },
        { u"liveSessions"_s,
          scalar(db, u"SELECT COUNT(*) FROM sessions WHERE revoked = 0 AND expires_at > %1"_s.arg(
                         m_ctx.now())) },
        { u"schemaVersion"_s, m_ctx.database->schemaVersion() },
        { u"databaseBytes"_s, QFileInfo(m_ctx.database->path()).size() },
        { u"walBytes"_s, QFileInfo(m_ctx.database->path() + u"-wal"_s).size() },
        { u"epoch"_s, m_ctx.database->epoch() },
        { u"running"_s, bool(m_liveStats) },
    };
    if (m_liveStats) {
        const QJsonObject live = m_liveStats();
        for (auto it = live.begin(); it != live.end(); ++it)
            out.insert(it.key(), it.value());
    }
    done(QJsonValue(out));
}

} // namespace confab::server
