#include "apiclient.h"

#include "jsonreader.h"
#include "protocollimits.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcApi, "confab.client.api", QtInfoMsg)

namespace confab::client {

struct ApiClient::Attempt
{
    QByteArray method;
    QString path;
    QByteArray body;
    Idempotency idempotency;
    JsonDone done;
    Backoff backoff;
    int number = 0;
};

namespace {

// Parses a typed answer from a JSON object with T::fromJson.
template<typename T> ApiClient::JsonDone typed(std::function<void(Result<T>)> done)
{
    return [done = std::move(done)](Result<QJsonObject> r) {
        if (!r)
            return done(r.error());
        done(T::fromJson(r.value()));
    };
}

ApiClient::JsonDone ok(std::function<void(Result<bool>)> done)
{
    return [done = std::move(done)](Result<QJsonObject> r) {
        if (!r)
            return done(r.error());
        done(true);
    };
}

template<typename T>
ApiClient::JsonDone list(const QString &key, std::function<void(Result<QList<T>>)> done)
{
    return [key, done = std::move(done)](Result<QJsonObject> r) {
        if (!r)
            return done(r.error());
        done(listFromJson<T>(r->value(key), key));
    };
}

bool neverReachedServer(QNetworkReply::NetworkError e)
{
    return e == QNetworkReply::ConnectionRefusedError || e == QNetworkReply::HostNotFoundError;
}

} // namespace

ApiClient::ApiClient(QUrl server, QObject *parent)
    : ApiClient(std::move(server), Options {}, parent)
{
}

ApiClient::ApiClient(QUrl server, Options options, QObject *parent)
    : QObject(parent)
    , m_server(std::move(server))
    , m_options(std::move(options))
    , m_breaker(m_options.breaker, m_options.clock, this)
{
}

QString ApiClient::newTraceparent()
{
    auto hex = [](int bytes) {
        QByteArray b(bytes, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(b.data()), bytes / 4);
        return QString::fromLatin1(b.toHex());
    };
    return u"00-"_s + hex(16) + u'-' + hex(8) + u"-01"_s;
}

void ApiClient::call(const QByteArray &method, const QString &path, const QJsonObject &body,
                     Idempotency idempotency, JsonDone done)
{
    auto a = std::make_shared<Attempt>(
        Attempt { method, path,
                  body.isEmpty() && method != "POST" && method != "PATCH"
                      ? QByteArray()
                      : QJsonDocument(body).toJson(QJsonDocument::Compact),
                  idempotency, std::move(done),
                  Backoff(m_options.retry, m_options.clock, m_options.random), 0 });
    attempt(std::move(a));
}

void ApiClient::setServer(const QUrl &server)
{
    if (server == m_server)
        return;
    m_server = server;
    m_breaker.reset();
}

QNetworkRequest ApiClient::request(const QString &path) const
{
    QUrl url = m_server;
    url.setPath(u"/api/v1"_s + path, QUrl::TolerantMode);
    QNetworkRequest req(url);
    req.setRawHeader("traceparent", newTraceparent().toLatin1());
    m_trust.prepare(req);
    if (!m_token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_token.toLatin1());
    return req;
}

void ApiClient::attempt(std::shared_ptr<Attempt> a)
{
    ++a->number;
    const auto admission = m_breaker.allow();
    if (!admission.allowed()) {
        const auto wait = m_breaker.retryIn();
        return a->done(makeError(
            ErrorCode::Unavailable,
            admission.rejection == CircuitBreaker::Rejection::Open
                ? u"server unreachable; next try in %1 s"_s.arg((wait.count() + 999) / 1000)
                : u"server recovering; try again shortly"_s));
    }
    QUrl url = m_server;
    const QString path = a->path.startsWith(u"//"_s) ? a->path.mid(1) : u"/api/v1"_s + a->path;
    const qsizetype q = path.indexOf(u'?');
    // Tolerant: a path segment may arrive percent-encoded (a reaction key "a/b" is a%2Fb).
    url.setPath(q < 0 ? path : path.left(q), QUrl::TolerantMode);
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest req(url);
    req.setTransferTimeout(int(m_options.transferTimeout.count()));
    req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
    req.setRawHeader("traceparent", newTraceparent().toLatin1());
    m_trust.prepare(req);
    if (!m_token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_token.toLatin1());

    QElapsedTimer rtt;
    rtt.start();
    QNetworkReply *reply = m_nam.sendCustomRequest(req, a->method, a->body);
    m_trust.watch(reply);
    connect(
        reply, &QNetworkReply::finished, this, [this, a, reply, rtt, gen = admission.generation] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray bytes = reply->readAll();
            emit requestFinished(status, rtt.elapsed());
            if (reply->error() == QNetworkReply::SslHandshakeFailedError && m_trust.pending()) {
                // Refused here, by trust on first use: the server is up (it answered the
                // handshake), and retrying cannot help until the user decides.
                m_breaker.record(gen, true);
                const auto p = *m_trust.pending();
                return a->done(makeError(
                    ErrorCode::UntrustedCertificate,
                    p.seen == ServerTrust::Seen::Changed
                        ? u"the server's certificate CHANGED (SHA-256 %1, trusted was %2)"_s.arg(
                              p.fingerprint, p.pinned)
                        : u"the server's certificate is not trusted yet (SHA-256 %1)"_s.arg(
                              p.fingerprint)));
            }
            // The breaker judges the server, not the request: any 4xx means it is up and working.
            m_breaker.record(gen, status != 0 && status < 500);

            if (status >= 200 && status < 300) {
                if (bytes.isEmpty())
                    return a->done(QJsonObject {});
                auto object = parseJsonObject(bytes, 16 * limits::HttpBodyBytesMax);
                return a->done(object);
            }
            Error error;
            const auto object = parseJsonObject(bytes, limits::HttpBodyBytesMax);
            if (!object || !Error::fromJson(object->value(u"error"_s).toObject(), &error))
                error = makeError(status ? ErrorCode::Internal : ErrorCode::Unavailable,
                                  status ? u"HTTP %1"_s.arg(status) : reply->errorString());

            const bool retryable = isRetryableStatus(status)
                && (a->idempotency == Idempotency::Safe || neverReachedServer(reply->error()));
            if (!retryable)
                return a->done(error);
            std::optional<std::chrono::milliseconds> wait;
            bool seconds = false;
            const int retryAfter = reply->rawHeader("Retry-After").toInt(&seconds);
            if (seconds && retryAfter > 0)
                wait = a->backoff.next(std::chrono::seconds(retryAfter));
            else
                wait = a->backoff.next();
            if (!wait)
                return a->done(error); // MaxElapsedTime reached: give up with the last error
            qCDebug(lcApi) << a->method << a->path << "retry" << a->number << "in" << wait->count()
                           << "ms";
            emit retryScheduled(a->number, *wait, a->path);
            QTimer::singleShot(*wait, this, [this, a] { attempt(a); });
        });
}

