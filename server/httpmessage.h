// HttpRequest (a copy of what a handler needs, safe to keep across async work) and
// HttpResponder (a write-once handle on the connection, safe when the peer is already gone).
#pragma once

#include "otlp/tracecontext.h"

#include "errors.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QTcpSocket;

namespace confab::server {

struct HttpRequest
{
    QByteArray method; // "GET", "POST", ...
    QString path; // decoded path, no query
    QByteArray rawPath; // the path as sent (percent-encoded), for the router
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QHostAddress peer;
    QHash<QString, QString> params; // route parameters: {id} → "42"
    QString route; // the matched route pattern, for metrics and logs
    bool keepAlive = false; // the client may send another request on this connection
    // The request's server span when tracing (--otlp-endpoint): handlers hang theirs below it.
    otlp::TraceContext trace;
    // Set by the guard when the connection is kept: called once the answer is written, it
    // starts reading the next request. Empty: the connection closes after the answer.
    std::function<void()> reuse;

    QByteArray header(QByteArrayView name) const; // case-insensitive, first match
    QString bearerToken() const; // empty when absent or malformed
    QString traceparent() const; // W3C traceparent, empty when absent/invalid
    // A route parameter that must be a positive id written canonically (parseCanonicalInteger:
    // "01", "+1", " 1", "1%00x" are not ids); 0 when not.
    qint64 idParam(const QString &name) const;
};

class HttpResponder
{
public:
    using FinishedFn = std::function<void(int status)>;

    HttpResponder() = default;
    // `reuse` (HttpRequest::reuse): keep the connection after the answer, then call it.
    HttpResponder(QTcpSocket *socket, FinishedFn onFinished, std::function<void()> reuse = {});

    void sendJson(int status, const QJsonObject &body) const;
    void sendJson(int status, const QJsonArray &body) const;
    void sendError(const Error &error) const;
    void send(int status, const QByteArray &contentType, const QByteArray &body,
              const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {}) const;

    // Streaming (SSE): headers now, chunks later, the connection closes when done.
    bool beginStream(int status, const QByteArray &contentType,
                     const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {}) const;
    bool writeChunk(const QByteArray &bytes) const;
    void endStream() const;

    bool isConnected() const;
    bool isDone() const { return m_state && m_state->done; }
    QTcpSocket *socket() const;
    qint64 pendingBytes() const; // bytes written but not yet sent

private:
    struct State
    {
        QPointer<QTcpSocket> socket;
        FinishedFn onFinished;
        std::function<void()> reuse;
        bool done = false;
        bool streaming = false;
    };
    void writeHead(int status, const QByteArray &contentType, qint64 contentLength,
                   const QList<QPair<QByteArray, QByteArray>> &extraHeaders) const;
    void finish(int status) const;
    std::shared_ptr<State> m_state;
};

QByteArray statusReason(int status);

} // namespace confab::server
