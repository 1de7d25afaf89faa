#include "loginlimiter.h"

#include <cmath>

namespace confab::server {

LoginLimiter::LoginLimiter(Clock clock, int maxAttempts, qint64 windowMs)
    : m_clock(std::move(clock))
    , m_maxAttempts(maxAttempts)
    , m_windowMs(windowMs)
{
}

int LoginLimiter::retryAfter(const QString &key)
{
    auto it = m_records.find(key);
    if (it == m_records.end())
        return 0;
    const qint64 now = m_clock();
    auto &times = it->times;
    while (!times.empty() && times.front() <= now - m_windowMs)
        times.pop_front();
    if (times.empty() && it->inFlight == 0) {
        m_records.erase(it);
        return 0;
    }
    if (int(times.size()) + it->inFlight < m_maxAttempts)
        return 0;
    // Full with attempts still running: one may free its place within a second.
    if (int(times.size()) < m_maxAttempts)
        return 1;
    return qMax(1, int(std::ceil(double(times.front() + m_windowMs - now) / 1000.0)));
}

int LoginLimiter::begin(const QStringList &keys)
{
    int wait = 0;
    for (const QString &key : keys)
        wait = qMax(wait, retryAfter(key));
    if (wait > 0)
        return wait;
    for (const QString &key : keys)
        ++m_records[key].inFlight;
    return 0;
}

void LoginLimiter::end(const QStringList &keys, bool keep)
{
    const qint64 now = m_clock();
    for (const QString &key : keys) {
        auto it = m_records.find(key);
        if (it == m_records.end())
            continue; // cleared meanwhile
        it->inFlight = qMax(0, it->inFlight - 1);
        if (keep)
            it->times.push_back(now);
        else if (it->times.empty() && it->inFlight == 0)
            m_records.erase(it);
    }
}

void LoginLimiter::clear(const QString &key)
{
    auto it = m_records.find(key);
    if (it == m_records.end())
        return;
    it->times.clear();
    if (it->inFlight == 0)
        m_records.erase(it);
}

} // namespace confab::server
