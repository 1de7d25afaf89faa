#include "connectionguard.h"

#include "framesocket.h"
#include "httprequestparser.h"
#include "metrics.h"
#include "tls/tlscontext.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
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
constexpr char kIdleProperty[] = "confab_idle"; // on the timer: waiting for a next request
constexpr char kRequestsProperty[] = "confab_requests"; // on the socket: requests taken

FrameSocket *frameSocket(QTcpSocket *socket)
{
    return static_cast<FrameSocket *>(socket); // the guard makes every socket it inspects
}

} // namespace

// Open connections per peer address, for sockets that live and die on any thread.
class ConnectionGuard::AddressSlots
{
public:
    int acquire(const QHostAddress &peer)
    {
        QMutexLocker lock(&m_mutex);
        ++m_open;
        return ++m_perAddress[peer];
    }
    void release(const QHostAddress &peer)
    {
        QMutexLocker lock(&m_mutex);
        --m_open;
        if (const auto it = m_perAddress.find(peer); it != m_perAddress.end() && --*it <= 0)
            m_perAddress.erase(it);
    }
    int open() const
    {
        QMutexLocker lock(&m_mutex);
        return m_open;
    }

private:
    mutable QMutex m_mutex;
    QHash<QHostAddress, int> m_perAddress;
    int m_open = 0;
};

namespace {

// Owned by the socket (FrameSocket::holdTicket): gives the slot back when the socket is
// destroyed, in whatever thread and by whichever owner.
class SlotTicket
{
public:
    SlotTicket(std::shared_ptr<ConnectionGuard::AddressSlots> table, QHostAddress peer)
        : m_table(std::move(table))
        , m_peer(std::move(peer))
    {
    }
    ~SlotTicket() { m_table->release(m_peer); }
    Q_DISABLE_COPY_MOVE(SlotTicket)

private:
    std::shared_ptr<ConnectionGuard::AddressSlots> m_table;
    QHostAddress m_peer;
};

} // namespace

ConnectionGuard::ConnectionGuard(Limits limits, Metrics *metrics, QObject *parent)
    : QTcpServer(parent)
    , m_limits(std::move(limits))
    , m_metrics(metrics)
    , m_slots(std::make_shared<AddressSlots>())
{
    // Sockets wait in the guard, not in Qt's pending queue; keep the queue from throttling accept.
    setMaxPendingConnections(1 << 20);
    if (m_metrics) {
        m_metrics->defineCounter(u"confab_guard_rejections_total"_s,
                                 u"Connections or requests refused by the connection guard"_s,
                                 { u"reason"_s });
        m_metrics->defineCounter(u"confab_tls_handshakes_total"_s,
                                 u"TLS handshakes completed: full, or resumed from a ticket"_s,
                                 { u"kind"_s });
        m_metrics->defineComputedGauge(u"confab_tcp_connections"_s,
                                       u"Open TCP connections (HTTP, SSE and WebSocket)"_s,
                                       [table = m_slots] { return double(table->open()); });
    }
}

int ConnectionGuard::openConnections() const
{
    return m_slots->open();
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
    const int count = m_slots->acquire(peer);
    // The ticket lives as long as the socket, whoever owns it later (HTTP, SSE, WebSocket).
    socket->holdTicket(std::make_shared<SlotTicket>(m_slots, peer));
    // Never more than one request's worth buffered while the guard reads: beyond it Qt stops
    // reading and TCP pushes back on the peer.
    socket->setReadBufferSize(m_limits.headerBytes + 4 + m_limits.bodyBytes);

    if (m_tls) { // first: a refusal below must not answer a TLS client in plain HTTP
        socket->startServerTls(m_tls->sslContext(),
                               [this, socket](bool plaintext, const QString &why) {
                                   onTlsFailure(socket, plaintext, why);
                               });
        socket->setReadyLimit(m_limits.headerBytes + 4 + m_limits.bodyBytes);
        if (m_metrics)
            connect(socket, &FrameSocket::tlsEstablished, this, [metrics = m_metrics](bool resumed) {
                metrics->inc(u"confab_tls_handshakes_total"_s,
                             { resumed ? u"resumed"_s : u"full"_s });
            });
    }

    if (count > m_limits.maxConnectionsPerAddress) {
        reject(socket, ErrorCode::TooManyConnections, u"too many connections from your address"_s);
        return;
    }

    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    startInspecting(socket, m_limits.requestTimeout, false);
}

