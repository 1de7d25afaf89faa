#include "benchserver.h"

#include <QDir>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

using namespace Qt::StringLiterals;

namespace confab::bench {

// --- the server under test ----------------------------------------------------------------------

void Server::setCpus(bool all) const
{
    cpu_set_t set;
    CPU_ZERO(&set);
    const int cpus = all ? int(std::thread::hardware_concurrency()) : 1;
    for (int c = 0; c < cpus; ++c)
        CPU_SET(c, &set);
    // Affinity is per thread: each of them (the server starts no threads after its start-up
    // but for short-lived pool ones, which inherit from the thread that starts them).
    const QDir tasks(u"/proc/%1/task"_s.arg(pid));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        sched_setaffinity(pid_t(tid.toInt()), sizeof set, &set);
}

bool Server::start(const QString &binary, const QString &dir, bool pin, double *startMs)
{
    dataDir = dir;
    const QByteArray logPath = (dir + u"/server.log"_s).toLocal8Bit();
    ::unlink(logPath.constData());
    const auto t0 = std::chrono::steady_clock::now();
    pid = fork();
    if (pid == 0) {
        // The server goes when the bench goes, however it ends (an exit on a failed setup,
        // a crash, a kill): a leftover server would load the next run's CPU.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (pin) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(0, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        // The server says where it listens on stderr: into a log file the parent reads.
        const int log = ::open(logPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(log, 2);
        const QByteArray bin = binary.toLocal8Bit();
        const QByteArray data = dir.toLocal8Bit();
        // CONFAB_BENCH_LOG_RULES (for example "confab.server.files.debug=true"): the server
        // logs what those rules let through into server.log (keep it with --keep-data 1).
        const char *rules = getenv("CONFAB_BENCH_LOG_RULES");
        setenv("QT_LOGGING_RULES", rules ? rules : "*.info=false", 1);
        execl(bin.constData(), bin.constData(), "--listen", "127.0.0.1", "--port", "0",
              "--data-dir", data.constData(), "--password-cost", "minimal",
              "--registrations-per-hour", "0", "--tls", tls ? "on" : "off",
              "--max-conns-per-address", "100000", "--discovery", "off", "--log-level", rules ? "debug" : "warning",
              "--max-upload-mb", "8192", "--user-quota-mb", "1000000",
              "--database", database.constData(),
              redis.isEmpty() ? "--discovery" : "--redis",
              redis.isEmpty() ? "off" : redis.constData(),
              threadsFlag.isEmpty() ? nullptr : "--realtime-threads",
              threadsFlag.isEmpty() ? nullptr : threadsFlag.constData(),
              static_cast<char *>(nullptr));
        _exit(127);
    }
    std::string line;
    for (int i = 0; i < 20000 && line.empty(); ++i) {
        std::ifstream f(logPath.constData());
        std::string l;
        while (std::getline(f, l)) {
            if (l.find("listening on") != std::string::npos)
                line = l;
        }
        if (line.empty()) {
            int status;
            if (waitpid(pid, &status, WNOHANG) == pid)
                return false;
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }
    const size_t p = line.find("://127.0.0.1:");
    if (p == std::string::npos)
        return false;
    port = uint16_t(std::stoi(line.substr(p + 13)));
    if (startMs)
        *startMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                       .count();
    return true;
}

void Server::stop()
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        int status;
        waitpid(pid, &status, 0);
        pid = 0;
    }
}

namespace {

SSL_CTX *clientTls()
{
    static SSL_CTX *ctx = [] {
        SSL_CTX *c = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr); // a benchmark: the server is ours
        return c;
    }();
    return ctx;
}

QByteArray requestBytes(const char *method, const QString &path, const QJsonObject &body,
                        const QString &token, bool close)
{
    const QByteArray payload
        = body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
    QByteArray req = QByteArray(method) + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: bench\r\n";
    if (!token.isEmpty())
        req += "Authorization: Bearer " + token.toUtf8() + "\r\n";
    req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(payload.size())
        + (close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n") + payload;
    return req;
}

} // namespace

Connection::Connection(const Server &s)
{
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s.port);
    inet_pton(AF_INET, s.host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        fd = -1;
        return;
    }
    if (s.tls) {
        ssl = SSL_new(clientTls());
        SSL_set_fd(ssl, fd);
        if (SSL_connect(ssl) != 1) {
            ERR_clear_error();
            SSL_free(ssl);
            ssl = nullptr;
            ::close(fd);
            fd = -1;
        }
    }
}

