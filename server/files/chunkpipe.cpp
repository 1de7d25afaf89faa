#include "chunkpipe.h"

#include "database.h"

#include <QByteArray>
#include <QElapsedTimer>

#include <cerrno>
#include <cstdlib>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace confab::server {

Sha256::Sha256()
{
    ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(ctx);
}

void Sha256::update(const char *data, qint64 n)
{
    ok = ok && EVP_DigestUpdate(ctx, data, size_t(n)) == 1;
    offset += n;
}

QString Sha256::finalHex()
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ok || EVP_DigestFinal_ex(ctx, md, &len) != 1)
        return {};
    ok = false; // a finished context takes no more
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(md), len).toHex());
}

PartFile::~PartFile()
{
    if (fd >= 0)
        ::close(fd);
    if (directFd >= 0)
        ::close(directFd);
}

ChunkPipe::ChunkPipe(qint64 slotBytes)
    : m_slotBytes((slotBytes + kAlign - 1) / kAlign * kAlign)
    , m_memory(static_cast<char *>(std::aligned_alloc(size_t(kAlign), size_t(m_slotBytes) * kSlots)),
               std::free)
    , m_stagesLeft(kSlots, 0)
{
    Q_CHECK_PTR(m_memory.get());
    for (int i = kSlots - 1; i >= 0; --i)
        m_free.push_back(i);
    m_hasher = std::thread([this] { run(false); });
    m_writer = std::thread([this] { run(true); });
}

ChunkPipe::~ChunkPipe()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_queued.notify_all();
    m_hasher.join();
    m_writer.join();
}

ChunkPipe::Slot ChunkPipe::take()
{
    std::unique_lock lock(m_mutex);
    m_freed.wait(lock, [this] { return !m_free.empty(); });
    const int i = m_free.back();
    m_free.pop_back();
    return { i, m_memory.get() + qint64(i) * m_slotBytes };
}

void ChunkPipe::giveBack(Slot slot)
{
    std::lock_guard lock(m_mutex);
    m_free.push_back(slot.index);
    m_freed.notify_all();
}

void ChunkPipe::submit(Slot slot, const char *from, qint64 n, std::shared_ptr<Sha256> hash,
                       std::shared_ptr<PartFile> part, qint64 at)
{
    {
        std::lock_guard lock(m_mutex);
        m_stagesLeft[size_t(slot.index)] = 2;
        m_writeJobs.push_back({ slot.index, from, n, nullptr, std::move(part), at });
        m_hashJobs.push_back({ slot.index, from, n, std::move(hash), nullptr, at });
    }
    m_queued.notify_all();
}

void ChunkPipe::wait()
{
    std::unique_lock lock(m_mutex);
    m_freed.wait(lock,
                 [this] { return m_hashJobs.empty() && m_writeJobs.empty() && m_busy == 0; });
}

bool ChunkPipe::writeOut(PartFile &part, const char *p, qint64 n, qint64 at)
{
    // Whole blocks by direct I/O: the disk reads them from the buffer, no copy into the page
    // cache (a third of an upload's CPU time before) and no dirty pages to write back later.
    // The bytes before the first block boundary and after the last go through the page cache
    // (less than a block each side: the start of a resumed upload, the end of what had
    // arrived). The transfer worker places the bytes in the buffer as they sit in the file
    // relative to a boundary, so that a boundary in the file is one in memory too.
    while (n > 0) {
        const qint64 into = at % kAlign;
        const bool direct = part.directFd >= 0 && into == 0 && n >= kAlign
            && quintptr(p) % kAlign == 0;
        const qint64 len = direct ? n / kAlign * kAlign
            : part.directFd >= 0 && into   ? qMin(n, kAlign - into)
                                           : n;
        const ssize_t w = ::pwrite(direct ? part.directFd : part.fd, p, size_t(len), off_t(at));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return false;
        }
        p += w;
        n -= w;
        at += w;
    }
    return true;
}

void ChunkPipe::paceWriteback(PartFile &part, qint64 end)
{
    // Without direct I/O (tmpfs, for one), a long upload must not leave gigabytes of dirty
    // pages for the kernel to write in bursts: on ext4 (data=ordered) the database's next fsync
    // (every message commit) would wait for them, and chat would stall behind a file. So
    // writeback starts for each step as soon as it is written, and the upload waits for what
    // it wrote more than kWritebackWindow ago (docs/benchmarks.md, "Files").
    if (end - part.writeStarted >= kWritebackStep) {
        ::sync_file_range(part.fd, part.writeStarted, end - part.writeStarted,
                          SYNC_FILE_RANGE_WRITE);
        part.writeStarted = end;
    }
    if (part.writeStarted - part.writeDone > kWritebackWindow) {
        const qint64 upTo = part.writeStarted - kWritebackWindow;
        ::sync_file_range(part.fd, part.writeDone, upTo - part.writeDone,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                              | SYNC_FILE_RANGE_WAIT_AFTER);
        part.writeDone = upTo;
    }
}

void ChunkPipe::run(bool writer)
{
    pthread_setname_np(pthread_self(), writer ? "confab-write" : "confab-hash");
    // Bulk work gets the CPU time chat leaves (SCHED_IDLE; where that is not allowed, the
    // lowest nice level), and the writes wait behind the database's (the idle I/O class, which
    // the kernel's mq-deadline and BFQ schedulers honour): a long upload never makes a fan-out
    // wait behind it (docs/benchmarks.md, "Files").
    sched_param none {};
    if (sched_setscheduler(0, SCHED_IDLE, &none) != 0)
        setpriority(PRIO_PROCESS, pid_t(gettid()), 19);
    if (writer) {
        constexpr int kWhoProcess = 1, kClassIdle = 3, kClassShift = 13;
        syscall(SYS_ioprio_set, kWhoProcess, gettid(), kClassIdle << kClassShift);
    }
    std::deque<Job> &jobs = writer ? m_writeJobs : m_hashJobs;
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_queued.wait(lock, [&] { return m_stop || !jobs.empty(); });
        if (jobs.empty())
            return; // stopped, nothing left
        Job job = std::move(jobs.front());
        jobs.pop_front();
        ++m_busy;
        lock.unlock();
        if (writer) {
            PartFile &part = *job.part;
            if (part.error.load(std::memory_order_acquire) == 0) {
                // Messages first: while the database commits (its fsync), this write waits (at
                // most kYieldLimitMs per chunk, so a server that commits all the time still
                // takes uploads).
                QElapsedTimer yielded;
                yielded.start();
                while (commitsInProgress().load(std::memory_order_relaxed) > 0
                       && yielded.elapsed() < kYieldLimitMs)
                    ::usleep(200);
                if (writeOut(part, job.from, job.n, job.at)) {
                    part.end.store(job.at + job.n, std::memory_order_release);
                    if (part.directFd < 0)
                        paceWriteback(part, job.at + job.n);
                } else {
                    const int error = errno ? errno : EIO;
                    // What this chunk wrote is cut off again: the file ends where it began.
                    if (::ftruncate(part.fd, job.at) != 0)
                        qWarning("upload: cannot cut back a part file after a failed write");
                    part.end.store(job.at, std::memory_order_release);
                    part.error.store(error, std::memory_order_release);
                }
            }
        } else if (job.hash) {
            job.hash->update(job.from, job.n);
        }
        job.hash.reset(); // (the last owner may be this job: freed outside the lock)
        job.part.reset();
        lock.lock();
        --m_busy;
        if (--m_stagesLeft[size_t(job.slot)] == 0)
            m_free.push_back(job.slot);
        m_freed.notify_all();
    }
}

} // namespace confab::server
