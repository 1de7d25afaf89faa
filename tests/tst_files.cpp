// Files end to end against a real server (docs/protocol.md, "Files"): uploads that stream to
// disk and resume, content-addressed blobs, downloads with ranges, previews, what a non-member
// sees, hostile names and images, quotas, and garbage collection. The 300 MB upload runs the
// real binary so that its memory can be read from /proc.
#include "testsupport.h"

#include "files/fileservice.h"
#include "files/filestore.h"
#include "protocollimits.h"
#include "confabserver.h"
#include "types.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>

#include <zlib.h>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray out(n, Qt::Uninitialized);
    quint32 x = seed | 1;
    for (qsizetype i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = char(x);
    }
    return out;
}

// Runs the event loop a little: the in-process server answers on this thread.
void spin()
{
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QTest::qWait(1);
}

// Reads one HTTP response from `socket` (until it closes, or its Content-Length is in).
HttpResult readResponse(QTcpSocket &socket, int timeoutMs = 20000)
{
    QByteArray raw;
    QElapsedTimer t;
    t.start();
    qint64 need = -1;
    qsizetype headEnd = -1;
    while (t.elapsed() < timeoutMs) {
        raw += socket.readAll();
        if (headEnd < 0 && (headEnd = raw.indexOf("\r\n\r\n")) >= 0) {
            const QRegularExpression re(u"(?i)\r\ncontent-length: *(\\d+)"_s);
            const auto m = re.match(QString::fromLatin1(raw.left(headEnd)));
            need = m.hasMatch() ? m.captured(1).toLongLong() : 0;
        }
        if (headEnd >= 0 && raw.size() - headEnd - 4 >= need)
            break;
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            break;
        spin(); // the server under test runs on this thread
    }
    HttpResult r;
    if (headEnd < 0) {
        qWarning() << "no answer after" << t.elapsed() << "ms:" << raw.size() << "bytes,"
                   << socket.state() << socket.errorString();
        return r;
    }
    const QList<QByteArray> lines = raw.left(headEnd).split('\n');
    r.status = lines.value(0).split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            r.headers.append({ line.left(colon).toLower(), line.mid(colon + 1).trimmed() });
    }
    r.body = raw.mid(headEnd + 4);
    return r;
}

QByteArray patchHead(const QString &uploadId, const QString &token, qint64 offset, qint64 length)
{
    return "PATCH /api/v1/uploads/" + uploadId.toLatin1()
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token.toLatin1()
        + "\r\nUpload-Offset: " + QByteArray::number(offset)
        + "\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: "
        + QByteArray::number(length) + "\r\n\r\n";
}

// Sends `bytes` as one PATCH from `offset`; returns the answer.
HttpResult patch(quint16 port, const QString &token, const QString &uploadId, qint64 offset,
                 const QByteArray &bytes)
{
    auto socket = connectRaw(port);
    if (!socket)
        return {};
    socket->write(patchHead(uploadId, token, offset, bytes.size()));
    for (qsizetype at = 0; at < bytes.size(); at += 1 << 20) {
        socket->write(bytes.mid(at, 1 << 20));
        while (socket->bytesToWrite() > (4 << 20))
            spin();
    }
    return readResponse(*socket);
}

// Declares an upload of `bytes` (with their SHA-256) as `token` in `room`; its id, or empty.
QString declare(TestServer &s, const QString &token, qint64 room, const QString &name,
                const QByteArray &bytes)
{
    const auto created = s.post(u"/api/v1/uploads"_s,
                                { { u"roomId"_s, room },
                                  { u"name"_s, name },
                                  { u"size"_s, bytes.size() },
                                  { u"sha256"_s, sha256Hex(bytes) } },
                                token);
    return created.status == 201 ? created.json()[u"uploadId"_s].toString() : QString();
}

struct Uploaded
{
    QString uploadId;
    FileInfo file;
};

// Declares and sends a whole file; fails the test on the way when anything is off.
std::optional<Uploaded> upload(TestServer &s, const QString &token, qint64 room,
                               const QString &name, const QByteArray &bytes, bool declareSha = true)
{
    QJsonObject declare { { u"roomId"_s, room }, { u"name"_s, name }, { u"size"_s, bytes.size() } };
    if (declareSha)
        declare.insert(u"sha256"_s, sha256Hex(bytes));
    const auto created = s.post(u"/api/v1/uploads"_s, declare, token);
    if (created.status != 201) {
        qWarning() << "upload declare" << created.status << created.body;
        return std::nullopt;
    }
    const QString id = created.json()[u"uploadId"_s].toString();
    const HttpResult done = patch(s.port(), token, id, 0, bytes);
    if (done.status != 201) {
        qWarning() << "upload patch" << done.status << done.body;
        return std::nullopt;
    }
    const auto file = FileInfo::fromJson(done.json()[u"file"_s].toObject());
    if (!file) {
        qWarning() << "file" << done.body;
        return std::nullopt;
    }
    return Uploaded { id, *file };
}

HttpResult getWith(TestServer &s, const QString &path, const QString &token,
                   const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return s.request("GET", path, {}, token, headers);
}

// The blob files under DATA_DIR/files/blobs.
int blobCount(const QString &dataDir)
{
    int n = 0;
    QDirIterator it(dataDir + u"/files/blobs"_s, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++n;
    }
    return n;
}

qint64 sendFileMessage(TestServer &s, const QString &token, qint64 room, const QString &fileId,
                       const QString &clientMsgId, const QString &caption = {})
{
    const auto r = s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                          { { u"clientMsgId"_s, clientMsgId },
                            { u"body"_s, caption },
                            { u"fileId"_s, fileId } },
                          token);
    if (r.status != 201)
        qWarning() << "send" << r.status << r.body;
    return r.status == 201 ? r.json()[u"eventId"_s].toInteger() : 0;
}

