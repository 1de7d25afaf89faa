#include "fileservice.h"

#include "files/fileinspector.h"
#include "files/transferworker.h"

#include "apiroutes.h"
#include "connectionguard.h"
#include "database.h"
#include "jsonreader.h"
#include "metrics.h"
#include "protocollimits.h"
#include "roomstore.h"
#include "router.h"
#include "userservice.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QStorageInfo>
#include <QTcpSocket>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcTransfer)

namespace confab::server {

namespace {

constexpr qint64 kMiB = 1024 * 1024;

QString newId()
{
    unsigned char bytes[16];
    randombytes_buf(bytes, sizeof bytes);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(bytes), 16).toHex());
}

// "/api/v1/uploads/ID" → ID (any last segment; callers check it), else empty.
QString lastSegment(QByteArrayView rawPath, QByteArrayView prefix)
{
    if (!rawPath.startsWith(prefix))
        return {};
    const QByteArrayView rest = rawPath.sliced(prefix.size());
    if (rest.isEmpty() || rest.contains('/'))
        return {};
    return QString::fromLatin1(rest);
}

// Content-Disposition with the stored name: an ASCII fallback (RFC 6266) and the exact name
// (RFC 8187). The name is already safe (safeFileName); quotes and backslashes are replaced in
// the fallback, every non-token byte is percent-encoded in the exact one.
QByteArray disposition(bool inlineShown, const QString &name)
{
    QByteArray ascii;
    for (QChar c : name) {
        const ushort u = c.unicode();
        ascii += (u >= 0x20 && u < 0x7F && u != '"' && u != '\\') ? char(u) : '_';
    }
    return QByteArray(inlineShown ? "inline" : "attachment") + "; filename=\"" + ascii
        + "\"; filename*=UTF-8''" + name.toUtf8().toPercentEncoding();
}

struct ByteRange
{
    qint64 start = 0;
    qint64 length = 0;
    bool partial = false;
};

// One range of "bytes=" (a-b, a-, -n) within `size`; nullopt: not satisfiable or not
// understood (416). Several ranges are not served (416 too: ask for one at a time).
std::optional<ByteRange> parseRange(QByteArrayView header, qint64 size)
{
    if (!header.startsWith("bytes="))
        return std::nullopt;
    const QByteArrayView spec = header.sliced(6).trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0 || spec.contains(','))
        return std::nullopt;
    const QString first = QString::fromLatin1(spec.first(dash));
    const QString last = QString::fromLatin1(spec.sliced(dash + 1));
    if (first.isEmpty()) {
        const auto n = parseCanonicalInteger(last, 1, limits::MaxSafeInteger);
        if (!n || size == 0)
            return std::nullopt;
        const qint64 len = std::min(*n, size);
        return ByteRange { size - len, len, true };
    }
    const auto a = parseCanonicalInteger(first, 0, limits::MaxSafeInteger);
    if (!a || *a >= size)
        return std::nullopt;
    qint64 b = size - 1;
    if (!last.isEmpty()) {
        const auto end = parseCanonicalInteger(last, 0, limits::MaxSafeInteger);
        if (!end || *end < *a)
            return std::nullopt;
        b = std::min(*end, size - 1);
    }
    return ByteRange { *a, b - *a + 1, true };
}

QJsonObject uploadJson(const filestore::Upload &u, qint64 offset)
{
    return { { u"uploadId"_s, u.id }, { u"roomId"_s, u.roomId }, { u"name"_s, u.name },
             { u"size"_s, u.size },   { u"offset"_s, offset } };
}

qint64 partSize(const QString &dataDir, const QString &uploadId)
{
    const QFileInfo part(filestore::partPath(dataDir, uploadId));
    return part.exists() ? part.size() : 0;
}

} // namespace

