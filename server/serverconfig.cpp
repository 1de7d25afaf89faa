#include "serverconfig.h"

#include "discovery.h"
#include "jsonreader.h"
#include "storage/backend.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QSettings>
#include <QStandardPaths>
#include <QThread>

#include <sched.h>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

struct Option
{
    QString name; // flag and INI key: --max-conns-per-address, max-conns-per-address
    QString env; // CONFAB_MAX_CONNS_PER_ADDRESS
    QString help;
    QString valueName;
};

const QList<Option> &options()
{
    static const QList<Option> opts {
        { u"listen"_s, u"CONFAB_LISTEN"_s, u"Address to listen on (default 127.0.0.1)."_s,
          u"address"_s },
        { u"port"_s, u"CONFAB_PORT"_s,
          u"TCP port for HTTP and WebSocket (default 7080; 0 picks a free one)."_s, u"port"_s },
        { u"data-dir"_s, u"CONFAB_DATA_DIR"_s,
          u"Directory for the SQLite database, files and the TLS key."_s, u"dir"_s },
        { u"database"_s, u"CONFAB_DATABASE"_s,
          u"postgres://[user[:password]@]host[:port]/db: keep the history in PostgreSQL, shared"
          u" by several nodes (default: SQLite in the data directory)."_s,
          u"url"_s },
        { u"log-level"_s, u"CONFAB_LOG_LEVEL"_s, u"error, warning, info or debug (default info)."_s,
          u"level"_s },
        { u"log-format"_s, u"CONFAB_LOG_FORMAT"_s,
          u"text, journal or json (default: journal under systemd, text otherwise)."_s,
          u"format"_s },
        { u"max-conns-per-address"_s, u"CONFAB_MAX_CONNS_PER_ADDRESS"_s,
          u"Open connections allowed from one address (default 512)."_s, u"n"_s },
        { u"request-timeout-ms"_s, u"CONFAB_REQUEST_TIMEOUT_MS"_s,
          u"Time for a request to arrive whole (default 10000)."_s, u"ms"_s },
        { u"heartbeat-ms"_s, u"CONFAB_HEARTBEAT_MS"_s,
          u"WebSocket ping interval (default 15000)."_s, u"ms"_s },
        { u"session-ttl-days"_s, u"CONFAB_SESSION_TTL_DAYS"_s,
          u"Lifetime of a login session (default 30)."_s, u"days"_s },
        { u"realtime-threads"_s, u"CONFAB_REALTIME_THREADS"_s,
          u"Threads for WebSocket I/O (default: usable CPUs - 1; 0: on the main thread)."_s,
          u"n"_s },
        { u"discovery"_s, u"CONFAB_DISCOVERY"_s,
          u"Answer LAN discovery queries: on (default) or off."_s, u"on|off"_s },
        { u"discovery-port"_s, u"CONFAB_DISCOVERY_PORT"_s,
          u"UDP port for LAN discovery (default 7081)."_s, u"port"_s },
        { u"redis"_s, u"CONFAB_REDIS"_s,
          u"host:port of the Redis that carries live events between nodes (multi-node mode,"
          u" with --database postgres://…; default: none, one node)."_s,
          u"host:port"_s },
        { u"node-id"_s, u"CONFAB_NODE_ID"_s,
          u"This node's name in the cluster (default: host name and port)."_s, u"id"_s },
        { u"name"_s, u"CONFAB_NAME"_s, u"Server name shown to clients (default: host name)."_s,
          u"name"_s },
        { u"registrations-per-hour"_s, u"CONFAB_REGISTRATIONS_PER_HOUR"_s,
          u"Accounts one address may register per hour (default 30; 0: no limit)."_s, u"n"_s },
        { u"metrics-listen"_s, u"CONFAB_METRICS_LISTEN"_s,
          u"Serve /metrics on a listener of its own, ADDRESS:PORT (default: on the main port,"
          u" to loopback peers only)."_s,
          u"address:port"_s },
        { u"metrics-token"_s, u"CONFAB_METRICS_TOKEN"_s,
          u"Require \"Authorization: Bearer TOKEN\" on /metrics (16-256 printable ASCII"
          u" characters; prefer the environment or the INI file to the command line)."_s,
          u"token"_s },
        { u"tls"_s, u"CONFAB_TLS"_s,
          u"TLS on the port: on (default) or off (loopback, or behind a TLS-terminating"
          u" proxy)."_s,
          u"on|off"_s },
        { u"tls-cert"_s, u"CONFAB_TLS_CERT"_s,
          u"PEM certificate (chain) to serve (default: a self-signed one made in the data"
          u" directory). SIGHUP reloads it."_s,
          u"file"_s },
        { u"tls-key"_s, u"CONFAB_TLS_KEY"_s, u"PEM private key of --tls-cert."_s, u"file"_s },
        { u"registration"_s, u"CONFAB_REGISTRATION"_s,
          u"Who may register: open, invite or closed (default: open on loopback, invite"
          u" otherwise)."_s,
          u"policy"_s },
        { u"keepalive-timeout-ms"_s, u"CONFAB_KEEPALIVE_TIMEOUT_MS"_s,
          u"Close a kept HTTP connection quiet this long (default 30000; 0: one request per"
          u" connection)."_s,
          u"ms"_s },
        { u"otlp-endpoint"_s, u"CONFAB_OTLP_ENDPOINT"_s,
          u"Send traces (OTLP/HTTP JSON) to this collector URL, e.g."
          u" http://127.0.0.1:4318/v1/traces (default: none)."_s,
          u"url"_s },
        { u"max-upload-mb"_s, u"CONFAB_MAX_UPLOAD_MB"_s,
          u"Largest file a user may upload, in MB (default 100)."_s, u"mb"_s },
        { u"user-quota-mb"_s, u"CONFAB_USER_QUOTA_MB"_s,
          u"Files one user may store, in MB (default 0: a tenth of the files quota)."_s, u"mb"_s },
        { u"files-quota-mb"_s, u"CONFAB_FILES_QUOTA_MB"_s,
          u"Files all users may store, in MB (default 0: what files use plus half the disk's"
          u" free space)."_s,
          u"mb"_s },
        { u"password-cost"_s, u"CONFAB_PASSWORD_COST"_s,
          u"argon2id cost: interactive (default) or minimal (tests and benchmarks only)."_s,
          u"cost"_s },
    };
    return opts;
}

