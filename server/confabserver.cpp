#include "confabserver.h"

#include "roomstore.h"
#include "search/searchindexer.h"

#include "accounts/accountservice.h"
#include "apiroutes.h"
#include "cluster/clusterbus.h"
#include "cluster/sharedcache.h"
#include "cluster/redislink.h"
#include "admin/adminservice.h"
#include "admin/adminsocket.h"
#include "connectionguard.h"
#include "otlp/spanexporter.h"
#include "database.h"
#include "discoveryresponder.h"
#include "eventbus.h"
#include "files/fileservice.h"
#include "httpfrontend.h"
#include "jsonreader.h"
#include "messageservice.h"
#include "protocollimits.h"
#include "realtimehub.h"
#include "roomservice.h"
#include "tls/tlscontext.h"
#include "userservice.h"

#include <QDir>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSysInfo>

#include <sodium.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServer, "confab.server", QtInfoMsg)

namespace confab::server {

ConfabServer::ConfabServer(ServerConfig config, Clock clock, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_cache(&m_metrics)
{
    ConnectionGuard::Limits limits;
    limits.headerBytes = limits::HttpHeaderBytesMax;
    limits.bodyBytes = limits::HttpBodyBytesMax;
    limits.requestTimeout = std::chrono::milliseconds(m_config.requestTimeoutMs);
    limits.maxConnectionsPerAddress = m_config.maxConnectionsPerAddress;
    limits.keepAliveTimeout = std::chrono::milliseconds(m_config.keepAliveTimeoutMs);
    // File uploads and downloads skip the body limit: their bytes stream to and from disk.
    limits.streamed = &FileService::isStreamed;
    limits.streamBodyBytes = qint64(m_config.maxUploadMb) * 1024 * 1024;
    m_database = new Database(&m_metrics, this);
    if (!m_config.otlpEndpoint.isEmpty()) {
        // Tracing (docs/operations.md): batched, bounded, off the hot path; drops are counted.
        m_metrics.defineCounter(u"confab_trace_spans_dropped_total"_s,
                                u"Spans not exported: the queue was full or the collector failed"_s);
        m_tracer = new otlp::SpanExporter({ m_config.otlpEndpoint, u"confab-server"_s,
                                            QStringLiteral(CONFAB_VERSION) },
                                          this);
        m_tracer->setOnDropped([metrics = &m_metrics](quint64 n) {
            metrics->inc(u"confab_trace_spans_dropped_total"_s, {}, double(n));
        });
        m_database->setTracer(m_tracer);
    }
    m_guard = new ConnectionGuard(limits, &m_metrics, this);
    m_http = new HttpFrontend(&m_metrics, this);
    m_search = new SearchIndexer(m_database, this);
    m_ctx = ServerContext { m_database, &m_metrics, &m_cache, m_config, std::move(clock),
                            m_search, m_tracer };
    if (!m_config.redisHost.isEmpty()) {
        // Multi-node mode (docs/scale.md): live events between nodes through Redis, on two
        // links (a subscribed connection sends no commands); the publisher's (its breaker
        // guards every command) is the one in /metrics.
        RedisLink::Options redis;
        redis.host = m_config.redisHost;
        redis.port = m_config.redisPort;
        auto *publisher = new RedisLink(redis, &m_metrics, this);
        auto *subscriber = new RedisLink(redis, nullptr, this);
        ClusterBus::Options cluster;
        cluster.nodeId = m_config.nodeId.isEmpty()
            ? QSysInfo::machineHostName() + u'-'
                + QString::number(QRandomGenerator::system()->generate() % 1000000)
            : m_config.nodeId;
        m_cluster = new ClusterBus(cluster, publisher, subscriber, m_database, &m_metrics, this);
        // The cluster's recent events in Redis, behind this node's own cache.
        SharedCache::Options shared;
        shared.host = redis.host;
        shared.port = redis.port;
        m_sharedCache = std::make_unique<SharedCache>(shared, publisher, &m_metrics);
        m_cluster->setSharedCache(m_sharedCache.get());
        m_cache.setShared(m_sharedCache.get());
        m_cache.setRoomsWrittenElsewhere(true);
        m_bus = m_cluster;
    } else {
        m_bus = new LocalEventBus(this);
    }
    // The cache learns of each event before the hub delivers it.
    connect(m_bus, &EventBus::published, this,
            [this](const QList<RoomEvent> &events) { m_cache.apply(events); });
    m_users
        = new UserService(m_ctx,
                          m_config.passwordCost == u"minimal" ? PasswordHasher::Cost::Minimal
                                                              : PasswordHasher::Cost::Interactive,
                          this);
    m_accounts = new AccountService(m_ctx, m_users, this);
    m_rooms = new RoomService(m_ctx, m_bus, this);
    m_admin = new AdminService(m_ctx, m_users, m_accounts, m_rooms, this);
    m_messages = new MessageService(m_ctx, m_bus, this);
    m_hub = new RealtimeHub(m_ctx, m_users, m_messages, m_bus, this);
    m_files = new FileService(m_ctx, m_users, this);
    connect(m_guard, &ConnectionGuard::streamRequested, m_files, &FileService::onStream);
    m_files->registerRoutes(m_http->router());
    connect(m_guard, &ConnectionGuard::webSocketRequested, m_hub, &RealtimeHub::acceptSocket);
    connect(m_guard, &ConnectionGuard::requestReceived, m_http, &HttpFrontend::handle);
    m_http->setTracer(m_tracer);
    registerHealthRoutes();
    registerApiRoutes(m_http->router(), m_users, m_rooms, m_messages,
                      [hub = m_hub](qint64 userId) { return hub->presenceOf(userId); });
    registerAccountRoutes(m_http->router(), m_users, m_accounts);
    m_http->router().add(
        "GET", u"/api/v1/events"_s, [this](HttpRequest &req, const HttpResponder &res) {
            const auto session = m_users->authenticate(req.bearerToken(), req.peer);
            if (!session)
                return res.sendError(session.error());
            std::optional<qint64> last;
            const QByteArray header = req.header("last-event-id");
            const QString value = header.isEmpty() ? req.query.queryItemValue(u"lastEventId"_s)
                                                   : QString::fromLatin1(header);
            if (!value.isEmpty()) {
                const auto id = parseCanonicalInteger(value, 0, limits::MaxSafeInteger);
                if (!id)
                    return res.sendError(makeError(ErrorCode::InvalidValue,
                                                   u"Last-Event-ID must be an event id"_s,
                                                   u"Last-Event-ID"_s));
                last = *id;
            }
            m_hub->acceptSse(session->userId, session->tokenHash, res, last);
        });
}

ConfabServer::~ConfabServer()
{
    // Sockets first, storage last: a socket closing on its way out may still call into the hub
    // (an SSE stream's end broadcasts presence, which reads rooms from the database).
    delete m_adminSocket;
    delete m_discovery;
    delete m_guard;
    delete m_metricsGuard;
    delete m_http;
    delete m_hub;
    delete m_files;
    delete m_messages;
    delete m_rooms;
    delete m_admin;
    delete m_accounts;
    delete m_users;
    delete m_bus;
    delete m_database;
    delete m_tracer;
}

void ConfabServer::registerHealthRoutes()
{
    auto &r = m_http->router();
    r.add("GET", u"/healthz"_s, [](HttpRequest &, const HttpResponder &res) {
        res.sendJson(200,
                     QJsonObject { { u"status"_s, u"ok"_s },
                                   { u"version"_s, QStringLiteral(CONFAB_VERSION) },
                                   { u"protocol"_s, limits::ProtocolVersion } });
    });
    r.add("GET", u"/readyz"_s, [this](HttpRequest &, const HttpResponder &res) {
        if (!m_guard->isListening())
            return res.sendError(makeError(ErrorCode::Unavailable, u"not accepting connections"_s));
        if (!m_database->isWritable())
            return res.sendError(makeError(ErrorCode::Unavailable, u"storage is not writable"_s));
        res.sendJson(200, QJsonObject { { u"status"_s, u"ready"_s } });
    });
    if (m_config.metricsAddress.isNull())
        r.add("GET", u"/metrics"_s, [this](HttpRequest &req, const HttpResponder &res) {
            serveMetrics(req, res, true);
        });
}

void ConfabServer::serveMetrics(const HttpRequest &req, const HttpResponder &res,
                                bool loopbackOnly)
{
    if (!m_config.metricsToken.isEmpty()) {
        const QByteArray given = req.bearerToken().toLatin1();
        const QByteArray expected = m_config.metricsToken.toLatin1();
        if (given.size() != expected.size()
            || sodium_memcmp(given.constData(), expected.constData(), size_t(given.size())) != 0)
            return res.sendError(
                makeError(ErrorCode::Unauthorized, u"/metrics needs the metrics token"_s));
    } else if (loopbackOnly && !req.peer.isLoopback()) {
        return res.sendError(makeError(ErrorCode::Forbidden,
                                       u"/metrics is served to this machine only; see"
                                       u" --metrics-listen and --metrics-token"_s));
    }
    res.send(200, "text/plain; version=0.0.4; charset=utf-8", m_metrics.render());
}

quint16 ConfabServer::metricsPort() const
{
    return m_metricsGuard ? m_metricsGuard->serverPort() : 0;
}

Result<std::shared_ptr<TlsContext>> ConfabServer::loadTls(const ServerConfig &config,
                                                          const TlsContext *previous,
                                                          bool *created)
{
    QString cert = config.tlsCert;
    QString key = config.tlsKey;
    if (cert.isEmpty()) {
        const auto files = TlsContext::selfSignedIn(config.dataDir,
                                                    TlsContext::dnsNamesFor(config.listen),
                                                    TlsContext::addressesFor(config.listen));
        if (!files)
            return files.error();
        cert = files->certPath;
        key = files->keyPath;
        if (created)
            *created = files->created;
    }
    return TlsContext::fromFiles(cert, key, previous);
}

QString ConfabServer::fingerprint() const
{
    return m_tls ? m_tls->fingerprint() : QString();
}

QByteArray ConfabServer::certificatePem() const
{
    return m_tls ? m_tls->certificatePem() : QByteArray();
}

Result<QString> ConfabServer::reloadTls()
{
    if (!m_tls)
        return makeError(ErrorCode::InvalidValue, u"TLS is off"_s);
    auto tls = loadTls(m_config, m_tls.get());
    if (!tls)
        return tls.error(); // the old certificate stays in use
    m_tls = tls.value();
    m_guard->setTls(m_tls);
    if (m_metricsGuard)
        m_metricsGuard->setTls(m_tls);
    if (m_discovery)
        m_discovery->setFingerprint(m_tls->fingerprint());
    qCInfo(lcServer).noquote() << "TLS certificate reloaded, SHA-256" << m_tls->fingerprint();
    return m_tls->fingerprint();
}

Result<bool> ConfabServer::openStorage()
{
    if (m_storageOpen)
        return true;
    m_database->setCommitHooks({ roomstore::applySenderReads, roomstore::dropSenderReads });
    if (auto opened = m_database->open(m_config.dataDir, m_config.database); !opened)
        return opened.error();
    m_search->start(); // what a crash left unindexed
    if (m_cluster)
        m_cluster->start();
    m_storageOpen = true;
    return true;
}

QString ConfabServer::adminSocketPath() const
{
    return m_adminSocket ? m_adminSocket->path() : QString();
}

Result<quint16> ConfabServer::start()
{
    if (auto opened = openStorage(); !opened)
        return opened.error();
    m_startedAtMs = m_ctx.now();
    if (auto code = m_accounts->setupCodeIfNeeded(); !code)
        return code.error();
    else
        m_setupCode = code.value();
    if (m_config.tls) {
        bool created = false;
        auto tls = loadTls(m_config, nullptr, &created);
        if (!tls)
            return tls.error();
        m_tls = tls.value();
        m_guard->setTls(m_tls);
        if (created)
            qCInfo(lcServer).noquote() << "made a self-signed TLS certificate in"
                                       << m_config.dataDir + u"/tls"_s;
    } else if (!m_config.listen.isLoopback()) {
        qCWarning(lcServer).noquote()
            << "TLS is off on" << m_config.listen.toString()
            << ": passwords, tokens and messages cross the network in clear text. Use --tls off"
               " only behind a TLS-terminating proxy.";
    }
    // Qt's default backlog is 50: a thousand clients reconnecting at once (a Wi-Fi blip, a
    // server restart) would see SYN retries of a second or more.
    m_guard->setListenBacklogSize(4096);
    if (!m_guard->listen(m_config.listen, m_config.port)) {
        return makeError(ErrorCode::Unavailable,
                         u"cannot listen on %1:%2: %3"_s.arg(m_config.listen.toString())
                             .arg(m_config.port)
                             .arg(m_guard->errorString()));
    }
    m_port = m_guard->serverPort();
    m_files->start();
    if (!m_config.metricsAddress.isNull()) {
        // Its own guard (same limits, not counted in the main listener's metrics) and router.
        ConnectionGuard::Limits limits;
        limits.requestTimeout = std::chrono::milliseconds(m_config.requestTimeoutMs);
        limits.maxConnectionsPerAddress = m_config.maxConnectionsPerAddress;
        m_metricsGuard = new ConnectionGuard(limits, nullptr, this);
        m_metricsGuard->setTls(m_tls); // the token and the numbers are not for the LAN to read
        m_metricsHttp = new HttpFrontend(&m_metrics, this);
        m_metricsHttp->router().add("GET", u"/metrics"_s,
                                    [this](HttpRequest &req, const HttpResponder &res) {
                                        serveMetrics(req, res, false);
                                    });
        connect(m_metricsGuard, &ConnectionGuard::requestReceived, m_metricsHttp,
                &HttpFrontend::handle);
        if (!m_metricsGuard->listen(m_config.metricsAddress, m_config.metricsPort)) {
            m_guard->close();
            return makeError(ErrorCode::Unavailable,
                             u"cannot listen for metrics on %1:%2: %3"_s
                                 .arg(m_config.metricsAddress.toString())
                                 .arg(m_config.metricsPort)
                                 .arg(m_metricsGuard->errorString()));
        }
    }
    if (m_config.discovery) {
        discovery::Announcement a { m_config.name.isEmpty() ? QSysInfo::machineHostName()
                                                            : m_config.name,
                                    m_port, QStringLiteral(CONFAB_VERSION),
                                    limits::ProtocolVersion, bool(m_tls), fingerprint(),
                                    m_cluster ? m_database->epoch() : QString() };
        m_discovery = new DiscoveryResponder(a, &m_metrics, this);
        // A server on loopback answers this machine only; any other listener the whole LAN
        // (broadcasts reach only sockets bound to the wildcard address).
        const QHostAddress where = m_config.listen.isLoopback() ? m_config.listen
            : m_config.listen.protocol() == QAbstractSocket::IPv6Protocol
            ? QHostAddress(QHostAddress::AnyIPv6)
            : QHostAddress(QHostAddress::AnyIPv4);
        if (auto bound = m_discovery->start(where, m_config.discoveryPort); !bound)
            qCWarning(lcServer).noquote() << bound.error().message << "(discovery off)";
    }
    // confab-admin's way in (docs/operations.md); without it confab-admin works offline only.
    m_admin->setLiveStats([this] {
        return QJsonObject {
            { u"version"_s, QStringLiteral(CONFAB_VERSION) },
            { u"uptimeSeconds"_s, (m_ctx.now() - m_startedAtMs) / 1000 },
            { u"webSocketConnections"_s, m_metrics.gaugeValue(u"confab_ws_connections"_s) },
            { u"sseStreams"_s, m_metrics.gaugeValue(u"confab_sse_streams"_s) },
            { u"usersOnline"_s, m_metrics.gaugeValue(u"confab_users_online"_s) },
            { u"tlsFingerprint"_s, fingerprint() },
        };
    });
    m_adminSocket = new AdminSocket(m_admin, this);
    if (auto listening = m_adminSocket->listen(QDir(m_config.dataDir).filePath(u"admin.sock"_s));
        !listening) {
        qCWarning(lcServer).noquote() << listening.error().message
                                      << "(confab-admin works on a stopped server only)";
        delete m_adminSocket;
        m_adminSocket = nullptr;
    }
    qCDebug(lcServer).noquote() << "listening on"
                                << m_config.listen.toString() + u':' + QString::number(m_port);
    return m_port;
}

quint16 ConfabServer::discoveryPort() const
{
    return m_discovery ? m_discovery->port() : 0;
}

void ConfabServer::stop()
{
    if (m_adminSocket)
        m_adminSocket->close();
    m_guard->stopAccepting();
    if (m_metricsGuard)
        m_metricsGuard->stopAccepting();
    m_files->stop(); // transfers in progress are cut (an upload resumes from what is on disk)
    m_database->flush(); // every accepted write is committed and answered before we exit
    m_hub->closeAll(); // "going away"
    if (m_tracer)
        m_tracer->flush(1000); // the last spans, if the collector answers quickly
}

} // namespace confab::server
