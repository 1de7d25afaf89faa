#include "uploadgovernor.h"

#include <algorithm>

namespace confab::server {

qint64 UploadGovernor::baselineNs() const
{
    if (m_minNow < 0)
        return m_minLast;
    return m_minLast < 0 ? m_minNow : std::min(m_minNow, m_minLast);
}

void UploadGovernor::observe(qint64 nowNs, quint64 commits, quint64 commitNanos, qint64 written)
{
    if (m_intervalStart < 0) {
        m_intervalStart = m_windowStart = nowNs;
        m_commits = commits;
        m_commitNanos = commitNanos;
        m_written = 0;
        return;
    }
    m_written += written;
    const qint64 elapsed = nowNs - m_intervalStart;
    if (elapsed < kIntervalNs)
        return;
    const quint64 count = commits - m_commits;
    const quint64 nanos = commitNanos - m_commitNanos;
    const qint64 wrote = m_written;
    m_intervalStart = nowNs;
    m_commits = commits;
    m_commitNanos = commitNanos;
    m_written = 0;
    if (nowNs - m_windowStart >= kBaseWindowNs) {
        m_minLast = m_minNow;
        m_minNow = -1;
        m_windowStart = nowNs;
    }

    // Back after a pause of uploads: if nobody committed meanwhile, chat is quiet and uploads
    // go at full speed; if chat went on, the limit stays where it was (it says nothing new).
    if (elapsed >= kQuietNs) {
        m_trend = -1; // what commits did before the pause is no trend now
        if (count == 0) {
            m_rate = 0;
            return;
        }
    }
    bool slow = false;
    if (count > 0) {
        const qint64 mean = qint64(nanos / count);
        if (m_minNow < 0 || mean < m_minNow)
            m_minNow = mean;
        // The trend follows a slower interval at once (a message must not wait for the
        // governor to be sure) and a faster one gradually (one calm interval among slow ones
        // does not lift the limit).
        m_trend = m_trend < 0 || mean > m_trend ? mean : (3 * m_trend + mean) / 4;
        const qint64 base = baselineNs();
        slow = m_trend > base + std::max(base / 4, kSlackNs);
    }
    if (slow && wrote > 0) { // (slow commits beside no upload are not the uploads' doing)
        const bool wasUnlimited = m_rate == 0;
        const qint64 from = wasUnlimited ? qint64(double(wrote) * 1e9 / double(elapsed)) : m_rate;
        m_rate = std::max(kFloor, from / 2);
        if (wasUnlimited) {
            m_tokens = 0;
            m_tokensAt = nowNs;
        }
    } else if (m_rate != 0) {
        m_rate += kStep;
        if (m_rate > kUnlimited)
            m_rate = 0;
    }
}

qint64 UploadGovernor::take(qint64 nowNs, qint64 want)
{
    if (m_rate == 0)
        return want;
    const double burst = std::max(double(m_rate) * double(kIntervalNs) / 1e9, double(kChunk));
    m_tokens = std::min(burst, m_tokens + double(nowNs - m_tokensAt) * double(m_rate) / 1e9);
    m_tokensAt = nowNs;
    if (m_tokens < double(std::min(want, kChunk)))
        return 0;
    const qint64 n = std::min(want, qint64(m_tokens));
    m_tokens -= double(n);
    return n;
}

void UploadGovernor::giveBack(qint64 bytes)
{
    if (m_rate != 0 && bytes > 0)
        m_tokens += double(bytes);
}

qint64 UploadGovernor::waitNs() const
{
    if (m_rate == 0)
        return 0;
    const double missing = double(kChunk) - m_tokens;
    return missing <= 0 ? 0 : qint64(missing * 1e9 / double(m_rate)) + 1;
}

} // namespace confab::server
