#include "connectionguard.h"

#include "framesocket.h"
#include "metrics.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

Q_LOGGING_CATEGORY(lcGuard, "confab.server.guard", QtInfoMsg)

namespace confab::server {

namespace {

constexpr auto kLingerTimeout = 2s; // how long a rejected peer may take to read its answer
constexpr char kPendingTimerName[] = "confab_guard_timer";

struct RequestHead
{
    bool valid = false;
    QByteArray method;
    QByteArray path;
    qint64 contentLength = 0;
    bool badContentLength = false;
    bool chunked = false;
    bool upgradeWebSocket = false;
    bool expectContinue = false;
};

RequestHead parseHead(QByteArrayView head)
{
    RequestHead h;
    const qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
    const auto parts = requestLine.toByteArray().split(' ');
    if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.") || parts[0].isEmpty()
        || !parts[1].startsWith('/'))
        return h;
    h.method = parts[0];
    h.path = parts[1].left(parts[1].indexOf('?') < 0 ? parts[1].size() : parts[1].indexOf('?'));
    bool hasLength = false;
    if (lineEnd >= 0) {
        for (const QByteArray &line : head.sliced(lineEnd + 2).toByteArray().split('\n')) {
            const QByteArray l = line.trimmed();
            const qsizetype colon = l.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = l.left(colon).trimmed().toLower();
            const QByteArray value = l.mid(colon + 1).trimmed();
            if (name == "content-length") {
                bool ok = false;
                const qint64 n = value.toLongLong(&ok);
                if (!ok || n < 0 || (hasLength && n != h.contentLength))
                    h.badContentLength = true;
                h.contentLength = n;
                hasLength = true;
            } else if (name == "transfer-encoding") {
                h.chunked = true;
            } else if (name == "upgrade") {
                h.upgradeWebSocket = value.compare("websocket", Qt::CaseInsensitive) == 0;
            } else if (name == "expect") {
                h.expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
            }
        }
    }
    h.valid = true;
    return h;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

} // namespace

ConnectionGuard::ConnectionGuard(Limits limits, Metrics *metrics, QObject *parent)
    : QTcpServer(parent)
    , m_limits(std::move(limits))
    , m_metrics(metrics)
{
    // Sockets wait in the guard, not in Qt's pending queue; keep the queue from throttling accept.
    setMaxPendingConnections(1 << 20);
    if (m_metrics) {
        m_metrics->defineCounter(u"confab_guard_rejections_total"_s,
                                 u"Connections or requests refused by the connection guard"_s,
                                 { u"reason"_s });
        m_metrics->defineComputedGauge(u"confab_tcp_connections"_s,
                                       u"Open TCP connections (HTTP, SSE and WebSocket)"_s,
                                       [this] { return double(m_open); });
    }
}

void ConnectionGuard::stopAccepting()
{
    pauseAccepting();
    close();
}

void ConnectionGuard::incomingConnection(qintptr descriptor)
{
    // Parented to the guard: a socket still here (or mid-handshake) when the server is
    // destroyed dies with it. Later owners delete or reparent it as usual.
    auto *socket = new FrameSocket(this); // a QTcpSocket that can gather WebSocket frames
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);

    const QHostAddress peer = socket->peerAddress();
    ++m_open;
    const int count = ++m_perAddress[peer];
    // Bookkeeping lives as long as the socket, whoever owns it later (HTTP server, WebSocket).
    connect(socket, &QObject::destroyed, this, [this, peer] {
        --m_open;
        if (--m_perAddress[peer] <= 0)
            m_perAddress.remove(peer);
    });

    if (count > m_limits.maxConnectionsPerAddress) {
        reject(socket, ErrorCode::TooManyConnections, u"too many connections from your address"_s);
        return;
    }

    auto *timer = new QTimer(socket);
    timer->setObjectName(QString::fromLatin1(kPendingTimerName));
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, socket, [this, socket] {
        reject(socket, ErrorCode::RequestTimeout, u"the request did not arrive in time"_s);
    });
    timer->start(m_limits.requestTimeout);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
}

void ConnectionGuard::inspect(QTcpSocket *socket)
{
    const qint64 available = socket->bytesAvailable();
    const QByteArray head = socket->peek(qMin(available, m_limits.headerBytes + 4));
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0) {
        if (available > m_limits.headerBytes)
            reject(socket, ErrorCode::HeadersTooLarge,
                   u"request headers exceed %1 bytes"_s.arg(m_limits.headerBytes));
        return;
    }
    const RequestHead h = parseHead(QByteArrayView(head).first(end));
    if (!h.valid || h.badContentLength)
        return reject(socket, ErrorCode::BadRequest, u"malformed HTTP request"_s);
    if (h.chunked)
        return reject(socket, ErrorCode::LengthRequired,
                      u"chunked request bodies are not accepted; send Content-Length"_s);
    if (h.contentLength > m_limits.bodyBytes)
        return reject(socket, ErrorCode::PayloadTooLarge,
                      u"request body exceeds %1 bytes"_s.arg(m_limits.bodyBytes));

    if (h.upgradeWebSocket) {
        if (h.path != m_limits.webSocketPath || h.method != "GET")
            return reject(socket, ErrorCode::NotFound, u"no WebSocket endpoint here"_s);
        release(socket);
        emit webSocketRequested(socket);
        return;
    }

    const qint64 total = end + 4 + h.contentLength;
    if (available < total) {
        if (h.expectContinue && available == end + 4
            && !socket->property("confab_continued").toBool()) {
            socket->setProperty("confab_continued", true);
            socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        return; // wait for the rest of the body; the timer bounds the wait
    }
    release(socket);
    addPendingConnection(socket); // QAbstractHttpServer takes it from here
}

void ConnectionGuard::release(QTcpSocket *socket)
{
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    // From here the new owner (HTTP server or WebSocket) decides when the socket dies.
    disconnect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    delete socket->findChild<QTimer *>(QString::fromLatin1(kPendingTimerName),
                                       Qt::FindDirectChildrenOnly);
    // The new owner connects its own readyRead; give it the bytes already buffered.
    QMetaObject::invokeMethod(
        socket, [socket] { emit socket->readyRead(); }, Qt::QueuedConnection);
}

void ConnectionGuard::reject(QTcpSocket *socket, ErrorCode code, const QString &message)
{
    qCInfo(lcGuard) << "rejecting" << socket->peerAddress().toString() << errorCodeName(code);
    if (m_metrics)
        m_metrics->inc(u"confab_guard_rejections_total"_s, { errorCodeName(code) });
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    delete socket->findChild<QTimer *>(QString::fromLatin1(kPendingTimerName),
                                       Qt::FindDirectChildrenOnly);
    rejectWithError(socket, makeError(code, message));
}

void ConnectionGuard::rejectWithError(QTcpSocket *socket, const Error &error)
{
    const int status = httpStatusFor(error.code);
    const QByteArray body = QJsonDocument(error.toBody()).toJson(QJsonDocument::Compact);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n\r\n" + body;
    socket->write(response);

    // Lingering close: discard (never buffer) what the peer still sends, half-close once the
    // answer is flushed so the peer reads it before EOF, and cut the socket after a deadline.
    QObject::connect(socket, &QTcpSocket::readyRead, socket,
                     [socket] { socket->skip(socket->bytesAvailable()); });
    socket->skip(socket->bytesAvailable());
    const auto halfClose = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, halfClose);
    socket->flush();
    halfClose();
    QTimer::singleShot(kLingerTimeout, socket, [socket] { socket->abort(); });
    QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater,
                     Qt::UniqueConnection);
}

} // namespace confab::server
