// Private PostgreSQL and Redis servers for the tests that need the real thing (the multi-node
// mode: docs/scale.md, issue "Beyond one machine"). Each runs from Debian's own binaries in a
// throwaway directory, listens on 127.0.0.1 only, on a port of its own, and is gone when the
// test ends: no system service is touched, and several tests can run side by side.
//
// PostgreSQL refuses to run as root: under root (CI, containers) its commands run as the
// `postgres` user the Debian package creates, and the directory is handed to that user.
#pragma once

#include <QProcess>
#include <QSqlDatabase>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace confab::test {

class PostgresServer
{
public:
    PostgresServer();
    ~PostgresServer(); // stops it (immediately: the directory goes anyway)

    // initdb (once) and start; false with `error` set when that fails. `durable` false turns
    // fsync off (most tests); true keeps PostgreSQL's defaults (what a benchmark must measure).
    bool start(QString *error, bool durable = false);
    bool stop(QString *error = nullptr); // a clean shutdown (pg_ctl stop -m fast)
    void kill(); // SIGKILL to the postmaster: a crash
    bool running() const;

    quint16 port() const { return m_port; }
    QString database() const { return QStringLiteral("confab"); }
    QString user() const { return QStringLiteral("confab"); }
    // postgres://confab@127.0.0.1:PORT/confab (trust authentication on loopback)
    QString url() const;
    // A QPSQL connection named `name` to its database as its superuser, opened (check isOpen()).
    QSqlDatabase connect(const QString &name) const;
    QString dataDir() const;
    QString log() const; // the server's log so far (for failure messages)

    // Where Debian keeps the newest installed PostgreSQL's binaries, or empty.
    static QString binDir();

private:
    void dropWatchdog();
    std::unique_ptr<QProcess> m_watchdog; // stops the postmaster when this process ends
    bool run(const QString &tool, const QStringList &args, QString *error, int timeoutMs = 60000);
    bool createDatabase(QString *error);

    QTemporaryDir m_dir;
    quint16 m_port = 0;
    bool m_initialised = false;
    bool m_durable = false;
};

class RedisServer
{
public:
    RedisServer();
    ~RedisServer();

    // Starts redis-server on 127.0.0.1 (the same port again after a stop or kill), without
    // persistence: a restart starts empty, as a crashed cache would.
    bool start(QString *error);
    void stop(); // SIGTERM, waited for
    void kill(); // SIGKILL: a crash
    bool running() const;
    quint16 port() const { return m_port; }
    qint64 pid() const; // (to stop it with SIGSTOP: a Redis that hangs)
    QString log() const;

    static QString binary(); // redis-server, or empty when not installed

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

// HAProxy as the multi-node mode's TCP load balancer: one frontend on 127.0.0.1, the nodes
// behind it checked every 200 ms (one failed check takes a node out, one good one back),
// new connections to the node with the fewest (WebSockets live long: `leastconn`).
class HaproxyServer
{
public:
    HaproxyServer();
    ~HaproxyServer();

    bool start(const QList<quint16> &nodes, QString *error);
    // Runs `configFile` (packaging/cluster/haproxy.cfg: the one docs/deploy.md ships) with its
    // frontend bound to a loopback port of its own and its `server` lines pointed at `nodes`.
    bool startShipped(const QString &configFile, const QList<quint16> &nodes, QString *error);
    void stop();
    quint16 port() const { return m_port; }
    QString config() const; // the configuration it runs with (docs/deploy.md shows the same)
    QString log() const;

    static QString binary(); // haproxy, or empty when not installed

private:
    bool launch(const QByteArray &config, QString *error);
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
quint16 freeLoopbackPort();

} // namespace confab::test
