#include "realtimeconnection.h"

#include "apiclient.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QPointer>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcRealtime, "confab.client.realtime", QtInfoMsg)

namespace confab::client {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

RealtimeConnection::RealtimeConnection(QUrl server, ApiClient *api, QObject *parent)
    : RealtimeConnection(std::move(server), api, Options {}, nullptr, parent)
{
}

RealtimeConnection::RealtimeConnection(QUrl server, ApiClient *api, Options options,
                                       RoomSequencer *sequencer, QObject *parent)
    : QObject(parent)
    , m_server(std::move(server))
    , m_api(api)
    , m_options(options)
    , m_backoff(options.reconnect)
    , m_sequencer(sequencer ? sequencer : new RoomSequencer(api, this))
{
    connect(m_sequencer, &RoomSequencer::eventReady, this, &RealtimeConnection::eventReceived);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RealtimeConnection::connectSocket);
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        if (!m_socket)
            return;
        if (nowMs() - m_lastHeardMs > 2 * m_heartbeat.interval()) {
            qCInfo(lcRealtime) << "no sign of life for two heartbeats: reconnecting";
            m_socket->abort(); // dead; the disconnect handler reconnects
            return;
        }
        m_socket->ping();
    });
}

RealtimeConnection::~RealtimeConnection()
{
    stop();
}

void RealtimeConnection::ping()
{
    if (m_socket && m_state == State::Online)
        m_socket->ping();
}

void RealtimeConnection::start()
{
    if (m_running)
        return;
    m_running = true;
    m_backoff.reset();
    connectSocket();
}

void RealtimeConnection::stop()
{
    m_running = false;
    m_reconnectTimer.stop();
    m_heartbeat.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    failPending(makeError(ErrorCode::Unavailable, u"disconnected"_s));
    setState(State::Offline);
}

void RealtimeConnection::reconnectNow()
{
    if (!m_running || m_state == State::Online)
        return;
    m_reconnectTimer.stop();
    m_backoff.reset();
    connectSocket();
}

std::chrono::milliseconds RealtimeConnection::nextRetryIn() const
{
    return std::chrono::milliseconds(m_reconnectTimer.isActive() ? m_reconnectTimer.remainingTime()
                                                                 : 0);
}

void RealtimeConnection::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged(s);
}

void RealtimeConnection::connectSocket()
{
    if (!m_running)
        return;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    setState(State::Connecting);
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingMessageSize(4 * 64 * 1024);
    m_api->trust().watch(m_socket); // wss: the same certificate decision as REST
    m_api->trust().prepare(m_socket); // and it resumes the TLS session REST last had
    QWebSocket *socket = m_socket;
    connect(socket, &QWebSocket::textMessageReceived, this, &RealtimeConnection::onText);
    connect(socket, &QWebSocket::pong, this, [this](quint64 elapsed) {
        m_lastHeardMs = nowMs();
        emit roundTrip(qint64(elapsed));
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (socket != m_socket)
            return;
        m_heartbeat.stop();
        failPending(makeError(ErrorCode::Unavailable, u"connection lost"_s));
        if (m_state != State::Online)
            emit connectFailed();
        if (socket->closeCode() == 4401) {
            qCWarning(lcRealtime) << "the server refused the session token";
            emit sessionRefused();
        }
        scheduleReconnect();
    });
    // A connection attempt that neither opens nor fails in time is abandoned.
    QTimer::singleShot(m_options.connectTimeout, socket, [this, socket] {
        if (socket == m_socket && m_state == State::Connecting
            && socket->state() != QAbstractSocket::ConnectedState)
            socket->abort();
    });

    QUrl url = m_server;
    url.setScheme(m_server.scheme() == u"https"_s ? u"wss"_s : u"ws"_s);
    url.setPath(u"/api/v1/ws"_s);
    QNetworkRequest request(url);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token.toLatin1());
    m_lastHeardMs = nowMs();
    socket->open(request);
}

void RealtimeConnection::scheduleReconnect()
{
    if (!m_running)
        return;
    setState(State::Connecting);
    const auto wait = m_backoff.next().value_or(m_options.reconnect.maxInterval);
    ++m_reconnects;
    m_reconnectTimer.start(wait);
}

void RealtimeConnection::failPending(const Error &error)
{
    const auto pending = std::exchange(m_pending, {});
    for (const auto &done : pending)
        done(error);
}

