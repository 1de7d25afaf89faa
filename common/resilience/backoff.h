// Backoff with the semantics of cenkalti/backoff's ExponentialBackOff:
//
//   next = currentInterval * (1 ± randomizationFactor), uniformly at random;
//   currentInterval grows by `multiplier` after each call, capped at maxInterval;
//   once the time since reset() plus the next interval would pass maxElapsedTime, next() says
//   Stop (maxElapsedTime 0: never stop).
//
// Defaults are Confab's: 100 ms initial, 5 s max interval, 1 min max elapsed, ×1.5, ±50 %.
// The clock (monotonic ms) and the random source are injected for exact tests.
#pragma once

#include <QRandomGenerator>

#include <chrono>
#include <functional>
#include <optional>

namespace confab {

class Backoff
{
public:
    struct Settings
    {
        std::chrono::milliseconds initialInterval { 100 };
        std::chrono::milliseconds maxInterval { 5000 };
        std::chrono::milliseconds maxElapsedTime { 60000 }; // 0: retry forever
        double multiplier = 1.5;
        double randomizationFactor = 0.5;
    };
    using Clock = std::function<qint64()>;
    using Random = std::function<double()>; // uniform in [0, 1)

    Backoff();
    explicit Backoff(Settings settings, Clock clock = {}, Random random = {});

    void reset();
    // The wait before the next attempt, or nullopt: give up.
    std::optional<std::chrono::milliseconds> next();
    // As next(), but the server asked for `retryAfter`: wait that long instead (still within
    // maxElapsedTime).
    std::optional<std::chrono::milliseconds> next(std::chrono::milliseconds retryAfter);

    std::chrono::milliseconds currentInterval() const
    {
        return std::chrono::milliseconds(qint64(m_current));
    }
    std::chrono::milliseconds elapsed() const;
    const Settings &settings() const { return m_settings; }

private:
    void grow();
    Settings m_settings;
    Clock m_clock;
    Random m_random;
    double m_current; // ms, fractional: cenkalti multiplies nanosecond durations
    qint64 m_start = 0;
};

// Retry policy for HTTP answers: 0 (no answer: network error or timeout), 408, 429 and 5xx
// are worth retrying; every other 4xx is permanent.
bool isRetryableStatus(int status);

} // namespace confab
