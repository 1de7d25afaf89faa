// UploadGovernor: uploads write at full speed while nobody chats, slow down when commits get
// slower than they are on a quiet disk, never stop, and speed up again when chat is calm.
// Time is injected (nanoseconds), commits are counted as the storage writer counts them.
#include "files/uploadgovernor.h"

#include <QTest>

using namespace confab::server;

namespace {

constexpr qint64 kMs = 1'000'000;
constexpr qint64 kInterval = UploadGovernor::kIntervalNs;

// Drives one governor through intervals: each has `commits` commits of `commitNs` each and the
// uploads writing `written` bytes in it.
struct Drive
{
    UploadGovernor g;
    qint64 now = 0;
    quint64 commits = 0;
    quint64 nanos = 0;

    Drive() { g.observe(now, commits, nanos, 0); }
    void interval(int count, qint64 commitNs, qint64 written)
    {
        now += kInterval;
        commits += quint64(count);
        nanos += quint64(count) * quint64(commitNs);
        g.observe(now, commits, nanos, written);
    }
    // Bytes take() grants over `ns`, asking for 256 KiB whenever it has something to give.
    qint64 drain(qint64 ns)
    {
        qint64 granted = 0;
        const qint64 end = now + ns;
        for (qint64 t = now; t < end; t += kMs / 10)
            granted += g.take(t, 256 * 1024);
        return granted;
    }
};

} // namespace

class tst_UploadGovernor : public QObject
{
    Q_OBJECT
private slots:
    void quietServerUploadsWithoutLimit()
    {
        Drive d;
        for (int i = 0; i < 100; ++i)
            d.interval(0, 0, 40'000'000); // 800 MB/s, nobody chats
        QCOMPARE(d.g.rate(), 0);
        QCOMPARE(d.g.take(d.now, 256 * 1024), 256 * 1024);
        QCOMPARE(d.g.waitNs(), 0);
    }

