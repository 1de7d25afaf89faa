#include "filetransfers.h"

#include "apiclient.h"
#include "jsonreader.h"
#include "protocollimits.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSaveFile>
#include <QThreadPool>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcFiles, "confab.client.files", QtInfoMsg)

namespace confab::client {

namespace {

// A file id from the server is 32 hex digits; anything else never names a file here.
bool isFileId(const QString &id)
{
    static const QRegularExpression hex32(u"^[0-9a-f]{32}$"_s);
    return hex32.match(id).hasMatch();
}

} // namespace

struct FileTransfers::UploadState
{
    Upload u;
    std::function<void(const QString &)> declared;
    std::function<void(Result<FileInfo>)> done;
    QString sha256;
    qint64 size = 0;
    QPointer<QNetworkReply> reply;
    QFile *file = nullptr; // the PATCH body, read as it is sent
    bool cancelled = false;
    bool triedAgain = false; // one more PATCH after an offset mismatch
};

FileTransfers::FileTransfers(ApiClient *api, QObject *parent)
    : QObject(parent)
    , m_api(api)
{
}

Error FileTransfers::replyError(QNetworkReply *reply, const QByteArray &body) const
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    Error error;
    const auto object = parseJsonObject(body, limits::HttpBodyBytesMax);
    if (object && Error::fromJson(object->value(u"error"_s).toObject(), &error))
        return error;
    if (status == 0 || status >= 500 || status == 408 || status == 429)
        return makeError(ErrorCode::Unavailable, reply->errorString()); // tried again later
    return makeError(ErrorCode::Internal, u"HTTP %1"_s.arg(status));
}

void FileTransfers::upload(const Upload &u, std::function<void(const QString &)> declared,
                           std::function<void(Result<FileInfo>)> done)
{
    auto s = std::make_shared<UploadState>();
    qCDebug(lcFiles) << "upload" << u.localId << u.path << u.uploadId;
    s->u = u;
    s->declared = std::move(declared);
    s->done = std::move(done);
    const QFileInfo info(u.path);
    if (!info.isFile() || !info.isReadable())
        return s->done(makeError(ErrorCode::FileNotFound,
                                 u"%1 cannot be read (moved or deleted?)"_s.arg(u.path)));
    s->size = info.size();
    m_uploads.insert(u.localId, s);
    if (!u.uploadId.isEmpty())
        return resume(s);
    // The hash is for the server to check the bytes by; reading a large file takes a moment, so
    // not on the GUI thread.
    QPointer<FileTransfers> self(this);
    QThreadPool::globalInstance()->start([self, s, path = u.path] {
        QFile f(path);
        QString sha;
        if (f.open(QIODevice::ReadOnly)) {
            QCryptographicHash h(QCryptographicHash::Sha256);
            if (h.addData(&f))
                sha = QString::fromLatin1(h.result().toHex());
        }
        QMetaObject::invokeMethod(self.data(), [self, s, sha] {
            if (!self || s->cancelled)
                return;
            if (sha.isEmpty())
                return self->finish(s, makeError(ErrorCode::FileNotFound,
                                                 u"%1 cannot be read"_s.arg(s->u.path)));
            s->sha256 = sha;
            self->declare(s);
        });
    });
}

void FileTransfers::declare(std::shared_ptr<UploadState> s)
{
    qCDebug(lcFiles) << "declare" << s->u.path << s->size << s->sha256;
    const QJsonObject body { { u"roomId"_s, s->u.roomId },
                             { u"name"_s, QFileInfo(s->u.path).fileName() },
                             { u"size"_s, s->size },
                             { u"sha256"_s, s->sha256 } };
    // Not idempotent (each POST is a new upload): retried only when it never left.
    m_api->call("POST", u"/uploads"_s, body, ApiClient::Idempotency::OnlyIfUnsent,
                [this, s](Result<QJsonObject> r) {
                    if (s->cancelled)
                        return;
                    if (!r)
                        return finish(s, r.error());
                    s->u.uploadId = r->value(u"uploadId"_s).toString();
                    if (s->declared)
                        s->declared(s->u.uploadId);
                    send(s, 0);
                });
}

void FileTransfers::resume(std::shared_ptr<UploadState> s)
{
    m_api->call("GET", u"/uploads/"_s + s->u.uploadId, {}, ApiClient::Idempotency::Safe,
                [this, s](Result<QJsonObject> r) {
                    if (s->cancelled)
                        return;
                    if (!r && r.error().code == ErrorCode::FileNotFound) {
                        // Expired or cancelled on the server: start it over.
                        s->u.uploadId.clear();
                        m_uploads.remove(s->u.localId);
                        return upload(s->u, s->declared, s->done);
                    }
                    if (!r)
                        return finish(s, r.error());
                    if (r->contains(u"file"_s)) // finished; its answer was lost
                        return finish(s, FileInfo::fromJson(r->value(u"file"_s).toObject()));
                    if (r->value(u"size"_s).toInteger() != s->size)
                        return finish(s, makeError(ErrorCode::Conflict,
                                                   u"%1 changed since it was attached"_s.arg(
                                                       s->u.path)));
                    send(s, r->value(u"offset"_s).toInteger());
                });
}

