#include "services.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QVersionNumber>

#include <functional>

#include <pwd.h>
#include <sys/prctl.h>
#include <signal.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace confab::test {

namespace {

// The `postgres` account when this runs as root (PostgreSQL will not), else none.
const passwd *postgresAccount()
{
    return ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
}

bool handTo(const QString &path, const passwd *account)
{
    return !account
        || ::chown(QFile::encodeName(path).constData(), account->pw_uid, account->pw_gid) == 0;
}

// The processes whose parent is `pid`.
QList<pid_t> childrenOf(pid_t pid)
{
    QList<pid_t> out;
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool number = false;
        const pid_t child = pid_t(entry.toInt(&number));
        if (!number)
            continue;
        QFile stat(u"/proc/%1/stat"_s.arg(child));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toInt() == pid)
            out << child;
    }
    return out;
}

bool accepts(quint16 port)
{
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    return probe.waitForConnected(200);
}

// Starts `p` and waits until it listens on `port`; false with `error` (and `log()`) if it
// does not start, exits, or does not listen within 10 s.
bool startListening(QProcess &p, quint16 port, const QString &name,
                    const std::function<QString()> &log, QString *error)
{
    p.start();
    if (!p.waitForStarted(10000)) {
        *error = u"%1 did not start: %2"_s.arg(name, p.errorString());
        return false;
    }
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 10000) {
        if (p.state() != QProcess::Running) {
            *error = u"%1 exited: %2"_s.arg(name, log().right(2000));
            return false;
        }
        if (accepts(port))
            return true;
        p.waitForFinished(20); // (and notices when it exits)
    }
    *error = u"%1 did not listen within 10 s: %2"_s.arg(name, log().right(2000));
    return false;
}

// SIGTERM and a wait (SIGKILL after 10 s), or SIGKILL at once.
void end(QProcess *p, bool crash)
{
    if (!p || p->state() == QProcess::NotRunning)
        return;
    if (!crash) {
        p->terminate();
        if (p->waitForFinished(10000))
            return;
    }
    p->kill();
    p->waitForFinished(5000);
}

} // namespace

quint16 freeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// --- PostgreSQL ---------------------------------------------------------------------------------

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer()
{
    if (running())
        kill();
}

QString PostgresServer::binDir()
{
    QString best;
    QVersionNumber newest;
    const QDir root(u"/usr/lib/postgresql"_s);
    for (const QString &v : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QVersionNumber n = QVersionNumber::fromString(v);
        if (QFile::exists(root.filePath(v + u"/bin/pg_ctl"_s)) && n > newest) {
            newest = n;
            best = root.filePath(v + u"/bin"_s);
        }
    }
    return best;
}

QString PostgresServer::dataDir() const
{
    return m_dir.path() + u"/pg"_s;
}

QString PostgresServer::url() const
{
    return u"postgres://%1@127.0.0.1:%2/%3"_s.arg(user()).arg(m_port).arg(database());
}

QSqlDatabase PostgresServer::connect(const QString &name) const
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
    db.setHostName(u"127.0.0.1"_s);
    db.setPort(m_port);
    db.setUserName(user());
    db.setDatabaseName(database());
    db.open();
    return db;
}

QString PostgresServer::log() const
{
    QFile f(m_dir.path() + u"/postgres.log"_s);
    return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll()) : QString();
}

namespace {

// A server started here goes when the test goes, however it ends (a crash, a timeout's kill):
// a leftover would hold memory and ports on the machine and be found by nobody.
void dieWithThisProcess(QProcess &p)
{
    p.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

} // namespace

bool PostgresServer::run(const QString &tool, const QStringList &args, QString *error,
                         int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.setWorkingDirectory(m_dir.path());
    const QString program = binDir() + u'/' + tool;
    if (const passwd *account = postgresAccount()) {
        p.setProgram(u"setpriv"_s);
        p.setArguments(QStringList { u"--reuid=%1"_s.arg(account->pw_uid),
                                     u"--regid=%1"_s.arg(account->pw_gid), u"--clear-groups"_s,
                                     u"--"_s, program }
                       + args);
    } else {
        p.setProgram(program);
        p.setArguments(args);
    }
    p.start();
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit
        || p.exitCode() != 0) {
        if (error)
            *error = u"%1 failed: %2"_s.arg(tool, QString::fromLocal8Bit(p.readAll()));
        return false;
    }
    return true;
}

