// ConnectionGuard: the server's front door. QtHttpServer 6.4 reads any request whole, with no
// limit on headers or body, no idle timeout and no cap on connections. Every accepted socket
// therefore stays here until its request has arrived complete and within limits:
//
//  - TCP_NODELAY on every accepted socket (Nagle + delayed ACK costs 20-40 ms per fan-out);
//  - at most maxConnectionsPerAddress open sockets per peer address (503 beyond);
//  - request line + headers at most headerBytes (431), Content-Length at most bodyBytes (413,
//    answered from the headers alone; the rest of the body is discarded, never buffered);
//    chunked bodies are refused (411: send Content-Length);
//  - the request must arrive whole within requestTimeout (408): slow trickling is cut.
//
// A valid WebSocket upgrade on the WebSocket path is handed out through webSocketRequested();
// any other valid request is queued for the QAbstractHttpServer bound to this QTcpServer.
#pragma once

#include "errors.h"

#include <QHash>
#include <QHostAddress>
#include <QTcpServer>

#include <chrono>

class QTcpSocket;

namespace confab::server {

class Metrics;

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
    };

    ConnectionGuard(Limits limits, Metrics *metrics, QObject *parent = nullptr);

    int openConnections() const { return m_open; }
    // Stop accepting new connections (shutdown); open ones are left to their owners.
    void stopAccepting();

    // Writes a complete JSON error response and closes the connection gracefully: the reply is
    // flushed, further input is discarded, the socket is closed when the peer has read it.
    static void rejectWithError(QTcpSocket *socket, const Error &error);

signals:
    void webSocketRequested(QTcpSocket *socket);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void inspect(QTcpSocket *socket);
    void reject(QTcpSocket *socket, ErrorCode code, const QString &message);
    void release(QTcpSocket *socket);

    Limits m_limits;
    Metrics *m_metrics;
    QHash<QHostAddress, int> m_perAddress;
    int m_open = 0;
};

} // namespace confab::server
