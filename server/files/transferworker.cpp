#include "transferworker.h"

#include "connectionguard.h"
#include "framesocket.h"
#include "chunkpipe.h"
#include "database.h"
#include "metrics.h"
#include "uploadgovernor.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <cstring>

#include <fcntl.h>
#include <linux/falloc.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTransfer, "confab.server.files", QtInfoMsg)

namespace confab::server {

QByteArray statusReason(int status); // httpmessage.h

QByteArray httpResponse(int status, const QByteArray &contentType, const QByteArray &body,
                        const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusReason(status)
        + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    for (const auto &[k, v] : headers)
        out += k + ": " + v + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
    return out + body;
}

QByteArray jsonError(int status, const QByteArray &code, const QString &message)
{
    const QJsonObject body { { u"error"_s,
                               QJsonObject { { u"code"_s, QString::fromLatin1(code) },
                                             { u"message"_s, message } } } };
    return httpResponse(status, "application/json",
                        QJsonDocument(body).toJson(QJsonDocument::Compact));
}

struct TransferWorker::Upload
{
    quint64 id = 0;
    QPointer<QTcpSocket> socket;
    Receive spec;
    std::shared_ptr<PartFile> part; // written by the pipe's writer
    qint64 received = 0; // of spec.length: read and handed to the pipe
    std::shared_ptr<Sha256> hash;
    QTimer *idle = nullptr;
    QTimer *wake = nullptr; // reads again when the governor has bytes to give
    bool finishing = false; // the last byte is in: FileService answers
};

struct TransferWorker::Download
{
    quint64 id = 0;
    QPointer<QTcpSocket> socket;
    int fd = -1;
    qint64 offset = 0;
    qint64 remaining = 0;
    bool zeroCopy = false; // plaintext: the kernel sends from the page cache (sendfile)
    QTimer *idle = nullptr;
};

TransferWorker::TransferWorker(Metrics *metrics)
    : m_metrics(metrics)
{
    m_clock.start();
    if (m_metrics) {
        m_metrics->defineGauge(u"confab_file_upload_limit_bytes_per_second"_s,
                               u"Upload bytes per second allowed while chat commits (0: no "
                               u"limit)"_s);
        m_metrics->defineCounter(u"confab_file_bytes_total"_s,
                                 u"File bytes received (upload) and sent (download)"_s,
                                 { u"direction"_s });
    }
}

TransferWorker::~TransferWorker()
{
    stop();
}

void TransferWorker::start()
{
    if (m_thread)
        return;
    m_pipe = std::make_unique<ChunkPipe>(kUploadChunk + ChunkPipe::kAlign);
    m_thread = new QThread;
    m_thread->setObjectName(u"confab-files"_s);
    moveToThread(m_thread);
    connect(m_thread, &QThread::started, this, [] {
        // Bulk bytes yield to chat: this thread gets the CPU time the hub and REST leave
        // (SCHED_IDLE), so a long upload never makes a fan-out wait behind it
        // (docs/benchmarks.md, "Files"). Where that is not allowed, the lowest nice level.
        sched_param none {};
        if (sched_setscheduler(gettid(), SCHED_IDLE, &none) != 0)
            setpriority(PRIO_PROCESS, pid_t(gettid()), 19);
        // The same for the disk: its writes wait behind the database's (the idle I/O class,
        // which the kernel's mq-deadline and BFQ schedulers honour; others ignore it).
        constexpr int kWhoProcess = 1, kClassIdle = 3, kClassShift = 13;
        syscall(SYS_ioprio_set, kWhoProcess, gettid(), kClassIdle << kClassShift);
    });
    m_thread->start();
}

void TransferWorker::stop()
{
    if (!m_thread)
        return;
    QMetaObject::invokeMethod(
        this,
        [this] {
            for (Upload *u : m_uploads.values())
                endUpload(u, true);
            for (Download *d : m_downloads.values())
                endDownload(d);
            m_hashes.clear();
        },
        Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_pipe.reset();
}

void TransferWorker::adopt(QTcpSocket *socket)
{
    socket->setParent(nullptr);
    socket->moveToThread(m_thread);
}

void TransferWorker::receive(QTcpSocket *socket, const Receive &r)
{
    QMetaObject::invokeMethod(this, [this, socket, r] { doReceive(socket, r); });
}

void TransferWorker::send(QTcpSocket *socket, const QByteArray &head, const QString &path,
                          qint64 offset, qint64 length)
{
    QMetaObject::invokeMethod(this, [this, socket, head, path, offset, length] {
        doSend(socket, head, path, offset, length);
    });
}

void TransferWorker::answer(quint64 transfer, const QByteArray &response)
{
    QMetaObject::invokeMethod(this, [this, transfer, response] {
        Upload *u = m_uploads.value(transfer);
        if (!u)
            return;
        if (u->socket && u->socket->state() == QAbstractSocket::ConnectedState) {
            disconnect(u->socket, nullptr, this, nullptr);
            ConnectionGuard::answerAndClose(u->socket, response); // flushed before it closes
        }
        u->socket = nullptr; // (deleted when it disconnects)
        endUpload(u, false);
    });
}

bool TransferWorker::cutUpload(const QString &uploadId)
{
    bool cut = true;
    QMetaObject::invokeMethod(
        this,
        [this, uploadId, &cut] {
            for (Upload *u : m_uploads.values()) {
                if (u->spec.uploadId != uploadId)
                    continue;
                if (u->finishing) {
                    cut = false;
                    continue;
                }
                endUpload(u, true); // (aborts the socket, its signals no longer heard)
            }
        },
        Qt::BlockingQueuedConnection);
    return cut;
}

void TransferWorker::forget(const QString &uploadId)
{
    QMetaObject::invokeMethod(this, [this, uploadId] { m_hashes.remove(uploadId); });
}

Sha256 *TransferWorker::hashFor(const QString &uploadId, const QString &path, qint64 offset)
{
    m_pipe->wait(); // (a kept state is the pipe's until then)
    if (auto it = m_hashes.find(uploadId); it != m_hashes.end() && (*it)->ok
        && (*it)->offset == offset)
        return it->get();
    // None kept (a restart), or it does not match: rebuilt from the bytes on disk.
    auto hash = std::make_shared<Sha256>();
    QFile part(path);
    if (offset > 0) {
        if (!part.open(QIODevice::ReadOnly))
            return nullptr;
        qint64 left = offset;
        m_buffer.resize(kBufferBytes);
        while (left > 0) {
            const qint64 n = part.read(m_buffer.data(), qMin(left, kBufferBytes));
            if (n <= 0)
                return nullptr;
            hash->update(m_buffer.constData(), n);
            left -= n;
        }
    }
    if (!hash->ok)
        return nullptr;
    m_hashes.insert(uploadId, hash);
    return hash.get();
}

void TransferWorker::doReceive(QTcpSocket *socket, const Receive &r)
{
    auto *u = new Upload;
    u->id = r.transfer;
    u->socket = socket;
    u->spec = r;
    m_uploads.insert(u->id, u);
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater,
            Qt::UniqueConnection);
    // Bounded reads: Qt's buffer (and with TLS the decrypted one) hold at most this much; the
    // rest waits in the kernel, and TCP slows the sender down.
    socket->setReadBufferSize(kUploadChunk);
    if (auto *fs = qobject_cast<FrameSocket *>(socket)) {
        // With TLS every arrival is decrypted at once (no limit of its own: Qt's bounded buffer
        // is the limit, and this reads all that is decrypted). Ciphertext must never wait in
        // Qt's buffer where a read() would find it before the plaintext.
        fs->setReadyLimit(0);
        fs->setTlsFailureHandler({});
    }

    Sha256 *hash = hashFor(r.uploadId, r.partPath, r.offset);
    u->part = std::make_shared<PartFile>();
    PartFile &part = *u->part;
    part.end = part.writeStarted = part.writeDone = r.offset; // (also if what follows fails)
    part.fd = ::open(QFile::encodeName(r.partPath).constData(), O_WRONLY | O_CREAT | O_CLOEXEC,
                     0640);
    if (!hash || part.fd < 0 || ::ftruncate(part.fd, r.offset) != 0) {
        qCWarning(lcTransfer).noquote() << "cannot open the upload" << r.partPath;
        return failUpload(u, 500, "internal_error", u"the upload cannot be written"_s);
    }
    u->hash = m_hashes.value(r.uploadId);
    // The same file for direct I/O (ChunkPipe::writeOut); where the file system has none
    // (tmpfs), every byte goes through the page cache.
    part.directFd = ::open(QFile::encodeName(r.partPath).constData(),
                           O_WRONLY | O_DIRECT | O_CLOEXEC);
    // The blocks for the whole upload, at once (the size stays what was written): the file
    // system allocates once instead of at every write, so the database's journal commits do
    // not carry this file's allocations along (ext4, data=ordered).
    if (r.size > r.offset)
        (void)::fallocate(part.fd, FALLOC_FL_KEEP_SIZE, r.offset, r.size - r.offset);

    u->idle = new QTimer(this);
    u->idle->setSingleShot(true);
    connect(u->idle, &QTimer::timeout, this, [this, id = u->id] {
        if (Upload *up = m_uploads.value(id); up && !up->finishing) {
            qCInfo(lcTransfer) << "upload idle, cut" << up->spec.uploadId;
            endUpload(up, true); // (aborts the socket, its signals no longer heard)
        }
    });
    u->idle->start(kIdleTimeout);
    connect(socket, &QIODevice::readyRead, this, [this, id = u->id] {
        if (Upload *up = m_uploads.value(id))
            readMore(up);
    });
    connect(socket, &QAbstractSocket::disconnected, this, [this, id = u->id] {
        if (Upload *up = m_uploads.value(id); up && !up->finishing)
            endUpload(up, true);
    });
    if (socket->state() != QAbstractSocket::ConnectedState)
        return endUpload(u, true);
    readMore(u);
}

void TransferWorker::readMore(Upload *u)
{
    if (u->finishing || !u->socket)
        return;
    QTcpSocket *socket = u->socket;
    auto *fs = qobject_cast<FrameSocket *>(socket);
    qint64 got = 0;
    bool more = true;
    while (more) {
        if (u->part->error.load(std::memory_order_acquire))
            return failWrites(u);
        // One chunk: as much as the socket has, up to kUploadChunk. In the buffer the bytes sit
        // where they sit in the file relative to a block boundary, so that the whole blocks
        // among them go to the disk by direct I/O straight from it; written and hashed on the
        // pipe's threads while the next chunk is read (chunkpipe.h).
        const qint64 pos = u->spec.offset + u->received;
        const qint64 left = u->spec.length - u->received;
        if (left <= 0)
            break;
        const ChunkPipe::Slot slot = m_pipe->take();
        char *start = slot.data + pos % ChunkPipe::kAlign;
        qint64 have = 0;
        const qint64 room = qMin(kUploadChunk, left);
        while (have < room) {
            if (fs)
                fs->takeArrived(); // decrypts whatever waits in Qt's buffer (and lets Qt read on)
            // While chat commits, the disk is shared (uploadgovernor.h): what is not taken now
            // stays in the socket, and TCP holds the sender back.
            const qint64 allowed = m_governor.take(m_clock.nsecsElapsed(), room - have);
            if (allowed == 0) {
                if (!u->wake) {
                    u->wake = new QTimer(this);
                    u->wake->setSingleShot(true);
                    u->wake->setTimerType(Qt::PreciseTimer);
                    connect(u->wake, &QTimer::timeout, this, [this, id = u->id] {
                        if (Upload *up = m_uploads.value(id))
                            readMore(up);
                    });
                }
                u->wake->start(int(qMax<qint64>(1, m_governor.waitNs() / 1'000'000)));
                more = false;
                break;
            }
            const qint64 n = socket->read(start + have, allowed);
            if (n < allowed)
                m_governor.giveBack(allowed - qMax<qint64>(0, n));
            if (n <= 0) {
                more = false; // (readyRead or the wake timer calls again)
                break;
            }
            have += n;
        }
        if (have == 0) {
            m_pipe->giveBack(slot);
            break;
        }
        // All that arrived goes to the disk now (a client resumes from what the server has).
        m_pipe->submit(slot, start, have, u->hash, u->part, pos);
        u->received += have;
        got += have;
        const CommitClock &commits = commitClock();
        const quint64 count = commits.commits.load(std::memory_order_acquire);
        const qint64 before = m_governor.rate();
        m_governor.observe(m_clock.nsecsElapsed(), count,
                           commits.nanos.load(std::memory_order_relaxed), have);
        if (m_governor.rate() != before) {
            qCDebug(lcTransfer) << "upload rate" << m_governor.rate() << "bytes/s, commits take"
                                << m_governor.baselineNs() << "ns at best";
            if (m_metrics)
                m_metrics->setGauge(u"confab_file_upload_limit_bytes_per_second"_s,
                                    double(m_governor.rate()));
        }
    }
    if (got > 0) {
        u->idle->start(kIdleTimeout);
        if (m_metrics)
            m_metrics->inc(u"confab_file_bytes_total"_s, { u"upload"_s }, double(got));
    }
    if (u->received < u->spec.length)
        return;
    // Every byte of the request is read: written too before anything is answered.
    m_pipe->wait();
    if (u->part->error.load(std::memory_order_acquire))
        return failWrites(u);

    const qint64 offset = u->spec.offset + u->received;
    if (offset < u->spec.size) {
        // This request is done; the upload is not: the client sends the next part.
        emit progressed(u->id, u->spec.uploadId, offset);
        disconnect(socket, nullptr, this, nullptr);
        ConnectionGuard::answerAndClose(
            socket, httpResponse(204, {}, {}, { { "Upload-Offset", QByteArray::number(offset) } }));
        u->socket = nullptr;
        return endUpload(u, false);
    }
    // The last byte: on disk for good before anyone is told the file exists.
    u->finishing = true;
    u->idle->stop();
    if (::fdatasync(u->part->fd) != 0)
        return failUpload(u, 500, "internal_error", u"the upload cannot be synced"_s);
    u->part.reset(); // (closed)
    const QString sha = u->hash->finalHex();
    m_hashes.remove(u->spec.uploadId);
    u->hash.reset();
    // Nothing more is read: whatever the peer still sends is dropped.
    disconnect(socket, &QIODevice::readyRead, this, nullptr);
    connect(socket, &QIODevice::readyRead, socket, [socket] { socket->skip(socket->bytesAvailable()); });
    emit completed(u->id, u->spec.uploadId, sha);
}

void TransferWorker::failWrites(Upload *u)
{
    // A write failed (the pipe cut the file back to where its chunk began, and wrote nothing
    // after): the hash has seen bytes the file does not hold, so it goes (rebuilt from the
    // file when the client resumes).
    m_pipe->wait();
    const int error = u->part->error.load(std::memory_order_acquire);
    m_hashes.remove(u->spec.uploadId);
    u->hash.reset();
    qCWarning(lcTransfer).noquote() << "cannot write the upload" << u->spec.partPath
                                    << qt_error_string(error);
    if (error == ENOSPC || error == EDQUOT)
        return failUpload(u, 507, "quota_exceeded", u"the server's disk is full"_s);
    failUpload(u, 500, "internal_error", u"the upload cannot be written"_s);
}

void TransferWorker::failUpload(Upload *u, int status, const QByteArray &code,
                                const QString &message)
{
    if (u->socket && u->socket->state() == QAbstractSocket::ConnectedState) {
        // Anything still arriving is dropped; the socket goes when the peer has read it.
        disconnect(u->socket, nullptr, this, nullptr);
        ConnectionGuard::answerAndClose(u->socket, jsonError(status, code, message));
        u->socket = nullptr;
    }
    endUpload(u, true);
}

void TransferWorker::endUpload(Upload *u, bool interrupted)
{
    m_uploads.remove(u->id);
    qint64 offset = u->spec.offset + u->received;
    if (u->part) {
        // What was read is on disk before anyone hears where the upload stands.
        m_pipe->wait();
        offset = u->part->end.load(std::memory_order_acquire);
        if (u->part->error.load(std::memory_order_acquire))
            m_hashes.remove(u->spec.uploadId);
        u->part.reset();
    }
    if (u->idle)
        u->idle->deleteLater();
    if (u->wake)
        u->wake->deleteLater();
    if (u->socket) {
        disconnect(u->socket, nullptr, this, nullptr);
        if (u->socket->state() != QAbstractSocket::UnconnectedState)
            u->socket->abort();
        u->socket->deleteLater();
    }
    if (interrupted && !u->finishing)
        emit this->interrupted(u->id, u->spec.uploadId, offset);
    delete u;
}

void TransferWorker::doSend(QTcpSocket *socket, const QByteArray &head, const QString &path,
                            qint64 offset, qint64 length)
{
    auto *d = new Download;
    d->id = m_nextTransfer++;
    d->socket = socket;
    d->offset = offset;
    d->remaining = length;
    m_downloads.insert(d->id, d);
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater,
            Qt::UniqueConnection);
    auto *fs = qobject_cast<FrameSocket *>(socket);
    if (fs)
        fs->setTlsFailureHandler({});
    d->zeroCopy = !fs || !fs->isTls();
    // Nothing is read from here on: a download is the connection's last request.
    connect(socket, &QIODevice::readyRead, socket, [socket] { socket->skip(socket->bytesAvailable()); });
    if (length > 0) {
        d->fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
        if (d->fd < 0) {
            socket->write(jsonError(404, "file_not_found", u"the file's bytes are gone"_s));
            socket->disconnectFromHost();
            d->socket = nullptr;
            return endDownload(d);
        }
        ::posix_fadvise(d->fd, offset, length, POSIX_FADV_SEQUENTIAL);
    }
    d->idle = new QTimer(this);
    d->idle->setSingleShot(true);
    connect(d->idle, &QTimer::timeout, this, [this, id = d->id] {
        if (Download *dl = m_downloads.value(id))
            endDownload(dl); // (aborts the socket, its signals no longer heard)
    });
    d->idle->start(kIdleTimeout);
    connect(socket, &QIODevice::bytesWritten, this, [this, id = d->id] {
        if (Download *dl = m_downloads.value(id)) {
            dl->idle->start(kIdleTimeout);
            pump(dl);
        }
    });
    connect(socket, &QAbstractSocket::disconnected, this, [this, id = d->id] {
        if (Download *dl = m_downloads.value(id))
            endDownload(dl);
    });
    socket->write(head); // (sendfile starts when Qt has sent it: bytesWritten)
    pump(d);
}

