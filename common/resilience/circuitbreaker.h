// CircuitBreaker with the semantics of sony/gobreaker:
//
//  Closed   requests pass; counts are cleared every `interval` (a new generation). When
//           readyToTrip(counts) holds after a failure (default: more than 5 consecutive
//           failures) the breaker opens.
//  Open     requests fail fast (Rejection::Open) until `timeout` has passed, then half-open.
//  HalfOpen at most `maxRequests` requests pass (more: Rejection::TooManyRequests); a failure
//           re-opens; `maxRequests` consecutive successes close.
//
// Every state change (and interval expiry) starts a new generation; a result reported for an
// older generation is ignored, so a slow request from before the breaker opened cannot close it.
// The clock is injected (monotonic milliseconds) so every transition is testable without waiting.
#pragma once

#include <QObject>
#include <QString>

#include <chrono>
#include <functional>

namespace confab {

class CircuitBreaker : public QObject
{
    Q_OBJECT
public:
    enum class State { Closed, HalfOpen, Open };
    Q_ENUM(State)
    enum class Rejection { None, Open, TooManyRequests };

    struct Counts
    {
        quint32 requests = 0;
        quint32 totalSuccesses = 0;
        quint32 totalFailures = 0;
        quint32 consecutiveSuccesses = 0;
        quint32 consecutiveFailures = 0;
    };

    struct Settings
    {
        QString name;
        quint32 maxRequests = 3;
        std::chrono::milliseconds interval { 10000 };
        std::chrono::milliseconds timeout { 30000 };
        // Default: trip after more than 5 consecutive failures.
        std::function<bool(const Counts &)> readyToTrip;
    };

    using Clock = std::function<qint64()>; // monotonic milliseconds

    explicit CircuitBreaker(Settings settings, Clock clock = {}, QObject *parent = nullptr);

    // Asks to make a request. On admission, `generation` identifies it for record().
    struct Admission
    {
        Rejection rejection = Rejection::None;
        quint64 generation = 0;
        bool allowed() const { return rejection == Rejection::None; }
    };
    Admission allow();
    // Reports the outcome of an admitted request.
    void record(quint64 generation, bool success);

    State state();
    Counts counts() const { return m_counts; }
    quint64 generation() const { return m_generation; }
    // Closed again with fresh counts, as a new breaker would be: for a new target (the client
    // moved to another node of a cluster). Outcomes of requests admitted before are ignored.
    void reset();
    // Time until an open breaker lets a probe through (0 unless open).
    std::chrono::milliseconds retryIn();
    const QString &name() const { return m_settings.name; }

    static QString stateName(State s);

signals:
    void stateChanged(confab::CircuitBreaker::State from,
                      confab::CircuitBreaker::State to);

private:
    State currentState(qint64 now);
    void setState(State s, qint64 now);
    void newGeneration(qint64 now);
    void onSuccess(State s, qint64 now);
    void onFailure(State s, qint64 now);

    Settings m_settings;
    Clock m_clock;
    State m_state = State::Closed;
    quint64 m_generation = 0;
    Counts m_counts;
    qint64 m_expiry = 0; // 0: none
};

} // namespace confab
