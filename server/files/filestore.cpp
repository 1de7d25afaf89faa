#include "filestore.h"

#include "database.h"
#include "storage/backend.h"

#include <QDir>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>

#include <QDateTime>

#include <atomic>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace confab::server::filestore {

namespace {

constexpr auto kFileColumns
    = "f.id, f.name, f.user_id, f.room_id, COALESCE(f.event_id, 0), f.created_at, f.sha256,"
      " b.size, b.mime, b.width, b.height, b.thumb_width, b.thumb_height";

StoredFile readFile(QSqlQuery &q)
{
    StoredFile f;
    f.info.fileId = q.value(0).toString();
    f.info.name = q.value(1).toString();
    f.userId = q.value(2).toLongLong();
    f.roomId = q.value(3).toLongLong();
    f.eventId = q.value(4).toLongLong();
    f.createdAt = q.value(5).toLongLong();
    f.info.sha256 = q.value(6).toString();
    f.info.size = q.value(7).toLongLong();
    f.info.mime = q.value(8).toString();
    f.info.width = q.value(9).toInt();
    f.info.height = q.value(10).toInt();
    f.info.thumbWidth = q.value(11).toInt();
    f.info.thumbHeight = q.value(12).toInt();
    return f;
}

Result<qint64> scalar(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    CachedQuery q(db, sql);
    if (auto r = execCached(q, values); !r)
        return r.error();
    return q->next() ? q->value(0).toLongLong() : 0;
}

} // namespace

QString uploadsDir(const QString &dataDir)
{
    return dataDir + u"/files/uploads"_s;
}

QString partPath(const QString &dataDir, const QString &uploadId)
{
    return uploadsDir(dataDir) + u'/' + uploadId + u".part"_s;
}

QString blobPath(const QString &dataDir, const QString &sha256)
{
    return dataDir + u"/files/blobs/"_s + sha256.left(2) + u'/' + sha256;
}

QString trashDir(const QString &dataDir)
{
    return dataDir + u"/files/trash"_s;
}

bool moveToTrash(const QString &dataDir, const QString &path)
{
    if (!QFile::exists(path))
        return false;
    static std::atomic<quint64> next { 0 };
    QDir().mkpath(trashDir(dataDir));
    const QString to = trashDir(dataDir) + u'/' + QFileInfo(path).fileName() + u'.'
        + QString::number(QDateTime::currentMSecsSinceEpoch()) + u'.' + QString::number(next++);
    return std::rename(QFile::encodeName(path).constData(), QFile::encodeName(to).constData())
        == 0;
}