void TransferWorker::pump(Download *d)
{
    QTcpSocket *socket = d->socket;
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return endDownload(d);
    m_buffer.resize(kBufferBytes);
    qint64 sent = 0;
    while (d->remaining > 0 && socket->bytesToWrite() < kSendWindow) {
        if (d->zeroCopy) {
            // Plaintext: straight from the page cache into the socket, no copy of ours (and
            // none through Qt's buffer), as long as Qt holds nothing that must go first.
            if (socket->bytesToWrite() > 0)
                break; // (bytesWritten calls again when Qt's buffer is out)
            off_t at = d->offset;
            const ssize_t n = ::sendfile(int(socket->socketDescriptor()), d->fd, &at,
                                         size_t(qMin(d->remaining, kSendfileBytes)));
            if (n > 0) {
                d->offset += n;
                d->remaining -= n;
                sent += n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                // The blob shrank or vanished, or the peer is gone: the length promised cannot
                // be kept (the connection is cut).
                if (sent && m_metrics)
                    m_metrics->inc(u"confab_file_bytes_total"_s, { u"download"_s }, double(sent));
                return endDownload(d);
            }
            // The socket is full. One small chunk through Qt, whose write notifier then says
            // when there is room again (bytesWritten), and sendfile goes on.
            const ssize_t w = ::pread(d->fd, m_buffer.data(),
                                      size_t(qMin(d->remaining, kWakeBytes)), d->offset);
            if (w <= 0)
                return endDownload(d);
            socket->write(m_buffer.constData(), w);
            d->offset += w;
            d->remaining -= w;
            sent += w;
            break;
        }
        const ssize_t n
            = ::pread(d->fd, m_buffer.data(), size_t(qMin(d->remaining, kBufferBytes)), d->offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            // The blob shrank or vanished under us: the length promised cannot be kept (the
            // connection is cut).
            return endDownload(d);
        }
        socket->write(m_buffer.constData(), n);
        d->offset += n;
        d->remaining -= n;
        sent += n;
    }
    if (sent && m_metrics)
        m_metrics->inc(u"confab_file_bytes_total"_s, { u"download"_s }, double(sent));
    if (d->remaining == 0) {
        d->socket = nullptr;
        endDownload(d);
        // After the last byte is written; with nothing left in Qt's buffer (sendfile) that is
        // now, and `disconnected` comes before this returns (it finds no download).
        socket->disconnectFromHost();
    }
}

void TransferWorker::endDownload(Download *d)
{
    m_downloads.remove(d->id);
    if (d->fd >= 0)
        ::close(d->fd);
    if (d->idle)
        d->idle->deleteLater();
    if (d->socket) {
        disconnect(d->socket, nullptr, this, nullptr);
        if (d->socket->state() != QAbstractSocket::UnconnectedState)
            d->socket->abort();
        d->socket->deleteLater();
    }
    delete d;
}

} // namespace confab::server