void RealtimeConnection::send(const SendFrame &frame, std::function<void(Result<SendAck>)> done)
{
    if (m_state != State::Online || !m_socket)
        return done(makeError(ErrorCode::Unavailable, u"not connected"_s));
    const QString id = u"s%1"_s.arg(++m_nextId);
    m_pending.insert(id, std::move(done));
    m_socket->sendTextMessage(QString::fromUtf8(encodeClientFrame({ id, frame })));
}

void RealtimeConnection::sendTyping(qint64 roomId, bool active)
{
    if (m_state == State::Online)
        m_socket->sendTextMessage(
            QString::fromUtf8(encodeClientFrame({ {}, TypingFrame { roomId, active } })));
}

void RealtimeConnection::sendPresence(PresenceStatus status)
{
    if (m_state == State::Online)
        m_socket->sendTextMessage(
            QString::fromUtf8(encodeClientFrame({ {}, PresenceFrame { status } })));
}

void RealtimeConnection::sendRead(qint64 roomId, qint64 seq)
{
    if (m_state == State::Online)
        m_socket->sendTextMessage(QString::fromUtf8(
            encodeClientFrame({ u"r%1"_s.arg(++m_nextId), ReadFrame { roomId, seq } })));
}

void RealtimeConnection::onText(const QString &text)
{
    m_lastHeardMs = nowMs();
    auto frame = parseServerFrame(text.toUtf8());
    if (!frame) {
        qCWarning(lcRealtime) << "ignoring a malformed frame:" << frame.error().message;
        return;
    }
    const ServerFrame &f = frame.value();
    if (const auto *hello = std::get_if<HelloFrame>(&f.payload))
        return onHello(*hello);
    if (const auto *ev = std::get_if<EventFrame>(&f.payload))
        return m_sequencer->accept(ev->event);
    if (const auto *res = std::get_if<ResumedFrame>(&f.payload))
        return onResumed(*res);
    if (const auto *ack = std::get_if<AckFrame>(&f.payload)) {
        if (auto done = m_pending.take(f.id))
            done(ack->ack);
        return;
    }
    if (const auto *err = std::get_if<ErrorFrame>(&f.payload)) {
        if (auto done = m_pending.take(f.id))
            done(err->error);
        else
            qCWarning(lcRealtime) << "server error:" << err->error.message;
        return;
    }
    if (const auto *t = std::get_if<TypingNotice>(&f.payload))
        return emit typingChanged(t->roomId, t->userId, t->active);
    if (const auto *p = std::get_if<PresenceNotice>(&f.payload))
        return emit presenceChanged(p->userId, p->status);
    if (const auto *r = std::get_if<ReadNotice>(&f.payload))
        return emit readChanged(r->state);
}

void RealtimeConnection::onHello(const HelloFrame &hello)
{
    if (!m_epoch.isEmpty() && hello.epoch != m_epoch) {
        // The server's history is not the one our cursors refer to.
        m_sequencer->clear();
        emit historyReset();
    }
    m_epoch = hello.epoch;
    if (hello.heartbeatMs > 0)
        m_heartbeat.start(hello.heartbeatMs);
    else
        m_heartbeat.start(m_options.heartbeat);
    emit helloReceived(hello);

    ResumeFrame resume;
    resume.epoch = m_epoch;
    QSet<qint64> listed;
    for (const RoomCursor &room : hello.rooms) {
        // A room we hold nothing of starts from now; its history is fetched when opened.
        if (!m_sequencer->knows(room.roomId))
            m_sequencer->setCursor(room.roomId, room.lastSeq);
        resume.rooms.append({ room.roomId, m_sequencer->cursor(room.roomId) });
        listed.insert(room.roomId);
    }
    const auto cursors = m_sequencer->cursors();
    for (auto it = cursors.cbegin(); it != cursors.cend(); ++it) {
        if (!listed.contains(it.key()))
            resume.rooms.append({ it.key(), it.value() }); // the server will say "forbidden"
    }
    m_socket->sendTextMessage(QString::fromUtf8(encodeClientFrame({ u"resume"_s, resume })));
}

void RealtimeConnection::onResumed(const ResumedFrame &frame)
{
    for (const ResumeResult &r : frame.rooms) {
        if (r.status == ResumeStatus::Reset) {
            m_sequencer->forget(r.roomId);
            emit roomReset(r.roomId);
        } else if (r.status == ResumeStatus::Forbidden) {
            m_sequencer->forget(r.roomId);
            emit roomForbidden(r.roomId);
        }
    }
    m_backoff.reset();
    setState(State::Online);
    emit resumed();
}

} // namespace confab::client