FileService::FileService(const ServerContext &ctx, UserService *users, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_users(users)
{
    m_worker = new TransferWorker(m_ctx.metrics);
    connect(m_worker, &TransferWorker::completed, this, &FileService::onCompleted);
    // (Only the request that ended: a newer one may have taken the upload over.)
    const auto ended = [this](quint64 transfer, const QString &id, qint64) {
        if (m_active.value(id) == transfer)
            m_active.remove(id);
    };
    connect(m_worker, &TransferWorker::interrupted, this, ended);
    connect(m_worker, &TransferWorker::progressed, this, ended);
    m_inspectors = new QThreadPool(this);
    m_inspectors->setMaxThreadCount(1); // one image decoded at a time: memory stays bounded
    m_ctx.metrics->defineCounter(u"confab_files_total"_s, u"Files stored, by outcome"_s,
                                 { u"outcome"_s });
    m_ctx.metrics->defineCounter(u"confab_blobs_collected_total"_s,
                                 u"Blobs deleted because no file referred to them any more"_s);
}

FileService::~FileService()
{
    stop();
    m_inspectors->waitForDone();
    delete m_worker;
}

void FileService::start()
{
    m_worker->start();
    QDir().mkpath(filestore::uploadsDir(m_ctx.config.dataDir));
    m_gcTimer = new QTimer(this);
    connect(m_gcTimer, &QTimer::timeout, this, [this] { collectGarbage(); });
    m_gcTimer->start(kGcIntervalMs);
    QTimer::singleShot(0, this, [this] { collectGarbage(); }); // (and empties the trash)
}

void FileService::emptyTrash()
{
    m_inspectors->start([dir = filestore::trashDir(m_ctx.config.dataDir)] {
        // Freed a slice at a time: unlinking a gigabyte at once is one large journal
        // transaction that the database's next fsync (a message commit) waits for.
        constexpr qint64 kSlice = 32 * 1024 * 1024;
        QDir trash(dir);
        for (const QString &name : trash.entryList(QDir::Files | QDir::Hidden)) {
            const QByteArray path = QFile::encodeName(trash.filePath(name));
            if (const int fd = ::open(path.constData(), O_WRONLY | O_CLOEXEC); fd >= 0) {
                struct stat st {};
                for (qint64 size = ::fstat(fd, &st) == 0 ? st.st_size : 0; size > kSlice;) {
                    size -= kSlice;
                    if (::ftruncate(fd, size) != 0)
                        break;
                    ::usleep(2000);
                }
                ::close(fd);
            }
            ::unlink(path.constData());
        }
    });
}

void FileService::stop()
{
    if (m_gcTimer)
        m_gcTimer->stop();
    m_worker->stop();
}

qint64 FileService::maxUploadBytes() const
{
    return qint64(m_ctx.config.maxUploadMb) * kMiB;
}

qint64 FileService::totalQuotaBytes() const
{
    if (m_ctx.config.filesQuotaMb > 0)
        return qint64(m_ctx.config.filesQuotaMb) * kMiB;
    // Auto: what files use now plus half of the disk's free space.
    QStorageInfo disk(m_ctx.config.dataDir);
    auto used = filestore::totalUsage(m_ctx.database->reader());
    return (used ? *used : 0) + disk.bytesAvailable() / 2;
}

qint64 FileService::userQuotaBytes() const
{
    if (m_ctx.config.userQuotaMb > 0)
        return qint64(m_ctx.config.userQuotaMb) * kMiB;
    return totalQuotaBytes() / 10; // auto: a tenth of what all files may take
}

bool FileService::isStreamed(QByteArrayView method, QByteArrayView rawPath)
{
    if (method == "PATCH")
        return rawPath.startsWith("/api/v1/uploads/");
    if (method == "GET")
        return !lastSegment(rawPath, "/api/v1/files/").isEmpty();
    return false;
}

void FileService::count(const HttpRequest &req, int status)
{
    qCDebug(lcTransfer).noquote() << req.method << req.path << status; // as HttpFrontend logs
    m_ctx.metrics->inc(u"confab_http_requests_total"_s,
                       { req.method == "PATCH" ? u"/api/v1/uploads/{id}"_s : u"/api/v1/files/{id}"_s,
                         QString::fromLatin1(req.method), QString::number(status) });
}

void FileService::refuse(QTcpSocket *socket, const HttpRequest &req, const Error &error,
                         const QList<QPair<QByteArray, QByteArray>> &headers)
{
    count(req, httpStatusFor(error.code));
    QList<QPair<QByteArray, QByteArray>> extra = headers;
    if (error.code == ErrorCode::Unauthorized)
        extra.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
    ConnectionGuard::rejectWithError(socket, error, extra);
}

void FileService::onStream(QTcpSocket *socket, const HttpRequest &req, qint64 contentLength)
{
    // Not from inside the socket's readyRead (the guard's): a socket handed to the transfer
    // thread must not have its own thread still in the middle of a signal of it.
    QMetaObject::invokeMethod(
        this,
        [this, socket = QPointer<QTcpSocket>(socket), req, contentLength] {
            if (socket && socket->state() == QAbstractSocket::ConnectedState)
                handleStream(socket, req, contentLength);
        },
        Qt::QueuedConnection);
}

void FileService::handleStream(QTcpSocket *socket, const HttpRequest &req, qint64 contentLength)
{
    const auto session = m_users->authenticate(req.bearerToken(), req.peer);
    if (!session)
        return refuse(socket, req, session.error());
    if (req.method == "PATCH")
        return patch(socket, *session, req, contentLength);
    return download(socket, *session, req, contentLength);
}

void FileService::registerRoutes(Router &router)
{
    authedRoute(router, m_users, "POST", u"/uploads"_s,
                [this](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    create(s, req, res);
                });
    authedRoute(router, m_users, "GET", u"/uploads/{id}"_s,
                [this](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    status(s, req.params.value(u"id"_s), res);
                });
    authedRoute(router, m_users, "DELETE", u"/uploads/{id}"_s,
                [this](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    cancel(s, req.params.value(u"id"_s), res);
                });
    authedRoute(router, m_users, "GET", u"/files/{id}/thumbnail"_s,
                [this](const Session &s, HttpRequest &req, const HttpResponder &res) {
                    thumbnail(s, req.params.value(u"id"_s), res);
                });
}

void FileService::create(const Session &session, const HttpRequest &req, const HttpResponder &res)
{
    auto object = parseJsonObject(req.body, limits::HttpBodyBytesMax);
    if (!object)
        return res.sendError(object.error());
    JsonReader r(*object);
    filestore::Upload u;
    u.roomId = r.id(u"roomId");
    // The name as sent may hold anything (control characters, separators, "..");
    // safeFileName() makes it something to show and offer, never a path.
    QString rawName;
    if (!object->contains(u"name"_s))
        return res.sendError(makeError(ErrorCode::MissingField, u"name is required"_s, u"name"_s));
    if (!object->value(u"name"_s).isString())
        return res.sendError(makeError(ErrorCode::WrongType, u"name must be a string"_s, u"name"_s));
    rawName = object->value(u"name"_s).toString();
    if (rawName.isEmpty() || rawName.size() > 1024)
        return res.sendError(makeError(ErrorCode::InvalidValue,
                                       u"name must have 1 to 1024 characters"_s, u"name"_s));
    u.size = r.integer(u"size", 0, limits::MaxSafeInteger);
    u.sha256 = r.optionalText(u"sha256", { 64, 64, TextKind::Token }).value_or(QString());
    if (!r.ok())
        return res.sendError(r.error());
    for (QChar c : std::as_const(u.sha256)) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return res.sendError(makeError(ErrorCode::InvalidValue,
                                           u"sha256 is 64 lowercase hex digits"_s, u"sha256"_s));
    }
    if (u.size > maxUploadBytes())
        return res.sendError(makeError(ErrorCode::PayloadTooLarge,
                                       u"files may be at most %1 MB on this server"_s.arg(
                                           m_ctx.config.maxUploadMb),
                                       u"size"_s));
    u.id = newId();
    u.userId = session.userId;
    u.name = safeFileName(rawName);
    u.createdAt = m_ctx.now();
    u.expiresAt = u.createdAt + kUploadTtlMs;
    const qint64 userQuota = userQuotaBytes();
    const qint64 totalQuota = totalQuotaBytes();
    m_ctx.database->writeTyped<filestore::Upload>(
        [u, userQuota, totalQuota](QSqlDatabase &db) -> Result<filestore::Upload> {
            if (auto room = roomstore::room(db, u.roomId); !room)
                return room.error();
            if (!roomstore::role(db, u.roomId, u.userId))
                return makeError(ErrorCode::NotMember, u"you are not in this room"_s);
            // Checked and reserved in one job: two uploads at once cannot both squeeze in.
            auto mine = filestore::userUsage(db, u.userId);
            if (!mine)
                return mine.error();
            if (*mine + u.size > userQuota)
                return makeError(ErrorCode::QuotaExceeded,
                                 u"this file would pass your quota (%1 MB used of %2 MB)"_s.arg(
                                     *mine / kMiB)
                                     .arg(userQuota / kMiB),
                                 u"size"_s);
            auto all = filestore::totalUsage(db);
            if (!all)
                return all.error();
            if (*all + u.size > totalQuota)
                return makeError(ErrorCode::QuotaExceeded,
                                 u"the server has no room for this file"_s, u"size"_s);
            if (auto ok = filestore::insertUpload(db, u); !ok)
                return ok.error();
            return u;
        },
        this,
        [this, res](Result<filestore::Upload> r) {
            if (!r)
                return res.sendError(r.error());
            QJsonObject body = uploadJson(*r, 0);
            body.insert(u"maxBytes"_s, maxUploadBytes());
            res.send(201, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact),
                     { { "Location", "/api/v1/uploads/" + r->id.toLatin1() } });
        });
}

