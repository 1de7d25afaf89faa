// TransferWorker: moves file bytes between sockets and the disk on a thread of its own, so that
// a 1 GB upload never holds the event loop the hub and every REST call run on.
//
//  - receive(): an upload's PATCH body streams from the socket to its part file through a
//    few fixed buffers (the socket's read buffer is bounded, so TCP pushes back on a fast
//    sender): memory does not grow with the file. This thread reads; ChunkPipe's threads write
//    each chunk (whole blocks by direct I/O) and hash it (SHA-256, OpenSSL) meanwhile. The hash
//    state of an upload is kept between its requests, and rebuilt from the part file when it
//    is missing (after a restart) or does not match the offset.
//  - send(): a download streams from the blob to the socket: without TLS by sendfile() (no
//    copy in user space), with TLS through Qt's buffer, at most kSendWindow bytes waiting in it.
//  - Uploads leave next to no dirty pages (direct I/O; without it, writeback is paced): a long
//    upload does not make the database's fsyncs (and so every message) wait behind it. While
//    chat commits, uploads are read only as fast as the commits stay fast (UploadGovernor).
//  - A transfer quiet for kIdleTimeout is cut. Every connection handled here is the last of its
//    socket (the answer says "Connection: close").
//
// The worker answers requests itself except an upload's last one: then `completed` hands the
// hash to FileService, which finishes the file and calls answer() with the response.
#pragma once

#include "uploadgovernor.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>

#include <chrono>
#include <memory>

class QTcpSocket;
class QThread;

namespace confab::server {

class ChunkPipe;
class Metrics;
struct Sha256;

class TransferWorker : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kBufferBytes = 256 * 1024;
    static constexpr qint64 kUploadChunk = 1024 * 1024; // read, written and hashed at a time
    static constexpr qint64 kSendWindow = 1024 * 1024;
    static constexpr qint64 kSendfileBytes = 4 * 1024 * 1024; // per sendfile() (plaintext)
    static constexpr qint64 kWakeBytes = 16 * 1024; // through Qt when the socket is full
    static constexpr std::chrono::seconds kIdleTimeout { 30 };

    struct Receive
    {
        quint64 transfer = 0; // the caller's name for this request (in the signals)
        QString uploadId;
        QString partPath;
        qint64 offset = 0; // where this request's bytes go (the part file's size)
        qint64 length = 0; // this request's Content-Length
        qint64 size = 0; // the upload's declared size
    };

    explicit TransferWorker(Metrics *metrics);
    ~TransferWorker() override;

    // Starts the thread and moves this object onto it.
    void start();
    void stop(); // aborts open transfers; waits for the thread
    QThread *thread() const { return m_thread; }

    // Each hands over a socket that has no parent and already lives in thread() (see adopt()).
    // Queued calls into the worker's thread.
    void receive(QTcpSocket *socket, const Receive &r);
    void send(QTcpSocket *socket, const QByteArray &head, const QString &path, qint64 offset,
              qint64 length);
    // The response to a completed upload (`transfer` from completed()); then the socket closes.
    void answer(quint64 transfer, const QByteArray &response);
    // Drops the kept hash state of an upload (cancelled or finished elsewhere).
    void forget(const QString &uploadId);
    // Cuts the request receiving `uploadId`, if any, and waits until it is cut (its bytes on
    // disk are final then): a client resuming after a network drop must not wait for the
    // server to notice that the old connection is dead. False when that request has its last
    // byte already and the upload is being finished: it cannot be cut.
    bool cutUpload(const QString &uploadId);

    // Called on the socket's current thread: detaches it from its parent and moves it here.
    void adopt(QTcpSocket *socket);

signals:
    // The upload's last byte is on disk (synced): `sha256` of the whole file, lowercase hex.
    void completed(quint64 transfer, const QString &uploadId, const QString &sha256);
    // The upload's request ended before its last byte: `offset` is where it stands now.
    void interrupted(quint64 transfer, const QString &uploadId, qint64 offset);
    // A request (not the last) was received whole: the upload is at `offset`.
    void progressed(quint64 transfer, const QString &uploadId, qint64 offset);

private:
    struct Upload;
    struct Download;
    void doReceive(QTcpSocket *socket, const Receive &r);
    void readMore(Upload *u);
    void failWrites(Upload *u);
    void endUpload(Upload *u, bool interrupted);
    void failUpload(Upload *u, int status, const QByteArray &code, const QString &message);
    void doSend(QTcpSocket *socket, const QByteArray &head, const QString &path, qint64 offset,
                qint64 length);
    void pump(Download *d);
    void endDownload(Download *d);
    Sha256 *hashFor(const QString &uploadId, const QString &path, qint64 offset);

    Metrics *m_metrics;
    QThread *m_thread = nullptr;
    quint64 m_nextTransfer = 1;
    QHash<QString, std::shared_ptr<Sha256>> m_hashes; // by upload id
    std::unique_ptr<ChunkPipe> m_pipe; // (while started)
    QHash<quint64, Upload *> m_uploads; // by transfer
    QHash<quint64, Download *> m_downloads;
    QByteArray m_buffer;
    UploadGovernor m_governor; // all uploads' writes together
    QElapsedTimer m_clock;
};

// The plain HTTP/1.1 response the worker and FileService write: status line, the headers,
// Content-Length and "Connection: close", then the body.
QByteArray httpResponse(int status, const QByteArray &contentType, const QByteArray &body,
                        const QList<QPair<QByteArray, QByteArray>> &headers = {});
QByteArray jsonError(int status, const QByteArray &code, const QString &message);

} // namespace confab::server
