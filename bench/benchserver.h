// The server under test for confab-bench: a real confab-server child process (its own data
// directory, optionally pinned to CPU 0, killed with the bench), and the REST calls that set up
// a scenario (register and log in users, create and join rooms) over plain blocking sockets.
#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

struct ssl_st;

namespace confab::bench {

struct Server
{
    pid_t pid = 0;
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    QString dataDir;
    QByteArray threadsFlag; // --server-threads: the server's --realtime-threads
    bool tls = false; // the server's --tls (the bench's clients speak plain unless told)
    QByteArray database; // the server's --database (empty: SQLite in its data directory)
    QByteArray redis; // the server's --redis (empty: one node)

    // Starts `binary` on 127.0.0.1, port 0, data in `dir`; false if it did not come up.
    bool start(const QString &binary, const QString &dir, bool pin, double *startMs = nullptr);
    void stop();
    // Every thread of the running server on CPU 0 only (`all` false) or on every CPU.
    void setCpus(bool all) const;
    ~Server() { stop(); }
};

// --- REST over blocking sockets (TLS when the server speaks it) ---------------------------------

struct Http
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

Http request(const Server &s, const char *method, const QString &path, const QJsonObject &body = {},
             const QString &token = {});

// One blocking connection (TLS when the server speaks it) for several requests (keep-alive).
struct Connection
{
    explicit Connection(const Server &s);
    ~Connection();
    bool ok() const { return fd >= 0; }
    // `close`: ask the server to close after the answer ("Connection: close").
    Http call(const char *method, const QString &path, const QJsonObject &body = {},
              const QString &token = {}, bool close = false);

    int fd = -1;
    ::ssl_st *ssl = nullptr;
    QByteArray buffer;

private:
    bool sendAll(const QByteArray &bytes);
};

struct User
{
    qint64 id = 0;
    QString token;
};

// Registers and logs in `n` users, a few at a time; exits the bench if any cannot log in.
std::vector<User> makeUsers(const Server &s, int n, const QString &prefix);
qint64 createRoom(const Server &s, const User &owner, const QString &name);
// Joins users[from, to) to `room`, a few at a time.
void joinAll(const Server &s, qint64 room, const std::vector<User> &users, size_t from, size_t to);
qint64 lastSeq(const Server &s, qint64 room, const User &u);

} // namespace confab::bench
