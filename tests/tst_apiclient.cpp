// ApiClient against a real in-process server: typed calls, retries, the breaker.
#include "apiclient.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

template<typename T>
Result<T> wait(const std::function<void(std::function<void(Result<T>)>)> &start)
{
    std::optional<Result<T>> out;
    start([&](Result<T> r) { out.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 15000))
        return makeError(ErrorCode::Internal, u"no answer"_s);
    return *out;
}

ApiClient::Options fastRetries()
{
    ApiClient::Options o;
    o.retry.initialInterval = 10ms;
    o.retry.maxInterval = 40ms;
    o.retry.maxElapsedTime = 300ms;
    o.transferTimeout = 2000ms;
    return o;
}

} // namespace

class tst_ApiClient : public QObject
{
    Q_OBJECT

private slots:
    void typedCallsRoundTrip();
    void permanentErrorsComeBackAtOnce();
    void unreachableServerIsRetriedThenGivenUp();
    void breakerOpensAndFailsFast();
    void breakerRecoversWhenTheServerReturns();
    void retryAfterBeyondTheBudgetGivesUpAtOnce();
};

void tst_ApiClient::typedCallsRoundTrip()
{
    TestServer s;
    ApiClient api(s.url({}));
    QVERIFY(wait<User>([&](auto done) {
                api.registerUser({ u"amy"_s, u"password123"_s, u"Amy"_s, {} }, done);
            }).ok());
    const auto login = wait<LoginResponse>([&](auto done) {
        api.login({ u"amy"_s, u"password123"_s, u"test"_s }, done);
    });
    QVERIFY(login.ok());
    api.setToken(login->token);
    const auto room = wait<Room>([&](auto done) {
        api.createRoom({ u"r"_s, u"t"_s, RoomVisibility::Public }, done);
    });
    QVERIFY(room.ok());
    const auto ack = wait<SendAck>([&](auto done) {
        api.sendMessage(room->id, { u"c1"_s, u"hello"_s }, done);
    });
    QVERIFY(ack.ok());
    QCOMPARE(ack->seq, 3);
    const auto edit = wait<RoomEvent>(
        [&](auto done) { api.editMessage(room->id, ack->eventId, u"hello!"_s, done); });
    QVERIFY(edit.ok());
    QCOMPARE(edit->type, EventType::Edit);
    const auto page = wait<EventPage>([&](auto done) { api.events(room->id, 2, {}, 50, done); });
    QVERIFY(page.ok());
    QCOMPARE(page->events.size(), 2);
    QCOMPARE(page->events[0].body(), u"hello"_s);
    const auto list = wait<ApiClient::RoomList>([&](auto done) { api.rooms(done); });
    QVERIFY(list.ok());
    QCOMPARE(list->joined, QList<qint64> { room->id });
    const auto members = wait<QList<Member>>([&](auto done) { api.members(room->id, done); });
    QVERIFY(members.ok());
    QCOMPARE(members->size(), 1);
    const auto demoted = wait<Member>(
        [&](auto done) { api.setRole(room->id, login->user.id, MemberRole::Admin, done); });
    QCOMPARE(demoted.error().code, ErrorCode::Conflict); // the owner's role is fixed
    QVERIFY(wait<bool>([&](auto done) { api.logout(done); }).ok());
    const auto after = wait<User>([&](auto done) { api.me(done); });
    QCOMPARE(after.error().code, ErrorCode::Unauthorized);
}

void tst_ApiClient::permanentErrorsComeBackAtOnce()
{
    TestServer s;
    const auto a = s.signUp(u"bea"_s);
    ApiClient api(s.url({}), fastRetries());
    api.setToken(a.token);
    QSignalSpy retries(&api, &ApiClient::retryScheduled);
    const auto r = wait<Room>([&](auto done) { api.room(987654, done); });
    QCOMPARE(r.error().code, ErrorCode::RoomNotFound);
    QCOMPARE(retries.size(), 0);
    QCOMPARE(api.breaker().state(), CircuitBreaker::State::Closed); // a 404 is a healthy server
}

void tst_ApiClient::unreachableServerIsRetriedThenGivenUp()
{
    ApiClient api(QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(freeLocalPort())), fastRetries());
    QSignalSpy retries(&api, &ApiClient::retryScheduled);
    const auto r = wait<User>([&](auto done) { api.me(done); });
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    QVERIFY(retries.size() >= 3);
}

void tst_ApiClient::breakerOpensAndFailsFast()
{
    auto options = fastRetries();
    options.retry.maxElapsedTime = 1ms; // one attempt per call
    ApiClient api(QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(freeLocalPort())), options);
    QSignalSpy finished(&api, &ApiClient::requestFinished);
    for (int i = 0; i < 6; ++i)
        QVERIFY(!wait<User>([&](auto done) { api.me(done); }).ok());
    QCOMPARE(api.breaker().state(), CircuitBreaker::State::Open);
    const int before = finished.size();
    const auto r = wait<User>([&](auto done) { api.me(done); });
    QCOMPARE(r.error().code, ErrorCode::Unavailable);
    QVERIFY(r.error().message.contains(u"next try in 30 s"_s));
    QCOMPARE(finished.size(), before); // failed fast: no request was made
}

void tst_ApiClient::breakerRecoversWhenTheServerReturns()
{
    qint64 now = 1;
    auto options = fastRetries();
    options.retry.maxElapsedTime = 1ms;
    options.clock = [&] { return now; };
    const quint16 port = freeLocalPort();
    ApiClient api(QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(port)), options);
    for (int i = 0; i < 6; ++i)
        (void)wait<User>([&](auto done) { api.me(done); });
    QCOMPARE(api.breaker().state(), CircuitBreaker::State::Open);
    TestServer s([&](server::ServerConfig &c) { c.port = port; });
    QVERIFY(s.ok());
    if (s.server().tls())
        api.trust().pin(s.server().fingerprint()); // (its client was made before the server)
    const auto a = s.signUp(u"cyd"_s);
    QVERIFY(!a.token.isEmpty());
    QCOMPARE(s.get(u"/api/v1/users/me"_s, a.token).status, 200);
    api.setToken(a.token);
    QVERIFY(!wait<User>([&](auto done) { api.me(done); }).ok()); // still open: not even tried
    now += 30001;
    QCOMPARE(api.breaker().state(), CircuitBreaker::State::HalfOpen);
    for (int i = 0; i < 3; ++i) {
        const auto r = wait<User>([&](auto done) { api.me(done); });
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
    }
    QCOMPARE(api.breaker().state(), CircuitBreaker::State::Closed);
}

void tst_ApiClient::retryAfterBeyondTheBudgetGivesUpAtOnce()
{
    TestServer s;
    s.signUp(u"dora"_s);
    ApiClient api(s.url({}));
    for (int i = 0; i < 5; ++i)
        (void)wait<LoginResponse>([&](auto done) {
            api.login({ u"dora"_s, u"wrong-pass"_s, {} }, done);
        });
    QSignalSpy retries(&api, &ApiClient::retryScheduled);
    QElapsedTimer t;
    t.start();
    const auto r = wait<LoginResponse>([&](auto done) {
        api.login({ u"dora"_s, u"password123"_s, {} }, done);
    });
    QCOMPARE(r.error().code, ErrorCode::RateLimited);
    QCOMPARE(retries.size(), 0); // Retry-After (15 min) is past the 1 min budget
    QVERIFY(t.elapsed() < 5000);
}

QTEST_GUILESS_MAIN(tst_ApiClient)
#include "tst_apiclient.moc"