void FileTransfers::send(std::shared_ptr<UploadState> s, qint64 offset)
{
    auto *file = new QFile(s->u.path, this);
    if (!file->open(QIODevice::ReadOnly) || file->size() != s->size || !file->seek(offset)) {
        delete file;
        return finish(s, makeError(ErrorCode::FileNotFound,
                                   u"%1 cannot be read, or changed"_s.arg(s->u.path)));
    }
    QNetworkRequest req = m_api->request(u"/uploads/"_s + s->u.uploadId);
    req.setHeader(QNetworkRequest::ContentTypeHeader, "application/offset+octet-stream"_ba);
    req.setHeader(QNetworkRequest::ContentLengthHeader, s->size - offset);
    req.setRawHeader("Upload-Offset", QByteArray::number(offset));
    req.setTransferTimeout(30000); // no progress for 30 s: cut, and resumed later
    s->file = file;
    QNetworkReply *reply = m_api->network().sendCustomRequest(req, "PATCH", file);
    file->setParent(reply);
    m_api->trust().watch(reply);
    s->reply = reply;
    emit uploadProgress(s->u.localId, offset, s->size);
    connect(reply, &QNetworkReply::uploadProgress, this,
            [this, s, offset](qint64 sent, qint64) {
                emit uploadProgress(s->u.localId, offset + sent, s->size);
            });
    connect(reply, &QNetworkReply::finished, this, [this, s, reply] {
        reply->deleteLater();
        s->reply = nullptr;
        if (s->cancelled)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        if (status == 201 || status == 200) {
            const auto object = parseJsonObject(body, limits::HttpBodyBytesMax);
            if (!object)
                return finish(s, object.error());
            return finish(s, FileInfo::fromJson(object->value(u"file"_s).toObject()));
        }
        const Error error = replyError(reply, body);
        if (error.code == ErrorCode::UploadOffsetMismatch && !s->triedAgain) {
            s->triedAgain = true;
            return send(s, reply->rawHeader("Upload-Offset").toLongLong());
        }
        finish(s, error);
    });
}

void FileTransfers::finish(std::shared_ptr<UploadState> s, Result<FileInfo> r)
{
    m_uploads.remove(s->u.localId);
    if (r)
        emit uploadProgress(s->u.localId, s->size, s->size);
    else
        qCInfo(lcFiles).noquote() << "upload of" << s->u.path << "stopped:" << r.error().message;
    s->done(std::move(r));
}

void FileTransfers::cancel(qint64 localId, const QString &uploadId)
{
    if (auto s = m_uploads.take(localId)) {
        s->cancelled = true;
        if (s->reply)
            s->reply->abort();
        s->done(makeError(ErrorCode::Conflict, u"cancelled"_s));
    }
    if (!uploadId.isEmpty())
        m_api->call("DELETE", u"/uploads/"_s + uploadId, {}, ApiClient::Idempotency::Safe,
                    [](Result<QJsonObject>) {});
}

void FileTransfers::download(const FileInfo &file, const QString &target,
                             std::function<void(Result<QString>)> done)
{
    if (m_downloads.contains(file.fileId))
        return done(makeError(ErrorCode::Conflict, u"already downloading"_s));
    // What an earlier try left is hashed again, then only the rest is asked for. Hashing a
    // large part file takes a moment: not on the GUI thread (no reply yet while it runs).
    m_downloads.insert(file.fileId, nullptr);
    const QString partPath = target + u".part"_s;
    QPointer<FileTransfers> self(this);
    QThreadPool::globalInstance()->start([self, file, target, partPath, done = std::move(done)] {
        auto hash = std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256);
        QFile part(partPath);
        qint64 have = 0;
        if (part.open(QIODevice::ReadOnly) && part.size() <= file.size && hash->addData(&part))
            have = part.size();
        else
            hash->reset(); // (too long: not this file's; unreadable: written anew)
        QMetaObject::invokeMethod(self.data(), [self, file, target, partPath, hash, have, done] {
            if (self)
                self->fetch(file, target, partPath, hash, have, done);
        });
    });
}

