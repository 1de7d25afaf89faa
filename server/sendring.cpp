#include "sendring.h"

#include <QLoggingCategory>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#ifdef CONFAB_HAVE_LIBURING
#include <liburing.h>
#endif

Q_LOGGING_CATEGORY(lcSendRing, "confab.server.sendring")

namespace confab::server {

#ifdef CONFAB_HAVE_LIBURING

struct SendRing::Ring
{
    io_uring ring;
};

SendRing::SendRing()
{
    const char *env = std::getenv("CONFAB_SEND_RING");
    if (env && (std::strcmp(env, "off") == 0 || std::strcmp(env, "0") == 0))
        return;
    auto r = std::make_unique<Ring>();
    if (const int err = io_uring_queue_init(2 * kBatch, &r->ring, 0); err < 0) {
        qCInfo(lcSendRing, "io_uring unavailable (%s): one sendmsg() per socket",
               std::strerror(-err));
        return;
    }
    m_ring = std::move(r);
}

SendRing::~SendRing()
{
    if (m_ring)
        io_uring_queue_exit(&m_ring->ring);
}

void SendRing::set(int i, int fd, int iovCount)
{
    m_msg[i] = msghdr {};
    m_msg[i].msg_iov = m_iov[i];
    m_msg[i].msg_iovlen = size_t(iovCount);
    m_fd[i] = fd;
}

void SendRing::submit(int n, qint64 *results)
{
    for (int i = 0; i < n; ++i)
        results[i] = -EAGAIN; // not sent (yet): the caller hands these frames to Qt's buffer
    if (!m_ring || n <= 0)
        return;
    io_uring *ring = &m_ring->ring;
    const int take = s_takeAtMostForTest >= 0 ? std::min(n, s_takeAtMostForTest) : n;
    int prepared = 0;
    for (; prepared < take; ++prepared) {
        io_uring_sqe *sqe = io_uring_get_sqe(ring);
        if (!sqe)
            break; // cannot happen with 2 * kBatch entries and every batch reaped
        io_uring_prep_sendmsg(sqe, m_fd[prepared], &m_msg[prepared], MSG_NOSIGNAL | MSG_DONTWAIT);
        io_uring_sqe_set_data64(sqe, quint64(prepared));
    }
    int submitted;
    do {
        // Returns how many sends the kernel took (an interrupted wait still counts them), or
        // -errno when it took none.
        submitted = io_uring_submit_and_wait(ring, unsigned(prepared));
    } while (submitted == -EINTR);
    if (submitted < 0)
        submitted = 0;
    for (int i = 0; i < submitted; ++i)
        results[i] = kUnknown; // until its answer comes
    int seen = 0;
    while (seen < submitted && !s_loseAnswersForTest) {
        io_uring_cqe *cqe = nullptr;
        int err;
        do {
            err = io_uring_wait_cqe(ring, &cqe);
        } while (err == -EINTR);
        if (err < 0) {
            // Never seen (every send completes during the submission). What the kernel took of
            // the rest is unknown, so their results stay kUnknown and the caller drops them.
            qCCritical(lcSendRing, "io_uring_wait_cqe: %s", std::strerror(-err));
            break;
        }
        unsigned head;
        unsigned count = 0;
        io_uring_for_each_cqe(ring, head, cqe)
        {
            const quint64 i = io_uring_cqe_get_data64(cqe);
            if (i < quint64(n))
                results[i] = cqe->res;
            ++count;
        }
        io_uring_cq_advance(ring, count);
        seen += int(count);
    }
    if (submitted < n || seen < submitted) {
        // The ring misbehaved: the sends it did not take stay -EAGAIN (Qt's buffer sends
        // them), and from now on every socket gets its own sendmsg().
        qCWarning(lcSendRing, "io_uring took %d of %d sends: one sendmsg() per socket from now",
                  submitted, n);
        io_uring_queue_exit(ring);
        m_ring.reset();
    }
}

#else // no liburing at build time

struct SendRing::Ring
{
};

SendRing::SendRing() = default;
SendRing::~SendRing() = default;
void SendRing::set(int, int, int) { }
void SendRing::submit(int n, qint64 *results)
{
    for (int i = 0; i < n; ++i)
        results[i] = -EAGAIN;
}

#endif

} // namespace confab::server
