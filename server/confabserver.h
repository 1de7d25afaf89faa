// ConfabServer: owns and wires the server's parts (guard, HTTP front end, metrics; storage,
// services and the realtime hub as they land) and runs their start-up and shutdown in order.
#pragma once

#include "metrics.h"
#include "result.h"
#include "serverconfig.h"

#include <QObject>

#include <memory>

class QWebSocketServer;

namespace confab::server {

class ConnectionGuard;
class Database;
class HttpFrontend;

class ConfabServer : public QObject
{
    Q_OBJECT
public:
    explicit ConfabServer(ServerConfig config, QObject *parent = nullptr);
    ~ConfabServer() override;

    // Opens storage, then binds the listener; returns the bound port (useful with port 0).
    Result<quint16> start();
    // Graceful stop: refuse new connections, close open ones with "going away".
    void stop();

    quint16 port() const { return m_port; }
    const ServerConfig &config() const { return m_config; }
    Metrics &metrics() { return m_metrics; }
    Database &database() { return *m_database; }

private:
    void registerHealthRoutes();

    ServerConfig m_config;
    Metrics m_metrics;
    Database *m_database = nullptr;
    ConnectionGuard *m_guard = nullptr;
    HttpFrontend *m_http = nullptr;
    QWebSocketServer *m_webSockets = nullptr;
    quint16 m_port = 0;
};

} // namespace confab::server