void ConnectionGuard::startInspecting(QTcpSocket *socket, std::chrono::milliseconds deadline,
                                      bool idle)
{
    auto *timer = new QTimer(socket);
    timer->setObjectName(QString::fromLatin1(kPendingTimerName));
    timer->setSingleShot(true);
    timer->setProperty(kIdleProperty, idle);
    connect(timer, &QTimer::timeout, socket, [this, socket] { onDeadline(socket); });
    timer->start(deadline);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { inspect(socket); });
}

void ConnectionGuard::onDeadline(QTcpSocket *socket)
{
    auto *timer = socket->findChild<QTimer *>(QString::fromLatin1(kPendingTimerName),
                                              Qt::FindDirectChildrenOnly);
    if (timer && timer->property(kIdleProperty).toBool() && socket->bytesAvailable() == 0) {
        // A kept connection that stayed quiet: closed without a word, as HTTP servers do.
        stopInspecting(socket);
        socket->disconnectFromHost();
        return;
    }
    reject(socket, ErrorCode::RequestTimeout, u"the request did not arrive in time"_s);
}

void ConnectionGuard::onTlsFailure(QTcpSocket *socket, bool plaintext, const QString &why)
{
    if (plaintext)
        return reject(socket, ErrorCode::BadRequest, why);
    qCInfo(lcGuard) << "TLS failed for" << socket->peerAddress().toString() << why;
    if (m_metrics)
        m_metrics->inc(u"confab_guard_rejections_total"_s, { u"tls_handshake"_s });
    stopInspecting(socket);
    socket->flush(); // the alert, if OpenSSL made one (never blocks)
    socket->abort();
    socket->deleteLater();
}

void ConnectionGuard::readNextRequest(QTcpSocket *socket)
{
    if (socket->state() != QAbstractSocket::ConnectedState)
        return;
    socket->setProperty("confab_continued", false);
    startInspecting(socket, m_limits.keepAliveTimeout, true);
    frameSocket(socket)->takeArrived(); // what TLS left in Qt's buffer while we answered
    if (socket->bytesAvailable() > 0)
        inspect(socket); // pipelined: it is already here
}

