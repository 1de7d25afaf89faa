// UploadGovernor: how fast uploads may write while people chat.
//
// A message is acknowledged after its commit's fsync, and on a real disk that fsync waits for
// whatever else the disk was given first: an upload writing at full speed makes every commit,
// and so every message, slower (docs/benchmarks.md, "Files"). The governor watches the
// commits themselves and gives uploads what the disk has to spare, the way LEDBAT gives bulk
// traffic what a network link has to spare:
//
//  - Every kInterval it looks at the commits that finished in it (count and total time, from
//    the storage writer's CommitClock). Its baseline is the fastest interval's mean seen in
//    the last two kBaseWindow windows: what a commit costs when nothing is in its way.
//  - Commits slower than the baseline by more than a quarter (and at least kSlack; a slower
//    interval counts at once, a faster one lowers the trend gradually): the rate
//    halves (from what the uploads really wrote, the first time), to no less than kFloor: an
//    upload always progresses. Otherwise, and in intervals without commits, it grows by kStep;
//    above kUnlimited there is no limit at all. A server nobody chats on uploads at disk speed
//    (a second without commits lifts the limit); a busy one settles where its commits stay
//    fast, and keeps that limit for the next upload while chat goes on.
//
// The rate is total for all uploads on the transfer thread: take() hands out bytes from one
// token bucket. Not thread-safe: the transfer thread owns it. Time comes from the caller.
#pragma once

#include <QtGlobal>

namespace confab::server {

class UploadGovernor
{
public:
    static constexpr qint64 kIntervalNs = 50'000'000; // 50 ms
    static constexpr qint64 kBaseWindowNs = 30'000'000'000; // 30 s
    static constexpr qint64 kFloor = 4'000'000; // bytes/s
    static constexpr qint64 kStep = 4'000'000; // bytes/s added per calm interval
    static constexpr qint64 kUnlimited = 4'000'000'000; // bytes/s: above this, no limit
    static constexpr qint64 kSlackNs = 100'000; // 0.1 ms
    static constexpr qint64 kChunk = 64 * 1024; // take() gives at least this much, or nothing
    static constexpr qint64 kQuietNs = 1'000'000'000; // no commit for this long: no limit

    // Looks at the commits since the last call (at most once per kInterval does anything).
    // `written`: bytes the uploads wrote since the last call.
    void observe(qint64 nowNs, quint64 commits, quint64 commitNanos, qint64 written);
    // How many of `want` bytes may be written now (0: wait waitNs(), then ask again).
    qint64 take(qint64 nowNs, qint64 want);
    void giveBack(qint64 bytes); // taken but not read after all
    qint64 waitNs() const; // until take() gives a useful amount (0 when unlimited)

    qint64 rate() const { return m_rate; } // bytes/s, 0 = no limit
    qint64 baselineNs() const;

private:
    qint64 m_rate = 0;
    double m_tokens = 0;
    qint64 m_tokensAt = 0;
    qint64 m_intervalStart = -1;
    quint64 m_commits = 0;
    quint64 m_commitNanos = 0;
    qint64 m_written = 0; // in the current interval
    qint64 m_windowStart = 0;
    qint64 m_minNow = -1; // fastest interval mean in this window and the last (-1: none)
    qint64 m_minLast = -1;
    qint64 m_trend = -1; // the intervals' means: up at once, down as a moving average
};

} // namespace confab::server
