#include "loginlimiter.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace confab::server {

LoginLimiter::LoginLimiter(Clock clock, int maxFailures, qint64 windowMs)
    : m_clock(std::move(clock))
    , m_maxFailures(maxFailures)
    , m_windowMs(windowMs)
{
}

int LoginLimiter::retryAfter(const QString &key)
{
    auto it = m_failures.find(key);
    if (it == m_failures.end())
        return 0;
    const qint64 now = m_clock();
    auto &times = *it;
    while (!times.empty() && times.front() <= now - m_windowMs)
        times.pop_front();
    if (times.empty()) {
        m_failures.erase(it);
        return 0;
    }
    if (int(times.size()) < m_maxFailures)
        return 0;
    return int(std::ceil(double(times.front() + m_windowMs - now) / 1000.0));
}

int LoginLimiter::retryAfterSeconds(const QString &username, const QString &address)
{
    return qMax(retryAfter(u"u:"_s + username), retryAfter(u"a:"_s + address));
}

void LoginLimiter::recordFailure(const QString &username, const QString &address)
{
    const qint64 now = m_clock();
    m_failures[u"u:"_s + username].push_back(now);
    m_failures[u"a:"_s + address].push_back(now);
}

void LoginLimiter::recordSuccess(const QString &username)
{
    m_failures.remove(u"u:"_s + username);
}

} // namespace confab::server
