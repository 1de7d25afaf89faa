// SendRing: the sends of a batch of sockets in one system call (Linux io_uring), for
// SocketWorker's flush. Under load the flush writes ~100,000 sockets a second, each with its
// own sendmsg(); the system call itself (entry, the descriptor lookup, copying the message
// header) was a seventh of a write's cost. A ring takes up to kBatch sends per io_uring_enter().
//
// Every send is non-blocking (MSG_DONTWAIT) and completes while the batch is submitted: the
// kernel answers each with the bytes it took or -EAGAIN, as sendmsg() would, and the caller
// deals with a short send exactly as before. Where io_uring is missing or forbidden (old
// kernels, a seccomp filter, kernel.io_uring_disabled), or CONFAB_SEND_RING=off, ok() is false
// and the flush uses sendmsg().
#pragma once

#include <QtGlobal>

#include <sys/socket.h>
#include <sys/uio.h>

#include <limits>
#include <memory>

namespace confab::server {

class SendRing
{
public:
    static constexpr int kBatch = 32; // sends per submission (one flush clock check's worth)
    static constexpr int kIov = 8; // frames per send; a socket holding more uses sendmsg()

    SendRing(); // in the thread that will submit
    ~SendRing();
    SendRing(const SendRing &) = delete;
    SendRing &operator=(const SendRing &) = delete;

    bool ok() const { return m_ring != nullptr; }

    // Slot i of the batch being built: fill up to kIov entries of iov(i), then set(i, ...).
    iovec *iov(int i) { return m_iov[i]; }
    void set(int i, int fd, int iovCount);
    // Sends slots [0, n) and waits for their answers: results[i] = bytes sent or -errno
    // (-EAGAIN also for a send the ring did not take: nothing of it went), or kUnknown if the
    // ring could not tell (the stream's state is then unknown: drop the connection). If the
    // ring misbehaves it closes itself, and ok() turns false.
    void submit(int n, qint64 *results);
    static constexpr qint64 kUnknown = std::numeric_limits<qint64>::min();

    // Fault injection for tests: the ring takes at most this many sends of a batch (as a ring
    // in trouble would), then closes itself. -1: off.
    static inline int s_takeAtMostForTest = -1;
    // Fault injection for tests: the answers of the sends are lost (kUnknown), as if waiting
    // for them failed; the ring then closes itself.
    static inline bool s_loseAnswersForTest = false;

private:
    struct Ring;
    std::unique_ptr<Ring> m_ring;
    iovec m_iov[kBatch][kIov];
    msghdr m_msg[kBatch];
    int m_fd[kBatch];
};

} // namespace confab::server