void FileTransfers::fetch(const FileInfo &file, const QString &target, const QString &partPath,
                          std::shared_ptr<QCryptographicHash> hash, qint64 have,
                          std::function<void(Result<QString>)> done)
{
    auto *part = new QFile(partPath, this);
    if (!part->open(QIODevice::ReadWrite)) {
        delete part;
        m_downloads.remove(file.fileId);
        return done(makeError(ErrorCode::Internal, u"cannot write %1"_s.arg(partPath)));
    }
    if (part->size() != have)
        part->resize(have); // (what was not hashed is not kept)
    part->seek(have);
    QNetworkRequest req = m_api->request(u"/files/"_s + file.fileId);
    req.setTransferTimeout(30000);
    if (have > 0) {
        req.setRawHeader("Range", "bytes=" + QByteArray::number(have) + '-');
        req.setRawHeader("If-Range", '"' + file.sha256.toLatin1() + '"');
    }
    QNetworkReply *reply = m_api->network().get(req);
    part->setParent(reply);
    m_api->trust().watch(reply);
    m_downloads.insert(file.fileId, reply);
    auto started = std::make_shared<bool>(false);
    const auto write = [this, reply, part, hash, started, have, file] {
        if (!*started) {
            *started = true;
            // 200 instead of 206: the whole file comes; what was there is dropped.
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200
                && have > 0) {
                part->resize(0);
                part->seek(0);
                hash->reset();
            }
        }
        const QByteArray chunk = reply->readAll();
        if (chunk.isEmpty())
            return;
        part->write(chunk);
        hash->addData(chunk);
        emit downloadProgress(file.fileId, part->pos(), file.size);
    };
    connect(reply, &QNetworkReply::readyRead, this, [reply, write] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 200 || status == 206)
            write();
    });
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, part, hash, file, target, partPath, write, done = std::move(done)] {
                reply->deleteLater();
                m_downloads.remove(file.fileId);
                const int status
                    = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                if (status != 200 && status != 206) {
                    part->close();
                    return done(replyError(reply, reply->readAll()));
                }
                write();
                part->flush();
                const qint64 got = part->pos();
                part->close();
                if (reply->error() != QNetworkReply::NoError || got < file.size)
                    return done(makeError(ErrorCode::Unavailable,
                                          u"the download stopped at %1 of %2 bytes; it resumes"
                                          u" from there"_s.arg(got).arg(file.size)));
                const QString sha = QString::fromLatin1(hash->result().toHex());
                if (sha != file.sha256) {
                    QFile::remove(partPath);
                    return done(makeError(ErrorCode::Conflict,
                                          u"the downloaded bytes do not match the file's"
                                          u" SHA-256; it was deleted"_s));
                }
                QFile::remove(target);
                if (!QFile::rename(partPath, target))
                    return done(makeError(ErrorCode::Internal, u"cannot name %1"_s.arg(target)));
                done(target);
            });
}

void FileTransfers::thumbnail(const QString &fileId,
                              std::function<void(Result<QByteArray>)> done)
{
    if (const QByteArray *cached = m_thumbs.object(fileId))
        return done(*cached);
    // Kept on disk from an earlier run: shown at once, offline too.
    if (!m_thumbDir.isEmpty() && isFileId(fileId)) {
        QFile kept(QDir(m_thumbDir).filePath(fileId));
        if (kept.open(QIODevice::ReadOnly)) {
            const QByteArray bytes = kept.readAll();
            if (!bytes.isEmpty()) {
                m_thumbs.insert(fileId, new QByteArray(bytes), bytes.size());
                return done(bytes);
            }
        }
    }
    auto &waiting = m_thumbWaiting[fileId];
    waiting.append(std::move(done));
    if (waiting.size() > 1)
        return; // asked already
    QNetworkRequest req = m_api->request(u"/files/"_s + fileId + u"/thumbnail"_s);
    req.setTransferTimeout(15000);
    QNetworkReply *reply = m_api->network().get(req);
    m_api->trust().watch(reply);
    connect(reply, &QNetworkReply::finished, this, [this, reply, fileId] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray bytes = reply->readAll();
        Result<QByteArray> r = status == 200 ? Result<QByteArray>(bytes)
                                             : Result<QByteArray>(replyError(reply, bytes));
        if (r) {
            m_thumbs.insert(fileId, new QByteArray(bytes), bytes.size());
            keepThumbnail(fileId, bytes);
        }
        const auto callbacks = m_thumbWaiting.take(fileId);
        for (const auto &cb : callbacks)
            cb(r);
    });
}

void FileTransfers::setThumbnailDir(const QString &dir)
{
    m_thumbDir = dir;
}

void FileTransfers::keepThumbnail(const QString &fileId, const QByteArray &bytes)
{
    if (m_thumbDir.isEmpty() || !isFileId(fileId) || bytes.isEmpty()
        || !QDir().mkpath(m_thumbDir))
        return;
    QSaveFile out(QDir(m_thumbDir).filePath(fileId));
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit())
        return;
    // Bounded: past kThumbDirBytes the least recently written go (checked every 20 writes).
    if (++m_thumbWrites % 20 != 0)
        return;
    QFileInfoList kept = QDir(m_thumbDir).entryInfoList(QDir::Files, QDir::Time); // newest first
    qint64 total = 0;
    for (const QFileInfo &f : std::as_const(kept)) {
        total += f.size();
        if (total > kThumbDirBytes)
            QFile::remove(f.filePath());
    }
}

} // namespace confab::client
