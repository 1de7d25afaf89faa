// Backoff: cenkalti ExponentialBackOff semantics with Confab's parameters, on an injected clock
// and a fixed random source.
#include "resilience/backoff.h"

#include <QTest>

using namespace confab;
using namespace std::chrono_literals;

class tst_Backoff : public QObject
{
    Q_OBJECT

    qint64 m_now = 0;
    double m_random = 0.5;
    Backoff make(Backoff::Settings s = {})
    {
        return Backoff(
            s, [this] { return m_now; }, [this] { return m_random; });
    }

private slots:
    void init()
    {
        m_now = 0;
        m_random = 0.5;
    }
    void intervalsGrowByTheMultiplierUpToTheCap();
    void eachWaitStaysWithinTheRandomizationBounds();
    void stopsOnceMaxElapsedTimeWouldPass();
    void zeroMaxElapsedTimeRetriesForever();
    void resetStartsOver();
    void retryAfterReplacesTheComputedWait();
    void onlyTransientHttpStatusesAreRetried();
};

void tst_Backoff::intervalsGrowByTheMultiplierUpToTheCap()
{
    auto b = make();
    QList<qint64> current;
    for (int i = 0; i < 12; ++i) {
        current.append(b.currentInterval().count());
        QVERIFY(b.next());
    }
    QCOMPARE(current,
             (QList<qint64> { 100, 150, 225, 337, 506, 759, 1139, 1708, 2562, 3844, 5000, 5000 }));
}

void tst_Backoff::eachWaitStaysWithinTheRandomizationBounds()
{
    for (double r : { 0.0, 0.25, 0.999999 }) {
        m_random = r;
        auto b = make();
        for (int i = 0; i < 15; ++i) {
            const qint64 cur = b.currentInterval().count();
            const auto wait = b.next();
            QVERIFY(wait);
            // `cur` is truncated to whole ms; the true interval is within [cur, cur + 1).
            QVERIFY2(wait->count() >= qint64(cur * 0.5)
                         && wait->count() <= qint64((cur + 1) * 1.5) + 1,
                     qPrintable(QStringLiteral("%1 for interval %2").arg(wait->count()).arg(cur)));
        }
    }
    m_random = 0.0;
    auto b = make();
    QCOMPARE(b.next()->count(), 50); // 100 ms - 50 %
}

void tst_Backoff::stopsOnceMaxElapsedTimeWouldPass()
{
    auto b = make();
    int attempts = 0;
    while (auto wait = b.next()) {
        m_now += wait->count();
        ++attempts;
        QVERIFY(attempts < 100);
    }
    QVERIFY(m_now <= 60000);
    QVERIFY(m_now > 50000); // it did use most of the minute
    QVERIFY(!b.next()); // and stays stopped
}

void tst_Backoff::zeroMaxElapsedTimeRetriesForever()
{
    Backoff::Settings s;
    s.maxElapsedTime = 0ms;
    auto b = make(s);
    m_now += 3600 * 1000;
    for (int i = 0; i < 50; ++i)
        QVERIFY(b.next());
    QCOMPARE(b.currentInterval(), 5000ms);
}

void tst_Backoff::resetStartsOver()
{
    auto b = make();
    for (int i = 0; i < 6; ++i)
        b.next();
    m_now += 59000;
    b.reset();
    QCOMPARE(b.currentInterval(), 100ms);
    QCOMPARE(b.elapsed(), 0ms);
    QVERIFY(b.next());
}

void tst_Backoff::retryAfterReplacesTheComputedWait()
{
    auto b = make();
    QCOMPARE(b.next(7000ms), std::optional<std::chrono::milliseconds>(7000ms));
    m_now += 55000;
    QVERIFY(!b.next(7000ms)); // would pass the minute: give up
}

void tst_Backoff::onlyTransientHttpStatusesAreRetried()
{
    for (int st : { 0, 408, 429, 500, 502, 503, 504 })
        QVERIFY2(isRetryableStatus(st), qPrintable(QString::number(st)));
    for (int st : { 400, 401, 403, 404, 405, 409, 411, 413, 431 })
        QVERIFY2(!isRetryableStatus(st), qPrintable(QString::number(st)));
}

QTEST_GUILESS_MAIN(tst_Backoff)
#include "tst_backoff.moc"
