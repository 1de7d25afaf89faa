// Helpers shared by the server tests: a real ConfabServer on 127.0.0.1 port 0 with a temporary
// data directory, and blocking HTTP helpers (they spin the event loop, the server keeps running).
#pragma once

#include "confabserver.h"

#include <QByteArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

namespace confab::test {

struct HttpResult
{
    int status = 0; // 0: no HTTP answer (connection failed)
    QByteArray body;
    QJsonObject json() const;
    QString errorCode() const; // json()["error"]["code"]
    QByteArray header(const QByteArray &name) const;
    QList<QPair<QByteArray, QByteArray>> headers;
};

class TestServer
{
public:
    // Starts a server; `tweak` may adjust the config before start.
    explicit TestServer(const std::function<void(server::ServerConfig &)> &tweak = {});
    ~TestServer();

    bool ok() const { return m_ok; }
    quint16 port() const { return m_server->port(); }
    QUrl url(const QString &path) const;
    server::ConfabServer &server() { return *m_server; }
    QString dataDir() const { return m_dir.path(); }

    HttpResult request(const QByteArray &method, const QString &path, const QByteArray &body = {},
                       const QString &token = {},
                       const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpResult get(const QString &path, const QString &token = {})
    {
        return request("GET", path, {}, token);
    }
    HttpResult post(const QString &path, const QJsonObject &body, const QString &token = {});

private:
    QTemporaryDir m_dir;
    std::unique_ptr<server::ConfabServer> m_server;
    QNetworkAccessManager m_nam;
    bool m_ok = false;
};

// Sends raw bytes to 127.0.0.1:port and returns everything the server sends back until it
// closes the connection or `timeoutMs` passes.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 5000);
// Parses the status code from a raw HTTP response ("HTTP/1.1 413 ..."), 0 if none.
int rawStatus(const QByteArray &response);

} // namespace confab::test