    void fastCommitsLeaveUploadsAlone()
    {
        Drive d;
        for (int i = 0; i < 100; ++i)
            d.interval(20, 500'000 + (i % 3) * 20'000, 40'000'000); // within a quarter
        QCOMPARE(d.g.rate(), 0);
        QCOMPARE(d.g.baselineNs(), 500'000);
    }

    void slowCommitsHalveWhatUploadsWrote()
    {
        Drive d;
        for (int i = 0; i < 10; ++i)
            d.interval(20, 500'000, 0); // chat alone: commits take 0.5 ms
        d.interval(20, 500'000, 40'000'000);
        QCOMPARE(d.g.rate(), 0);
        // An upload at 800 MB/s makes commits take 5 ms: the trend crosses at once.
        d.interval(20, 5'000'000, 40'000'000);
        QCOMPARE(d.g.rate(), 400'000'000);
        d.interval(20, 5'000'000, 20'000'000);
        QCOMPARE(d.g.rate(), 200'000'000);
        for (int i = 0; i < 20; ++i)
            d.interval(20, 5'000'000, 1'000'000);
        QCOMPARE(d.g.rate(), UploadGovernor::kFloor); // slowed, never stopped
        QVERIFY(d.g.take(d.now + 100 * kMs, 256 * 1024) > 0);
    }

    void limitedRateIsWhatTakeGrants()
    {
        Drive d;
        for (int i = 0; i < 10; ++i)
            d.interval(20, 500'000, 0);
        d.interval(20, 500'000, 5'000'000); // 100 MB/s
        d.interval(20, 3'000'000, 5'000'000); // too slow: 50 MB/s
        QCOMPARE(d.g.rate(), 50'000'000);
        const qint64 granted = d.drain(1000 * kMs);
        // One second at 50 MB/s, give or take the bucket's depth (one interval's worth).
        QVERIFY2(granted >= 48'000'000 && granted <= 53'000'000, QByteArray::number(granted));
    }

    void emptyBucketSaysHowLongToWait()
    {
        Drive d;
        for (int i = 0; i < 10; ++i)
            d.interval(20, 500'000, 0);
        d.interval(20, 500'000, 200'000);
        d.interval(20, 3'000'000, 200'000); // 4 MB/s, halved: the floor
        QCOMPARE(d.g.rate(), UploadGovernor::kFloor);
        QCOMPARE(d.g.take(d.now, 256 * 1024), 0); // nothing saved up yet
        const qint64 wait = d.g.waitNs();
        // 64 KiB at 4 MB/s: about 16 ms.
        QVERIFY2(wait > 15 * kMs && wait < 18 * kMs, QByteArray::number(wait));
        QCOMPARE(d.g.take(d.now + wait / 2, 256 * 1024), 0);
        QCOMPARE(d.g.take(d.now + wait, 256 * 1024), UploadGovernor::kChunk);
        d.g.giveBack(UploadGovernor::kChunk); // not read after all
        QCOMPARE(d.g.take(d.now + wait, 256 * 1024), UploadGovernor::kChunk);
    }

    void calmChatLetsUploadsSpeedUpAgain()
    {
        Drive d;
        for (int i = 0; i < 10; ++i)
            d.interval(20, 500'000, 0);
        d.interval(20, 500'000, 200'000);
        d.interval(20, 3'000'000, 200'000);
        QCOMPARE(d.g.rate(), UploadGovernor::kFloor);
        // The disk recovers; the trend comes back under the line within a few intervals.
        int steps = 0;
        while (d.g.rate() != 0 && steps < 5000) {
            d.interval(steps % 2 ? 20 : 0, 500'000, 1'000'000); // chat on and off
            ++steps;
        }
        QCOMPARE(d.g.rate(), 0); // unlimited again
        // Additive: from the floor to kUnlimited in steps of kStep (plus the few intervals the
        // trend took to come down).
        const int additive = int(UploadGovernor::kUnlimited / UploadGovernor::kStep);
        QVERIFY2(steps >= additive - 2 && steps <= additive + 30, QByteArray::number(steps));
    }

    void aPauseWithoutChatLiftsTheLimitOneWithChatKeepsIt()
    {
        Drive d;
        for (int i = 0; i < 10; ++i)
            d.interval(20, 500'000, 0);
        d.interval(20, 500'000, 5'000'000);
        d.interval(20, 3'000'000, 5'000'000);
        QCOMPARE(d.g.rate(), 50'000'000);
        // No upload for 10 s while chat goes on: the limit is what it was (one calm step more).
        d.now += 10'000 * kMs;
        d.commits += 2000;
        d.nanos += 2000 * 500'000;
        d.g.observe(d.now, d.commits, d.nanos, 65536);
        QCOMPARE(d.g.rate(), 50'000'000 + UploadGovernor::kStep);
        // Then 2 s with no upload and no commit at all: nobody chats, no limit.
        d.now += 2000 * kMs;
        d.g.observe(d.now, d.commits, d.nanos, 65536);
        QCOMPARE(d.g.rate(), 0);
        QCOMPARE(d.g.take(d.now, 256 * 1024), 256 * 1024);
    }

    void baselineForgetsOldWindows()
    {
        Drive d;
        d.interval(20, 200'000, 0); // a fast disk once
        QCOMPARE(d.g.baselineNs(), 200'000);
        const int window = int(UploadGovernor::kBaseWindowNs / kInterval);
        for (int i = 0; i < 2 * window + 2; ++i)
            d.interval(20, 1'000'000, 0); // now commits take 1 ms (another disk, a busier host)
        // Two windows later the 0.2 ms is forgotten: 1 ms is normal now, and uploads beside it
        // are not held back for being "slow".
        QCOMPARE(d.g.baselineNs(), 1'000'000);
        QCOMPARE(d.g.rate(), 0); // slow commits with no upload writing are not its doing
        d.interval(20, 1'100'000, 40'000'000);
        QCOMPARE(d.g.rate(), 0);
    }
};

QTEST_APPLESS_MAIN(tst_UploadGovernor)
#include "tst_uploadgovernor.moc"
