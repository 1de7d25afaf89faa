// RedisLink (server/cluster/redislink.h) against a real Redis (tests/services.h): commands and
// their replies, and what a node sees when Redis dies, hangs and comes back: failures at once
// instead of waits, the breaker opening and (after its timeout, on an injected clock) closing
// again, the link made again by itself.
#include "cluster/redislink.h"
#include "services.h"

#include <QSignalSpy>
#include <QTest>

#include <optional>

#include <signal.h>

using namespace confab;
using namespace confab::server;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(confab::CircuitBreaker::State)

namespace {

// Sends and waits for the reply (the event loop runs meanwhile).
std::optional<Result<QVariant>> call(RedisLink &link, const QByteArrayList &argv,
                                     int timeoutMs = 5000)
{
    std::optional<Result<QVariant>> out;
    link.command(argv, [&out](const Result<QVariant> &r) { out = r; });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, timeoutMs); // (nullopt: no reply)
    return out;
}

} // namespace

class TestRedisLink : public QObject
{
    Q_OBJECT
    std::unique_ptr<RedisServer> m_redis; // a fresh one for every test
    QString m_error;
    RedisLink::Options linkOptions() const
    {
        RedisLink::Options options;
        options.port = m_redis->port();
        return options;
    }
private slots:
    void initTestCase() { qRegisterMetaType<confab::CircuitBreaker::State>(); }
    void init()
    {
        m_redis = std::make_unique<RedisServer>();
        QVERIFY2(m_redis->start(&m_error), qPrintable(m_error));
    }
    void cleanup() { m_redis.reset(); }
    void commandsGetTheirReplies();
    void aDeadRedisOpensTheBreakerAndALiveOneClosesIt();
    void aHungRedisFailsCommandsInTime();
    void aSubscriberGetsMessagesInOrderAndSubscribesAgainAfterRedisCameBack();
};

void TestRedisLink::commandsGetTheirReplies()
{
    RedisLink::Options options = linkOptions();
    RedisLink link(options);
    QSignalSpy up(&link, &RedisLink::connectedChanged);
    link.start();
    QTRY_VERIFY(link.isConnected());
    QCOMPARE(up.count(), 1);

    auto r = call(link, { "SET", "room:7:name", QByteArray("caf\xc3\xa9\0x", 7) });
    QVERIFY(r && r->ok());
    QCOMPARE(r->value().toByteArray(), QByteArray("OK"));
    r = call(link, { "GET", "room:7:name" });
    QVERIFY(r && r->ok());
    QCOMPARE(r->value().toByteArray(), QByteArray("caf\xc3\xa9\0x", 7)); // binary-safe
    r = call(link, { "INCR", "seq" });
    QVERIFY(r && r->ok());
    QCOMPARE(r->value().toLongLong(), 1);
    r = call(link, { "GET", "nothing" });
    QVERIFY(r && r->ok());
    QVERIFY(!r->value().isValid()); // nil
    QVERIFY(call(link, { "RPUSH", "l", "a", "b" }));
    r = call(link, { "LRANGE", "l", "0", "-1" });
    QVERIFY(r && r->ok());
    QCOMPARE(r->value().toList(), (QVariantList { QByteArray("a"), QByteArray("b") }));
    // A command Redis refuses is an error for its caller, not a failure of the link.
    r = call(link, { "INCR", "l" });
    QVERIFY(r && !r->ok());
    QCOMPARE(r->error().code, ErrorCode::Internal);
    QVERIFY(r->error().message.contains(u"WRONGTYPE"_s));
    QCOMPARE(link.breakerState(), CircuitBreaker::State::Closed);
}

