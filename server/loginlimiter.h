// LoginLimiter: failed logins are limited per username and per client address. After
// `maxFailures` failures within `window`, further attempts for that key are refused until the
// oldest failure leaves the window. A successful login clears the username's record.
#pragma once

#include "servercontext.h"

#include <QHash>
#include <QString>

#include <deque>

namespace confab::server {

class LoginLimiter
{
public:
    LoginLimiter(Clock clock, int maxFailures = 5, qint64 windowMs = 15 * 60 * 1000);

    // 0 when an attempt may proceed, else the seconds until one may.
    int retryAfterSeconds(const QString &username, const QString &address);
    void recordFailure(const QString &username, const QString &address);
    void recordSuccess(const QString &username);

private:
    int retryAfter(const QString &key);
    Clock m_clock;
    int m_maxFailures;
    qint64 m_windowMs;
    QHash<QString, std::deque<qint64>> m_failures;
};

} // namespace confab::server