QByteArray pngOf(int w, int h, bool alpha)
{
    QImage image(w, h, alpha ? QImage::Format_ARGB32 : QImage::Format_RGB32);
    image.fill(alpha ? QColor(20, 120, 220, 128) : QColor(220, 40, 40));
    for (int x = 0; x < w / 2; ++x)
        image.setPixelColor(x, h / 2, Qt::white);
    QByteArray bytes;
    QBuffer b(&bytes);
    b.open(QIODevice::WriteOnly);
    image.save(&b, "PNG");
    return bytes;
}

quint32 crc(const QByteArray &typeAndData)
{
    return quint32(::crc32(0, reinterpret_cast<const Bytef *>(typeAndData.constData()),
                           uInt(typeAndData.size())));
}

QByteArray chunk(const QByteArray &type, const QByteArray &data)
{
    QByteArray out;
    const quint32 len = quint32(data.size());
    out.append(char(len >> 24)).append(char(len >> 16)).append(char(len >> 8)).append(char(len));
    const quint32 c = crc(type + data);
    out += type + data;
    out.append(char(c >> 24)).append(char(c >> 16)).append(char(c >> 8)).append(char(c));
    return out;
}

// A real decompression bomb: a valid 30,000 x 30,000 grey PNG of zeros, 900 MB of pixels in
// less than a megabyte, deflated row by row (never whole in memory here either).
QByteArray pngBomb(int edge)
{
    QByteArray ihdr;
    for (int v : { edge, edge }) {
        ihdr.append(char(v >> 24)).append(char(v >> 16)).append(char(v >> 8)).append(char(v));
    }
    ihdr.append(char(8)).append(char(0)).append(char(0)).append(char(0)).append(char(0));
    z_stream z {};
    deflateInit(&z, 9);
    QByteArray idat;
    QByteArray row(edge + 1, '\0');
    QByteArray out(1 << 16, Qt::Uninitialized);
    for (int y = 0; y < edge; ++y) {
        z.next_in = reinterpret_cast<Bytef *>(row.data());
        z.avail_in = uInt(row.size());
        do {
            z.next_out = reinterpret_cast<Bytef *>(out.data());
            z.avail_out = uInt(out.size());
            deflate(&z, y == edge - 1 ? Z_FINISH : Z_NO_FLUSH);
            idat.append(out.constData(), out.size() - z.avail_out);
        } while (z.avail_out == 0 || (y == edge - 1 && z.avail_in > 0));
    }
    int rc;
    do {
        z.next_out = reinterpret_cast<Bytef *>(out.data());
        z.avail_out = uInt(out.size());
        rc = deflate(&z, Z_FINISH);
        idat.append(out.constData(), out.size() - z.avail_out);
    } while (rc == Z_OK);
    deflateEnd(&z);
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", idat)
        + chunk("IEND", {});
}

qint64 procStatusKb(qint64 pid, const char *field)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace

class TestFiles : public QObject
{
    Q_OBJECT

private slots:
    void uploadShareAndDownload();
    void uploadCutAtHalfResumes();
    void aRestartMidUploadShowsNoPartialBlobAndResumes();
    void aResumeTakesOverFromAStalledRequest();
    void sameBytesOneBlob();
    void onlyMembersDownload();
    void rangesAreExact();
    void oversizedRefusedFromTheHeaders();
    void quotasRefuseBeforeBytes();
    void imagesGetThumbnails();
    void pngBombIsNotDecoded();
    void hostileNamesAreStoredSafely();
    void sendingAFileIsIdempotent();
    void deleteThenCollectFreesOnlyUnreferencedBlobs();
    void largeUploadKeepsServerMemoryFlat();
    void aFileIsFoundByItsName();
};

void TestFiles::uploadShareAndDownload()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    WsClient live(s.port());
    QVERIFY(live.enter(bob.token, room));

    // HTML under an innocent name: stored, never served as something a browser would run.
    const QByteArray bytes = "<html><script>alert(1)</script></html>\n" + randomBytes(5000, 7);
    const auto up = upload(s, alice.token, room, u"report.html"_s, bytes);
    QVERIFY(up);
    QCOMPARE(up->file.size, bytes.size());
    QCOMPARE(up->file.sha256, sha256Hex(bytes));
    QCOMPARE(up->file.name, u"report.html"_s);
    QVERIFY(!up->file.isImage());

    // Not sent yet: the uploader sees it, the room does not.
    QCOMPARE(s.get(u"/api/v1/files/"_s + up->file.fileId, alice.token).status, 200);
    QCOMPARE(s.get(u"/api/v1/files/"_s + up->file.fileId, bob.token).status, 404);

    const qint64 eventId = sendFileMessage(s, alice.token, room, up->file.fileId, u"f-1"_s,
                                           u"the report"_s);
    QVERIFY(eventId > 0);
    // Live: the event carries the file.
    const qsizetype at = live.waitFor([&](const ServerFrame &f) {
        const auto *e = std::get_if<EventFrame>(&f.payload);
        return e && e->event.id == eventId;
    });
    QVERIFY(at >= 0);
    const RoomEvent live0 = std::get<EventFrame>(live.frames[at].payload).event;
    QCOMPARE(live0.body(), u"the report"_s);
    const auto liveFile = FileInfo::fromJson(live0.content[u"file"_s].toObject());
    QVERIFY(liveFile);
    QCOMPARE(*liveFile, up->file);

    const HttpResult got = s.get(u"/api/v1/files/"_s + up->file.fileId, bob.token);
    QCOMPARE(got.status, 200);
    QCOMPARE(got.body, bytes);
    QCOMPARE(got.header("content-type"), QByteArray("application/octet-stream"));
    QCOMPARE(got.header("x-content-type-options"), QByteArray("nosniff"));
    QVERIFY(got.header("content-disposition").startsWith("attachment; filename=\"report.html\""));
    QCOMPARE(got.header("etag"), '"' + sha256Hex(bytes).toLatin1() + '"');
    QCOMPARE(got.header("accept-ranges"), QByteArray("bytes"));
    // Again with the ETag: not sent twice.
    QCOMPARE(getWith(s, u"/api/v1/files/"_s + up->file.fileId, bob.token,
                     { { "If-None-Match", got.header("etag") } })
                 .status,
             304);
    // History has it too.
    const auto page = s.get(u"/api/v1/rooms/%1/events?after=0"_s.arg(room), bob.token);
    bool found = false;
    for (const QJsonValue &e : page.json()[u"events"_s].toArray()) {
        if (e[u"id"_s].toInteger() == eventId)
            found = e[u"content"_s][u"file"_s][u"fileId"_s].toString() == up->file.fileId;
    }
    QVERIFY(found);
}

