// ApiClient: every REST call of protocol v1 as a typed asynchronous operation.
//
// One place does HTTP for the client (libQuotient's lesson: retry and breaker decisions live
// per connection, not per request):
//  - every call passes the server's CircuitBreaker; while it is open calls fail fast with
//    `unavailable` and the time until the next probe;
//  - transient failures (no answer, timeout, 408, 429, 5xx) are retried with Backoff, honouring
//    Retry-After; other 4xx are permanent and returned at once with the server's error;
//  - calls that are not idempotent (register, create room) are retried only when the request
//    provably never reached the server (connection refused, host not found);
//  - each request carries a fresh W3C traceparent.
#pragma once

#include "resilience/backoff.h"
#include "resilience/circuitbreaker.h"
#include "requests.h"
#include "servertrust.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

#include <functional>

namespace confab::client {

class ApiClient : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::milliseconds transferTimeout { 10000 };
        Backoff::Settings retry; // Confab defaults: 100 ms … 5 s, give up after 1 min
        CircuitBreaker::Settings breaker {
            QStringLiteral("api"), 3, std::chrono::seconds(10), std::chrono::seconds(30), {}
        };
        CircuitBreaker::Clock clock; // tests: fake monotonic time for breaker and backoff
        Backoff::Random random; // tests: seeded jitter
    };

    enum class Idempotency { Safe, OnlyIfUnsent };

    explicit ApiClient(QUrl server, QObject *parent = nullptr);
    ApiClient(QUrl server, Options options, QObject *parent = nullptr);

    void setToken(const QString &token) { m_token = token; }
    QString token() const { return m_token; }
    QUrl server() const { return m_server; }
    // Another node of the same cluster (ChatClient::setNodes): later requests go there, with a
    // breaker as fresh as for a new server. The trust decision (one cluster, one certificate)
    // stays.
    void setServer(const QUrl &server);
    CircuitBreaker &breaker() { return m_breaker; }
    // The certificate decision for this server, shared by every connection to it (a call
    // refused by it fails at once with untrusted_certificate: nothing was sent).
    ServerTrust &trust() { return m_trust; }

    // Generic call: `path` is below /api/v1 (or absolute when it starts with "//").
    using JsonDone = std::function<void(Result<QJsonObject>)>;
    void call(const QByteArray &method, const QString &path, const QJsonObject &body,
              Idempotency idempotency, JsonDone done);

    // Typed calls (docs/protocol.md).
    void registerUser(const RegisterRequest &req, std::function<void(Result<User>)> done);
    void login(const LoginRequest &req, std::function<void(Result<LoginResponse>)> done);
    void logout(std::function<void(Result<bool>)> done);
    void me(std::function<void(Result<User>)> done);
    // Accounts (docs/protocol.md, "Accounts").
    void sessions(std::function<void(Result<QList<SessionInfo>>)> done);
    void revokeSession(qint64 id, std::function<void(Result<bool>)> done);
    void changePassword(const ChangePasswordRequest &req, std::function<void(Result<int>)> done);
    void updateProfile(const ProfilePatch &patch, std::function<void(Result<User>)> done);
    void user(qint64 id, std::function<void(Result<User>)> done);
    void users(const QString &prefix, std::function<void(Result<QList<User>>)> done);
    void openDirect(qint64 userId, std::function<void(Result<Room>)> done);
    struct RoomList
    {
        QList<Room> rooms;
        QList<qint64> joined;
    };
    void rooms(std::function<void(Result<RoomList>)> done);
    void createRoom(const CreateRoomRequest &req, std::function<void(Result<Room>)> done);
    void room(qint64 id, std::function<void(Result<Room>)> done);
    void updateRoom(qint64 id, const RoomPatch &patch, std::function<void(Result<Room>)> done);
    void deleteRoom(qint64 id, std::function<void(Result<bool>)> done);
    void join(qint64 id, std::function<void(Result<Room>)> done);
    void leave(qint64 id, std::function<void(Result<bool>)> done);
    // POST rooms/{id}/read: the read marker forward to `seq`; answers the read state.
    void markRead(qint64 id, qint64 seq, std::function<void(Result<ReadState>)> done);
    void invite(qint64 id, qint64 userId, std::function<void(Result<Member>)> done);
    void members(qint64 id, std::function<void(Result<QList<Member>>)> done);
    void setRole(qint64 id, qint64 userId, MemberRole role,
                 std::function<void(Result<Member>)> done);
    // History: `after` (catch up) or `before` (scroll back); neither: the newest page.
    void events(qint64 roomId, std::optional<qint64> after, std::optional<qint64> before, int limit,
                std::function<void(Result<EventPage>)> done);
    // The page around `seq` (to show a message that is not loaded; docs/protocol.md).
    void eventsAround(qint64 roomId, qint64 seq, int limit,
                      std::function<void(Result<EventPage>)> done);
    void sendMessage(qint64 roomId, const SendMessageRequest &req,
                     std::function<void(Result<SendAck>)> done);
    void editMessage(qint64 roomId, qint64 eventId, const QString &body,
                     std::function<void(Result<RoomEvent>)> done);
    void deleteMessage(qint64 roomId, qint64 eventId, std::function<void(Result<RoomEvent>)> done);
    // Adds (add) or removes the user's reaction `key` to a message. Idempotent on the server.
    void react(qint64 roomId, qint64 eventId, const QString &key, bool add,
               std::function<void(Result<ReactionResult>)> done);
    // GET search (docs/protocol.md, "Search"); roomId 0: every room the user is in.
    void search(const QString &query, qint64 roomId, qint64 before, int limit,
                std::function<void(Result<SearchResults>)> done);

    static QString newTraceparent();

    // For transfers that stream (files.h): a request for `path` below /api/v1 with the token,
    // the trust decision and a traceparent, on the client's own network access manager (its
    // connections and TLS sessions). The breaker and retries are the caller's.
    QNetworkRequest request(const QString &path) const;
    QNetworkAccessManager &network() { return m_nam; }

signals:
    void retryScheduled(int attempt, std::chrono::milliseconds wait, const QString &path);
    // Every HTTP answer (status 0: none), with its round trip, for the diagnostics.
    void requestFinished(int status, qint64 roundTripMs);

private:
    struct Attempt;
    void attempt(std::shared_ptr<Attempt> a);

    QUrl m_server;
    Options m_options;
    QString m_token;
    QNetworkAccessManager m_nam;
    CircuitBreaker m_breaker;
    ServerTrust m_trust;
};

} // namespace confab::client