void FileService::status(const Session &session, const QString &id, const HttpResponder &res)
{
    const auto gone = makeError(ErrorCode::FileNotFound, u"no such upload"_s);
    if (!isFileId(id))
        return res.sendError(gone);
    const QSqlDatabase db = m_ctx.database->reader();
    auto u = filestore::upload(db, id);
    if (!u)
        return res.sendError(u.error());
    if (*u) {
        if ((*u)->userId != session.userId)
            return res.sendError(gone);
        return res.sendJson(200, uploadJson(**u, partSize(m_ctx.config.dataDir, id)));
    }
    // Finished already: the answer to its last request may have been lost.
    auto f = filestore::fileForUpload(db, id);
    if (!f)
        return res.sendError(f.error());
    if (!*f || (*f)->userId != session.userId)
        return res.sendError(gone);
    filestore::Upload done { id, (*f)->userId, (*f)->roomId, (*f)->info.name, (*f)->info.size };
    QJsonObject body = uploadJson(done, (*f)->info.size);
    body.insert(u"file"_s, (*f)->info.toJson());
    res.sendJson(200, body);
}

void FileService::cancel(const Session &session, const QString &id, const HttpResponder &res)
{
    const auto gone = makeError(ErrorCode::FileNotFound, u"no such upload"_s);
    if (!isFileId(id))
        return res.sendError(gone);
    const QString dataDir = m_ctx.config.dataDir;
    const qint64 userId = session.userId;
    m_ctx.database->writeTyped<bool>(
        [id, userId, dataDir, gone](QSqlDatabase &db) -> Result<bool> {
            auto u = filestore::upload(db, id);
            if (!u)
                return u.error();
            if (!*u || (*u)->userId != userId)
                return gone;
            if (auto r = filestore::removeUpload(db, id); !r)
                return r;
            filestore::moveToTrash(dataDir, filestore::partPath(dataDir, id));
            return true;
        },
        this,
        [this, res, id](Result<bool> r) {
            if (!r)
                return res.sendError(r.error());
            emptyTrash();
            m_worker->forget(id);
            res.send(204, "application/json", {});
        });
}

