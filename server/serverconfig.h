// Server configuration. Precedence, highest first: command-line flag, CONFAB_* environment
// variable, INI file (--config / CONFAB_CONFIG, section [server]), built-in default.
#pragma once

#include "result.h"

#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace confab::server {

struct ServerConfig
{
    QHostAddress listen = QHostAddress::LocalHost;
    quint16 port = 7080;
    QString dataDir; // default: $XDG_DATA_HOME/confab-server
    // Empty: SQLite in dataDir. A postgres:// URL: PostgreSQL (storage/backend.h, docs/scale.md).
    QString database;
    // Multi-node mode: the Redis that carries live events between nodes (empty: one node), and
    // this node's name in the cluster (empty: host name and port).
    QString redisHost;
    quint16 redisPort = 6379;
    QString nodeId;
    QString logLevel = QStringLiteral("info"); // error | warning | info | debug
    QString logFormat = QStringLiteral("auto"); // auto | text | journal | json (logging.h)
    QString configFile;

    // TLS on the one port (docs/security.md): on unless tls is false. Without tlsCert/tlsKey
    // the server makes a self-signed pair in dataDir/tls on first start.
    bool tls = true;
    QString tlsCert;
    QString tlsKey;
    bool printFingerprint = false; // --print-fingerprint: print it and exit
    // Who may register: "open", "invite" (a code from an admin) or "closed". load()'s default:
    // open on a loopback listener, invite on any other.
    QString registration = QStringLiteral("open");
    int keepAliveTimeoutMs = 30000; // a kept HTTP connection quiet this long is closed

    // Connection guard
    int maxConnectionsPerAddress = 512;
    int requestTimeoutMs = 10000; // a request must arrive whole within this time
    // Realtime
    int heartbeatMs = 15000; // server pings each socket this often
    int authTimeoutMs = 5000; // an unauthenticated WebSocket is closed after this
    // Threads doing WebSocket I/O (the hub's logic stays on the main thread): one per CPU this
    // process may run on beyond the first; 0 (one CPU) keeps the sockets on the main thread.
    int realtimeThreads = defaultRealtimeThreads();
    // LAN discovery (docs/protocol.md, "LAN discovery"): answered on the listen address's network.
    bool discovery = true;
    quint16 discoveryPort = 7081;
    QString name; // default: the host name
    // Sessions
    int sessionTtlDays = 30;
    // Registrations allowed from one address per hour (0: no limit; benchmarks register
    // thousands of users from one address).
    int registrationsPerHour = 30;
    // /metrics: on the main port, answered to loopback peers only, unless metricsListen names a
    // listener of its own (then only there, to whoever reaches it); with metricsToken, every
    // scrape must carry "Authorization: Bearer <token>", wherever it is served.
    QHostAddress metricsAddress; // null: no listener of its own
    quint16 metricsPort = 0;
    QString metricsToken;
    // argon2id cost: "interactive" (libsodium's interactive limits) or "minimal" (tests and
    // benchmarks only: registering thousands of users would otherwise take minutes).
    QString passwordCost = QStringLiteral("interactive");
    // OTLP/HTTP JSON traces (docs/operations.md, "Tracing"): spans for HTTP requests, WebSocket
    // sends (accept, commit, fan-out) and storage commits go to this URL; empty: none.
    QUrl otlpEndpoint;
    // Files (docs/operations.md, "Files"): the largest upload, and quotas in MB (0: automatic,
    // all files at most what they use plus half the disk's free space, a user a tenth of that).
    int maxUploadMb = 100;
    int userQuotaMb = 0;
    int filesQuotaMb = 0;

    // Parses `arguments` (argv, program name first). On --help/--version the parser exits.
    static Result<ServerConfig> load(const QStringList &arguments,
                                     const QProcessEnvironment &env
                                     = QProcessEnvironment::systemEnvironment());
    static QString defaultDataDir();
    static int defaultRealtimeThreads();
};

// Applies --log-level to QLoggingCategory rules for the confab.* categories.
void applyLogLevel(const QString &level);

} // namespace confab::server
