#include "resilience/circuitbreaker.h"

#include "resilience/monotonicclock.h"

using namespace Qt::StringLiterals;

namespace confab {

CircuitBreaker::CircuitBreaker(Settings settings, Clock clock, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_clock(clock ? std::move(clock) : Clock(monotonicMs))
{
    if (m_settings.maxRequests == 0)
        m_settings.maxRequests = 1;
    if (!m_settings.readyToTrip)
        m_settings.readyToTrip = [](const Counts &c) { return c.consecutiveFailures > 5; };
    newGeneration(m_clock());
}

QString CircuitBreaker::stateName(State s)
{
    switch (s) {
    case State::Closed:
        return u"closed"_s;
    case State::HalfOpen:
        return u"half-open"_s;
    case State::Open:
        return u"open"_s;
    }
    return {};
}

CircuitBreaker::State CircuitBreaker::state()
{
    return currentState(m_clock());
}

std::chrono::milliseconds CircuitBreaker::retryIn()
{
    const qint64 now = m_clock();
    if (currentState(now) != State::Open)
        return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(qMax<qint64>(0, m_expiry - now));
}

CircuitBreaker::Admission CircuitBreaker::allow()
{
    const qint64 now = m_clock();
    const State s = currentState(now);
    if (s == State::Open)
        return { Rejection::Open, m_generation };
    if (s == State::HalfOpen && m_counts.requests >= m_settings.maxRequests)
        return { Rejection::TooManyRequests, m_generation };
    ++m_counts.requests;
    return { Rejection::None, m_generation };
}

void CircuitBreaker::record(quint64 generation, bool success)
{
    const qint64 now = m_clock();
    const State s = currentState(now);
    if (generation != m_generation)
        return; // a result from before the last state change or interval: ignored
    if (success)
        onSuccess(s, now);
    else
        onFailure(s, now);
}

void CircuitBreaker::onSuccess(State s, qint64 now)
{
    ++m_counts.totalSuccesses;
    ++m_counts.consecutiveSuccesses;
    m_counts.consecutiveFailures = 0;
    if (s == State::HalfOpen && m_counts.consecutiveSuccesses >= m_settings.maxRequests)
        setState(State::Closed, now);
}

void CircuitBreaker::onFailure(State s, qint64 now)
{
    ++m_counts.totalFailures;
    ++m_counts.consecutiveFailures;
    m_counts.consecutiveSuccesses = 0;
    if (s == State::Closed) {
        if (m_settings.readyToTrip(m_counts))
            setState(State::Open, now);
    } else if (s == State::HalfOpen) {
        setState(State::Open, now);
    }
}

CircuitBreaker::State CircuitBreaker::currentState(qint64 now)
{
    if (m_state == State::Closed) {
        if (m_expiry != 0 && m_expiry < now)
            newGeneration(now); // interval passed: clear the counts
    } else if (m_state == State::Open) {
        if (m_expiry < now)
            setState(State::HalfOpen, now);
    }
    return m_state;
}

void CircuitBreaker::reset()
{
    const qint64 now = m_clock();
    if (m_state != State::Closed)
        setState(State::Closed, now);
    else
        newGeneration(now);
}

void CircuitBreaker::setState(State s, qint64 now)
{
    if (m_state == s)
        return;
    const State from = m_state;
    m_state = s;
    newGeneration(now);
    emit stateChanged(from, s);
}

void CircuitBreaker::newGeneration(qint64 now)
{
    ++m_generation;
    m_counts = {};
    switch (m_state) {
    case State::Closed:
        m_expiry = m_settings.interval.count() > 0 ? now + m_settings.interval.count() : 0;
        break;
    case State::Open:
        m_expiry = now + m_settings.timeout.count();
        break;
    case State::HalfOpen:
        m_expiry = 0;
        break;
    }
}

} // namespace confab