bool PostgresServer::start(QString *error, bool durable)
{
    if (binDir().isEmpty()) {
        *error = u"PostgreSQL is not installed (packaging/deps.sh installs it)"_s;
        return false;
    }
    if (!m_dir.isValid()) {
        *error = u"no temporary directory"_s;
        return false;
    }
    const passwd *account = postgresAccount();
    if (::geteuid() == 0 && !account) {
        *error = u"running as root, and there is no postgres account to run PostgreSQL as"_s;
        return false;
    }
    if (!m_initialised) {
        if (!handTo(m_dir.path(), account)) {
            *error = u"cannot hand %1 to postgres"_s.arg(m_dir.path());
            return false;
        }
        if (!run(u"initdb"_s,
                 { u"-D"_s, dataDir(), u"-U"_s, user(), u"--auth=trust"_s, u"-E"_s, u"UTF8"_s,
                   u"--no-locale"_s, u"--no-sync"_s, u"--no-instructions"_s },
                 error))
            return false;
        m_port = freeLoopbackPort();
        m_initialised = true;
    }
    m_durable = durable;
    QString options = u"-p %1 -c listen_addresses=127.0.0.1 -c unix_socket_directories=%2"_s.arg(m_port).arg(dataDir());
    if (!durable)
        options += u" -c fsync=off -c full_page_writes=off"_s; // (a commit still writes its WAL)
    if (!run(u"pg_ctl"_s,
             { u"-D"_s, dataDir(), u"-l"_s, m_dir.path() + u"/postgres.log"_s, u"-w"_s, u"-t"_s,
               u"60"_s, u"-o"_s, options, u"start"_s },
             error)) {
        if (error)
            *error += u"\n"_s + log().right(2000);
        return false;
    }
    // pg_ctl leaves the postmaster on its own: a watchdog whose stdin is this process's pipe
    // stops it (immediate shutdown) when the pipe closes, that is when this process ends.
    m_watchdog = std::make_unique<QProcess>();
    m_watchdog->start(u"sh"_s, { u"-c"_s, u"read _; kill -QUIT \"$(head -n1 '%1/postmaster.pid')\""
                                          u" 2>/dev/null"_s.arg(dataDir()) });
    m_watchdog->waitForStarted(5000);
    return createDatabase(error);
}

bool PostgresServer::createDatabase(QString *error)
{
    // Once: after a restart it is there already.
    QString failure;
    if (run(u"psql"_s,
            { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port), u"-U"_s, user(),
              u"-d"_s, database(), u"-c"_s, u"SELECT 1"_s },
            &failure))
        return true;
    return run(u"createdb"_s,
               { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port), u"-U"_s, user(),
                 database() },
               error);
}

void PostgresServer::dropWatchdog()
{
    if (!m_watchdog)
        return;
    m_watchdog->kill(); // without firing: this is a stop of our own
    m_watchdog->waitForFinished(2000);
    m_watchdog.reset();
}

bool PostgresServer::stop(QString *error)
{
    dropWatchdog();
    if (!running())
        return true;
    return run(u"pg_ctl"_s, { u"-D"_s, dataDir(), u"-m"_s, u"fast"_s, u"-w"_s, u"stop"_s }, error);
}

void PostgresServer::kill()
{
    dropWatchdog();
    QFile pidFile(dataDir() + u"/postmaster.pid"_s);
    if (!pidFile.open(QIODevice::ReadOnly))
        return;
    const pid_t pid = pid_t(pidFile.readLine().trimmed().toInt());
    pidFile.close();
    if (pid <= 0)
        return;
    // The postmaster and its backends, all at once (the backends would otherwise hold the
    // shared memory and a restart would refuse to start).
    const QList<pid_t> children = childrenOf(pid);
    ::kill(pid, SIGKILL);
    for (pid_t child : children)
        ::kill(child, SIGKILL);
    QElapsedTimer t;
    t.start();
    while (::kill(pid, 0) == 0 && t.elapsed() < 10000)
        QThread::msleep(10);
    for (pid_t child : children) {
        while (::kill(child, 0) == 0 && t.elapsed() < 10000)
            QThread::msleep(10);
    }
    // (It is not our child: init reaps it. The stale postmaster.pid is PostgreSQL's to handle.)
}

bool PostgresServer::running() const
{
    QFile pidFile(dataDir() + u"/postmaster.pid"_s);
    if (!pidFile.open(QIODevice::ReadOnly))
        return false;
    const pid_t pid = pid_t(pidFile.readLine().trimmed().toInt());
    if (pid <= 0 || ::kill(pid, 0) != 0)
        return false;
    // A zombie is not running.
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    return !line.mid(line.lastIndexOf(')') + 2).startsWith('Z');
}

// --- Redis --------------------------------------------------------------------------------------

RedisServer::RedisServer() = default;

RedisServer::~RedisServer()
{
    kill();
}

QString RedisServer::binary()
{
    return QStandardPaths::findExecutable(u"redis-server"_s);
}

QString RedisServer::log() const
{
    QFile f(m_dir.path() + u"/redis.log"_s);
    return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll()) : QString();
}

