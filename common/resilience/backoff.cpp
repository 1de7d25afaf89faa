#include "resilience/backoff.h"

#include "resilience/monotonicclock.h"

#include <cmath>

namespace confab {

Backoff::Backoff()
    : Backoff(Settings {})
{
}

Backoff::Backoff(Settings settings, Clock clock, Random random)
    : m_settings(settings)
    , m_clock(clock ? std::move(clock) : Clock(monotonicMs))
    , m_random(random ? std::move(random)
                      : Random([] { return QRandomGenerator::global()->generateDouble(); }))
    , m_current(double(settings.initialInterval.count()))
{
    reset();
}

void Backoff::reset()
{
    m_current = double(m_settings.initialInterval.count());
    m_start = m_clock();
}

std::chrono::milliseconds Backoff::elapsed() const
{
    return std::chrono::milliseconds(m_clock() - m_start);
}

void Backoff::grow()
{
    const double max = double(m_settings.maxInterval.count());
    if (m_current >= max / m_settings.multiplier)
        m_current = max;
    else
        m_current *= m_settings.multiplier;
}

std::optional<std::chrono::milliseconds> Backoff::next()
{
    const double cur = m_current;
    const double delta = m_settings.randomizationFactor * cur;
    const double lo = cur - delta;
    const double hi = cur + delta;
    // Uniform in [lo, hi] (cenkalti: min + random * (max - min + 1)).
    const auto wait = std::chrono::milliseconds(qint64(lo + m_random() * (hi - lo + 1)));
    grow();
    const auto maxElapsed = m_settings.maxElapsedTime;
    if (maxElapsed.count() > 0 && elapsed() + wait > maxElapsed)
        return std::nullopt;
    return wait;
}

std::optional<std::chrono::milliseconds> Backoff::next(std::chrono::milliseconds retryAfter)
{
    const auto regular = next();
    if (!regular)
        return std::nullopt;
    const auto maxElapsed = m_settings.maxElapsedTime;
    if (maxElapsed.count() > 0 && elapsed() + retryAfter > maxElapsed)
        return std::nullopt;
    return retryAfter;
}

bool isRetryableStatus(int status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

} // namespace confab
