#include "testsupport.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace confab::test {

QJsonObject HttpResult::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString HttpResult::errorCode() const
{
    return json().value(u"error"_s).toObject().value(u"code"_s).toString();
}

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

TestServer::TestServer(const std::function<void(server::ServerConfig &)> &tweak)
{
    server::ServerConfig cfg;
    cfg.listen = QHostAddress::LocalHost;
    cfg.port = 0;
    cfg.dataDir = m_dir.path();
    cfg.passwordCost = QStringLiteral("minimal"); // argon2id at minimum cost: tests register many users
    if (tweak)
        tweak(cfg);
    m_server = std::make_unique<server::ConfabServer>(cfg);
    const auto started = m_server->start();
    m_ok = started.ok();
    if (!m_ok)
        qWarning("server failed to start: %s", qPrintable(started.error().message));
}

TestServer::~TestServer() = default;

QUrl TestServer::url(const QString &path) const
{
    return QUrl(u"http://127.0.0.1:%1%2"_s.arg(port()).arg(path));
}

HttpResult TestServer::request(const QByteArray &method, const QString &path,
                               const QByteArray &body, const QString &token,
                               const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest req(url(path));
    req.setTransferTimeout(10000);
    if (!body.isEmpty() || method == "POST" || method == "PATCH")
        req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    for (const auto &[k, v] : headers)
        req.setRawHeader(k, v);
    QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.headers = reply->rawHeaderPairs();
    reply->deleteLater();
    return r;
}

HttpResult TestServer::post(const QString &path, const QJsonObject &body, const QString &token)
{
    return request("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), token);
}

QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    socket.write(bytes);
    QByteArray received;
    QEventLoop loop;
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop,
                     [&] { received += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (socket.state() == QAbstractSocket::ConnectedState)
        loop.exec();
    received += socket.readAll();
    return received;
}

int rawStatus(const QByteArray &response)
{
    if (!response.startsWith("HTTP/1.1 "))
        return 0;
    return response.mid(9, 3).toInt();
}

} // namespace confab::test