void TestFiles::uploadCutAtHalfResumes()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const QByteArray bytes = randomBytes(3 * 1024 * 1024 + 17, 11);
    const QString id = declare(s, alice.token, room, u"data.bin"_s, bytes);
    QVERIFY(isFileId(id));

    // Half of it, then the connection dies (the head promised all of it).
    const qint64 half = bytes.size() / 2;
    {
        auto socket = connectRaw(s.port());
        QVERIFY(socket);
        socket->write(patchHead(id, alice.token, 0, bytes.size()));
        socket->write(bytes.left(half));
        while (socket->bytesToWrite() > 0)
            spin();
        QTest::qWait(300);
        socket->abort();
    }
    // The server kept exactly what arrived.
    QTRY_COMPARE(s.get(u"/api/v1/uploads/"_s + id, alice.token).json()[u"offset"_s].toInteger(),
                 half);
    // Resuming from anywhere else is refused, and says where to go on from.
    const HttpResult wrong = patch(s.port(), alice.token, id, 0, bytes);
    QCOMPARE(wrong.status, 409);
    QCOMPARE(wrong.errorCode(), u"upload_offset_mismatch"_s);
    QCOMPARE(wrong.header("upload-offset"), QByteArray::number(half));
    // More than declared, from the right place: refused from the head.
    QCOMPARE(patch(s.port(), alice.token, id, half, bytes.mid(half) + "x").status, 413);
    // Two more parts: the first answers 204 with the new offset, the last with the file.
    const qint64 third = half + (bytes.size() - half) / 2;
    const HttpResult middle = patch(s.port(), alice.token, id, half, bytes.mid(half, third - half));
    QCOMPARE(middle.status, 204);
    QCOMPARE(middle.header("upload-offset"), QByteArray::number(third));
    const HttpResult last = patch(s.port(), alice.token, id, third, bytes.mid(third));
    QCOMPARE(last.status, 201);
    const auto file = FileInfo::fromJson(last.json()[u"file"_s].toObject());
    QVERIFY(file);
    QCOMPARE(file->sha256, sha256Hex(bytes));
    QVERIFY(sendFileMessage(s, alice.token, room, file->fileId, u"r-1"_s) > 0);
    const HttpResult got = s.get(u"/api/v1/files/"_s + file->fileId, bob.token);
    QCOMPARE(got.status, 200);
    QCOMPARE(sha256Hex(got.body), sha256Hex(bytes));
    // Its last answer lost? Asking again gives the same file.
    const auto again = s.get(u"/api/v1/uploads/"_s + id, alice.token);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json()[u"file"_s][u"fileId"_s].toString(), file->fileId);
    QCOMPARE(patch(s.port(), alice.token, id, bytes.size(), {}).status, 200);
    // Nothing of the upload is left behind.
    QVERIFY(QDir(s.dataDir() + u"/files/uploads"_s).entryList(QDir::Files).isEmpty());

    // Bytes that do not match what was declared: refused at the end, none kept.
    const QByteArray other = randomBytes(1000, 3);
    const auto liar = s.post(u"/api/v1/uploads"_s,
                             { { u"roomId"_s, room },
                               { u"name"_s, u"x.bin"_s },
                               { u"size"_s, other.size() },
                               { u"sha256"_s, sha256Hex(bytes) } },
                             alice.token);
    QCOMPARE(liar.status, 201);
    const HttpResult refused
        = patch(s.port(), alice.token, liar.json()[u"uploadId"_s].toString(), 0, other);
    QCOMPARE(refused.status, 409);
    QCOMPARE(blobCount(s.dataDir()), 1);
}

void TestFiles::aRestartMidUploadShowsNoPartialBlobAndResumes()
{
    RestartableServer rs;
    auto [alice, bob, room] = rs.up().aliceAndBobInARoom();
    const QString dataDir = rs->server().config().dataDir;
    const QByteArray bytes = randomBytes(4 * 1024 * 1024 + 3, 17);
    const QString id = declare(*rs.operator->(), alice.token, room, u"big.bin"_s, bytes);
    QVERIFY(isFileId(id));
    const qint64 part = bytes.size() * 2 / 5;
    auto socket = connectRaw(rs->port());
    QVERIFY(socket);
    socket->write(patchHead(id, alice.token, 0, bytes.size()));
    socket->write(bytes.left(part));
    QTRY_COMPARE(rs->get(u"/api/v1/uploads/"_s + id, alice.token).json()[u"offset"_s].toInteger(),
                 part);
    // The server goes away in the middle of the request (its hash state with it).
    rs.down();
    socket->abort();
    QCOMPARE(blobCount(dataDir), 0); // nothing half-written looks like a file
    rs.up();
    QCOMPARE(rs->get(u"/api/v1/uploads/"_s + id, alice.token).json()[u"offset"_s].toInteger(), part);
    const HttpResult rest = patch(rs->port(), alice.token, id, part, bytes.mid(part));
    QCOMPARE(rest.status, 201);
    const auto file = FileInfo::fromJson(rest.json()[u"file"_s].toObject());
    QVERIFY(file);
    QCOMPARE(file->sha256, sha256Hex(bytes)); // the hash rebuilt from the bytes on disk
    QCOMPARE(blobCount(dataDir), 1);
    QVERIFY(sendFileMessage(*rs.operator->(), alice.token, room, file->fileId, u"rs-1"_s) > 0);
    QCOMPARE(rs->get(u"/api/v1/files/"_s + file->fileId, bob.token).body, bytes);
}

