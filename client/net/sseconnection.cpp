#include "sseconnection.h"

#include "servertrust.h"

#include "roomsequencer.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QNetworkReply>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSse, "confab.client.sse", QtInfoMsg)

namespace confab::client {

SseConnection::SseConnection(QUrl server, RoomSequencer *sequencer, Options options,
                             QObject *parent)
    : QObject(parent)
    , m_server(std::move(server))
    , m_sequencer(sequencer)
    , m_options(options)
    , m_backoff(options.reconnect)
{
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &SseConnection::openStream);
    connect(&m_watchdog, &QTimer::timeout, this, [this] {
        if (m_reply
            && QDateTime::currentMSecsSinceEpoch() - m_lastHeard > m_options.deadAfter.count()) {
            qCInfo(lcSse) << "event stream silent: re-opening it";
            m_reply->abort(); // onFinished reconnects
        }
    });
}

SseConnection::~SseConnection()
{
    stop();
}

void SseConnection::start()
{
    if (m_running)
        return;
    m_running = true;
    m_backoff.reset();
    m_watchdog.start(qMax<qint64>(100, m_options.deadAfter.count() / 3));
    openStream();
}

void SseConnection::stop()
{
    m_running = false;
    m_reconnect.stop();
    m_watchdog.stop();
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
    if (m_open) {
        m_open = false;
        emit closed();
    }
}

void SseConnection::openStream()
{
    if (!m_running)
        return;
    QUrl url = m_server;
    url.setPath(u"/api/v1/events"_s);
    QNetworkRequest req(url);
    req.setRawHeader("Accept", "text/event-stream");
    req.setRawHeader("Authorization", "Bearer " + m_token.toLatin1());
    if (m_sequencer->lastEventId() > 0)
        req.setRawHeader("Last-Event-ID", QByteArray::number(m_sequencer->lastEventId()));
    if (m_trust)
        m_trust->prepare(req); // resumes the TLS session REST last had
    m_parser.reset();
    m_lastHeard = QDateTime::currentMSecsSinceEpoch();
    m_reply = m_nam.get(req);
    if (m_trust)
        m_trust->watch(m_reply);
    connect(m_reply, &QNetworkReply::readyRead, this, &SseConnection::onData);
    connect(m_reply, &QNetworkReply::finished, this, &SseConnection::onFinished);
}

void SseConnection::onData()
{
    m_lastHeard = QDateTime::currentMSecsSinceEpoch();
    if (!m_open) {
        const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status != 200)
            return; // an error answer: handled when finished
        m_open = true;
        m_backoff.reset();
        emit opened();
    }
    QList<SseMessage> messages;
    if (!m_parser.feed(m_reply->readAll(), &messages)) {
        qCWarning(lcSse) << "the event stream is malformed (a message over the limit); reconnecting";
        m_reply->abort(); // onFinished reconnects
        return;
    }
    for (const SseMessage &m : std::as_const(messages))
        handleMessage(m.event, m.data);
}

void SseConnection::handleMessage(const QByteArray &event, const QByteArray &data)
{
    if (event == "reset") {
        m_sequencer->clear();
        emit historyReset();
        return;
    }
    if (event == "close")
        return; // the stream ends next; onFinished reconnects
    auto frame = parseServerFrame(data);
    if (!frame) {
        qCWarning(lcSse) << "ignoring a malformed frame:" << frame.error().message;
        return;
    }
    if (const auto *ev = std::get_if<EventFrame>(&frame->payload))
        return m_sequencer->accept(ev->event);
    if (const auto *t = std::get_if<TypingNotice>(&frame->payload))
        return emit typingChanged(t->roomId, t->userId, t->active);
    if (const auto *p = std::get_if<PresenceNotice>(&frame->payload))
        return emit presenceChanged(p->userId, p->status);
    if (const auto *r = std::get_if<ReadNotice>(&frame->payload))
        return emit readChanged(r->state);
}

void SseConnection::onFinished()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    if (reply)
        reply->deleteLater();
    if (m_open) {
        m_open = false;
        emit closed();
    }
    if (!m_running)
        return;
    const auto wait = m_backoff.next().value_or(m_options.reconnect.maxInterval);
    m_reconnect.start(wait);
}

} // namespace confab::client
