// ConfabServer: owns and wires the server's parts (guard, HTTP front end, metrics; storage,
// services and the realtime hub as they land) and runs their start-up and shutdown in order.
#pragma once

#include "httpmessage.h"
#include "metrics.h"
#include "result.h"
#include "servercontext.h"

#include <QObject>

#include <memory>

#include "eventcache.h"

namespace confab::otlp {
class SpanExporter;
}

namespace confab::server {

class ConnectionGuard;
class AccountService;
class AdminService;
class AdminSocket;
class DiscoveryResponder;
class Database;
class EventBus;
class ClusterBus;
class SharedCache;
class FileService;
class HttpFrontend;
class MessageService;
class RealtimeHub;
class RoomService;
class SearchIndexer;
class TlsContext;
class UserService;

class ConfabServer : public QObject
{
    Q_OBJECT
public:
    // `clock` is injectable for tests (ms since the epoch).
    explicit ConfabServer(ServerConfig config, Clock clock = systemNowMs,
                          QObject *parent = nullptr);
    ~ConfabServer() override;

    // Opens storage (openStorage() unless done), then binds the listener and the admin socket;
    // returns the bound port (useful with port 0).
    Result<quint16> start();
    // Storage alone: the data directory's lock, migrations, the search index catching up. What
    // confab-admin needs to work offline on a stopped server's data (admin()).
    Result<bool> openStorage();
    // Graceful stop: refuse new connections, close open ones with "going away".
    void stop();

    quint16 port() const { return m_port; }
    bool tls() const { return bool(m_tls); }
    // SHA-256 of the certificate served (docs/security.md); empty without TLS.
    QString fingerprint() const;
    QByteArray certificatePem() const;
    // Reads --tls-cert/--tls-key (or the self-signed pair) again; new connections get the new
    // certificate, open ones keep theirs. Returns the new fingerprint.
    Result<QString> reloadTls();
    // The TLS context for a config (made or loaded as it says); for --print-fingerprint too.
    static Result<std::shared_ptr<TlsContext>> loadTls(const ServerConfig &config,
                                                        const TlsContext *previous = nullptr,
                                                        bool *created = nullptr);
    quint16 metricsPort() const; // the --metrics-listen listener's port, 0 without one
    quint16 discoveryPort() const; // 0 when discovery is off or could not bind
    const ServerConfig &config() const { return m_config; }
    Metrics &metrics() { return m_metrics; }
    Database &database() { return *m_database; }
    EventCache &cache() { return m_cache; }
    UserService &users() { return *m_users; }
    AccountService &accounts() { return *m_accounts; }
    AdminService &admin() { return *m_admin; }
    QString adminSocketPath() const; // empty when it could not listen
    // While the server has no account and registration is not open: the code that creates the
    // first (admin) account (made at start, printed by main). Empty otherwise.
    QString setupCode() const { return m_setupCode; }
    RealtimeHub &hub() { return *m_hub; }
    HttpFrontend &http() { return *m_http; }
    FileService &files() { return *m_files; }

private:
    // /metrics: the token when one is set; else loopback peers only when `loopbackOnly`.
    void serveMetrics(const HttpRequest &req, const HttpResponder &res, bool loopbackOnly);
    void registerHealthRoutes();

    ServerConfig m_config;
    Metrics m_metrics;
    Database *m_database = nullptr;
    SearchIndexer *m_search = nullptr;
    EventCache m_cache;
    ServerContext m_ctx;
    EventBus *m_bus = nullptr;
    ClusterBus *m_cluster = nullptr; // multi-node mode: m_bus
    std::unique_ptr<SharedCache> m_sharedCache; // multi-node mode: the tier behind m_cache
    UserService *m_users = nullptr;
    AccountService *m_accounts = nullptr;
    QString m_setupCode;
    AdminService *m_admin = nullptr;
    AdminSocket *m_adminSocket = nullptr;
    bool m_storageOpen = false;
    qint64 m_startedAtMs = 0;
    RoomService *m_rooms = nullptr;
    MessageService *m_messages = nullptr;
    FileService *m_files = nullptr;
    RealtimeHub *m_hub = nullptr;
    ConnectionGuard *m_guard = nullptr;
    HttpFrontend *m_http = nullptr;
    DiscoveryResponder *m_discovery = nullptr;
    ConnectionGuard *m_metricsGuard = nullptr; // --metrics-listen
    HttpFrontend *m_metricsHttp = nullptr;
    quint16 m_port = 0;
    std::shared_ptr<TlsContext> m_tls;
    otlp::SpanExporter *m_tracer = nullptr; // --otlp-endpoint
};

} // namespace confab::server