void TestFiles::aResumeTakesOverFromAStalledRequest()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const QByteArray bytes = randomBytes(2 * 1024 * 1024 + 5, 23);
    const QString id = declare(s, alice.token, room, u"x.bin"_s, bytes);
    QVERIFY(isFileId(id));
    // The first request stalls half way with its connection open (a network that went away
    // without a word: the server cannot know yet).
    auto stalled = connectRaw(s.port());
    QVERIFY(stalled);
    const qint64 half = bytes.size() / 2;
    stalled->write(patchHead(id, alice.token, 0, bytes.size()));
    stalled->write(bytes.left(half));
    QTRY_COMPARE(s.get(u"/api/v1/uploads/"_s + id, alice.token).json()[u"offset"_s].toInteger(),
                 half);
    // The client, back on another connection, goes on from there: it is not told to wait.
    const HttpResult rest = patch(s.port(), alice.token, id, half, bytes.mid(half));
    QCOMPARE(rest.status, 201);
    QCOMPARE(rest.json()[u"file"_s][u"sha256"_s].toString(), sha256Hex(bytes));
    // The stalled request was cut: what it sends now goes nowhere.
    stalled->write(bytes.mid(half, 1000));
    QTRY_VERIFY(stalled->state() != QAbstractSocket::ConnectedState);
}

void TestFiles::sameBytesOneBlob()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const QByteArray bytes = randomBytes(200000, 5);
    const auto a = upload(s, alice.token, room, u"a.bin"_s, bytes);
    const auto b = upload(s, bob.token, room, u"b.bin"_s, bytes, false);
    QVERIFY(a && b);
    QVERIFY(a->file.fileId != b->file.fileId);
    QCOMPARE(a->file.sha256, b->file.sha256);
    QCOMPARE(b->file.name, u"b.bin"_s);
    QCOMPARE(blobCount(s.dataDir()), 1);
}

void TestFiles::onlyMembersDownload()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const auto carol = s.signUp(u"carol"_s);
    const auto up = upload(s, alice.token, room, u"plan.txt"_s, "the plan\n");
    QVERIFY(up);
    QVERIFY(sendFileMessage(s, alice.token, room, up->file.fileId, u"p-1"_s) > 0);
    const QString path = u"/api/v1/files/"_s + up->file.fileId;
    QCOMPARE(s.get(path, bob.token).status, 200);
    const HttpResult outsider = s.get(path, carol.token);
    QCOMPARE(outsider.status, 404);
    QCOMPARE(outsider.errorCode(), u"file_not_found"_s);
    QCOMPARE(s.get(path + u"/thumbnail"_s, carol.token).status, 404);
    QCOMPARE(s.get(path).status, 401);
    QCOMPARE(s.get(u"/api/v1/files/not-an-id"_s, bob.token).status, 404);
    QCOMPARE(s.get(u"/api/v1/files/..%2f..%2fconfab.db"_s, bob.token).status, 404);
    // Someone else's upload: not theirs to resume, see or send.
    const auto created = s.post(u"/api/v1/uploads"_s,
                                { { u"roomId"_s, room }, { u"name"_s, u"x"_s }, { u"size"_s, 3 } },
                                alice.token);
    const QString id = created.json()[u"uploadId"_s].toString();
    QCOMPARE(s.get(u"/api/v1/uploads/"_s + id, bob.token).status, 404);
    QCOMPARE(patch(s.port(), bob.token, id, 0, "abc").status, 404);
    QCOMPARE(s.post(u"/api/v1/uploads"_s,
                    { { u"roomId"_s, room }, { u"name"_s, u"x"_s }, { u"size"_s, 3 } },
                    carol.token)
                 .errorCode(),
             u"not_member"_s);
    // Leaving the room ends access.
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/leave"_s.arg(room), {}, bob.token).status, 204);
    QCOMPARE(s.get(path, bob.token).status, 404);
}

void TestFiles::rangesAreExact()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const QByteArray bytes = randomBytes(100000, 9);
    const auto up = upload(s, alice.token, room, u"r.bin"_s, bytes);
    QVERIFY(up);
    QVERIFY(sendFileMessage(s, alice.token, room, up->file.fileId, u"g-1"_s) > 0);
    const QString path = u"/api/v1/files/"_s + up->file.fileId;
    const auto range = [&](const QByteArray &spec) {
        return getWith(s, path, bob.token, { { "Range", spec } });
    };
    HttpResult r = range("bytes=0-9");
    QCOMPARE(r.status, 206);
    QCOMPARE(r.body, bytes.left(10));
    QCOMPARE(r.header("content-range"), QByteArray("bytes 0-9/100000"));
    r = range("bytes=99990-");
    QCOMPARE(r.status, 206);
    QCOMPARE(r.body, bytes.right(10));
    r = range("bytes=-5");
    QCOMPARE(r.body, bytes.right(5));
    r = range("bytes=50000-59999");
    QCOMPARE(r.body, bytes.mid(50000, 10000));
    r = range("bytes=99999-200000"); // past the end: up to the end
    QCOMPARE(r.body, bytes.right(1));
    for (const QByteArray &bad : { QByteArray("bytes=100000-"), QByteArray("bytes=5-2"),
                                  QByteArray("bytes=0-1,5-6"), QByteArray("lines=1-2"),
                                  QByteArray("bytes=x-") }) {
        r = range(bad);
        QCOMPARE(r.status, 416);
        QCOMPARE(r.header("content-range"), QByteArray("bytes */100000"));
    }
    // An If-Range that no longer matches: the whole file.
    r = getWith(s, path, bob.token, { { "Range", "bytes=0-9" }, { "If-Range", "\"old\"" } });
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), bytes.size());
}

