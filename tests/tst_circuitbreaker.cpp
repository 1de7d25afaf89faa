// CircuitBreaker: every gobreaker transition, on an injected clock.
#include "resilience/circuitbreaker.h"

#include <QSignalSpy>
#include <QTest>

using namespace confab;
using State = CircuitBreaker::State;
using Rejection = CircuitBreaker::Rejection;

Q_DECLARE_METATYPE(confab::CircuitBreaker::State)

class tst_CircuitBreaker : public QObject
{
    Q_OBJECT

    qint64 m_now = 1000;
    std::unique_ptr<CircuitBreaker> make(CircuitBreaker::Settings s = {})
    {
        return std::make_unique<CircuitBreaker>(s, [this] { return m_now; });
    }
    static void fail(CircuitBreaker &cb, int n)
    {
        for (int i = 0; i < n; ++i) {
            const auto a = cb.allow();
            QVERIFY(a.allowed());
            cb.record(a.generation, false);
        }
    }
    static void succeed(CircuitBreaker &cb, int n)
    {
        for (int i = 0; i < n; ++i) {
            const auto a = cb.allow();
            QVERIFY(a.allowed());
            cb.record(a.generation, true);
        }
    }
    void tripOpen(CircuitBreaker &cb) { fail(cb, 6); }
    void toHalfOpen(CircuitBreaker &cb)
    {
        tripOpen(cb);
        m_now += 30001;
    }

private slots:
    void init() { m_now = 1000; }
    void startsClosedAndCountsRequests();
    void opensAfterSixConsecutiveFailures();
    void aSuccessResetsTheFailureStreak();
    void openRejectsFastUntilTheTimeout();
    void becomesHalfOpenWhenTheTimeoutHasPassed();
    void halfOpenAdmitsMaxRequestsThenRejects();
    void halfOpenClosesAfterMaxRequestsSuccesses();
    void halfOpenFailureReopens();
    void intervalClearsCountsWhileClosed();
    void zeroIntervalNeverClears();
    void resultsFromAnOlderGenerationAreIgnored();
    void readyToTripIsReplaceable();
    void stateChangesAreSignalled();
    void resetClosesForANewTarget();
};

void tst_CircuitBreaker::startsClosedAndCountsRequests()
{
    auto cb = make();
    QCOMPARE(cb->state(), State::Closed);
    succeed(*cb, 2);
    fail(*cb, 1);
    QCOMPARE(cb->counts().requests, 3u);
    QCOMPARE(cb->counts().totalSuccesses, 2u);
    QCOMPARE(cb->counts().totalFailures, 1u);
    QCOMPARE(cb->counts().consecutiveFailures, 1u);
}

void tst_CircuitBreaker::opensAfterSixConsecutiveFailures()
{
    auto cb = make();
    fail(*cb, 5);
    QCOMPARE(cb->state(), State::Closed); // "more than 5"
    fail(*cb, 1);
    QCOMPARE(cb->state(), State::Open);
}

void tst_CircuitBreaker::aSuccessResetsTheFailureStreak()
{
    auto cb = make();
    fail(*cb, 5);
    succeed(*cb, 1);
    fail(*cb, 5);
    QCOMPARE(cb->state(), State::Closed);
    QCOMPARE(cb->counts().consecutiveFailures, 5u);
}

void tst_CircuitBreaker::openRejectsFastUntilTheTimeout()
{
    auto cb = make();
    tripOpen(*cb);
    const auto a = cb->allow();
    QCOMPARE(a.rejection, Rejection::Open);
    QCOMPARE(cb->retryIn(), std::chrono::milliseconds(30000));
    m_now += 12000;
    QCOMPARE(cb->allow().rejection, Rejection::Open);
    QCOMPARE(cb->retryIn(), std::chrono::milliseconds(18000));
}

void tst_CircuitBreaker::becomesHalfOpenWhenTheTimeoutHasPassed()
{
    auto cb = make();
    tripOpen(*cb);
    m_now += 30000;
    QCOMPARE(cb->state(), State::Open); // not yet: the expiry must be in the past
    m_now += 1;
    QCOMPARE(cb->state(), State::HalfOpen);
    QCOMPARE(cb->retryIn(), std::chrono::milliseconds(0));
}

void tst_CircuitBreaker::halfOpenAdmitsMaxRequestsThenRejects()
{
    auto cb = make();
    toHalfOpen(*cb);
    QVERIFY(cb->allow().allowed());
    QVERIFY(cb->allow().allowed());
    QVERIFY(cb->allow().allowed());
    QCOMPARE(cb->allow().rejection, Rejection::TooManyRequests);
    QCOMPARE(cb->state(), State::HalfOpen);
}