void ApiClient::registerUser(const RegisterRequest &req, std::function<void(Result<User>)> done)
{
    call("POST", u"/auth/register"_s, req.toJson(), Idempotency::OnlyIfUnsent,
         [done = std::move(done)](Result<QJsonObject> r) {
             if (!r)
                 return done(r.error());
             done(User::fromJson(r->value(u"user"_s).toObject()));
         });
}

void ApiClient::login(const LoginRequest &req, std::function<void(Result<LoginResponse>)> done)
{
    call("POST", u"/auth/login"_s, req.toJson(), Idempotency::Safe,
         typed<LoginResponse>(std::move(done)));
}

void ApiClient::logout(std::function<void(Result<bool>)> done)
{
    call("POST", u"/auth/logout"_s, {}, Idempotency::Safe, ok(std::move(done)));
}

void ApiClient::me(std::function<void(Result<User>)> done)
{
    call("GET", u"/users/me"_s, {}, Idempotency::Safe, typed<User>(std::move(done)));
}

void ApiClient::sessions(std::function<void(Result<QList<SessionInfo>>)> done)
{
    call("GET", u"/auth/sessions"_s, {}, Idempotency::Safe,
         list<SessionInfo>(u"sessions"_s, std::move(done)));
}

void ApiClient::revokeSession(qint64 id, std::function<void(Result<bool>)> done)
{
    call("DELETE", u"/auth/sessions/%1"_s.arg(id), {}, Idempotency::Safe, ok(std::move(done)));
}

