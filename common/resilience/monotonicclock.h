// The default clock of the breaker and the backoff: monotonic milliseconds, never 0 (0 means
// "no expiry" to CircuitBreaker). Tests inject their own.
#pragma once

#include <QElapsedTimer>

namespace confab {

inline qint64 monotonicMs()
{
    static const QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer.elapsed() + 1;
}

} // namespace confab