void TestFiles::oversizedRefusedFromTheHeaders()
{
    TestServer s([](server::ServerConfig &c) { c.maxUploadMb = 1; });
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const auto big = s.post(u"/api/v1/uploads"_s,
                            { { u"roomId"_s, room },
                              { u"name"_s, u"big.iso"_s },
                              { u"size"_s, 2 * 1024 * 1024 } },
                            alice.token);
    QCOMPARE(big.status, 413);
    QCOMPARE(big.errorCode(), u"payload_too_large"_s);
    QVERIFY(big.json()[u"error"_s][u"message"_s].toString().contains(u"1 MB"_s));

    // A PATCH whose head announces more than the server takes: answered from the head, while
    // not one body byte has been sent.
    const auto created = s.post(u"/api/v1/uploads"_s,
                                { { u"roomId"_s, room }, { u"name"_s, u"a"_s }, { u"size"_s, 10 } },
                                alice.token);
    const QString id = created.json()[u"uploadId"_s].toString();
    for (const qint64 length : { qint64(11), qint64(5) * 1024 * 1024 * 1024 }) {
        auto socket = connectRaw(s.port());
        QVERIFY(socket);
        socket->write(patchHead(id, alice.token, 0, length));
        const HttpResult r = readResponse(*socket, 5000);
        QCOMPARE(r.status, 413);
    }
    QCOMPARE(s.get(u"/api/v1/uploads/"_s + id, alice.token).json()[u"offset"_s].toInt(), 0);
}

void TestFiles::quotasRefuseBeforeBytes()
{
    TestServer s([](server::ServerConfig &c) {
        c.userQuotaMb = 1;
        c.filesQuotaMb = 2;
    });
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const auto carol = s.signUp(u"carol"_s);
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, carol.token).status, 200);
    const auto declare = [&](const QString &token, qint64 size) {
        return s.post(u"/api/v1/uploads"_s,
                      { { u"roomId"_s, room }, { u"name"_s, u"q"_s }, { u"size"_s, size } }, token);
    };
    QCOMPARE(declare(alice.token, 700 * 1024).status, 201); // reserved while it uploads
    const auto over = declare(alice.token, 400 * 1024);
    QCOMPARE(over.status, 507);
    QCOMPARE(over.errorCode(), u"quota_exceeded"_s);
    QCOMPARE(declare(bob.token, 1000 * 1024).status, 201);
    // The server's total: 700 KiB + 1000 KiB reserved of 2 MiB.
    QCOMPARE(declare(carol.token, 500 * 1024).status, 507);
    QCOMPARE(declare(carol.token, 300 * 1024).status, 201);
}

void TestFiles::imagesGetThumbnails()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const auto photo = upload(s, alice.token, room, u"wide.png"_s, pngOf(1000, 500, false));
    QVERIFY(photo);
    QCOMPARE(photo->file.mime, u"image/png"_s);
    QCOMPARE(photo->file.width, 1000);
    QCOMPARE(photo->file.height, 500);
    QCOMPARE(photo->file.thumbWidth, 320);
    QCOMPARE(photo->file.thumbHeight, 160);
    QVERIFY(sendFileMessage(s, alice.token, room, photo->file.fileId, u"i-1"_s) > 0);
    const HttpResult thumb
        = s.get(u"/api/v1/files/%1/thumbnail"_s.arg(photo->file.fileId), bob.token);
    QCOMPARE(thumb.status, 200);
    QCOMPARE(thumb.header("content-type"), QByteArray("image/jpeg")); // opaque: JPEG
    QImage decoded;
    QVERIFY(decoded.loadFromData(thumb.body));
    QCOMPARE(decoded.size(), QSize(320, 160));
    // The photo's red is there (JPEG is lossy; the colour is not).
    const QColor c = decoded.pixelColor(10, 10);
    QVERIFY2(c.red() > 180 && c.green() < 90, qPrintable(c.name()));
    // An image is served inline, as its type.
    const HttpResult full = s.get(u"/api/v1/files/"_s + photo->file.fileId, bob.token);
    QCOMPARE(full.header("content-type"), QByteArray("image/png"));
    QVERIFY(full.header("content-disposition").startsWith("inline;"));

    // Transparency stays: PNG preview. A small image is not enlarged.
    const auto icon = upload(s, alice.token, room, u"icon.png"_s, pngOf(64, 48, true));
    QVERIFY(icon);
    QCOMPARE(icon->file.thumbWidth, 64);
    QCOMPARE(icon->file.thumbHeight, 48);
    const HttpResult iconThumb
        = s.get(u"/api/v1/files/%1/thumbnail"_s.arg(icon->file.fileId), alice.token);
    QCOMPARE(iconThumb.header("content-type"), QByteArray("image/png"));
    QVERIFY(QImage::fromData(iconThumb.body).hasAlphaChannel());

    // A file called .png that is not one: a plain file, no preview.
    const auto fake = upload(s, alice.token, room, u"fake.png"_s, "not an image at all");
    QVERIFY(fake);
    QVERIFY(!fake->file.isImage());
    QVERIFY(!fake->file.hasThumbnail());
    QCOMPARE(fake->file.mime, u"text/plain"_s);
    QCOMPARE(s.get(u"/api/v1/files/%1/thumbnail"_s.arg(fake->file.fileId), alice.token).status,
             404);
}

void TestFiles::pngBombIsNotDecoded()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const QByteArray bomb = pngBomb(30000);
    QVERIFY(bomb.size() < 2 * 1024 * 1024); // 900 million pixels in under 2 MB
    // Peak memory from here: the kernel's high-water mark, reset.
    QFile clear(u"/proc/self/clear_refs"_s);
    QVERIFY(clear.open(QIODevice::WriteOnly));
    clear.write("5");
    clear.close();
    const qint64 before = procStatusKb(QCoreApplication::applicationPid(), "VmHWM:");
    const auto up = upload(s, alice.token, room, u"bomb.png"_s, bomb);
    QVERIFY(up);
    const qint64 peak = procStatusKb(QCoreApplication::applicationPid(), "VmHWM:");
    // Decoding would have taken 900 MB at least (3.6 GB as 32-bit pixels).
    QVERIFY2(peak - before < 64 * 1024, qPrintable(u"peak grew by %1 KiB"_s.arg(peak - before)));
    // Stored and shared as a file, with its true type, no size, no preview.
    QCOMPARE(up->file.mime, u"image/png"_s);
    QVERIFY(!up->file.isImage());
    QVERIFY(!up->file.hasThumbnail());
    QCOMPARE(up->file.sha256, sha256Hex(bomb));
}

