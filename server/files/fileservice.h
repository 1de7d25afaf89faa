// FileService: uploads, downloads and the life of blobs (docs/protocol.md, "Files").
//
//  - POST uploads declares a file (room, name, size, optional SHA-256): refused at once when it
//    is over --max-upload-mb or a quota, before any byte is sent;
//  - PATCH uploads/{id} (Upload-Offset, Content-Length) is a streamed request: the connection
//    guard hands the socket over after its head; this checks it (session, owner, offset, size)
//    and gives the socket to the TransferWorker, which writes the body to the part file;
//  - the last byte: the bytes are inspected off the event loop (MIME by content, image size, a
//    thumbnail: fileinspector.h), then one write job makes the file (and the blob, unless the
//    same bytes are stored) and answers with the file;
//  - GET files/{id} (streamed too) serves the blob to members of the file's room, with Range,
//    ETag and a safe Content-Disposition; GET files/{id}/thumbnail the preview;
//  - collectGarbage(): unsent files, stale uploads, then unreferenced blobs (hourly, and at
//    start).
#pragma once

#include "files/filestore.h"
#include "httpmessage.h"
#include "servercontext.h"
#include "userservice.h"

#include <QObject>
#include <QSet>

class QThreadPool;
class QTcpSocket;
class QTimer;

namespace confab::server {

class Router;
class TransferWorker;

class FileService : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kUploadTtlMs = 24 * 3600 * 1000; // unfinished uploads
    static constexpr qint64 kUnsentTtlMs = 24 * 3600 * 1000; // finished, never sent
    static constexpr qint64 kGcIntervalMs = 3600 * 1000;

    FileService(const ServerContext &ctx, UserService *users, QObject *parent = nullptr);
    ~FileService() override;

    void registerRoutes(Router &router);
    // The guard's test for the requests streamed here (PATCH uploads/{id}, GET files/{id}).
    static bool isStreamed(QByteArrayView method, QByteArrayView rawPath);
    void onStream(QTcpSocket *socket, const HttpRequest &request, qint64 contentLength);

    // Starts the transfer thread and the hourly collection.
    void start();
    void stop();
    void collectGarbage(std::function<void(Result<filestore::Collected>)> done = {});
    // Unlinks what write jobs moved to DATA_DIR/files/trash, off the event loop and the writer.
    void emptyTrash();

    qint64 maxUploadBytes() const;
    // The quotas in force now (bytes): per user, and for all files (uploads in progress count).
    qint64 userQuotaBytes() const;
    qint64 totalQuotaBytes() const;

private:
    void handleStream(QTcpSocket *socket, const HttpRequest &request, qint64 contentLength);
    void create(const Session &session, const HttpRequest &req, const HttpResponder &res);
    void status(const Session &session, const QString &id, const HttpResponder &res);
    void cancel(const Session &session, const QString &id, const HttpResponder &res);
    void thumbnail(const Session &session, const QString &id, const HttpResponder &res);
    void patch(QTcpSocket *socket, const Session &session, const HttpRequest &req,
               qint64 contentLength);
    void download(QTcpSocket *socket, const Session &session, const HttpRequest &req,
                  qint64 contentLength);
    void onCompleted(quint64 transfer, const QString &uploadId, const QString &sha256);
    // The file `fileId` if `userId` may see it (member of its room; sent, or their own).
    std::optional<filestore::StoredFile> visibleFile(const QString &fileId, qint64 userId) const;
    void refuse(QTcpSocket *socket, const HttpRequest &req, const Error &error,
                const QList<QPair<QByteArray, QByteArray>> &headers = {});
    void count(const HttpRequest &req, int status);

    ServerContext m_ctx;
    UserService *m_users;
    TransferWorker *m_worker = nullptr;
    QThreadPool *m_inspectors = nullptr;
    QTimer *m_gcTimer = nullptr;
    QHash<QString, quint64> m_active; // uploads with a request in progress → that request
    quint64 m_nextTransfer = 1;
};

} // namespace confab::server
