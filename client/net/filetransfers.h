// FileTransfers: the client's side of files (docs/protocol.md, "Files").
//
//  - upload(): hashes the local file off the GUI thread, declares it (POST uploads) unless it
//    was declared before (the outbox keeps the upload id across restarts), asks where the server
//    stands (GET uploads/{id}) and sends the rest in one PATCH streamed from the file (never
//    read whole). A cut connection is resumed from the server's offset next time; the bytes are
//    checked by the server against the declared SHA-256.
//  - download(): into TARGET.part with Range from what is there already (hashed again on a
//    pool thread first, not on the GUI thread), hashing as it writes;
//    the file gets its name only when its SHA-256 matches the message's.
//  - thumbnail(): the server's preview, kept in memory (4 MB of them) and on disk
//    (setThumbnailDir(), kThumbDirBytes of them), so previews show at once next time, offline too.
#pragma once

#include "result.h"
#include "types.h"

#include <QCache>
#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QCryptographicHash;
class QNetworkReply;

namespace confab::client {

class ApiClient;

class FileTransfers : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kThumbDirBytes = 64 * 1024 * 1024;

    explicit FileTransfers(ApiClient *api, QObject *parent = nullptr);
    void setThumbnailDir(const QString &dir); // empty: memory only

    struct Upload
    {
        qint64 localId = 0; // the outbox item (progress and cancel name it)
        qint64 roomId = 0;
        QString path;
        QString uploadId; // empty: declare it first
    };
    // `declared` is called once the server gave the upload an id (persist it); `done` with the
    // file, or an error (Unavailable & co: try again later; others: it cannot be sent).
    void upload(const Upload &u, std::function<void(const QString &uploadId)> declared,
                std::function<void(Result<FileInfo>)> done);
    // Stops an upload in progress (its `done` gets `conflict`, "cancelled") and drops it on the
    // server.
    void cancel(qint64 localId, const QString &uploadId);
    bool isUploading(qint64 localId) const { return m_uploads.contains(localId); }

    void download(const FileInfo &file, const QString &target,
                  std::function<void(Result<QString>)> done);
    bool isDownloading(const QString &fileId) const { return m_downloads.contains(fileId); }

    // The preview's bytes (JPEG or PNG; cached); `done` may run at once.
    void thumbnail(const QString &fileId, std::function<void(Result<QByteArray>)> done);
    const QByteArray *cachedThumbnail(const QString &fileId) const { return m_thumbs.object(fileId); }

signals:
    void uploadProgress(qint64 localId, qint64 sent, qint64 total);
    void downloadProgress(const QString &fileId, qint64 received, qint64 total);

private:
    struct UploadState;
    void declare(std::shared_ptr<UploadState> s);
    void resume(std::shared_ptr<UploadState> s);
    void send(std::shared_ptr<UploadState> s, qint64 offset);
    void finish(std::shared_ptr<UploadState> s, Result<FileInfo> r);
    // download() goes on here once what an earlier try left is hashed (`have` bytes).
    void fetch(const FileInfo &file, const QString &target, const QString &partPath,
               std::shared_ptr<QCryptographicHash> hash, qint64 have,
               std::function<void(Result<QString>)> done);
    Error replyError(QNetworkReply *reply, const QByteArray &body) const;
    void keepThumbnail(const QString &fileId, const QByteArray &bytes);

    ApiClient *m_api;
    QHash<qint64, std::shared_ptr<UploadState>> m_uploads;
    QHash<QString, QPointer<QNetworkReply>> m_downloads;
    QCache<QString, QByteArray> m_thumbs { 4 * 1024 * 1024 }; // cost: bytes
    QHash<QString, QList<std::function<void(Result<QByteArray>)>>> m_thumbWaiting;
    QString m_thumbDir;
    int m_thumbWrites = 0;
};

} // namespace confab::client