void TestFiles::hostileNamesAreStoredSafely()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    struct Case
    {
        QString sent;
        QString stored;
    };
    const QList<Case> cases {
        { u"../../etc/passwd"_s, u"passwd"_s },
        { u"..\\..\\windows\\system.ini"_s, u"system.ini"_s },
        { u"a\u0000b\u0001c\nd.txt"_s, u"abcd.txt"_s },
        { u"invoice\u202Efdp.exe"_s, u"invoicefdp.exe"_s }, // the right-to-left override
        { u".."_s, u"file"_s },
        { u"  .hidden "_s, u"hidden"_s },
        { u"what?.txt"_s, u"what_.txt"_s },
        { u"résumé \"final\".pdf"_s, u"résumé _final_.pdf"_s },
    };
    for (const Case &c : cases) {
        const auto up = upload(s, alice.token, room, c.sent, "x");
        QVERIFY2(up, qPrintable(c.sent));
        QCOMPARE(up->file.name, c.stored);
        QVERIFY(sendFileMessage(s, alice.token, room, up->file.fileId,
                                u"n-"_s + QString::number(qHash(c.sent)))
                > 0);
        const QByteArray cd
            = s.get(u"/api/v1/files/"_s + up->file.fileId, bob.token).header("content-disposition");
        QVERIFY2(!cd.contains('/') && !cd.contains('\\') && !cd.contains('\n'), cd.constData());
    }
    // A long name keeps its extension and the limit.
    const auto longName = upload(s, alice.token, room, QString(400, u'x') + u".tar.gz"_s, "x");
    QVERIFY(longName);
    QCOMPARE(longName->file.name.size(), limits::FileNameMax);
    QVERIFY(longName->file.name.endsWith(u".gz"_s));
    // Nothing was written anywhere but the data directory's own places.
    QVERIFY(!QFile::exists(s.dataDir() + u"/../passwd"_s));
    QCOMPARE(blobCount(s.dataDir()), 1); // every upload was the same byte
}

void TestFiles::sendingAFileIsIdempotent()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const auto up = upload(s, alice.token, room, u"once.txt"_s, "once");
    QVERIFY(up);
    // Someone else cannot send it.
    const auto stolen = s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                               { { u"clientMsgId"_s, u"b-1"_s },
                                 { u"body"_s, u""_s },
                                 { u"fileId"_s, up->file.fileId } },
                               bob.token);
    QCOMPARE(stolen.status, 404);
    QCOMPARE(stolen.errorCode(), u"file_not_found"_s);
    // A message needs a body unless it carries a file.
    QCOMPARE(s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                    { { u"clientMsgId"_s, u"e-1"_s }, { u"body"_s, u""_s } }, alice.token)
                 .status,
             400);
    WsClient ws(s.port());
    QVERIFY(ws.enter(alice.token, room));
    SendFrame f { room, u"o-1"_s, {}, {}, 0, up->file.fileId };
    const auto first = ws.send(f);
    QVERIFY(first);
    QVERIFY(!first->duplicate);
    const auto retry = ws.send(f); // the ack was lost: sent again
    QVERIFY(retry);
    QVERIFY(retry->duplicate);
    QCOMPARE(retry->eventId, first->eventId);
    // The same file in a second message: refused (it is shared already).
    const auto twice = s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                              { { u"clientMsgId"_s, u"o-2"_s },
                                { u"body"_s, u""_s },
                                { u"fileId"_s, up->file.fileId } },
                              alice.token);
    QCOMPARE(twice.status, 409);
    int carrying = 0;
    for (const QJsonValue &e :
         s.get(u"/api/v1/rooms/%1/events?after=0"_s.arg(room), bob.token).json()[u"events"_s].toArray())
        carrying += e[u"content"_s].toObject().contains(u"file"_s);
    QCOMPARE(carrying, 1);

    // A reply to it quotes the file's name (its caption is empty).
    const auto reply = s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                              { { u"clientMsgId"_s, u"re-1"_s },
                                { u"body"_s, u"got it"_s },
                                { u"replyTo"_s, first->eventId } },
                              bob.token);
    QCOMPARE(reply.status, 201);
    const QJsonArray page
        = s.get(u"/api/v1/rooms/%1/events?after=0"_s.arg(room), bob.token).json()[u"events"_s].toArray();
    const QJsonObject preview = page.last()[u"content"_s][u"replyPreview"_s].toObject();
    QCOMPARE(preview[u"fileName"_s].toString(), u"once.txt"_s);
    QCOMPARE(preview[u"body"_s].toString(), QString());
}