Connection::~Connection()
{
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    if (fd >= 0)
        ::close(fd);
}

bool Connection::sendAll(const QByteArray &bytes)
{
    if (ssl)
        return SSL_write(ssl, bytes.constData(), int(bytes.size())) == int(bytes.size());
    return ::send(fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
}

Http Connection::call(const char *method, const QString &path, const QJsonObject &body,
                      const QString &token, bool close)
{
    Http r;
    if (fd < 0 || !sendAll(requestBytes(method, path, body, token, close)))
        return r;
    QByteArray &all = buffer;
    char buf[16384];
    for (;;) {
        // One whole answer (by Content-Length): on a kept connection nothing else comes.
        const int end = all.indexOf("\r\n\r\n");
        if (end > 0) {
            const int cl = all.toLower().indexOf("content-length:");
            const int len = cl > 0 && cl < end
                ? all.mid(cl + 15, all.indexOf("\r\n", cl) - cl - 15).trimmed().toInt()
                : 0;
            if (all.size() >= end + 4 + len) {
                if (all.startsWith("HTTP/1.1 "))
                    r.status = all.mid(9, 3).toInt();
                r.body = all.mid(end + 4, len);
                all.remove(0, end + 4 + len);
                return r;
            }
        }
        const ssize_t n = ssl ? SSL_read(ssl, buf, sizeof buf) : ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return r;
        all.append(buf, int(n));
    }
}

Http request(const Server &s, const char *method, const QString &path, const QJsonObject &body,
             const QString &token)
{
    Connection c(s);
    return c.call(method, path, body, token, true);
}

std::vector<User> makeUsers(const Server &s, int n, const QString &prefix)
{
    std::vector<User> users { size_t(n) };
    std::vector<QByteArray> failures { size_t(n) };
    std::atomic<int> next { 0 };
    std::vector<std::thread> pool;
    for (int t = 0; t < 6; ++t) {
        pool.emplace_back([&] {
            for (int i = next++; i < n; i = next++) {
                const QString name = prefix + QString::number(i);
                const QJsonObject credentials { { u"username"_s, name },
                                                { u"password"_s, u"password123"_s } };
                // Setup right after a big scenario may meet a server still busy closing its
                // sockets: a transient refusal (no answer, 429, 503) is retried, anything
                // else is reported.
                const auto call = [&](const QString &path) {
                    Http r;
                    for (int attempt = 0; attempt < 20; ++attempt) {
                        r = request(s, "POST", path, credentials);
                        if (r.status != 0 && r.status != 429 && r.status != 503)
                            break;
                        std::this_thread::sleep_for(std::chrono::milliseconds(250));
                    }
                    return r;
                };
                const Http reg = call(u"/api/v1/auth/register"_s);
                const Http login = call(u"/api/v1/auth/login"_s);
                users[size_t(i)].token = login.json()[u"token"_s].toString();
                users[size_t(i)].id = login.json()[u"user"_s][u"id"_s].toInteger();
                if (users[size_t(i)].token.isEmpty())
                    failures[size_t(i)] = "register " + QByteArray::number(reg.status) + ' '
                        + reg.body + ", login " + QByteArray::number(login.status) + ' '
                        + login.body;
            }
        });
    }
    for (auto &t : pool)
        t.join();
    for (size_t i = 0; i < users.size(); ++i) {
        if (users[i].token.isEmpty()) {
            std::fprintf(stderr, "could not register and log in %s%zu: %s\n", qPrintable(prefix), i,
                         failures[i].constData());
            std::exit(2);
        }
    }
    return users;
}

qint64 createRoom(const Server &s, const User &owner, const QString &name)
{
    return request(s, "POST", u"/api/v1/rooms"_s, { { u"name"_s, name } }, owner.token)
        .json()[u"id"_s]
        .toInteger();
}

void joinAll(const Server &s, qint64 room, const std::vector<User> &users, size_t from, size_t to)
{
    std::atomic<size_t> next { from };
    std::vector<std::thread> pool;
    for (int t = 0; t < 6; ++t) {
        pool.emplace_back([&] {
            for (size_t i = next++; i < to; i = next++)
                request(s, "POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, users[i].token);
        });
    }
    for (auto &t : pool)
        t.join();
}

qint64 lastSeq(const Server &s, qint64 room, const User &u)
{
    return request(s, "GET", u"/api/v1/rooms/%1"_s.arg(room), {}, u.token)
        .json()[u"lastSeq"_s]
        .toInteger();
}

} // namespace confab::bench
