#include "epolldispatcher.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QVarLengthArray>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

Q_LOGGING_CATEGORY(lcDispatcher, "confab.server.dispatcher", QtInfoMsg)

namespace confab::server {

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

constexpr qint64 kNsPerMs = 1'000'000;

quint32 interestFor(QSocketNotifier::Type type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return EPOLLIN;
    case QSocketNotifier::Write:
        return EPOLLOUT;
    case QSocketNotifier::Exception:
        return EPOLLPRI;
    }
    return 0;
}

// Which notifier types a readiness report activates (as QEventDispatcherUNIX does for poll):
// hang-up and error wake readers and writers alike, so a dead peer is always noticed.
bool activates(QSocketNotifier::Type type, quint32 events)
{
    switch (type) {
    case QSocketNotifier::Read:
        return events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP);
    case QSocketNotifier::Write:
        return events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
    case QSocketNotifier::Exception:
        return events & EPOLLPRI;
    }
    return false;
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (m_epoll < 0 || m_wake < 0)
        qFatal("EpollEventDispatcher: epoll_create1/eventfd failed: %s", strerror(errno));
    epoll_event e {};
    e.events = EPOLLIN;
    e.data.fd = m_wake;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &e) != 0)
        qFatal("EpollEventDispatcher: cannot watch its eventfd: %s", strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    ::close(m_wake);
    ::close(m_epoll);
}

QAbstractEventDispatcher *EpollEventDispatcher::createDefault()
{
    if (qEnvironmentVariable("CONFAB_EVENT_DISPATCHER") == u"qt")
        return nullptr;
    return new EpollEventDispatcher;
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.store(false, std::memory_order_relaxed);
    emit awake();
    QCoreApplication::sendPostedEvents();

    // Posting to this thread calls wakeUp(), so an event posted from here on still ends the
    // wait at once: the eventfd is readable.
    const bool canWait
        = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_relaxed);
    const bool withTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool withSockets = !(flags & QEventLoop::ExcludeSocketNotifiers);
    int timeout = 0;
    if (canWait && !(withSockets && !m_writeProbe.isEmpty())) {
        timeout = withTimers ? msUntilNextTimer() : -1;
        emit aboutToBlock();
    }

    epoll_event ready[256];
    int n;
    do {
        n = epoll_wait(m_epoll, ready, int(std::size(ready)), timeout);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        qCWarning(lcDispatcher) << "epoll_wait failed:" << strerror(errno);
        n = 0;
    }

    bool processed = false;
    for (int i = 0; i < n; ++i) {
        const int fd = ready[i].data.fd;
        if (fd == m_wake) {
            eventfd_t drained;
            (void)eventfd_read(m_wake, &drained);
            m_wakePending.store(false, std::memory_order_release);
            continue;
        }
        if (!withSockets)
            continue; // level-triggered: they are reported again on the next pass
        for (const auto type :
             { QSocketNotifier::Read, QSocketNotifier::Write, QSocketNotifier::Exception }) {
            if (!activates(type, ready[i].events))
                continue;
            // Looked up again for each activation: an earlier one may have removed it.
            const auto it = m_descriptors.constFind(fd);
            if (it == m_descriptors.constEnd())
                break;
            QSocketNotifier *notifier = it->notifiers[type];
            if (!notifier)
                continue;
            QEvent activation(QEvent::SockAct);
            QCoreApplication::sendEvent(notifier, &activation);
            processed = true;
        }
    }
    if (withSockets)
        processed |= probeWrites();
    if (withTimers)
        processed |= activateTimers();
    return processed;
}