void TestFiles::deleteThenCollectFreesOnlyUnreferencedBlobs()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const QByteArray bytes = randomBytes(50000, 13);
    const auto a = upload(s, alice.token, room, u"a.bin"_s, bytes);
    const auto b = upload(s, bob.token, room, u"b.bin"_s, bytes);
    const auto lone = upload(s, alice.token, room, u"lone.bin"_s, randomBytes(1000, 1));
    QVERIFY(a && b && lone);
    const qint64 ea = sendFileMessage(s, alice.token, room, a->file.fileId, u"d-1"_s);
    const qint64 eb = sendFileMessage(s, bob.token, room, b->file.fileId, u"d-2"_s);
    QVERIFY(ea && eb);
    QCOMPARE(blobCount(s.dataDir()), 2);
    const auto collect = [&]() -> server::filestore::Collected {
        std::optional<server::filestore::Collected> out;
        s.server().files().collectGarbage([&](Result<server::filestore::Collected> r) {
            out = r ? *r : server::filestore::Collected { -1, -1, -1, -1 };
        });
        QElapsedTimer t;
        t.start();
        while (!out && t.elapsed() < 5000)
            QTest::qWait(10);
        return out.value_or(server::filestore::Collected { -1, -1, -1, -1 });
    };
    // The first message goes: b still refers to the same bytes.
    QCOMPARE(s.request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(ea), {}, alice.token)
                 .status,
             200);
    QCOMPARE(collect().blobs, 0);
    QCOMPARE(blobCount(s.dataDir()), 2);
    QCOMPARE(s.get(u"/api/v1/files/"_s + a->file.fileId, bob.token).status, 404);
    QCOMPARE(s.get(u"/api/v1/files/"_s + b->file.fileId, alice.token).body, bytes);
    // The second: now nothing does.
    QCOMPARE(s.request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(eb), {}, bob.token)
                 .status,
             200);
    const auto freed = collect();
    QCOMPARE(freed.blobs, 1);
    QCOMPARE(freed.bytes, bytes.size());
    QCOMPARE(blobCount(s.dataDir()), 1); // the unsent one is young: kept
    QVERIFY(!QFile::exists(server::filestore::blobPath(s.dataDir(), sha256Hex(bytes))));
    // A day later, a file never sent and an upload never finished go too.
    QCOMPARE(s.post(u"/api/v1/uploads"_s,
                    { { u"roomId"_s, room }, { u"name"_s, u"x"_s }, { u"size"_s, 10 } },
                    alice.token)
                 .status,
             201);
    s.advanceClock(server::FileService::kUnsentTtlMs + 1000);
    const auto later = collect();
    QCOMPARE(later.files, 1);
    QCOMPARE(later.uploads, 1);
    QCOMPARE(later.blobs, 1);
    QCOMPARE(blobCount(s.dataDir()), 0);
}

void TestFiles::largeUploadKeepsServerMemoryFlat()
{
    // The real binary, so that /proc tells its memory alone.
    QTemporaryDir data;
    QProcess proc;
    proc.setProgram(QStringLiteral(CONFAB_SERVER_BINARY));
    QStringList args { u"--port"_s, u"0"_s, u"--data-dir"_s, data.path(), u"--password-cost"_s,
                       u"minimal"_s, u"--max-upload-mb"_s, u"400"_s, u"--discovery"_s, u"off"_s };
    if (!testTls())
        args << u"--tls"_s << u"off"_s;
    proc.setArguments(args);
    // Under AddressSanitizer (make sanitize) freed memory waits in a 256 MB quarantine, which
    // would read as growth: a small one keeps the measurement about the server, not ASan.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"ASAN_OPTIONS"_s,
               env.value(u"ASAN_OPTIONS"_s) + u":quarantine_size_mb=4:thread_local_quarantine_size_kb=64"_s);
    proc.setProcessEnvironment(env);
    proc.start();
    QVERIFY(proc.waitForStarted());
    QString log;
    quint16 port = 0;
    static const QRegularExpression re(u"listening on (https?)://[0-9.]+:(\\d+)"_s);
    QElapsedTimer t;
    t.start();
    while (!port && t.elapsed() < 10000) {
        proc.waitForReadyRead(100);
        log += QString::fromUtf8(proc.readAllStandardError());
        if (const auto m = re.match(log); m.hasMatch()) {
            port = quint16(m.captured(2).toUInt());
            if (m.captured(1) == u"https") {
                QFile cert(data.path() + u"/tls/cert.pem"_s);
                QVERIFY(cert.open(QIODevice::ReadOnly));
                trustCertificate(cert.readAll());
            }
        }
    }
    QVERIFY2(port, qPrintable(log));
    const qint64 pid = proc.processId();

    // An account and a room, over REST.
    QNetworkAccessManager nam;
    const QString base = u"%1://127.0.0.1:%2"_s.arg(httpScheme()).arg(port);
    const auto call = [&](const QByteArray &method, const QString &path, const QJsonObject &body,
                          const QString &token = {}) {
        QNetworkRequest req(QUrl(base + path));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        if (!token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        QNetworkReply *reply
            = nam.sendCustomRequest(req, method, QJsonDocument(body).toJson(QJsonDocument::Compact));
        QSignalSpy done(reply, &QNetworkReply::finished);
        done.wait(10000);
        const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return out;
    };
    QString setup;
    if (const auto m = QRegularExpression(u"setup code: ([A-Z0-9-]+)"_s).match(log); m.hasMatch())
        setup = m.captured(1);
    QJsonObject reg { { u"username"_s, u"alice"_s }, { u"password"_s, u"password123"_s } };
    if (!setup.isEmpty())
        reg.insert(u"inviteCode"_s, setup);
    call("POST", u"/api/v1/auth/register"_s, reg);
    const QString token = call("POST", u"/api/v1/auth/login"_s,
                               { { u"username"_s, u"alice"_s }, { u"password"_s, u"password123"_s } })
                              [u"token"_s]
                                  .toString();
    QVERIFY(!token.isEmpty());
    const qint64 room
        = call("POST", u"/api/v1/rooms"_s, { { u"name"_s, u"big"_s } }, token)[u"id"_s].toInteger();
    QVERIFY(room > 0);

    const qint64 size = 300LL * 1024 * 1024;
    const QJsonObject created = call("POST", u"/api/v1/uploads"_s,
                                     { { u"roomId"_s, room },
                                       { u"name"_s, u"disk.img"_s },
                                       { u"size"_s, size } },
                                     token);
    const QString id = created[u"uploadId"_s].toString();
    QVERIFY2(!id.isEmpty(), QJsonDocument(created).toJson().constData());
    QTest::qWait(200);
    const qint64 rssBefore = procStatusKb(pid, "VmRSS:");
    QVERIFY(rssBefore > 0);

    auto socket = connectRaw(port);
    QVERIFY(socket);
    socket->write(patchHead(id, token, 0, size));
    QCryptographicHash sent(QCryptographicHash::Sha256);
    QByteArray block = randomBytes(1 << 20, 21);
    qint64 peakRss = rssBefore;
    for (qint64 at = 0; at < size; at += block.size()) {
        block[0] = char(at >> 20); // every MiB differs
        block[1] = char(at >> 28);
        sent.addData(block);
        socket->write(block);
        while (socket->bytesToWrite() > (2 << 20))
            QVERIFY(socket->waitForBytesWritten(10000));
        if ((at >> 20) % 16 == 0)
            peakRss = std::max(peakRss, procStatusKb(pid, "VmRSS:"));
    }
    const HttpResult done = readResponse(*socket, 60000);
    QCOMPARE(done.status, 201);
    peakRss = std::max(peakRss, procStatusKb(pid, "VmRSS:"));
    const auto file = FileInfo::fromJson(done.json()[u"file"_s].toObject());
    QVERIFY(file);
    QCOMPARE(file->sha256, QString::fromLatin1(sent.result().toHex()));
    QCOMPARE(file->size, size);
    const qint64 grewKb = procStatusKb(pid, "VmRSS:") - rssBefore;
    qInfo("server RSS before %lld KiB, peak seen %lld KiB, after %lld KiB", rssBefore, peakRss,
          rssBefore + grewKb);
    QVERIFY2(peakRss - rssBefore < 20 * 1024,
             qPrintable(u"the server's RSS grew by %1 KiB"_s.arg(peakRss - rssBefore)));

    // And back, to a reader that stops now and then: the server's socket fills (without TLS
    // the file goes by sendfile, with a chunk through Qt's buffer each time the socket is full)
    // and every byte must still come in order, once.
    auto reader = connectRaw(port);
    QVERIFY(reader);
    reader->setReadBufferSize(1 << 20);
    reader->write("GET /api/v1/files/" + file->fileId.toLatin1()
                  + " HTTP/1.1\r\nHost: confab\r\nAuthorization: Bearer " + token.toLatin1()
                  + "\r\n\r\n");
    QCryptographicHash got(QCryptographicHash::Sha256);
    QByteArray head;
    qint64 body = 0;
    int pauses = 0;
    t.restart();
    while (body < size && t.elapsed() < 120000) {
        if (!reader->bytesAvailable() && !reader->waitForReadyRead(10000))
            break;
        QByteArray chunk = reader->readAll();
        if (head.isEmpty() || !head.contains("\r\n\r\n")) {
            head += chunk;
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end < 0)
                continue;
            chunk = head.mid(end + 4);
            head.truncate(end + 4);
            QVERIFY2(head.startsWith("HTTP/1.1 200"), head.constData());
        }
        got.addData(chunk);
        body += chunk.size();
        if ((body >> 20) / 32 > pauses) { // every 32 MiB the reader looks away for a while
            ++pauses;
            QTest::qSleep(50);
        }
        if ((body >> 20) % 16 == 0)
            peakRss = std::max(peakRss, procStatusKb(pid, "VmRSS:"));
    }
    QCOMPARE(body, size);
    QCOMPARE(QString::fromLatin1(got.result().toHex()), file->sha256);
    QVERIFY2(peakRss - rssBefore < 20 * 1024,
             qPrintable(u"the server's RSS grew by %1 KiB"_s.arg(peakRss - rssBefore)));
    proc.terminate();
    QVERIFY(proc.waitForFinished(10000));
}

