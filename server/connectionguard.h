// ConnectionGuard: the server's front door, and its only HTTP parser (httprequestparser.h).
// Every accepted socket stays here until its request has arrived complete and within limits:
//
//  - TCP_NODELAY on every accepted socket (Nagle + delayed ACK costs 20-40 ms per fan-out);
//  - at most maxConnectionsPerAddress open sockets per peer address (503 beyond), counted by a
//    ticket the socket owns: its slot comes back when the socket is destroyed, whoever owns it
//    by then (HTTP, SSE, a WebSocket worker) and however it closed;
//  - request line + headers at most headerBytes (431), Content-Length at most bodyBytes (413,
//    answered from the headers alone; the rest of the body is discarded, never buffered);
//    chunked bodies are refused (411: send Content-Length); malformed heads are 400;
//  - the request must arrive whole within requestTimeout (408): slow trickling is cut;
//  - with TLS (setTls) the handshake is part of the request's time: a peer that opens TCP and
//    never finishes it is cut at the deadline; a peer speaking plain HTTP to the TLS port gets
//    a plain-text 400 saying so, and nothing it sent is parsed;
//  - keep-alive: after an answer, the next request on the connection is read and checked
//    exactly like the first (pipelined requests are answered in order, one at a time: the next
//    is not read before the last is answered, and TCP pushes back meanwhile); a connection
//    quiet for keepAliveTimeout is closed, as is one that asked for "Connection: close", spoke
//    HTTP/1.0, or has had maxRequestsPerConnection requests;
//
// A valid WebSocket upgrade on the WebSocket path is handed out through webSocketRequested();
// a streamed request (file uploads and downloads: Limits::streamed) through streamRequested()
// as soon as its head is in and valid, its body (up to streamBodyBytes) unread in the socket;
// any other valid request through requestReceived(), with the socket to answer on.
#pragma once

#include "errors.h"
#include "httpmessage.h"

#include <QHash>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>

#include <chrono>
#include <functional>
#include <memory>


namespace confab::server {

class Metrics;
class TlsContext;

class ConnectionGuard : public QTcpServer
{
    Q_OBJECT
public:
    struct Limits
    {
        qint64 headerBytes = 16 * 1024;
        qint64 bodyBytes = 64 * 1024;
        std::chrono::milliseconds requestTimeout { 10000 };
        int maxConnectionsPerAddress = 512;
        QByteArray webSocketPath = "/api/v1/ws";
        std::chrono::milliseconds keepAliveTimeout { 30000 }; // 0: one request per connection
        int maxRequestsPerConnection = 1000;
        // Requests handed over after their head (HttpLimits::streamed): the connection's last.
        std::function<bool(QByteArrayView method, QByteArrayView rawPath)> streamed;
        qint64 streamBodyBytes = 0;
    };

    ConnectionGuard(Limits limits, Metrics *metrics, QObject *parent = nullptr);

    class AddressSlots; // open connections per address, counted from any thread

    int openConnections() const;
    // TLS for connections accepted from now on (nullptr: plain). Existing ones keep theirs.
    void setTls(std::shared_ptr<TlsContext> tls) { m_tls = std::move(tls); }
    std::shared_ptr<TlsContext> tls() const { return m_tls; }
    // Stop accepting new connections (shutdown); open ones are left to their owners.
    void stopAccepting();

    // Writes a complete JSON error response and closes the connection gracefully: the reply is
    // flushed, further input is discarded, the socket is closed when the peer has read it.
    static void rejectWithError(QTcpSocket *socket, const Error &error,
                                const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
    // The same for any complete response (status line to body, "Connection: close" included):
    // written, flushed, the rest of the input discarded, closed when the peer has read it.
    static void answerAndClose(QTcpSocket *socket, const QByteArray &response);

signals:
    void webSocketRequested(QTcpSocket *socket);
    void requestReceived(QTcpSocket *socket, const confab::server::HttpRequest &request);
    // The receiver owns the socket from here (reject it with rejectWithError, or stream).
    void streamRequested(QTcpSocket *socket, const confab::server::HttpRequest &request,
                         qint64 contentLength);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void inspect(QTcpSocket *socket);
    void reject(QTcpSocket *socket, ErrorCode code, const QString &message);
    void stopInspecting(QTcpSocket *socket);
    // Starts (or restarts, after an answer) reading a request: the deadline, readyRead.
    void startInspecting(QTcpSocket *socket, std::chrono::milliseconds deadline, bool idle);
    void onDeadline(QTcpSocket *socket);
    void readNextRequest(QTcpSocket *socket); // after an answer on a kept connection
    void onTlsFailure(QTcpSocket *socket, bool plaintext, const QString &why);

    Limits m_limits;
    Metrics *m_metrics;
    std::shared_ptr<AddressSlots> m_slots; // shared with the tickets (any thread)
    std::shared_ptr<TlsContext> m_tls;
};

} // namespace confab::server
