// The default clock of the client's timing classes: monotonic milliseconds, never 0 (0 means
// "no expiry" to CircuitBreaker). Tests inject their own.
#pragma once

#include <QElapsedTimer>

namespace confab::client {

inline qint64 monotonicMs()
{
    static const QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer.elapsed() + 1;
}

} // namespace confab::client
