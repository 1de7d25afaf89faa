// ChunkPipe (server/files/chunkpipe.h): an upload's chunks are written and hashed on threads of
// their own, behind its reads. What an upload's file and `sha256` promise: exactly its bytes, in
// order, whatever other uploads go through the pipe in between; a write that fails stops that
// upload's file where the failed chunk began; memory is the few buffers there are.
#include "files/chunkpipe.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

#include <fcntl.h>
#include <unistd.h>

using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

std::shared_ptr<PartFile> openPart(const QString &path, bool direct)
{
    auto part = std::make_shared<PartFile>();
    const QByteArray name = QFile::encodeName(path);
    part->fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (direct)
        part->directFd = ::open(name.constData(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    return part;
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestChunkPipe : public QObject
{
    Q_OBJECT
private slots:
    void interleavedUploadsGetTheirOwnBytesInOrder();
    void waitMeansEverythingQueuedIsWrittenAndHashed();
    void aFailedWriteStopsThatFileWhereItsChunkBegan();
    void aFullPipeWaitsForItsThreads();
    void anEmptySha256IsTheKnownOne();
};

void TestChunkPipe::interleavedUploadsGetTheirOwnBytesInOrder()
{
    // Two uploads at once: one by direct I/O (whole blocks; where /tmp has none, the page
    // cache), one through the page cache; chunks of any size, starting anywhere in a block, as
    // the transfer worker hands them on.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ChunkPipe pipe(64 * 1024 + ChunkPipe::kAlign);
    struct Up
    {
        std::shared_ptr<PartFile> part;
        std::shared_ptr<Sha256> hash = std::make_shared<Sha256>();
        QByteArray sent;
        QString path;
    } ups[2];
    for (int i = 0; i < 2; ++i) {
        ups[i].path = dir.filePath(u"part%1"_s.arg(i));
        ups[i].part = openPart(ups[i].path, i == 0);
        QVERIFY(ups[i].part->fd >= 0);
    }
    QRandomGenerator rng(7);
    for (int i = 0; i < 300; ++i) {
        Up &up = ups[rng.bounded(3) != 0 ? 0 : 1];
        const qint64 n = 1 + rng.bounded(64 * 1024);
        QByteArray bytes(n, Qt::Uninitialized);
        for (char &c : bytes)
            c = char(rng.bounded(256));
        const qint64 at = up.sent.size();
        const ChunkPipe::Slot slot = pipe.take();
        QCOMPARE(quintptr(slot.data) % ChunkPipe::kAlign, quintptr(0));
        char *start = slot.data + at % ChunkPipe::kAlign;
        std::memcpy(start, bytes.constData(), size_t(n));
        pipe.submit(slot, start, n, up.hash, up.part, at);
        up.sent += bytes;
    }
    pipe.giveBack(pipe.take()); // an unused buffer given back takes no part
    pipe.wait();
    for (Up &up : ups) {
        QCOMPARE(up.part->error.load(), 0);
        QCOMPARE(up.part->end.load(), qint64(up.sent.size()));
        QCOMPARE(up.hash->offset, qint64(up.sent.size()));
        QCOMPARE(up.hash->finalHex(),
                 QString::fromLatin1(QCryptographicHash::hash(up.sent, QCryptographicHash::Sha256)
                                         .toHex()));
        QVERIFY(fileBytes(up.path) == up.sent);
    }
}

void TestChunkPipe::waitMeansEverythingQueuedIsWrittenAndHashed()
{
    QTemporaryDir dir;
    ChunkPipe pipe(1 << 20);
    auto part = openPart(dir.filePath(u"big"_s), true);
    auto h = std::make_shared<Sha256>();
    qint64 total = 0;
    for (int i = 0; i < 64; ++i) { // 64 MiB: the threads are well behind when wait() is called
        const ChunkPipe::Slot slot = pipe.take();
        std::memset(slot.data, i, 1 << 20);
        pipe.submit(slot, slot.data, 1 << 20, h, part, total);
        total += 1 << 20;
    }
    pipe.wait();
    QCOMPARE(h->offset, total);
    QCOMPARE(part->end.load(), total);
    QCOMPARE(QFileInfo(dir.filePath(u"big"_s)).size(), total);
}

void TestChunkPipe::aFailedWriteStopsThatFileWhereItsChunkBegan()
{
    // /dev/full: every write fails with ENOSPC (a disk that filled up).
    QTemporaryDir dir;
    ChunkPipe pipe(4096);
    auto full = std::make_shared<PartFile>();
    full->fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    QVERIFY(full->fd >= 0);
    full->end = 1000;
    auto good = openPart(dir.filePath(u"good"_s), false);
    auto h = std::make_shared<Sha256>();
    for (int i = 0; i < 3; ++i) {
        ChunkPipe::Slot slot = pipe.take();
        std::memset(slot.data, 'a', 100);
        pipe.submit(slot, slot.data, 100, h, full, 1000 + i * 100);
        slot = pipe.take();
        std::memset(slot.data, 'b', 100);
        pipe.submit(slot, slot.data, 100, nullptr, good, i * 100);
    }
    pipe.wait();
    QCOMPARE(full->error.load(), ENOSPC);
    QCOMPARE(full->end.load(), qint64(1000)); // where the first failed chunk began
    // The other upload is not affected.
    QCOMPARE(good->error.load(), 0);
    QCOMPARE(fileBytes(dir.filePath(u"good"_s)), QByteArray(300, 'b'));
}

void TestChunkPipe::aFullPipeWaitsForItsThreads()
{
    // Memory is fixed: the kSlots buffers are all there is. The threads free them as they go,
    // so taking more than kSlots returns (it does not wait forever).
    QTemporaryDir dir;
    ChunkPipe pipe(64);
    auto part = openPart(dir.filePath(u"p"_s), false);
    auto h = std::make_shared<Sha256>();
    for (int i = 0; i < ChunkPipe::kSlots * 50; ++i) {
        const ChunkPipe::Slot slot = pipe.take();
        QVERIFY(slot.index >= 0 && slot.index < ChunkPipe::kSlots);
        std::memset(slot.data, 'x', 64);
        pipe.submit(slot, slot.data, 64, h, part, i * 64);
    }
    pipe.wait();
    QCOMPARE(h->offset, qint64(ChunkPipe::kSlots) * 50 * 64);
    // Held slots are not handed out twice.
    const auto s1 = pipe.take(), s2 = pipe.take();
    QVERIFY(s1.index != s2.index);
    QVERIFY(s1.data != s2.data);
}

void TestChunkPipe::anEmptySha256IsTheKnownOne()
{
    Sha256 h;
    QCOMPARE(h.finalHex(), u"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"_s);
    QCOMPARE(h.finalHex(), QString()); // finished: no second answer
}

QTEST_GUILESS_MAIN(TestChunkPipe)
#include "tst_chunkpipe.moc"