bool EpollEventDispatcher::probeWrites()
{
    if (m_writeProbe.isEmpty())
        return false;
    QVarLengthArray<pollfd, 64> probes;
    for (int fd : std::as_const(m_writeProbe))
        probes.append(pollfd { fd, POLLOUT, 0 });
    m_writeProbe.clear();
    int n;
    do {
        n = ::poll(probes.data(), nfds_t(probes.size()), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        qCWarning(lcDispatcher) << "poll failed:" << strerror(errno);
    bool processed = false;
    for (const pollfd &p : probes) {
        const auto it = m_descriptors.find(p.fd);
        if (it == m_descriptors.end() || !it->notifiers[QSocketNotifier::Write])
            continue; // disabled meanwhile
        if (n < 0 || !(p.revents & (POLLOUT | POLLERR | POLLHUP))) {
            if (p.revents & POLLNVAL)
                continue; // closed without unregistering: nothing to watch
            it->writeWatched = true; // full (or still connecting): epoll says when
            updateInterest(p.fd, *it);
            continue;
        }
        QSocketNotifier *notifier = it->notifiers[QSocketNotifier::Write];
        QEvent activation(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &activation);
        processed = true;
        // Still enabled after writing what it could (and not re-enabled, which probes it
        // again): the socket is full now, so epoll watches it.
        const auto again = m_descriptors.find(p.fd);
        if (again != m_descriptors.end() && again->notifiers[QSocketNotifier::Write] == notifier
            && !again->writeWatched && !m_writeProbe.contains(p.fd)) {
            again->writeWatched = true;
            updateInterest(p.fd, *again);
        }
    }
    return processed;
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    Descriptor &d = m_descriptors[fd];
    QSocketNotifier *&slot = d.notifiers[notifier->type()];
    if (slot && slot != notifier)
        qCWarning(lcDispatcher) << "several socket notifiers of one type on descriptor" << fd;
    slot = notifier;
    if (notifier->type() == QSocketNotifier::Write) {
        d.writeWatched = false;
        m_writeProbe.insert(fd); // probed at the end of this pass (see the header)
    }
    updateInterest(fd, d);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const auto it = m_descriptors.find(fd);
    if (it == m_descriptors.end() || it->notifiers[notifier->type()] != notifier)
        return;
    it->notifiers[notifier->type()] = nullptr;
    if (notifier->type() == QSocketNotifier::Write) {
        it->writeWatched = false;
        m_writeProbe.remove(fd);
    }
    updateInterest(fd, *it);
}

void EpollEventDispatcher::updateInterest(int fd, Descriptor &d)
{
    quint32 events = 0;
    bool any = false;
    for (const auto type :
         { QSocketNotifier::Read, QSocketNotifier::Write, QSocketNotifier::Exception }) {
        if (!d.notifiers[type])
            continue;
        any = true;
        if (type != QSocketNotifier::Write || d.writeWatched)
            events |= interestFor(type);
    }
    epoll_event e {};
    e.events = events;
    e.data.fd = fd;
    if (events == 0) {
        // The descriptor may already be closed (the kernel then dropped it from the set).
        if (d.events)
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &e);
        d.events = 0;
        if (!any)
            m_descriptors.remove(fd);
        return;
    }
    if (events == d.events)
        return;
    int rc = epoll_ctl(m_epoll, d.events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &e);
    // Descriptor numbers are reused: a closed one leaves the set by itself, and a stale entry
    // of ours may meet a new descriptor of the same number.
    if (rc != 0 && errno == ENOENT)
        rc = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
    else if (rc != 0 && errno == EEXIST)
        rc = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &e);
    if (rc != 0)
        qCWarning(lcDispatcher) << "epoll_ctl failed for descriptor" << fd << strerror(errno);
    d.events = events;
}

void EpollEventDispatcher::schedule(int timerId, Timer &t, qint64 deadlineNs)
{
    auto [first, last] = m_deadlines.equal_range(t.deadlineNs);
    for (auto it = first; it != last; ++it) {
        if (it->second == timerId) {
            m_deadlines.erase(it);
            break;
        }
    }
    t.deadlineNs = deadlineNs;
    m_deadlines.emplace(deadlineNs, timerId);
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Timer &t = m_timers[timerId];
    t.intervalMs = interval;
    t.type = timerType;
    t.object = object;
    t.deadlineNs = nowNs() + interval * kNsPerMs;
    m_deadlines.emplace(t.deadlineNs, timerId);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    auto [first, last] = m_deadlines.equal_range(it->deadlineNs);
    for (auto d = first; d != last; ++d) {
        if (d->second == timerId) {
            m_deadlines.erase(d);
            break;
        }
    }
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    QVarLengthArray<int, 16> ids;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            ids.append(it.key());
    }
    for (int id : ids)
        unregisterTimer(id);
    return !ids.isEmpty();
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> out;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            out.append(TimerInfo(it.key(), int(it->intervalMs), it->type));
    }
    return out;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.constEnd())
        return -1;
    return int(std::max<qint64>(0, (it->deadlineNs - nowNs() + kNsPerMs - 1) / kNsPerMs));
}

int EpollEventDispatcher::msUntilNextTimer() const
{
    for (const auto &[deadline, id] : m_deadlines) {
        if (m_timers.value(id).running)
            continue; // not due again while its timerEvent runs
        const qint64 left = deadline - nowNs();
        return left <= 0 ? 0 : int(std::min<qint64>((left + kNsPerMs - 1) / kNsPerMs, INT_MAX));
    }
    return -1;
}

bool EpollEventDispatcher::activateTimers()
{
    const qint64 now = nowNs();
    // Due timers first, then their events: a timerEvent may start, stop or restart timers.
    QVarLengthArray<int, 32> due;
    for (auto it = m_deadlines.cbegin(); it != m_deadlines.cend() && it->first <= now; ++it)
        due.append(it->second);
    bool fired = false;
    for (int id : due) {
        const auto it = m_timers.find(id);
        if (it == m_timers.end() || it->running || it->deadlineNs > now)
            continue;
        // Precise timers keep their phase; others count from now. Never in the past.
        qint64 next
            = (it->type == Qt::PreciseTimer ? it->deadlineNs : now) + it->intervalMs * kNsPerMs;
        if (next < now)
            next = now + it->intervalMs * kNsPerMs;
        schedule(id, *it, next);
        it->running = true;
        QObject *object = it->object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        fired = true;
        if (const auto again = m_timers.find(id); again != m_timers.end())
            again->running = false;
    }
    return fired;
}

void EpollEventDispatcher::wakeUp()
{
    if (!m_wakePending.exchange(true, std::memory_order_acq_rel))
        (void)eventfd_write(m_wake, 1);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_relaxed);
    wakeUp();
}

} // namespace confab::server