std::optional<filestore::StoredFile> FileService::visibleFile(const QString &fileId,
                                                              qint64 userId) const
{
    if (!isFileId(fileId))
        return std::nullopt;
    const QSqlDatabase db = m_ctx.database->reader();
    auto f = filestore::file(db, fileId);
    if (!f || !*f)
        return std::nullopt;
    // Members of the room only; an unsent file only to whoever uploaded it.
    if (!roomstore::role(db, (*f)->roomId, userId))
        return std::nullopt;
    if (!(*f)->eventId && (*f)->userId != userId)
        return std::nullopt;
    return **f;
}

void FileService::thumbnail(const Session &session, const QString &id, const HttpResponder &res)
{
    const auto f = visibleFile(id, session.userId);
    if (!f)
        return res.sendError(makeError(ErrorCode::FileNotFound, u"no such file"_s));
    auto t = filestore::thumbnail(m_ctx.database->reader(), f->info.sha256);
    if (!t)
        return res.sendError(t.error());
    if (t->first.isEmpty())
        return res.sendError(makeError(ErrorCode::FileNotFound, u"this file has no preview"_s));
    res.send(200, t->second, t->first,
             { { "Cache-Control", "private, max-age=31536000, immutable" },
               { "X-Content-Type-Options", "nosniff" },
               { "Content-Security-Policy", "default-src 'none'; sandbox" } });
}