void ApiClient::changePassword(const ChangePasswordRequest &req,
                               std::function<void(Result<int>)> done)
{
    // Not retried blindly: a password change that reached the server must not run twice.
    call("POST", u"/auth/password"_s, req.toJson(), Idempotency::OnlyIfUnsent,
         [done = std::move(done)](Result<QJsonObject> r) {
             if (!r)
                 return done(r.error());
             done(int(r->value(u"revokedSessions"_s).toInteger()));
         });
}

void ApiClient::updateProfile(const ProfilePatch &patch, std::function<void(Result<User>)> done)
{
    call("PATCH", u"/users/me"_s, patch.toJson(), Idempotency::Safe, typed<User>(std::move(done)));
}

void ApiClient::user(qint64 id, std::function<void(Result<User>)> done)
{
    call("GET", u"/users/%1"_s.arg(id), {}, Idempotency::Safe, typed<User>(std::move(done)));
}

void ApiClient::users(const QString &prefix, std::function<void(Result<QList<User>>)> done)
{
    QUrlQuery q;
    q.addQueryItem(u"q"_s, prefix);
    call("GET", u"/users?"_s + q.toString(QUrl::FullyEncoded), {}, Idempotency::Safe,
         list<User>(u"users"_s, std::move(done)));
}

void ApiClient::openDirect(qint64 userId, std::function<void(Result<Room>)> done)
{
    call("POST", u"/users/%1/dm"_s.arg(userId), {}, Idempotency::Safe,
         typed<Room>(std::move(done)));
}

void ApiClient::rooms(std::function<void(Result<RoomList>)> done)
{
    call("GET", u"/rooms"_s, {}, Idempotency::Safe,
         [done = std::move(done)](Result<QJsonObject> r) {
             if (!r)
                 return done(r.error());
             auto rooms = listFromJson<Room>(r->value(u"rooms"_s), u"rooms"_s);
             if (!rooms)
                 return done(rooms.error());
             RoomList out { rooms.value(), {} };
             for (const auto &id : r->value(u"joined"_s).toArray())
                 out.joined.append(id.toInteger());
             done(out);
         });
}

void ApiClient::createRoom(const CreateRoomRequest &req, std::function<void(Result<Room>)> done)
{
    call("POST", u"/rooms"_s, req.toJson(), Idempotency::OnlyIfUnsent,
         typed<Room>(std::move(done)));
}

void ApiClient::room(qint64 id, std::function<void(Result<Room>)> done)
{
    call("GET", u"/rooms/%1"_s.arg(id), {}, Idempotency::Safe, typed<Room>(std::move(done)));
}

void ApiClient::updateRoom(qint64 id, const RoomPatch &patch,
                           std::function<void(Result<Room>)> done)
{
    call("PATCH", u"/rooms/%1"_s.arg(id), patch.toJson(), Idempotency::Safe,
         typed<Room>(std::move(done)));
}

void ApiClient::deleteRoom(qint64 id, std::function<void(Result<bool>)> done)
{
    call("DELETE", u"/rooms/%1"_s.arg(id), {}, Idempotency::Safe, ok(std::move(done)));
}

void ApiClient::join(qint64 id, std::function<void(Result<Room>)> done)
{
    call("POST", u"/rooms/%1/join"_s.arg(id), {}, Idempotency::Safe, typed<Room>(std::move(done)));
}

void ApiClient::leave(qint64 id, std::function<void(Result<bool>)> done)
{
    call("POST", u"/rooms/%1/leave"_s.arg(id), {}, Idempotency::Safe, ok(std::move(done)));
}

void ApiClient::markRead(qint64 id, qint64 seq, std::function<void(Result<ReadState>)> done)
{
    // Idempotent: the marker only moves forward, so a retry changes nothing twice.
    call("POST", u"/rooms/%1/read"_s.arg(id), MarkReadRequest { seq }.toJson(), Idempotency::Safe,
         typed<ReadState>(std::move(done)));
}