void TestRedisLink::aDeadRedisOpensTheBreakerAndALiveOneClosesIt()
{
    qint64 now = 1000;
    RedisLink::Options options = linkOptions();
    options.clock = [&now] { return now; }; // the breaker's time; reconnects use real timers
    RedisLink link(options);
    QSignalSpy breaker(&link, &RedisLink::breakerChanged);
    QSignalSpy connected(&link, &RedisLink::connectedChanged);
    link.start();
    QTRY_VERIFY(link.isConnected());

    m_redis->kill();
    QTRY_VERIFY(!link.isConnected());
    // Down: every command fails at once (no wait for a timeout), and after more than five in
    // a row the breaker opens; from then on commands are refused without trying.
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < 6; ++i) {
        const auto r = call(link, { "GET", "x" });
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().code, ErrorCode::Unavailable);
    }
    QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(link.breakerState(), CircuitBreaker::State::Open);
    QCOMPARE(breaker.count(), 1);
    auto refused = call(link, { "GET", "x" });
    QVERIFY(refused && !refused->ok());
    QVERIFY(refused->error().message.contains(u"breaker"_s));

    // Back: the link is made again by itself, but the breaker stays open until its timeout.
    QVERIFY2(m_redis->start(&m_error), qPrintable(m_error));
    QTRY_VERIFY_WITH_TIMEOUT(link.isConnected(), 15000);
    refused = call(link, { "GET", "x" });
    QVERIFY(refused && !refused->ok());
    now += 30001; // Timeout 30 s: half-open, MaxRequests 3 successes close it
    for (int i = 0; i < 3; ++i) {
        const auto r = call(link, { "SET", "x", "1" });
        QVERIFY2(r && r->ok(), r && !r->ok() ? qPrintable(r->error().message) : "no reply");
    }
    QCOMPARE(link.breakerState(), CircuitBreaker::State::Closed);
    QCOMPARE(breaker.count(), 3); // closed → open → half-open → closed
    QCOMPARE(breaker.at(2).at(1).value<CircuitBreaker::State>(), CircuitBreaker::State::Closed);
    QVERIFY(connected.count() >= 3); // up, down, up
}

void TestRedisLink::aHungRedisFailsCommandsInTime()
{
    RedisLink::Options options = linkOptions();
    options.commandTimeout = 200ms;
    RedisLink link(options);
    link.start();
    QTRY_VERIFY(link.isConnected());
    QVERIFY(call(link, { "SET", "k", "before" }));

    // Redis stops answering (SIGSTOP: the connection stays open, nothing comes back).
    QCOMPARE(::kill(pid_t(m_redis->pid()), SIGSTOP), 0);
    QElapsedTimer t;
    t.start();
    const auto r = call(link, { "SET", "k", "during" });
    QVERIFY(r && !r->ok());
    QCOMPARE(r->error().code, ErrorCode::Unavailable);
    QVERIFY2(t.elapsed() >= 150 && t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(::kill(pid_t(m_redis->pid()), SIGCONT), 0);
    // Its late reply is dropped (it was answered already); the next command is answered.
    const auto after = call(link, { "GET", "k" });
    QVERIFY(after && after->ok());
    QCOMPARE(after->value().toByteArray(), QByteArray("during")); // (Redis did run it)
}

void TestRedisLink::aSubscriberGetsMessagesInOrderAndSubscribesAgainAfterRedisCameBack()
{
    RedisLink::Options options = linkOptions();
    RedisLink publisher(options);
    RedisLink subscriber(options);
    QSignalSpy subscribed(&subscriber, &RedisLink::subscribed);
    QList<QPair<QByteArray, QByteArray>> got;
    connect(&subscriber, &RedisLink::message, this,
            [&got](const QByteArray &channel, const QByteArray &payload) { got.append({ channel, payload }); });
    subscriber.subscribe("room:1");
    subscriber.subscribe("room:2");
    publisher.start();
    subscriber.start();
    QTRY_COMPARE(subscribed.count(), 1);
    QTRY_VERIFY(publisher.isConnected());
    const auto publish = [&](const QByteArray &channel, const QByteArray &payload) {
        const auto r = call(publisher, { "PUBLISH", channel, payload });
        return r && r->ok() ? r->value().toLongLong() : -1; // how many subscribers got it
    };
    QCOMPARE(publish("room:1", "seq 1"), 1);
    QCOMPARE(publish("room:2", QByteArray("seq\0 1", 6)), 1);
    QCOMPARE(publish("room:3", "not subscribed"), 0);
    QCOMPARE(publish("room:1", "seq 2"), 1);
    QTRY_COMPARE(got.size(), 3);
    QCOMPARE(got[0], qMakePair(QByteArray("room:1"), QByteArray("seq 1")));
    QCOMPARE(got[1], qMakePair(QByteArray("room:2"), QByteArray("seq\0 1", 6)));
    QCOMPARE(got[2], qMakePair(QByteArray("room:1"), QByteArray("seq 2")));

    // Redis goes and comes back: the subscriber connects and subscribes again by itself.
    m_redis->kill();
    QTRY_VERIFY(!subscriber.isConnected());
    QVERIFY2(m_redis->start(&m_error), qPrintable(m_error));
    QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 2, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(publisher.isConnected(), 15000);
    QCOMPARE(publish("room:2", "seq 2"), 1);
    QTRY_COMPARE(got.size(), 4);
    QCOMPARE(got[3], qMakePair(QByteArray("room:2"), QByteArray("seq 2")));
}

QTEST_GUILESS_MAIN(TestRedisLink)
#include "tst_redislink.moc"