void FileService::patch(QTcpSocket *socket, const Session &session, const HttpRequest &req,
                        qint64 contentLength)
{
    const QString id = lastSegment(req.rawPath, "/api/v1/uploads/");
    const auto gone = makeError(ErrorCode::FileNotFound, u"no such upload"_s);
    if (!isFileId(id))
        return refuse(socket, req, gone);
    const QSqlDatabase db = m_ctx.database->reader();
    auto u = filestore::upload(db, id);
    if (!u)
        return refuse(socket, req, u.error());
    if (!*u) {
        auto f = filestore::fileForUpload(db, id);
        if (f && *f && (*f)->userId == session.userId) {
            // Finished already (its answer was lost): the same answer again.
            filestore::Upload done { id, (*f)->userId, (*f)->roomId, (*f)->info.name,
                                     (*f)->info.size };
            QJsonObject body = uploadJson(done, (*f)->info.size);
            body.insert(u"file"_s, (*f)->info.toJson());
            count(req, 200);
            return ConnectionGuard::answerAndClose(
                socket, httpResponse(200, "application/json",
                                     QJsonDocument(body).toJson(QJsonDocument::Compact),
                                     { { "Upload-Offset", QByteArray::number((*f)->info.size) } }));
        }
        return refuse(socket, req, gone);
    }
    if ((*u)->userId != session.userId)
        return refuse(socket, req, gone);
    // A resume while the old request still runs (its client gone, the server not yet aware):
    // the new one takes over, from where the old one's bytes end.
    if (m_active.contains(id) && !m_worker->cutUpload(id))
        return refuse(socket, req,
                      makeError(ErrorCode::Conflict,
                                u"this upload has all its bytes and is being stored; ask"
                                u" GET uploads/{id} for the file"_s));
    const qint64 have = partSize(m_ctx.config.dataDir, id);
    const QList<QPair<QByteArray, QByteArray>> where { { "Upload-Offset",
                                                         QByteArray::number(have) } };
    const QByteArray offsetHeader = req.header("upload-offset");
    if (offsetHeader.isEmpty())
        return refuse(socket, req,
                      makeError(ErrorCode::MissingField, u"Upload-Offset is required"_s,
                                u"Upload-Offset"_s),
                      where);
    const auto offset
        = parseCanonicalInteger(QString::fromLatin1(offsetHeader), 0, limits::MaxSafeInteger);
    if (!offset)
        return refuse(socket, req,
                      makeError(ErrorCode::InvalidValue, u"Upload-Offset must be a byte count"_s,
                                u"Upload-Offset"_s),
                      where);
    if (*offset != have)
        return refuse(socket, req,
                      makeError(ErrorCode::UploadOffsetMismatch,
                                u"the server has %1 bytes of this upload; send from there"_s.arg(
                                    have),
                                u"Upload-Offset"_s),
                      where);
    if (contentLength > (*u)->size - have)
        return refuse(socket, req,
                      makeError(ErrorCode::PayloadTooLarge,
                                u"%1 bytes would pass the declared size of %2"_s.arg(
                                    have + contentLength)
                                    .arg((*u)->size)),
                      where);
    const quint64 transfer = m_nextTransfer++;
    m_active.insert(id, transfer);
    count(req, have + contentLength == (*u)->size ? 201 : 204);
    TransferWorker::Receive spec { transfer, id, filestore::partPath(m_ctx.config.dataDir, id),
                                   have, contentLength, (*u)->size };
    m_worker->adopt(socket);
    m_worker->receive(socket, spec);
}