void tst_CircuitBreaker::halfOpenClosesAfterMaxRequestsSuccesses()
{
    auto cb = make();
    toHalfOpen(*cb);
    succeed(*cb, 2);
    QCOMPARE(cb->state(), State::HalfOpen);
    succeed(*cb, 1);
    QCOMPARE(cb->state(), State::Closed);
    QCOMPARE(cb->counts().requests, 0u); // a new generation starts clean
}

void tst_CircuitBreaker::halfOpenFailureReopens()
{
    auto cb = make();
    toHalfOpen(*cb);
    succeed(*cb, 2);
    fail(*cb, 1);
    QCOMPARE(cb->state(), State::Open);
    QCOMPARE(cb->retryIn(), std::chrono::milliseconds(30000)); // a full timeout again
}

void tst_CircuitBreaker::intervalClearsCountsWhileClosed()
{
    auto cb = make();
    fail(*cb, 5);
    const quint64 before = cb->generation();
    m_now += 10001;
    QCOMPARE(cb->state(), State::Closed);
    QCOMPARE(cb->counts().consecutiveFailures, 0u);
    QVERIFY(cb->generation() > before);
    fail(*cb, 5);
    QCOMPARE(cb->state(), State::Closed); // 5 + 5 across intervals never trips
}

void tst_CircuitBreaker::zeroIntervalNeverClears()
{
    auto cb = make({ {}, 3, std::chrono::milliseconds(0), std::chrono::milliseconds(30000), {} });
    fail(*cb, 5);
    m_now += 1000000;
    fail(*cb, 1);
    QCOMPARE(cb->state(), State::Open);
}

void tst_CircuitBreaker::resultsFromAnOlderGenerationAreIgnored()
{
    auto cb = make();
    const auto slow = cb->allow(); // a request that will answer late
    tripOpen(*cb);
    m_now += 30001;
    QCOMPARE(cb->state(), State::HalfOpen);
    cb->record(slow.generation, true);
    cb->record(slow.generation, true);
    cb->record(slow.generation, true);
    QCOMPARE(cb->state(), State::HalfOpen); // the stale successes did not close it
    QCOMPARE(cb->counts().totalSuccesses, 0u);
    const auto probe = cb->allow();
    cb->record(probe.generation, false);
    QCOMPARE(cb->state(), State::Open);
    cb->record(slow.generation, true); // still ignored
    QCOMPARE(cb->state(), State::Open);
}

void tst_CircuitBreaker::readyToTripIsReplaceable()
{
    CircuitBreaker::Settings s;
    s.readyToTrip = [](const CircuitBreaker::Counts &c) {
        return c.requests >= 4 && c.totalFailures * 2 >= c.requests; // 50 % failure rate
    };
    auto cb = make(s);
    succeed(*cb, 2);
    fail(*cb, 1);
    QCOMPARE(cb->state(), State::Closed);
    fail(*cb, 1);
    QCOMPARE(cb->state(), State::Open);
}

void tst_CircuitBreaker::stateChangesAreSignalled()
{
    qRegisterMetaType<State>();
    auto cb = make();
    QSignalSpy spy(cb.get(), &CircuitBreaker::stateChanged);
    tripOpen(*cb);
    m_now += 30001;
    succeed(*cb, 3);
    QCOMPARE(spy.size(), 3);
    QCOMPARE(spy.at(0).at(1).value<State>(), State::Open);
    QCOMPARE(spy.at(1).at(1).value<State>(), State::HalfOpen);
    QCOMPARE(spy.at(2).at(1).value<State>(), State::Closed);
}

void tst_CircuitBreaker::resetClosesForANewTarget()
{
    // The client moved to another node: that node's breaker starts fresh.
    auto cb = make();
    fail(*cb, 6);
    QCOMPARE(cb->state(), State::Open);
    const auto late = cb->allow(); // refused, but take a generation from before the reset
    QVERIFY(!late.allowed());
    const quint64 before = cb->generation();
    cb->reset();
    QCOMPARE(cb->state(), State::Closed);
    QCOMPARE(cb->counts().requests, 0u);
    QVERIFY(cb->generation() > before);
    cb->record(before, false); // an outcome from the old node changes nothing
    QCOMPARE(cb->counts().totalFailures, 0u);
    QVERIFY(cb->allow().allowed());
}

QTEST_GUILESS_MAIN(tst_CircuitBreaker)
#include "tst_circuitbreaker.moc"
