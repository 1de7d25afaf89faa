#include "chatclient.h"

#include "otlp/spanexporter.h"

#include <QDateTime>
#include <QDir>
#include <QLoggingCategory>
#include <QNetworkInformation>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcChat, "confab.client.chat", QtInfoMsg)

namespace confab::client {

QString ConnectionState::modeName(Mode m)
{
    switch (m) {
    case Mode::Offline:
        return u"offline"_s;
    case Mode::Connecting:
        return u"connecting"_s;
    case Mode::Degraded:
        return u"degraded"_s;
    case Mode::Online:
        return u"online"_s;
    }
    return {};
}

ChatClient::ChatClient(QUrl server, QString token, const QString &accountDir, Options options,
                       QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_accountDir(accountDir)
    , m_api(server, options.api, this)
    , m_files(&m_api, this)
    , m_sequencer(&m_api, this)
    , m_realtime(server, &m_api, options.realtime, &m_sequencer, this)
    , m_sse(server, &m_sequencer, options.sse, this)
    , m_outbox((QDir().mkpath(accountDir), QDir(accountDir).filePath(u"outbox.db"_s)), this)
    , m_cache(QDir(accountDir).filePath(u"cache.db"_s), 500, this)
    , m_pump(
          &m_outbox,
          [this](const Outbox::Item &item, auto done) { sendItem(item, std::move(done)); },
          options.outboxRetry, this)
{
    m_api.setToken(token);
    m_files.setThumbnailDir(QDir(accountDir).filePath(u"thumbnails"_s));
    m_realtime.setToken(token);
    m_sse.setToken(token);
    m_sse.setTrust(&m_api.trust());
    connect(&m_sequencer, &RoomSequencer::eventReady, this, [this](const RoomEvent &e) {
        m_cache.applyEvent(e); // on disk before anyone shows it
        emit eventReceived(e);
    });
    connect(&m_realtime, &RealtimeConnection::helloReceived, this, [this](const HelloFrame &hello) {
        m_cache.setEpoch(hello.epoch);
        for (const ReadState &state : hello.read) {
            // What this device read while away from the server is still on its way.
            if (m_unsentReads.value(state.roomId) > state.readSeq)
                continue;
            m_unsentReads.remove(state.roomId);
            m_cache.dropUnsentRead(state.roomId, state.readSeq);
            emit readChanged(state);
        }
        flushReads();
        flushReactions();
    });
    const auto readChanged = [this](const ReadState &state) {
        if (m_unsentReads.value(state.roomId, -1) <= state.readSeq)
            m_unsentReads.remove(state.roomId);
        m_cache.dropUnsentRead(state.roomId, state.readSeq);
        emit this->readChanged(state);
    };
    connect(&m_realtime, &RealtimeConnection::readChanged, this, readChanged);
    connect(&m_sse, &SseConnection::readChanged, this, readChanged);
    const auto forget = [this](qint64 roomId) {
        m_cache.forgetRoom(roomId);
        emit roomReset(roomId);
    };
    connect(&m_realtime, &RealtimeConnection::roomReset, this, forget);
    connect(&m_realtime, &RealtimeConnection::roomForbidden, this, forget);
    const auto reset = [this] {
        m_cache.clear();
        emit historyReset();
    };
    connect(&m_realtime, &RealtimeConnection::historyReset, this, reset);
    connect(&m_sse, &SseConnection::historyReset, this, reset);
    connect(&m_realtime, &RealtimeConnection::connectFailed, this, &ChatClient::onRealtimeFailure);
    connect(&m_realtime, &RealtimeConnection::resumed, this, [this] {
        m_wsFailures = 0;
        m_cache.markFresh();
        if (m_sse.isRunning()) {
            qCInfo(lcChat) << "WebSocket works again: leaving the SSE fallback";
            m_sse.stop();
        }
        m_pump.pump();
        updateState();
    });
    connect(&m_realtime, &RealtimeConnection::stateChanged, this, &ChatClient::updateState);
    connect(&m_realtime, &RealtimeConnection::roundTrip, this, [this](qint64 ms) {
        m_state.roundTripMs = ms;
        addRoundTrip(ms, true);
        updateState();
    });
    connect(&m_api, &ApiClient::requestFinished, this, [this](int status, qint64 ms) {
        ++m_diag.httpRequests;
        if (status == 0 || status >= 500)
            ++m_diag.httpErrors;
        else
            addRoundTrip(ms, false);
        if (status == 401 && !m_api.token().isEmpty())
            emit sessionExpired();
    });
    connect(&m_api.breaker(), &CircuitBreaker::stateChanged, this,
            [this](CircuitBreaker::State from, CircuitBreaker::State to) {
                ++m_diag.breakerChangeCount;
                m_diag.breakerChanges.append({ QDateTime::currentMSecsSinceEpoch(), from, to });
                if (m_diag.breakerChanges.size() > Diagnostics::MaxBreakerChanges)
                    m_diag.breakerChanges.removeFirst();
            });
    connect(&m_realtime, &RealtimeConnection::sessionRefused, this, &ChatClient::sessionExpired);
    connect(&m_realtime, &RealtimeConnection::typingChanged, this, &ChatClient::typingChanged);
    connect(&m_sse, &SseConnection::typingChanged, this, &ChatClient::typingChanged);
    connect(&m_realtime, &RealtimeConnection::presenceChanged, this, &ChatClient::presenceChanged);
    connect(&m_sse, &SseConnection::presenceChanged, this, &ChatClient::presenceChanged);
    connect(&m_sse, &SseConnection::opened, this, [this] {
        m_pump.pump();
        updateState();
    });
    connect(&m_sse, &SseConnection::closed, this, &ChatClient::updateState);
    connect(&m_api.breaker(), &CircuitBreaker::stateChanged, this, &ChatClient::updateState);
    connect(&m_api, &ApiClient::retryScheduled, this, [this] {
        ++m_state.retries;
        updateState();
    });
    // Outbox messages whose send failed are retried by the pump; this also picks up whatever
    // was typed while nothing could be sent.
    connect(&m_tick, &QTimer::timeout, this, [this] {
        m_pump.pump();
        updateState();
    });
    // Network back or machine awake: do not wait for the backoff.
    if (options.watchNetwork && QNetworkInformation::loadDefaultBackend()) {
        connect(QNetworkInformation::instance(), &QNetworkInformation::reachabilityChanged, this,
                [this](QNetworkInformation::Reachability r) {
                    if (r == QNetworkInformation::Reachability::Online)
                        retryNow();
                });
    }
}

ChatClient::~ChatClient()
{
    // Members die in reverse order and some signal while dying (the connection going offline):
    // nothing may reach this half-destroyed object, and it tells nobody anything any more.
    blockSignals(true);
    stop();
    for (QObject *member : std::initializer_list<QObject *> {
             &m_api, &m_api.breaker(), &m_sequencer, &m_realtime, &m_sse, &m_tick })
        member->disconnect(this);
}

Result<bool> ChatClient::start()
{
    auto opened = m_outbox.open();
    if (!opened)
        return opened;
    opened = m_cache.open();
    if (!opened)
        return opened;
    m_unsentReads = m_cache.unsentReads(); // read here while the server was away
    m_unsentReactions = m_cache.unsentReactions();
    // Resume exactly where the last run stopped.
    const auto cursors = m_cache.cursors();
    for (auto it = cursors.cbegin(); it != cursors.cend(); ++it)
        m_sequencer.setCursor(it.key(), it.value());
    m_realtime.setEpoch(m_cache.epoch());
    m_running = true;
    m_realtime.start();
    m_tick.start(1000);
    m_pump.pump();
    updateState();
    return true;
}

void ChatClient::stop()
{
    m_running = false;
    m_tick.stop();
    m_realtime.stop();
    m_sse.stop();
    updateState();
}

void ChatClient::retryNow()
{
    m_realtime.reconnectNow();
    m_pump.pump();
}

Result<Outbox::Item> ChatClient::send(qint64 roomId, const QString &body, qint64 replyTo)
{
    auto item = m_outbox.enqueue(roomId, body, replyTo);
    if (item)
        m_pump.pump();
    return item;
}

Result<Outbox::Item> ChatClient::sendFile(qint64 roomId, const QString &path,
                                          const QString &caption)
{
    auto item = m_outbox.enqueueFile(roomId, path, caption);
    if (item)
        m_pump.pump();
    return item;
}

void ChatClient::cancelFile(qint64 localId)
{
    for (const Outbox::Item &item : m_outbox.all()) {
        if (item.localId == localId) {
            m_files.cancel(localId, item.fileId.isEmpty() ? item.uploadId : QString());
            m_outbox.discard(localId);
            m_pump.pump();
            return;
        }
    }
}

void ChatClient::sendItem(const Outbox::Item &item, std::function<void(Result<SendAck>)> done)
{
    if (item.hasFile() && item.fileId.isEmpty()) {
        // The bytes first (resumed from where the server stands), then the message.
        if (m_files.isUploading(item.localId))
            return done(makeError(ErrorCode::Unavailable, u"uploading"_s));
        m_files.upload(
            { item.localId, item.roomId, item.filePath, item.uploadId },
            [this, localId = item.localId](const QString &uploadId) {
                m_outbox.setUploadId(localId, uploadId);
            },
            [this, item, done = std::move(done)](Result<FileInfo> r) mutable {
                if (!r)
                    return done(r.error());
                m_outbox.setFileId(item.localId, r->fileId);
                Outbox::Item next = item;
                next.fileId = r->fileId;
                sendItem(next, std::move(done));
            });
        return;
    }
    if (m_realtime.state() == RealtimeConnection::State::Online) {
        otlp::SpanExporter *tracer = m_options.tracer;
        if (!tracer)
            return m_realtime.send({ item.roomId, item.clientMsgId, item.body,
                                     ApiClient::newTraceparent(), item.replyTo, item.fileId },
                                   std::move(done));
        const otlp::TraceContext trace = otlp::TraceContext::newRoot();
        const qint64 startNs = otlp::nowNs();
        m_realtime.send(
            { item.roomId, item.clientMsgId, item.body, trace.traceparent(), item.replyTo,
              item.fileId },
            [tracer, trace, startNs, room = item.roomId,
             done = std::move(done)](Result<SendAck> r) {
                otlp::Span span = otlp::Span::of(trace, {}, u"confab.client.send"_s,
                                                 otlp::SpanKind::Client, startNs);
                span.endNs = otlp::nowNs();
                span.attributes = { { u"confab.room"_s, room } };
                if (r)
                    span.attributes.append({ u"confab.seq"_s, r->seq });
                span.error = !r;
                if (!r)
                    span.statusMessage = r.error().message;
                tracer->record(std::move(span));
                done(std::move(r));
            });
    } else {
        m_api.sendMessage(item.roomId,
                          { item.clientMsgId, item.body, item.replyTo, item.fileId },
                          std::move(done));
    }
}

void ChatClient::markRead(qint64 roomId, qint64 seq)
{
    if (seq <= 0 || m_unsentReads.value(roomId) >= seq)
        return;
    m_unsentReads.insert(roomId, seq);
    m_cache.putUnsentRead(roomId, seq); // on disk before the network, like the outbox
    flushReads();
}

void ChatClient::flushReads()
{
    for (auto it = m_unsentReads.cbegin(); it != m_unsentReads.cend(); ++it) {
        const qint64 roomId = it.key(), seq = it.value();
        if (m_realtime.state() == RealtimeConnection::State::Online) {
            m_realtime.sendRead(roomId, seq); // the answer comes as readChanged
            continue;
        }
        if (!m_running || m_readsOverRest.contains(roomId))
            continue; // one request per room at a time; a newer seq goes after its answer
        m_readsOverRest.insert(roomId);
        m_api.markRead(roomId, seq, [this, roomId, seq](Result<ReadState> r) {
            m_readsOverRest.remove(roomId);
            if (!r) {
                // Not a member any more, or the room is gone: nothing left to tell.
                if (r.error().code != ErrorCode::Unavailable && r.error().code != ErrorCode::Internal
                    && m_unsentReads.value(roomId) == seq) {
                    m_unsentReads.remove(roomId);
                    m_cache.dropUnsentRead(roomId, seq);
                }
                return; // else kept: sent again on the next connect
            }
            if (m_unsentReads.value(roomId) <= r->readSeq)
                m_unsentReads.remove(roomId);
            m_cache.dropUnsentRead(roomId, r->readSeq);
            emit readChanged(r.value());
            if (m_unsentReads.contains(roomId))
                flushReads(); // read further while this one was on its way
        });
    }
}

void ChatClient::react(qint64 roomId, qint64 eventId, const QString &key, bool add)
{
    const LocalCache::UnsentReaction r { roomId, eventId, key, add };
    m_unsentReactions.removeIf([&](const LocalCache::UnsentReaction &u) {
        return u.eventId == eventId && u.key == key;
    });
    m_unsentReactions.append(r);
    m_cache.putUnsentReaction(r); // on disk before the network, like the outbox
    flushReactions();
}

void ChatClient::flushReactions()
{
    if (!m_running)
        return;
    for (const LocalCache::UnsentReaction &r : std::as_const(m_unsentReactions)) {
        const QString id = QString::number(r.eventId) + u' ' + r.key;
        if (m_reactionsInFlight.contains(id))
            continue; // a newer intent goes after this answer
        m_reactionsInFlight.insert(id);
        m_api.react(r.roomId, r.eventId, r.key, r.add, [this, r, id](Result<ReactionResult> res) {
            m_reactionsInFlight.remove(id);
            const bool transient = !res
                && (res.error().code == ErrorCode::Unavailable
                    || res.error().code == ErrorCode::Internal
                    || res.error().code == ErrorCode::RateLimited
                    || res.error().code == ErrorCode::RequestTimeout);
            if (transient)
                return; // kept: sent again after the next connect
            m_cache.dropUnsentReaction(r);
            const bool stillWanted = m_unsentReactions.removeIf(
                [&](const LocalCache::UnsentReaction &u) { return u == r; });
            if (!res)
                emit reactionRefused(r.roomId, r.eventId, r.key, res.error());
            if (!stillWanted)
                flushReactions(); // the user changed their mind meanwhile
        });
    }
}

void ChatClient::search(const QString &query, qint64 roomId, qint64 before, int limit,
                        std::function<void(Result<SearchAnswer>)> done)
{
    const auto fromCache = [this, query, roomId, before, limit, done] {
        auto local = m_cache.search(query, roomId, before, limit);
        if (!local)
            return done(local.error());
        done(SearchAnswer { local.value(), true });
    };
    if (!m_running || m_state.mode == ConnectionState::Mode::Offline)
        return fromCache();
    m_api.search(query, roomId, before, limit,
                 [fromCache, done](Result<SearchResults> r) {
                     if (r)
                         return done(SearchAnswer { r.value(), false });
                     const ErrorCode c = r.error().code;
                     if (c == ErrorCode::Unavailable || c == ErrorCode::RequestTimeout
                         || c == ErrorCode::Internal)
                         return fromCache(); // the server is away: what this device has
                     done(r.error());
                 });
}

void ChatClient::setTyping(qint64 roomId, bool active)
{
    if (m_realtime.state() == RealtimeConnection::State::Online)
        m_realtime.sendTyping(roomId, active);
}

void ChatClient::addRoundTrip(qint64 ms, bool webSocket)
{
    m_diag.roundTrips.append({ QDateTime::currentMSecsSinceEpoch(), ms, webSocket });
    if (m_diag.roundTrips.size() > Diagnostics::MaxSamples)
        m_diag.roundTrips.removeFirst();
}

Diagnostics ChatClient::diagnostics() const
{
    Diagnostics d = m_diag;
    d.reconnects = m_state.reconnects;
    d.retries = m_state.retries;
    d.cacheHits = m_cache.hits();
    d.cacheMisses = m_cache.misses();
    switch (m_state.mode) {
    case ConnectionState::Mode::Online:
        d.transport = u"WebSocket"_s;
        break;
    case ConnectionState::Mode::Degraded:
        d.transport = u"SSE + REST"_s;
        break;
    default:
        d.transport = u"none"_s;
    }
    return d;
}

void ChatClient::setNodes(const QList<QUrl> &nodes)
{
    m_nodes.clear();
    for (const QUrl &u : nodes)
        if (u.isValid() && !m_nodes.contains(u))
            m_nodes.append(u);
    m_node = std::max<qsizetype>(0, m_nodes.indexOf(m_api.server()));
}

void ChatClient::onRealtimeFailure()
{
    ++m_wsFailures;
    // A cluster: the next attempt (after the usual backoff) goes to the next node, and so on
    // round the list; REST and SSE follow, and the resume by seq makes the move seamless.
    if (m_nodes.size() > 1 && m_running) {
        m_node = (m_node + 1) % m_nodes.size();
        const QUrl next = m_nodes[m_node];
        qCInfo(lcChat).noquote() << "no session on" << m_api.server().authority() << ": trying"
                                 << next.authority();
        m_api.setServer(next);
        m_realtime.setServer(next);
        m_sse.setServer(next);
        ++m_diag.nodeSwitches;
    }
    if (m_wsFailures < m_options.sseAfterFailures || m_sse.isRunning() || !m_running)
        return;
    // Is it the WebSocket that is blocked, or the whole server that is away? Ask over HTTP.
    m_api.me([this](Result<User> r) {
        if (r && m_running && !m_sse.isRunning()
            && m_realtime.state() != RealtimeConnection::State::Online) {
            qCInfo(lcChat) << "WebSocket failed" << m_wsFailures
                           << "times while HTTP works: receiving over SSE";
            m_sse.start();
            updateState();
        }
    });
}

void ChatClient::updateState()
{
    ConnectionState s = m_state;
    s.breaker = m_api.breaker().state();
    s.reconnects = m_realtime.reconnects();
    s.nextRetryIn = std::chrono::milliseconds(0);
    if (!m_running)
        s.mode = ConnectionState::Mode::Offline;
    else if (m_realtime.state() == RealtimeConnection::State::Online)
        s.mode = ConnectionState::Mode::Online;
    else if (m_sse.isOpen())
        s.mode = ConnectionState::Mode::Degraded;
    else if (s.breaker == CircuitBreaker::State::Open)
        s.mode = ConnectionState::Mode::Offline;
    else
        s.mode = ConnectionState::Mode::Connecting;
    if (s.mode == ConnectionState::Mode::Connecting || s.mode == ConnectionState::Mode::Offline)
        s.nextRetryIn = m_realtime.nextRetryIn();
    if (s == m_state)
        return;
    m_state = s;
    emit connectionStateChanged(s);
}

} // namespace confab::client