Result<bool> insertUpload(QSqlDatabase &db, const Upload &u)
{
    CachedQuery q(db,
                  u"INSERT INTO uploads (id, user_id, room_id, name, size, sha256, created_at,"
                  u" expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s);
    return execCached(q, { u.id, u.userId, u.roomId, u.name, u.size,
                           u.sha256.isEmpty() ? QVariant() : QVariant(u.sha256), u.createdAt,
                           u.expiresAt });
}

Result<std::optional<Upload>> upload(const QSqlDatabase &db, const QString &id)
{
    CachedQuery q(db,
                  u"SELECT id, user_id, room_id, name, size, COALESCE(sha256, ''), created_at,"
                  u" expires_at FROM uploads WHERE id = ?"_s);
    if (auto r = execCached(q, { id }); !r)
        return r.error();
    if (!q->next())
        return std::optional<Upload>();
    Upload u { q->value(0).toString(),   q->value(1).toLongLong(), q->value(2).toLongLong(),
               q->value(3).toString(),   q->value(4).toLongLong(), q->value(5).toString(),
               q->value(6).toLongLong(), q->value(7).toLongLong() };
    return std::optional<Upload>(std::move(u));
}

Result<bool> removeUpload(QSqlDatabase &db, const QString &id)
{
    CachedQuery q(db, u"DELETE FROM uploads WHERE id = ?"_s);
    return execCached(q, { id });
}

Result<qint64> userUsage(const QSqlDatabase &db, qint64 userId)
{
    auto files = scalar(db,
                        u"SELECT COALESCE(SUM(b.size), 0) FROM files f"
                        u" JOIN blobs b ON b.sha256 = f.sha256 WHERE f.user_id = ?"_s,
                        { userId });
    if (!files)
        return files;
    auto uploads
        = scalar(db, u"SELECT COALESCE(SUM(size), 0) FROM uploads WHERE user_id = ?"_s, { userId });
    if (!uploads)
        return uploads;
    return *files + *uploads;
}

Result<qint64> totalUsage(const QSqlDatabase &db)
{
    auto blobs = scalar(db, u"SELECT COALESCE(SUM(size), 0) FROM blobs"_s, {});
    if (!blobs)
        return blobs;
    auto uploads = scalar(db, u"SELECT COALESCE(SUM(size), 0) FROM uploads"_s, {});
    if (!uploads)
        return uploads;
    return *blobs + *uploads;
}

Result<StoredFile> finishUpload(QSqlDatabase &db, const QString &dataDir, const Upload &upload,
                                const BlobFacts &facts, const QString &fileId, qint64 now)
{
    const QString part = partPath(dataDir, upload.id);
    const QString blob = blobPath(dataDir, facts.sha256);
    if (auto r = storage::lockFiles(db); !r) // (no collect() on any node until this commits)
        return r.error();
    CachedQuery exists(db, u"SELECT 1 FROM blobs WHERE sha256 = ?"_s);
    if (auto r = execCached(exists, { facts.sha256 }); !r)
        return r.error();
    const bool known = exists->next();
    if (!known) {
        CachedQuery q(db,
                      u"INSERT INTO blobs (sha256, size, mime, width, height, thumbnail,"
                      u" thumb_mime, thumb_width, thumb_height, created_at)"
                      u" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
        if (auto r = execCached(
                q, { facts.sha256, facts.size, facts.mime, facts.width, facts.height,
                     facts.thumbnail.isEmpty() ? QVariant() : QVariant(facts.thumbnail),
                     facts.thumbnailMime.isEmpty() ? QStringLiteral("")
                                                   : QString::fromLatin1(facts.thumbnailMime),
                     facts.thumbWidth,
                     facts.thumbHeight, now });
            !r)
            return r.error();
    }
    CachedQuery ins(db,
                    u"INSERT INTO files (id, sha256, name, user_id, room_id, created_at, upload_id)"
                    u" VALUES (?, ?, ?, ?, ?, ?, ?)"_s);
    if (auto r = execCached(ins, { fileId, facts.sha256, upload.name, upload.userId,
                                   upload.roomId, now, upload.id });
        !r)
        return r.error();
    if (auto r = removeUpload(db, upload.id); !r)
        return r.error();

    // The bytes: a new blob takes the part file's place (one rename, atomic); known bytes
    // (or a blob whose file a crash lost) keep what is there.
    if (!known || !QFile::exists(blob)) {
        if (!QDir().mkpath(QFileInfo(blob).absolutePath()))
            return makeError(ErrorCode::Internal, u"cannot make the blob directory"_s);
        if (std::rename(QFile::encodeName(part).constData(), QFile::encodeName(blob).constData())
            != 0)
            return makeError(ErrorCode::Internal, u"cannot move the upload into place"_s);
    } else {
        moveToTrash(dataDir, part); // a copy of bytes already stored
    }
    StoredFile f;
    f.info = FileInfo { fileId,      upload.name, facts.size,       facts.mime,
                        facts.sha256, facts.width, facts.height,    facts.thumbWidth,
                        facts.thumbHeight };
    if (known) {
        // What the first upload of these bytes learnt (the same bytes: the same facts).
        auto stored = file(db, fileId);
        if (!stored)
            return stored.error();
        if (*stored)
            f.info = (*stored)->info;
    }
    f.userId = upload.userId;
    f.roomId = upload.roomId;
    f.createdAt = now;
    return f;
}

namespace {

// The file whose `column` (id or upload_id) is `value`.
Result<std::optional<StoredFile>> fileWhere(const QSqlDatabase &db, const char *column,
                                            const QString &value)
{
    CachedQuery q(db,
                  u"SELECT "_s + QLatin1StringView(kFileColumns)
                      + u" FROM files f JOIN blobs b ON b.sha256 = f.sha256 WHERE f."_s
                      + QLatin1StringView(column) + u" = ?"_s);
    if (auto r = execCached(q, { value }); !r)
        return r.error();
    if (!q->next())
        return std::optional<StoredFile>();
    return std::optional<StoredFile>(readFile(*q));
}

} // namespace

Result<std::optional<StoredFile>> file(const QSqlDatabase &db, const QString &fileId)
{
    return fileWhere(db, "id", fileId);
}

Result<std::optional<StoredFile>> fileForUpload(const QSqlDatabase &db, const QString &uploadId)
{
    return fileWhere(db, "upload_id", uploadId);
}

Result<std::pair<QByteArray, QByteArray>> thumbnail(const QSqlDatabase &db, const QString &sha)
{
    CachedQuery q(db, u"SELECT thumbnail, thumb_mime FROM blobs WHERE sha256 = ?"_s);
    if (auto r = execCached(q, { sha }); !r)
        return r.error();
    if (!q->next() || q->value(0).isNull())
        return std::pair<QByteArray, QByteArray>();
    return std::pair { q->value(0).toByteArray(), q->value(1).toString().toLatin1() };
}

Result<std::optional<FileInfo>> attachable(QSqlDatabase &db, const QString &fileId,
                                           qint64 userId, qint64 roomId)
{
    auto f = file(db, fileId);
    if (!f)
        return f.error();
    if (!*f || (*f)->userId != userId || (*f)->roomId != roomId)
        return makeError(ErrorCode::FileNotFound,
                         u"no finished upload %1 of yours in this room"_s.arg(fileId),
                         u"fileId"_s);
    if ((*f)->eventId)
        return std::optional<FileInfo>();
    return std::optional<FileInfo>((*f)->info);
}

Result<bool> attach(QSqlDatabase &db, const QString &fileId, qint64 eventId)
{
    CachedQuery q(db, u"UPDATE files SET event_id = ? WHERE id = ?"_s);
    return execCached(q, { eventId, fileId });
}

Result<bool> dropForEvent(QSqlDatabase &db, qint64 eventId)
{
    CachedQuery q(db, u"DELETE FROM files WHERE event_id = ?"_s);
    return execCached(q, { eventId });
}

Result<bool> dropForRoom(QSqlDatabase &db, qint64 roomId)
{
    CachedQuery q(db, u"DELETE FROM files WHERE room_id = ?"_s);
    if (auto r = execCached(q, { roomId }); !r)
        return r;
    CachedQuery u(db, u"UPDATE uploads SET expires_at = 0 WHERE room_id = ?"_s);
    return execCached(u, { roomId });
}

Result<Collected> collect(QSqlDatabase &db, const QString &dataDir, qint64 now,
                          qint64 unsentTtlMs)
{
    Collected c;
    if (auto r = storage::lockFiles(db); !r) // (no finishUpload() on any node meanwhile)
        return r.error();
    {
        CachedQuery q(db, u"DELETE FROM files WHERE event_id IS NULL AND created_at < ?"_s);
        if (auto r = execCached(q, { now - unsentTtlMs }); !r)
            return r.error();
        c.files = q->numRowsAffected();
    }
    {
        CachedQuery q(db, u"DELETE FROM uploads WHERE expires_at <= ? RETURNING id"_s);
        if (auto r = execCached(q, { now }); !r)
            return r.error();
        while (q->next()) {
            const QString part = partPath(dataDir, q->value(0).toString());
            c.bytes += QFileInfo(part).size();
            moveToTrash(dataDir, part);
            ++c.uploads;
        }
    }
    {
        CachedQuery q(db,
                      u"DELETE FROM blobs WHERE NOT EXISTS"
                      u" (SELECT 1 FROM files f WHERE f.sha256 = blobs.sha256)"
                      u" RETURNING sha256, size"_s);
        if (auto r = execCached(q); !r)
            return r.error();
        while (q->next()) {
            moveToTrash(dataDir, blobPath(dataDir, q->value(0).toString()));
            c.bytes += q->value(1).toLongLong();
            ++c.blobs;
        }
    }
    return c;
}

} // namespace confab::server::filestore