Error configError(const QString &what)
{
    return makeError(ErrorCode::InvalidValue, what);
}

bool toInt(const QString &s, int min, int max, int *out)
{
    bool ok = false;
    const int v = s.toInt(&ok);
    if (!ok || v < min || v > max)
        return false;
    *out = v;
    return true;
}

} // namespace

int ServerConfig::defaultRealtimeThreads()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    const int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                                 : QThread::idealThreadCount();
    return std::max(0, cpus - 1);
}

QString ServerConfig::defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + u"/confab-server"_s;
}

Result<ServerConfig> ServerConfig::load(const QStringList &arguments,
                                        const QProcessEnvironment &env)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Confab chat server: REST and WebSocket on one port."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(u"config"_s, u"INI file with a [server] section."_s,
                                          u"file"_s);
    parser.addOption(configOption);
    const QCommandLineOption fingerprintOption(
        u"print-fingerprint"_s, u"Print the TLS certificate's SHA-256 fingerprint and exit."_s);
    parser.addOption(fingerprintOption);
    for (const auto &o : options())
        parser.addOption(QCommandLineOption(o.name, o.help, o.valueName));
    parser.process(arguments);

    ServerConfig cfg;
    cfg.printFingerprint = parser.isSet(fingerprintOption);
    cfg.registration.clear(); // set below, or from the listen address at the end
    cfg.configFile
        = parser.isSet(configOption) ? parser.value(configOption) : env.value(u"CONFAB_CONFIG"_s);
    std::unique_ptr<QSettings> ini;
    if (!cfg.configFile.isEmpty()) {
        if (!QFileInfo::exists(cfg.configFile))
            return configError(u"config file %1 does not exist"_s.arg(cfg.configFile));
        // QSettings would read nothing and say nothing: the defaults would apply unnoticed.
        if (!QFileInfo(cfg.configFile).isReadable())
            return configError(u"config file %1 cannot be read"_s.arg(cfg.configFile));
        ini = std::make_unique<QSettings>(cfg.configFile, QSettings::IniFormat);
        ini->beginGroup(u"server"_s);
    }

    // flag > environment > INI > default
    const auto lookup = [&](const Option &o) -> std::optional<QString> {
        if (parser.isSet(o.name))
            return parser.value(o.name);
        if (env.contains(o.env))
            return env.value(o.env);
        if (ini && ini->contains(o.name))
            return ini->value(o.name).toString();
        return std::nullopt;
    };

    for (const auto &o : options()) {
        const auto value = lookup(o);
        if (!value)
            continue;
        const QString &v = *value;
        const auto bad = [&] {
            if (o.name == u"metrics-token") // a secret: not echoed into logs
                return configError(u"invalid value for metrics-token: 16 to 256 printable ASCII"
                                   u" characters"_s);
            return configError(u"invalid value '%1' for %2"_s.arg(v, o.name));
        };
        if (o.name == u"listen") {
            if (!cfg.listen.setAddress(v == u"localhost" ? u"127.0.0.1"_s : v))
                return bad();
        } else if (o.name == u"port") {
            int p;
            if (!toInt(v, 0, 65535, &p))
                return bad();
            cfg.port = quint16(p);
        } else if (o.name == u"data-dir") {
            if (v.isEmpty())
                return bad();
            cfg.dataDir = v;
        } else if (o.name == u"database") {
            if (auto where = storage::Location::parse(v, {}); !where)
                return where.error();
            cfg.database = v;
        } else if (o.name == u"log-level") {
            static const QStringList levels { u"error"_s, u"warning"_s, u"info"_s, u"debug"_s };
            if (!levels.contains(v))
                return bad();
            cfg.logLevel = v;
        } else if (o.name == u"log-format") {
            if (v != u"auto" && v != u"text" && v != u"journal" && v != u"json")
                return bad();
            cfg.logFormat = v;
        } else if (o.name == u"max-conns-per-address") {
            if (!toInt(v, 1, 1000000, &cfg.maxConnectionsPerAddress))
                return bad();
        } else if (o.name == u"request-timeout-ms") {
            if (!toInt(v, 100, 600000, &cfg.requestTimeoutMs))
                return bad();
        } else if (o.name == u"heartbeat-ms") {
            if (!toInt(v, 100, 3600000, &cfg.heartbeatMs))
                return bad();
        } else if (o.name == u"password-cost") {
            if (v != u"interactive" && v != u"minimal")
                return bad();
            cfg.passwordCost = v;
        } else if (o.name == u"realtime-threads") {
            if (!toInt(v, 0, 64, &cfg.realtimeThreads))
                return bad();
        } else if (o.name == u"discovery") {
            if (v != u"on" && v != u"off")
                return bad();
            cfg.discovery = v == u"on";
        } else if (o.name == u"discovery-port") {
            int p;
            if (!toInt(v, 0, 65535, &p))
                return bad();
            cfg.discoveryPort = quint16(p);
        } else if (o.name == u"redis") {
            const qsizetype colon = v.lastIndexOf(u':');
            int port = 0;
            if (colon <= 0 || !toInt(v.mid(colon + 1), 1, 65535, &port))
                return bad();
            cfg.redisHost = v.left(colon);
            cfg.redisPort = quint16(port);
        } else if (o.name == u"node-id") {
            if (checkTextValue(v.trimmed(), { 1, 64, TextKind::Line }, o.name))
                return bad();
            cfg.nodeId = v.trimmed();
        } else if (o.name == u"name") {
            // The protocol's rule for the announced name: 1 to 64 code points of line text.
            if (checkTextValue(v.trimmed(), { 1, discovery::NameMax, TextKind::Line }, o.name))
                return bad();
            cfg.name = v.trimmed();
        } else if (o.name == u"registrations-per-hour") {
            if (!toInt(v, 0, 1000000, &cfg.registrationsPerHour))
                return bad();
        } else if (o.name == u"metrics-listen") {
            // ADDRESS:PORT, or [IPv6]:PORT
            const qsizetype colon = v.lastIndexOf(u':');
            if (colon <= 0)
                return bad();
            QString host = v.left(colon);
            if (host.startsWith(u'[') && host.endsWith(u']'))
                host = host.mid(1, host.size() - 2);
            int p;
            if (!cfg.metricsAddress.setAddress(host) || !toInt(v.mid(colon + 1), 0, 65535, &p))
                return bad();
            cfg.metricsPort = quint16(p);
        } else if (o.name == u"metrics-token") {
            if (v.size() < 16 || v.size() > 256)
                return bad();
            for (QChar c : v) {
                if (c.unicode() <= 0x20 || c.unicode() >= 0x7F)
                    return bad();
            }
            cfg.metricsToken = v;
        } else if (o.name == u"tls") {
            if (v != u"on" && v != u"off")
                return bad();
            cfg.tls = v == u"on";
        } else if (o.name == u"tls-cert") {
            if (v.isEmpty())
                return bad();
            cfg.tlsCert = v;
        } else if (o.name == u"tls-key") {
            if (v.isEmpty())
                return bad();
            cfg.tlsKey = v;
        } else if (o.name == u"registration") {
            if (v != u"open" && v != u"invite" && v != u"closed")
                return bad();
            cfg.registration = v;
        } else if (o.name == u"keepalive-timeout-ms") {
            if (!toInt(v, 0, 3600000, &cfg.keepAliveTimeoutMs))
                return bad();
        } else if (o.name == u"otlp-endpoint") {
            const QUrl url(v, QUrl::StrictMode);
            if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
                || url.host().isEmpty())
                return bad();
            cfg.otlpEndpoint = url;
        } else if (o.name == u"max-upload-mb") {
            if (!toInt(v, 1, 1024 * 1024, &cfg.maxUploadMb))
                return bad();
        } else if (o.name == u"user-quota-mb") {
            if (!toInt(v, 0, 1 << 30, &cfg.userQuotaMb))
                return bad();
        } else if (o.name == u"files-quota-mb") {
            if (!toInt(v, 0, 1 << 30, &cfg.filesQuotaMb))
                return bad();
        } else if (o.name == u"session-ttl-days") {
            if (!toInt(v, 1, 3650, &cfg.sessionTtlDays))
                return bad();
        }
    }
    if (cfg.dataDir.isEmpty())
        cfg.dataDir = defaultDataDir();
    if (cfg.tlsCert.isEmpty() != cfg.tlsKey.isEmpty())
        return configError(u"--tls-cert and --tls-key go together"_s);
    if (!cfg.tls && !cfg.tlsCert.isEmpty())
        return configError(u"--tls-cert and --tls-key need --tls on"_s);
    if (cfg.registration.isEmpty())
        cfg.registration = cfg.listen.isLoopback() ? u"open"_s : u"invite"_s;
    if (!cfg.redisHost.isEmpty() && cfg.database.isEmpty())
        return configError(u"--redis joins nodes that share one history: it needs --database"
                           u" postgres://… as well"_s);
    return cfg;
}

void applyLogLevel(const QString &level)
{
    QString rules = u"confab.*.debug=false\n"_s;
    if (level == u"debug")
        rules = u"confab.*.debug=true\n"_s;
    else if (level == u"warning")
        rules += u"confab.*.info=false\n"_s;
    else if (level == u"error")
        rules += u"confab.*.info=false\nconfab.*.warning=false\n"_s;
    QLoggingCategory::setFilterRules(rules);
}

} // namespace confab::server