void FileService::onCompleted(quint64 transfer, const QString &uploadId, const QString &sha256)
{
    const auto fail = [this, transfer, uploadId](int status, const QByteArray &code,
                                                 const QString &message) {
        m_active.remove(uploadId);
        m_worker->answer(transfer, jsonError(status, code, message));
    };
    auto u = filestore::upload(m_ctx.database->reader(), uploadId);
    if (!u || !*u)
        return fail(404, "file_not_found", u"the upload was cancelled"_s);
    if (sha256.isEmpty())
        return fail(500, "internal_error", u"the upload could not be hashed"_s);
    const filestore::Upload upload = **u;
    const QString dataDir = m_ctx.config.dataDir;
    if (!upload.sha256.isEmpty() && upload.sha256 != sha256) {
        // The bytes are not what the client meant to send: none of them is kept.
        m_ctx.database->write(
            [uploadId, dataDir](QSqlDatabase &db) -> Result<QVariant> {
                if (auto r = filestore::removeUpload(db, uploadId); !r)
                    return r.error();
                filestore::moveToTrash(dataDir, filestore::partPath(dataDir, uploadId));
                return QVariant(true);
            },
            this, [this](const Result<QVariant> &) { emptyTrash(); });
        m_ctx.metrics->inc(u"confab_files_total"_s, { u"hash_mismatch"_s });
        return fail(409, "conflict",
                    u"the bytes received do not match the declared sha256 (%1); upload the file"
                    u" again"_s.arg(sha256));
    }
    // Looked at off the event loop; then stored in one job.
    QPointer<FileService> self(this);
    const QString part = filestore::partPath(dataDir, uploadId);
    m_inspectors->start([self, part, sha256, upload, transfer] {
        const filestore::BlobFacts facts = fileinspector::inspect(part, sha256, upload.size);
        QMetaObject::invokeMethod(self, [self, facts, upload, transfer] {
            if (!self)
                return;
            const QString fileId = newId();
            const QString dataDir = self->m_ctx.config.dataDir;
            const qint64 now = self->m_ctx.now();
            self->m_ctx.database->writeTyped<filestore::StoredFile>(
                [=](QSqlDatabase &db) {
                    return filestore::finishUpload(db, dataDir, upload, facts, fileId, now);
                },
                self,
                [self, transfer, upload](Result<filestore::StoredFile> r) {
                    self->m_active.remove(upload.id);
                    self->emptyTrash(); // the part file, when the same bytes were stored
                    if (!r) {
                        qCWarning(lcTransfer).noquote()
                            << "cannot store upload" << upload.id << r.error().message;
                        return self->m_worker->answer(
                            transfer, jsonError(500, "internal_error", r.error().message));
                    }
                    self->m_ctx.metrics->inc(u"confab_files_total"_s, { u"stored"_s });
                    QJsonObject body = uploadJson(upload, upload.size);
                    body.insert(u"file"_s, r->info.toJson());
                    self->m_worker->answer(
                        transfer,
                        httpResponse(201, "application/json",
                                     QJsonDocument(body).toJson(QJsonDocument::Compact),
                                     { { "Upload-Offset", QByteArray::number(upload.size) } }));
                });
        });
    });
}

