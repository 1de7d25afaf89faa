// filestore: the SQL side of files (docs/protocol.md, "Files"; schema 6). Every function runs
// on a caller's connection: the writer's inside its transaction, or a reader.
//
//  - uploads: one row per upload in progress (its bytes are DATA_DIR/files/uploads/ID.part);
//  - blobs: one row per distinct content (SHA-256), the bytes at
//    DATA_DIR/files/blobs/AB/SHA256, with what the server learnt from them (MIME type by
//    content, image size, a thumbnail);
//  - files: one row per shared file: a name, who sent it to which room, and the message
//    (event_id) that carries it once sent. Same bytes sent twice: two files, one blob.
//
// A blob lives while a file refers to it. Deleting a message deletes its file row; collect()
// then removes blobs no file refers to, unsent files and uploads past their time.
#pragma once

#include "result.h"
#include "types.h"

#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace confab::server::filestore {

struct Upload
{
    QString id;
    qint64 userId = 0;
    qint64 roomId = 0;
    QString name; // safeFileName() of what the client sent
    qint64 size = 0; // declared, exact
    QString sha256 = {}; // declared by the client (optional): checked at the end
    qint64 createdAt = 0;
    qint64 expiresAt = 0;
};

// What the server learnt from the bytes (off the event loop; files/imageprobe.h).
struct BlobFacts
{
    QString sha256;
    qint64 size = 0;
    QString mime;
    int width = 0, height = 0; // images whose size could be read and is within limits
    QByteArray thumbnail; // PNG or JPEG bytes, empty: none
    QByteArray thumbnailMime;
    int thumbWidth = 0, thumbHeight = 0;
};

struct StoredFile
{
    FileInfo info;
    qint64 userId = 0; // who uploaded it
    qint64 roomId = 0;
    qint64 eventId = 0; // the message carrying it; 0 until sent
    qint64 createdAt = 0;
};

// Paths under DATA_DIR (no part of any path ever comes from a request: ids are checked hex,
// hashes are computed here).
QString uploadsDir(const QString &dataDir);
QString partPath(const QString &dataDir, const QString &uploadId);
QString blobPath(const QString &dataDir, const QString &sha256);
// Large files are not unlinked inside a write job: freeing a gigabyte's extents takes the
// file system long enough to hold every message commit behind it. They are renamed into
// DATA_DIR/files/trash (instant, the same file system) and unlinked later, off the writer
// thread (FileService::emptyTrash). Returns false when `path` did not exist.
bool moveToTrash(const QString &dataDir, const QString &path);
QString trashDir(const QString &dataDir);

Result<bool> insertUpload(QSqlDatabase &db, const Upload &upload);
Result<std::optional<Upload>> upload(const QSqlDatabase &db, const QString &id);
Result<bool> removeUpload(QSqlDatabase &db, const QString &id);

// Bytes counted against quotas: the user's files (each file counts, even if its blob is
// shared) and uploads in progress (their declared size); all blobs and uploads.
Result<qint64> userUsage(const QSqlDatabase &db, qint64 userId);
Result<qint64> totalUsage(const QSqlDatabase &db);

// Ends an upload: its row goes, a file row comes (event_id NULL), the blob row is made unless
// the same bytes are stored already; the part file then becomes the blob (renamed) or is
// deleted (a copy). Runs in the writer's transaction, which serializes it with collect() (on
// every node: storage::lockFiles()).
Result<StoredFile> finishUpload(QSqlDatabase &db, const QString &dataDir, const Upload &upload,
                                const BlobFacts &facts, const QString &fileId, qint64 now);

Result<std::optional<StoredFile>> file(const QSqlDatabase &db, const QString &fileId);
// The file a finished upload became (a client that lost the last answer asks again).
Result<std::optional<StoredFile>> fileForUpload(const QSqlDatabase &db, const QString &uploadId);
// The thumbnail of a blob (bytes and MIME type); empty when it has none.
Result<std::pair<QByteArray, QByteArray>> thumbnail(const QSqlDatabase &db, const QString &sha);

// Sending: the file `fileId` as `userId` may attach it to a new message in `roomId` (theirs,
// uploaded to that room, not attached yet). nullopt: it is attached already (a retried send:
// the caller looks for the message by clientMsgId). attach() then records the message.
Result<std::optional<FileInfo>> attachable(QSqlDatabase &db, const QString &fileId,
                                           qint64 userId, qint64 roomId);
Result<bool> attach(QSqlDatabase &db, const QString &fileId, qint64 eventId);
// A message was deleted, or its room: its files (rows) go; their blobs wait for collect().
Result<bool> dropForEvent(QSqlDatabase &db, qint64 eventId);
Result<bool> dropForRoom(QSqlDatabase &db, qint64 roomId);

struct Collected
{
    int files = 0; // unsent files past their time
    int uploads = 0; // unfinished uploads past their time (their part files deleted)
    int blobs = 0; // blobs no file referred to any more (their bytes deleted)
    qint64 bytes = 0; // freed
};
// Garbage collection (writer thread, in its transaction): files never sent within
// `unsentTtlMs`, uploads past expires_at, then every blob no file refers to. The bytes go in
// the same job (the writer is the only one making or removing blobs, and nodes sharing a files
// directory take storage::lockFiles() first, so no upload can take a blob while it is being
// removed).
Result<Collected> collect(QSqlDatabase &db, const QString &dataDir, qint64 now,
                          qint64 unsentTtlMs);

} // namespace confab::server::filestore