void ApiClient::invite(qint64 id, qint64 userId, std::function<void(Result<Member>)> done)
{
    call("POST", u"/rooms/%1/invite"_s.arg(id), InviteRequest { userId }.toJson(),
         Idempotency::Safe, typed<Member>(std::move(done)));
}

void ApiClient::members(qint64 id, std::function<void(Result<QList<Member>>)> done)
{
    call("GET", u"/rooms/%1/members"_s.arg(id), {}, Idempotency::Safe,
         list<Member>(u"members"_s, std::move(done)));
}

void ApiClient::setRole(qint64 id, qint64 userId, MemberRole role,
                        std::function<void(Result<Member>)> done)
{
    call("PATCH", u"/rooms/%1/members/%2"_s.arg(id).arg(userId),
         RoleChangeRequest { role }.toJson(), Idempotency::Safe, typed<Member>(std::move(done)));
}

void ApiClient::events(qint64 roomId, std::optional<qint64> after, std::optional<qint64> before,
                       int limit, std::function<void(Result<EventPage>)> done)
{
    QString path = u"/rooms/%1/events?limit=%2"_s.arg(roomId).arg(limit);
    if (after)
        path += u"&after=%1"_s.arg(*after);
    if (before)
        path += u"&before=%1"_s.arg(*before);
    call("GET", path, {}, Idempotency::Safe, typed<EventPage>(std::move(done)));
}

void ApiClient::eventsAround(qint64 roomId, qint64 seq, int limit,
                             std::function<void(Result<EventPage>)> done)
{
    call("GET", u"/rooms/%1/events?around=%2&limit=%3"_s.arg(roomId).arg(seq).arg(limit), {},
         Idempotency::Safe, typed<EventPage>(std::move(done)));
}

void ApiClient::sendMessage(qint64 roomId, const SendMessageRequest &req,
                            std::function<void(Result<SendAck>)> done)
{
    // Safe to retry: the server keys the message by clientMsgId.
    call("POST", u"/rooms/%1/messages"_s.arg(roomId), req.toJson(), Idempotency::Safe,
         typed<SendAck>(std::move(done)));
}

void ApiClient::editMessage(qint64 roomId, qint64 eventId, const QString &body,
                            std::function<void(Result<RoomEvent>)> done)
{
    call("PATCH", u"/rooms/%1/messages/%2"_s.arg(roomId).arg(eventId),
         EditMessageRequest { body }.toJson(), Idempotency::Safe,
         typed<RoomEvent>(std::move(done)));
}

void ApiClient::deleteMessage(qint64 roomId, qint64 eventId,
                              std::function<void(Result<RoomEvent>)> done)
{
    call("DELETE", u"/rooms/%1/messages/%2"_s.arg(roomId).arg(eventId), {}, Idempotency::Safe,
         typed<RoomEvent>(std::move(done)));
}

void ApiClient::react(qint64 roomId, qint64 eventId, const QString &key, bool add,
                      std::function<void(Result<ReactionResult>)> done)
{
    const QString path = u"/rooms/%1/messages/%2/reactions"_s.arg(roomId).arg(eventId);
    // Both are idempotent (adding what is there, removing what is not: "changed": false).
    if (add)
        call("POST", path, ReactRequest { key }.toJson(), Idempotency::Safe,
             typed<ReactionResult>(std::move(done)));
    else
        call("DELETE", path + u'/' + QString::fromLatin1(QUrl::toPercentEncoding(key)), {},
             Idempotency::Safe, typed<ReactionResult>(std::move(done)));
}

void ApiClient::search(const QString &query, qint64 roomId, qint64 before, int limit,
                       std::function<void(Result<SearchResults>)> done)
{
    QUrlQuery q;
    q.addQueryItem(u"q"_s, QString::fromLatin1(QUrl::toPercentEncoding(query)));
    q.addQueryItem(u"limit"_s, QString::number(limit));
    if (roomId)
        q.addQueryItem(u"roomId"_s, QString::number(roomId));
    if (before)
        q.addQueryItem(u"before"_s, QString::number(before));
    call("GET", u"/search?"_s + q.toString(QUrl::FullyEncoded), {}, Idempotency::Safe,
         typed<SearchResults>(std::move(done)));
}

} // namespace confab::client
