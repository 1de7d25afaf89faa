#include "connectionguard.h"

#include "framesocket.h"
#include "httprequestparser.h"
#include "metrics.h"

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
    const HttpLimits limits { m_limits.headerBytes, m_limits.bodyBytes };
    const qint64 available = socket->bytesAvailable();
    const QByteArray bytes = socket->peek(qMin(available, limits.headerBytes + 4 + limits.bodyBytes));
    HttpParse p = parseHttpRequest(bytes, limits);
    switch (p.status) {
    case HttpParse::Status::NeedHead:
        return;
    case HttpParse::Status::Invalid:
        return reject(socket, p.error.code, p.error.message);
    case HttpParse::Status::NeedBody:
    case HttpParse::Status::Complete:
        break;
    }

    if (p.webSocketUpgrade) {
        if (p.request.path.toUtf8() != m_limits.webSocketPath || p.request.method != "GET")
            return reject(socket, ErrorCode::NotFound, u"no WebSocket endpoint here"_s);
        stopInspecting(socket);
        // From here the WebSocket worker decides when the socket dies, and reads as it likes.
        disconnect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->setReadBufferSize(0);
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

    // One request per connection: whatever came after it, and whatever comes later, is read
    // and dropped, never parsed. The socket is deleted when it disconnects (the responder
    // closes it after the answer).
    stopInspecting(socket);
    socket->skip(socket->bytesAvailable());
    connect(socket, &QTcpSocket::readyRead, socket,
            [socket] { socket->skip(socket->bytesAvailable()); });
    p.request.peer = socket->peerAddress();
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

void ConnectionGuard::rejectWithError(QTcpSocket *socket, const Error &error)
{
    const int status = httpStatusFor(error.code);
    const QByteArray body = QJsonDocument(error.toBody()).toJson(QJsonDocument::Compact);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusReason(status)
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