void FileService::download(QTcpSocket *socket, const Session &session, const HttpRequest &req,
                           qint64 contentLength)
{
    if (contentLength > 0)
        return refuse(socket, req, makeError(ErrorCode::BadRequest, u"a GET has no body"_s));
    const QString id = lastSegment(req.rawPath, "/api/v1/files/");
    const auto f = visibleFile(id, session.userId);
    if (!f)
        return refuse(socket, req, makeError(ErrorCode::FileNotFound, u"no such file"_s));
    const qint64 size = f->info.size;
    const QByteArray etag = '"' + f->info.sha256.toLatin1() + '"';
    // What the type may be shown as: only images a client previews keep theirs; everything
    // else is bytes to save (never HTML or script a browser would run).
    const bool image = fileinspector::isPreviewableImage(f->info.mime);
    QList<QPair<QByteArray, QByteArray>> headers {
        { "ETag", etag },
        { "Accept-Ranges", "bytes" },
        { "Cache-Control", "private, max-age=31536000, immutable" },
        { "X-Content-Type-Options", "nosniff" },
        { "Content-Security-Policy", "default-src 'none'; sandbox" },
        { "Content-Disposition", disposition(image, f->info.name) },
    };
    const QByteArray type = image ? f->info.mime.toLatin1() : "application/octet-stream";
    if (const QByteArray inm = req.header("if-none-match"); !inm.isEmpty()
        && (inm == etag || inm == "*")) {
        count(req, 304);
        QByteArray head = "HTTP/1.1 304 Not Modified\r\n";
        for (const auto &[k, v] : headers)
            head += k + ": " + v + "\r\n";
        return ConnectionGuard::answerAndClose(socket, head + "Connection: close\r\n\r\n");
    }
    ByteRange range { 0, size, false };
    const QByteArray rangeHeader = req.header("range");
    const QByteArray ifRange = req.header("if-range");
    if (!rangeHeader.isEmpty() && (ifRange.isEmpty() || ifRange == etag)) {
        const auto r = parseRange(rangeHeader, size);
        if (!r)
            return refuse(socket, req,
                          makeError(ErrorCode::RangeNotSatisfiable,
                                    u"the file has %1 bytes; ask for one range within them"_s.arg(
                                        size)),
                          { { "Content-Range", "bytes */" + QByteArray::number(size) } });
        range = *r;
    }
    const int status = range.partial ? 206 : 200;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusReason(status)
        + "\r\nContent-Type: " + type + "\r\nContent-Length: " + QByteArray::number(range.length)
        + "\r\n";
    if (range.partial)
        head += "Content-Range: bytes " + QByteArray::number(range.start) + '-'
            + QByteArray::number(range.start + range.length - 1) + '/' + QByteArray::number(size)
            + "\r\n";
    for (const auto &[k, v] : headers)
        head += k + ": " + v + "\r\n";
    head += "Connection: close\r\n\r\n";
    count(req, status);
    m_worker->adopt(socket);
    m_worker->send(socket, head, filestore::blobPath(m_ctx.config.dataDir, f->info.sha256),
                   range.start, range.length);
}

void FileService::collectGarbage(std::function<void(Result<filestore::Collected>)> done)
{
    const QString dataDir = m_ctx.config.dataDir;
    const qint64 now = m_ctx.now();
    const QList<QString> active = m_active.keys();
    m_ctx.database->writeTyped<filestore::Collected>(
        [dataDir, now, active](QSqlDatabase &db) -> Result<filestore::Collected> {
            // An upload with a request in progress is not stale, whatever its age.
            for (const QString &id : active) {
                CachedQuery q(db, u"UPDATE uploads SET expires_at = ? WHERE id = ?"_s);
                if (auto r = execCached(q, { now + kUploadTtlMs, id }); !r)
                    return r.error();
            }
            return filestore::collect(db, dataDir, now, kUnsentTtlMs);
        },
        this,
        [this, done](Result<filestore::Collected> r) {
            emptyTrash();
            if (r) {
                m_ctx.metrics->inc(u"confab_blobs_collected_total"_s, {}, r->blobs);
                if (r->blobs || r->uploads || r->files)
                    qCInfo(lcTransfer) << "collected" << r->blobs << "blobs," << r->uploads
                                       << "stale uploads," << r->files << "unsent files;"
                                       << r->bytes << "bytes freed";
            }
            if (done)
                done(r);
        });
}

} // namespace confab::server
