#include "httpmessage.h"

#include "jsonreader.h"
#include "protocollimits.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace confab::server {

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QString HttpRequest::bearerToken() const
{
    const QByteArray auth = header("authorization").trimmed();
    if (auth.size() < 8
        || QByteArrayView(auth).first(7).compare("Bearer ", Qt::CaseInsensitive) != 0)
        return {};
    const QByteArray token = auth.mid(7).trimmed();
    if (token.isEmpty() || token.size() > 128)
        return {};
    return QString::fromLatin1(token);
}

QString HttpRequest::traceparent() const
{
    static const QRegularExpression re(u"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"_s);
    const QString tp = QString::fromLatin1(header("traceparent").trimmed());
    return re.match(tp).hasMatch() ? tp : QString();
}

qint64 HttpRequest::idParam(const QString &name) const
{
    return parseCanonicalInteger(params.value(name), 1, limits::MaxSafeInteger).value_or(0);
}

QByteArray statusReason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 416:
        return "Range Not Satisfiable";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 206:
        return "Partial Content";
    case 304:
        return "Not Modified";
    case 507:
        return "Insufficient Storage";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

HttpResponder::HttpResponder(QTcpSocket *socket, FinishedFn onFinished,
                             std::function<void()> reuse)
    : m_state(std::make_shared<State>())
{
    m_state->socket = socket;
    m_state->onFinished = std::move(onFinished);
    m_state->reuse = std::move(reuse);
}

bool HttpResponder::isConnected() const
{
    return m_state && m_state->socket
        && m_state->socket->state() == QAbstractSocket::ConnectedState;
}

QTcpSocket *HttpResponder::socket() const
{
    return m_state ? m_state->socket.data() : nullptr;
}

qint64 HttpResponder::pendingBytes() const
{
    return isConnected() ? m_state->socket->bytesToWrite() : 0;
}

void HttpResponder::writeHead(int status, const QByteArray &contentType, qint64 contentLength,
                              const QList<QPair<QByteArray, QByteArray>> &extraHeaders) const
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusReason(status)
        + "\r\nContent-Type: " + contentType;
    if (contentLength >= 0)
        head += "\r\nContent-Length: " + QByteArray::number(contentLength);
    for (const auto &[k, v] : extraHeaders)
        head += "\r\n" + k + ": " + v;
    // A kept connection goes back to the guard, which checks the next request as it checked
    // the first; a stream (SSE) ends with its connection.
    head += m_state->reuse && contentLength >= 0 ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    m_state->socket->write(head);
}

void HttpResponder::finish(int status) const
{
    m_state->done = true;
    if (m_state->onFinished)
        m_state->onFinished(status);
    if (!isConnected())
        return;
    if (m_state->reuse && !m_state->streaming)
        m_state->reuse(); // the guard reads the next request
    else
        m_state->socket->disconnectFromHost(); // flushes, then closes
}

void HttpResponder::send(int status, const QByteArray &contentType, const QByteArray &body,
                         const QList<QPair<QByteArray, QByteArray>> &extraHeaders) const
{
    if (!m_state || m_state->done)
        return;
    if (isConnected()) {
        writeHead(status, contentType, body.size(), extraHeaders);
        m_state->socket->write(body);
    }
    finish(status);
}

void HttpResponder::sendJson(int status, const QJsonObject &body) const
{
    send(status, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void HttpResponder::sendJson(int status, const QJsonArray &body) const
{
    send(status, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void HttpResponder::sendError(const Error &error) const
{
    QList<QPair<QByteArray, QByteArray>> extra;
    if (error.code == ErrorCode::Unauthorized || error.code == ErrorCode::InvalidCredentials)
        extra.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
    if (error.retryAfterSeconds > 0)
        extra.append(
            qMakePair(QByteArray("Retry-After"), QByteArray::number(error.retryAfterSeconds)));
    send(httpStatusFor(error.code), "application/json",
         QJsonDocument(error.toBody()).toJson(QJsonDocument::Compact), extra);
}

bool HttpResponder::beginStream(int status, const QByteArray &contentType,
                                const QList<QPair<QByteArray, QByteArray>> &extraHeaders) const
{
    if (!m_state || m_state->done || m_state->streaming || !isConnected())
        return false;
    m_state->streaming = true;
    writeHead(status, contentType, -1, extraHeaders);
    // A stream is the connection's last answer: whatever the peer sends from now on is read
    // and dropped, never parsed or kept.
    QTcpSocket *socket = m_state->socket;
    QObject::connect(socket, &QTcpSocket::readyRead, socket,
                     [socket] { socket->skip(socket->bytesAvailable()); });
    socket->skip(socket->bytesAvailable());
    return true;
}

bool HttpResponder::writeChunk(const QByteArray &bytes) const
{
    if (!m_state || !m_state->streaming || m_state->done || !isConnected())
        return false;
    m_state->socket->write(bytes);
    return true;
}

void HttpResponder::endStream() const
{
    if (m_state && m_state->streaming && !m_state->done)
        finish(200);
}

} // namespace confab::server
