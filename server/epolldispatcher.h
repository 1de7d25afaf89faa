// EpollEventDispatcher: a Qt event dispatcher on Linux epoll.
//
// Qt 6.4's own UNIX dispatcher (and the glib one) hands every registered socket notifier to
// poll() on each event-loop pass: with thousands of WebSocket connections each pass costs
// O(connections) in the kernel before any work is done (docs/benchmarks.md measured it). epoll
// keeps the interest set in the kernel and returns only the ready descriptors, so a pass costs
// O(ready). The server installs it on its realtime worker threads and its main thread
// (CONFAB_EVENT_DISPATCHER=qt keeps Qt's own, for comparison).
//
// Write notifiers are the hot case: Qt enables one after each write and disables it once the
// socket has taken the bytes, so watching them in epoll would cost two epoll_ctl calls per
// flush. Instead the descriptors whose write notifier was enabled are probed together with one
// poll() at the end of the pass; only a socket found full goes into the epoll set.
//
// Semantics follow QEventDispatcherUNIX: level-triggered notifiers (read on IN/HUP/ERR, write
// on OUT/ERR, exception on PRI), timers ordered by deadline and never re-entered while their
// timerEvent runs, posted events sent at the start of each pass, wakeUp() through an eventfd.
#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QSet>

#include <atomic>
#include <map>

namespace confab::server {

class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    // The dispatcher CONFAB_EVENT_DISPATCHER asks for: this one unless it says "qt" (then null).
    static QAbstractEventDispatcher *createDefault();

private:
    struct Descriptor
    {
        QSocketNotifier *notifiers[3] = {}; // by QSocketNotifier::Type
        quint32 events = 0; // what epoll watches for this descriptor
        bool writeWatched = false; // EPOLLOUT in the set: the last probe found it full
    };
    struct Timer
    {
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        qint64 deadlineNs = 0;
        bool running = false; // in its timerEvent now
    };

    void updateInterest(int fd, Descriptor &d);
    bool probeWrites();
    int msUntilNextTimer() const;
    bool activateTimers();
    void schedule(int timerId, Timer &t, qint64 deadlineNs);

    int m_epoll = -1;
    int m_wake = -1; // eventfd
    std::atomic<bool> m_wakePending { false };
    std::atomic<bool> m_interrupted { false };
    QHash<int, Descriptor> m_descriptors;
    QSet<int> m_writeProbe; // write notifiers enabled since the last pass, not yet in epoll
    QHash<int, Timer> m_timers;
    std::multimap<qint64, int> m_deadlines; // deadline (ns) → timer id
};

} // namespace confab::server