bool RedisServer::start(QString *error)
{
    if (binary().isEmpty()) {
        *error = u"redis-server is not installed (packaging/deps.sh installs it)"_s;
        return false;
    }
    if (running())
        return true;
    if (!m_port)
        m_port = freeLoopbackPort();
    m_process = std::make_unique<QProcess>();
    dieWithThisProcess(*m_process);
    m_process->setProgram(binary());
    m_process->setArguments({ u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(m_port),
                              u"--save"_s, u""_s, u"--appendonly"_s, u"no"_s, u"--dir"_s,
                              m_dir.path(), u"--logfile"_s, m_dir.path() + u"/redis.log"_s,
                              u"--daemonize"_s, u"no"_s });
    return startListening(*m_process, m_port, u"redis-server"_s, [this] { return log(); }, error);
}

void RedisServer::stop()
{
    end(m_process.get(), false);
}

void RedisServer::kill()
{
    end(m_process.get(), true);
}

qint64 RedisServer::pid() const
{
    return m_process ? m_process->processId() : 0;
}

bool RedisServer::running() const
{
    return m_process && m_process->state() == QProcess::Running;
}

// --- HAProxy ------------------------------------------------------------------------------------

HaproxyServer::HaproxyServer() = default;

HaproxyServer::~HaproxyServer()
{
    stop();
}

QString HaproxyServer::binary()
{
    QString found = QStandardPaths::findExecutable(u"haproxy"_s);
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(u"haproxy"_s, { u"/usr/sbin"_s });
    return found;
}

QString HaproxyServer::config() const
{
    QFile f(m_dir.path() + u"/haproxy.cfg"_s);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

QString HaproxyServer::log() const
{
    return m_process ? QString::fromLocal8Bit(m_process->readAll()) : QString();
}

bool HaproxyServer::start(const QList<quint16> &nodes, QString *error)
{
    if (binary().isEmpty()) {
        *error = u"haproxy is not installed (packaging/deps.sh installs it)"_s;
        return false;
    }
    m_port = freeLoopbackPort();
    QString cfg = u"global\n"
                  u"    maxconn 4000\n"
                  u"defaults\n"
                  u"    mode tcp\n"
                  u"    timeout connect 300ms\n"
                  u"    timeout client 1h\n"
                  u"    timeout server 1h\n"
                  u"frontend confab\n"
                  u"    bind 127.0.0.1:%1\n"
                  u"    default_backend nodes\n"
                  u"backend nodes\n"
                  u"    balance leastconn\n"
                  u"    retries 1\n"
                  u"    option redispatch 1\n"_s.arg(m_port);
    for (qsizetype i = 0; i < nodes.size(); ++i)
        cfg += u"    server node%1 127.0.0.1:%2 check inter 200ms fall 1 rise 1\n"_s.arg(i + 1).arg(
            nodes[i]);
    return launch(cfg.toUtf8(), error);
}

bool HaproxyServer::launch(const QByteArray &config, QString *error)
{
    QFile f(m_dir.path() + u"/haproxy.cfg"_s);
    if (!f.open(QIODevice::WriteOnly) || f.write(config) != config.size()) {
        *error = u"cannot write the configuration"_s;
        return false;
    }
    f.close();
    m_process = std::make_unique<QProcess>();
    dieWithThisProcess(*m_process);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setProgram(binary());
    m_process->setArguments({ u"-db"_s, u"-f"_s, f.fileName() }); // (-db: in the foreground)
    return startListening(*m_process, m_port, u"haproxy"_s, [this] { return log(); }, error);
}

bool HaproxyServer::startShipped(const QString &configFile, const QList<quint16> &nodes,
                                 QString *error)
{
    if (binary().isEmpty()) {
        *error = u"haproxy is not installed (packaging/deps.sh installs it)"_s;
        return false;
    }
    QFile shipped(configFile);
    if (!shipped.open(QIODevice::ReadOnly)) {
        *error = u"cannot read "_s + configFile;
        return false;
    }
    m_port = freeLoopbackPort();
    QStringList lines = QString::fromUtf8(shipped.readAll()).split(u'\n');
    int server = 0;
    static const QRegularExpression serverLine(u"^(\\s*server\\s+\\S+\\s+)\\S+(.*)$"_s);
    for (QString &line : lines) {
        if (line.trimmed().startsWith(u"bind "_s)) {
            line = u"    bind 127.0.0.1:%1"_s.arg(m_port);
        } else if (const auto m = serverLine.match(line); m.hasMatch()) {
            if (server >= nodes.size()) {
                *error = u"%1 names more servers than there are nodes"_s.arg(configFile);
                return false;
            }
            line = m.captured(1) + u"127.0.0.1:%1"_s.arg(nodes[server++]) + m.captured(2);
        }
    }
    if (server != nodes.size()) {
        *error = u"%1 names %2 servers, not %3"_s.arg(configFile).arg(server).arg(nodes.size());
        return false;
    }
    return launch(lines.join(u'\n').toUtf8(), error);
}

void HaproxyServer::stop()
{
    end(m_process.get(), false);
}

} // namespace confab::test
