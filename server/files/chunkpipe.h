// ChunkPipe: an upload's bytes written and hashed on threads of their own, behind its reads.
//
// An upload costs the server three things per byte: the copy from the socket, the write to
// the disk and SHA-256, which is the most of them (docs/benchmarks.md, "Files": OpenSSL's SHA-NI
// code hashes 1.8 GB/s on one core here) and cannot be split, one stream being one hash. Done
// one after the other on one thread, an upload went no faster than their sum. So the transfer
// thread only reads: each chunk goes into one of kSlots buffers and is handed on; the writer
// thread writes it (whole blocks by direct I/O, straight from the buffer) while the hasher
// thread hashes it, each in the order the chunks were handed on, and the buffer is free again
// when both are done. When every buffer is still in work the transfer thread waits for one
// (nothing more is read, TCP holds the sender back): memory stays kSlots buffers.
//
// What belongs to the pipe while chunks of it are queued, the transfer thread touches only
// after wait(): a Sha256's state (offset, finalHex), a PartFile's descriptors.
#pragma once

#include <QString>
#include <QtGlobal>

#include <openssl/evp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace confab::server {

// A SHA-256 over the first `offset` bytes of something.
struct Sha256
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    qint64 offset = 0;
    bool ok = false;
    Sha256();
    ~Sha256();
    Q_DISABLE_COPY_MOVE(Sha256)
    void update(const char *data, qint64 n);
    QString finalHex(); // lowercase hex; empty when it failed. Takes no more after.
};

// The part file of an upload, as the writer sees it.
struct PartFile
{
    int fd = -1; // through the page cache
    int directFd = -1; // the same file for direct I/O (-1: the file system has none)
    std::atomic<qint64> end { 0 }; // the file's bytes up to here are written
    std::atomic<int> error { 0 }; // errno of the first write that failed (nothing written after)
    // Writeback of what went through the page cache (ChunkPipe::paceWriteback; writer only):
    // asked for up to here, and waited for up to here. Both start where the request starts.
    qint64 writeStarted = 0;
    qint64 writeDone = 0;
    PartFile() = default;
    ~PartFile();
    Q_DISABLE_COPY_MOVE(PartFile)
};

class ChunkPipe
{
public:
    static constexpr int kSlots = 4;
    static constexpr qint64 kAlign = 4096; // buffers start at a multiple (direct I/O)
    static constexpr qint64 kWritebackStep = 128 * 1024; // writeback starts per 128 KiB
    static constexpr qint64 kWritebackWindow = 1024 * 1024; // at most this much dirty
    static constexpr int kYieldLimitMs = 20; // per chunk, to the database's commits

    explicit ChunkPipe(qint64 slotBytes); // (rounded up to kAlign)
    ~ChunkPipe(); // finishes what is queued, then joins
    Q_DISABLE_COPY_MOVE(ChunkPipe)

    struct Slot
    {
        int index = -1;
        char *data = nullptr;
    };
    // A free buffer of slotBytes; waits while all are in work.
    Slot take();
    // Gives an unused buffer back.
    void giveBack(Slot slot);
    // Queues `n` bytes of `slot` from `from` (inside it): written to `part` at file offset `at`
    // and hashed into `hash`, each after every chunk queued before. When a write fails,
    // part->error says so, the file is cut back to where that chunk began, and later chunks
    // for it are not written (they are still hashed: the hash is then worth nothing).
    // With `hash` null the chunk is only written.
    void submit(Slot slot, const char *from, qint64 n, std::shared_ptr<Sha256> hash,
                std::shared_ptr<PartFile> part, qint64 at);
    // Returns when everything queued is written and hashed.
    void wait();

private:
    struct Job
    {
        int slot;
        const char *from;
        qint64 n;
        std::shared_ptr<Sha256> hash;
        std::shared_ptr<PartFile> part;
        qint64 at;
    };
    void run(bool writer);
    static bool writeOut(PartFile &part, const char *p, qint64 n, qint64 at);
    static void paceWriteback(PartFile &part, qint64 end);

    const qint64 m_slotBytes;
    std::unique_ptr<char, void (*)(void *)> m_memory;
    std::mutex m_mutex;
    std::condition_variable m_queued; // a job for either stage, or stop
    std::condition_variable m_freed; // a slot is free, or a stage ran dry
    std::deque<Job> m_hashJobs;
    std::deque<Job> m_writeJobs;
    std::vector<int> m_stagesLeft; // per slot: the stages still to see it
    std::vector<int> m_free;
    int m_busy = 0; // stages working on a job they took
    bool m_stop = false;
    std::thread m_hasher;
    std::thread m_writer;
};

} // namespace confab::server