void ConnectionGuard::inspect(QTcpSocket *socket)
{
    const HttpLimits limits { m_limits.headerBytes, m_limits.bodyBytes, m_limits.streamed,
                              m_limits.streamBodyBytes };
    const qint64 available = socket->bytesAvailable();
    if (available <= 0)
        return; // (a TLS handshake record, or nothing yet)
    if (auto *timer = socket->findChild<QTimer *>(QString::fromLatin1(kPendingTimerName),
                                                  Qt::FindDirectChildrenOnly);
        timer && timer->property(kIdleProperty).toBool()) {
        // A next request has begun: from here it has the request deadline, not the idle one.
        timer->setProperty(kIdleProperty, false);
        timer->start(m_limits.requestTimeout);
    }
    const QByteArray bytes
        = frameSocket(socket)->peekReady(qMin(available, limits.headerBytes + 4 + limits.bodyBytes));
    HttpParse p = parseHttpRequest(bytes, limits);
    switch (p.status) {
    case HttpParse::Status::NeedHead:
        return;
    case HttpParse::Status::Invalid:
        return reject(socket, p.error.code, p.error.message);
    case HttpParse::Status::NeedBody:
    case HttpParse::Status::Complete:
        break;
    case HttpParse::Status::Streamed: {
        // Handed over with the body unread: the receiver reads (or refuses) it at its pace.
        stopInspecting(socket);
        socket->skip(p.headBytes);
        p.request.peer = socket->peerAddress();
        p.request.keepAlive = false;
        emit streamRequested(socket, p.request, p.contentLength);
        return;
    }
    }

    if (p.webSocketUpgrade) {
        if (p.request.path.toUtf8() != m_limits.webSocketPath || p.request.method != "GET")
            return reject(socket, ErrorCode::NotFound, u"no WebSocket endpoint here"_s);
        stopInspecting(socket);
        // From here the WebSocket worker decides when the socket dies, and reads as it likes.
        disconnect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->setReadBufferSize(0);
        frameSocket(socket)->setReadyLimit(0);
        frameSocket(socket)->setTlsFailureHandler({}); // from here a TLS error just aborts
        // The worker connects its own readyRead; give it the bytes already buffered.
        QMetaObject::invokeMethod(
            socket, [socket] { emit socket->readyRead(); }, Qt::QueuedConnection);
        emit webSocketRequested(socket);
        return;
    }

    if (p.status == HttpParse::Status::NeedBody) {
        if (p.expectContinue && available == p.headBytes
            && !socket->property("confab_continued").toBool()) {
            socket->setProperty("confab_continued", true);
            socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        return; // wait for the rest of the body; the timer bounds the wait
    }

    stopInspecting(socket);
    p.request.peer = socket->peerAddress();
    const int served = socket->property(kRequestsProperty).toInt() + 1;
    socket->setProperty(kRequestsProperty, served);
    if (p.request.keepAlive && m_limits.keepAliveTimeout.count() > 0
        && served < m_limits.maxRequestsPerConnection) {
        // Only this request is taken; what follows it waits (in Qt's buffer, bounded by the
        // read buffer size, then in TCP) until the answer is written and the guard reads on.
        socket->skip(p.totalBytes);
        p.request.reuse = [guard = QPointer(this), socket = QPointer(socket)] {
            // Queued: a long pipeline must not recurse through handlers and answers.
            if (guard && socket)
                QMetaObject::invokeMethod(
                    guard, [guard, socket] {
                        if (guard && socket)
                            guard->readNextRequest(socket);
                    },
                    Qt::QueuedConnection);
        };
    } else {
        // The last request on this connection: whatever came after it, and whatever comes
        // later, is read and dropped, never parsed. The socket is deleted when it disconnects
        // (the responder closes it after the answer).
        p.request.keepAlive = false;
        socket->skip(socket->bytesAvailable());
        connect(socket, &QTcpSocket::readyRead, socket,
                [socket] { socket->skip(socket->bytesAvailable()); });
    }
    emit requestReceived(socket, p.request);
}

void ConnectionGuard::stopInspecting(QTcpSocket *socket)
{
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    delete socket->findChild<QTimer *>(QString::fromLatin1(kPendingTimerName),
                                       Qt::FindDirectChildrenOnly);
}

void ConnectionGuard::reject(QTcpSocket *socket, ErrorCode code, const QString &message)
{
    qCInfo(lcGuard) << "rejecting" << socket->peerAddress().toString() << errorCodeName(code);
    if (m_metrics)
        m_metrics->inc(u"confab_guard_rejections_total"_s, { errorCodeName(code) });
    stopInspecting(socket);
    rejectWithError(socket, makeError(code, message));
}

void ConnectionGuard::rejectWithError(QTcpSocket *socket, const Error &error,
                                      const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    const int status = httpStatusFor(error.code);
    const QByteArray body = QJsonDocument(error.toBody()).toJson(QJsonDocument::Compact);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusReason(status)
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\n";
    for (const auto &[k, v] : extraHeaders)
        response += k + ": " + v + "\r\n";
    response += "Connection: close\r\n\r\n" + body;
    answerAndClose(socket, response);
}

void ConnectionGuard::answerAndClose(QTcpSocket *socket, const QByteArray &response)
{
    auto *fs = qobject_cast<FrameSocket *>(socket);
    if (fs && fs->isTls() && !fs->tlsOpen()) {
        if (!fs->tlsSawPlaintext()) {
            // Mid-handshake (or before it): no HTTP can be spoken yet. Cut.
            socket->abort();
            socket->deleteLater(); // (its slot comes back with it)
            return;
        }
        fs->writePlain(response); // a plain-HTTP peer on the TLS port: told in its language
    } else {
        socket->write(response);
    }

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
