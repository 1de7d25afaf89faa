#include "filetransfer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>

#include <openssl/ssl.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

using namespace Qt::StringLiterals;

namespace confab::bench {

namespace {

constexpr qint64 kBlock = 1 << 20;

std::vector<char> pattern()
{
    std::vector<char> b(static_cast<size_t>(kBlock));
    uint32_t x = 2463534242u;
    for (char &c : b) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = char(x);
    }
    return b;
}

bool sendAll(Connection &c, const char *data, size_t n)
{
    while (n > 0) {
        const ssize_t w = c.ssl ? SSL_write(c.ssl, data, int(n))
                                : ::send(c.fd, data, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        data += w;
        n -= size_t(w);
    }
    return true;
}

// The CPU time (user + system) process `pid` has used so far, in seconds.
double cpuSeconds(qint64 pid)
{
    QFile f(u"/proc/%1/stat"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray stat = f.readAll();
    // After the command's ")": state is field 3, utime 14, stime 15.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    return (fields[11].toDouble() + fields[12].toDouble()) / double(sysconf(_SC_CLK_TCK));
}

ssize_t recvSome(Connection &c, char *buf, size_t n)
{
    return c.ssl ? SSL_read(c.ssl, buf, int(n)) : ::recv(c.fd, buf, n, 0);
}

} // namespace

DiskSpeed measureDisk(const QString &dir, qint64 bytes)
{
    DiskSpeed d;
    const QByteArray path = QFile::encodeName(dir + u"/disk-probe.bin"_s);
    const auto block = pattern();
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return d;
    QElapsedTimer t;
    t.start();
    for (qint64 done = 0; done < bytes; done += kBlock) {
        if (::write(fd, block.data(), block.size()) != ssize_t(block.size()))
            break;
    }
    ::fdatasync(fd);
    d.writeMBps = bytes / 1e6 / (t.nsecsElapsed() / 1e9);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); // the read below comes from the disk
    ::close(fd);
    const int rfd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
    std::vector<char> buf(static_cast<size_t>(kBlock));
    t.restart();
    qint64 got = 0;
    for (ssize_t n; (n = ::read(rfd, buf.data(), buf.size())) > 0;)
        got += n;
    d.readMBps = got / 1e6 / (t.nsecsElapsed() / 1e9);
    ::close(rfd);
    ::unlink(path.constData());
    return d;
}

Transfer upload(const Server &s, const User &u, qint64 room, qint64 bytes, const QString &name,
                double paceMBps, std::atomic<qint64> *sent)
{
    Transfer r;
    const Http created = request(s, "POST", u"/api/v1/uploads"_s,
                                 { { u"roomId"_s, room }, { u"name"_s, name }, { u"size"_s, bytes } },
                                 u.token);
    if (created.status != 201) {
        r.error = u"declare: HTTP %1 %2"_s.arg(created.status).arg(QString::fromUtf8(created.body));
        return r;
    }
    const QString id = created.json().value(u"uploadId"_s).toString();
    Connection c(s);
    if (!c.ok()) {
        r.error = u"connect"_s;
        return r;
    }
    const QByteArray head = "PATCH /api/v1/uploads/" + id.toLatin1()
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + u.token.toLatin1()
        + "\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
          "Content-Length: "
        + QByteArray::number(bytes) + "\r\n\r\n";
    auto block = pattern();
    const double cpu = cpuSeconds(s.pid);
    QElapsedTimer t;
    t.start();
    bool ok = sendAll(c, head.constData(), size_t(head.size()));
    for (qint64 done = 0; ok && done < bytes; done += kBlock) {
        std::memcpy(block.data(), &done, sizeof done); // every block differs
        ok = sendAll(c, block.data(), size_t(std::min(kBlock, bytes - done)));
        if (sent)
            *sent += std::min(kBlock, bytes - done);
        if (paceMBps > 0) {
            const qint64 due = qint64((done + kBlock) / (paceMBps * 1e6) * 1e9);
            const qint64 early = due - t.nsecsElapsed();
            if (early > 0)
                std::this_thread::sleep_for(std::chrono::nanoseconds(early));
        }
    }
    QByteArray answer;
    char buf[4096];
    for (ssize_t n; ok && (n = recvSome(c, buf, sizeof buf)) > 0;)
        answer.append(buf, int(n)); // the server closes after its answer
    r.seconds = t.nsecsElapsed() / 1e9;
    r.serverCpuSeconds = cpuSeconds(s.pid) - cpu;
    if (!answer.startsWith("HTTP/1.1 201")) {
        r.error = u"upload: "_s + QString::fromUtf8(answer.left(300));
        return r;
    }
    const QByteArray body = answer.mid(answer.indexOf("\r\n\r\n") + 4);
    const QJsonObject file = QJsonDocument::fromJson(body).object()[u"file"_s].toObject();
    r.fileId = file[u"fileId"_s].toString();
    r.sha256 = file[u"sha256"_s].toString();
    r.ok = !r.fileId.isEmpty();
    return r;
}

Transfer download(const Server &s, const User &u, const QString &fileId, qint64 bytes,
                  const QString &evictFrom)
{
    Transfer r;
    if (!evictFrom.isEmpty()) {
        const int fd = ::open(QFile::encodeName(evictFrom).constData(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            ::close(fd);
        }
    }
    Connection c(s);
    if (!c.ok()) {
        r.error = u"connect"_s;
        return r;
    }
    const QByteArray req = "GET /api/v1/files/" + fileId.toLatin1()
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + u.token.toLatin1()
        + "\r\n\r\n";
    std::vector<char> buf(static_cast<size_t>(kBlock));
    const double cpu = cpuSeconds(s.pid);
    QElapsedTimer t;
    t.start();
    if (!sendAll(c, req.constData(), size_t(req.size())))
        return r;
    qint64 got = 0;
    qint64 headEnd = -1;
    QByteArray head;
    for (ssize_t n; (n = recvSome(c, buf.data(), buf.size())) > 0;) {
        if (headEnd < 0) {
            head.append(buf.data(), int(n));
            headEnd = head.indexOf("\r\n\r\n");
            if (headEnd >= 0)
                got = head.size() - headEnd - 4;
            continue;
        }
        got += n;
    }
    r.seconds = t.nsecsElapsed() / 1e9;
    r.serverCpuSeconds = cpuSeconds(s.pid) - cpu;
    r.ok = head.startsWith("HTTP/1.1 200") && got == bytes;
    if (!r.ok)
        r.error = u"download: got %1 of %2 bytes, %3"_s.arg(got).arg(bytes).arg(
            QString::fromUtf8(head.left(200)));
    return r;
}

} // namespace confab::bench