void TestFiles::aFileIsFoundByItsName()
{
    TestServer s;
    QVERIFY(s.ok());
    auto [alice, bob, room] = s.aliceAndBobInARoom();
    const auto up = upload(s, alice.token, room, u"Budget-2027_final.xlsx"_s, randomBytes(5000, 9));
    QVERIFY(up);
    const auto search = [&](const QString &q) {
        return s.get(u"/api/v1/search?q="_s + q, bob.token).json()[u"results"_s].toArray();
    };
    QCOMPARE(search(u"budget"_s).size(), 0); // not shared yet: nobody finds it
    const qint64 msg = sendFileMessage(s, alice.token, room, up->file.fileId, u"f-budget"_s,
                                       u"numbers for the board"_s);
    QVERIFY(msg > 0);
    // Words of the name (split at '-', '_' and '.'), case and all; the hit's text is the
    // caption, its snippet the name with the word marked.
    for (const QString &q : { u"budget"_s, u"BUDGET"_s, u"2027"_s, u"xlsx"_s, u"budg*"_s }) {
        const auto found = search(q);
        QVERIFY2(found.size() == 1, qPrintable(q));
        QCOMPARE(found[0][u"event"_s][u"id"_s].toInteger(), msg);
        QCOMPARE(found[0][u"event"_s][u"content"_s][u"body"_s].toString(),
                 u"numbers for the board"_s);
    }
    const auto hit = SearchResults::fromJson(
        s.get(u"/api/v1/search?q=budget"_s, bob.token).json());
    QVERIFY(hit && hit->results.size() == 1);
    QCOMPARE(hit->results[0].snippet, u"Budget-2027_final.xlsx"_s);
    QCOMPARE(hit->results[0].highlights.size(), 1);
    QCOMPARE(hit->results[0].highlights[0].start, 0);
    QCOMPARE(hit->results[0].highlights[0].length, 6);
    QCOMPARE(search(u"board"_s).size(), 1); // the caption, as before
    // A new caption keeps the name findable; deleting the message takes both away.
    QCOMPARE(s.patch(u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(msg),
                     { { u"body"_s, u"the final numbers"_s } }, alice.token)
                 .status,
             200);
    QCOMPARE(search(u"board"_s).size(), 0);
    QCOMPARE(search(u"budget"_s).size(), 1);
    QCOMPARE(s.request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(msg), {},
                       alice.token)
                 .status,
             200);
    QCOMPARE(search(u"budget"_s).size(), 0);
    QCOMPARE(search(u"numbers"_s).size(), 0);
}

QTEST_GUILESS_MAIN(TestFiles)
#include "tst_files.moc"
