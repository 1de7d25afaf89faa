// The SSE fallback endpoint (GET /api/v1/events) through a streaming QNetworkReply.
#include "testsupport.h"

#include <QNetworkReply>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct SseMessage
{
    QString event; // empty: the default "message"
    qint64 id = 0;
    QByteArray data;
};

// An SSE client: parses the stream into messages as it arrives.
class SseClient : public QObject
{
public:
    SseClient(const QUrl &url, const QString &token, const QByteArray &lastEventId = {})
    {
        QNetworkRequest req(url);
        req.setRawHeader("Accept", "text/event-stream");
        if (!token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        if (!lastEventId.isEmpty())
            req.setRawHeader("Last-Event-ID", lastEventId);
        reply = nam.get(req);
        connect(reply, &QNetworkReply::readyRead, this, [this] { parse(reply->readAll()); });
        connect(reply, &QNetworkReply::finished, this, [this] {
            parse(reply->readAll());
            finished = true;
        });
    }
    void parse(const QByteArray &bytes)
    {
        buffer += bytes;
        qsizetype end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
            const QByteArray block = buffer.left(end);
            buffer.remove(0, end + 2);
            SseMessage m;
            bool any = false;
            for (const QByteArray &line : block.split('\n')) {
                if (line.startsWith(':')) {
                    ++comments;
                } else if (line.startsWith("id: ")) {
                    m.id = line.mid(4).toLongLong();
                } else if (line.startsWith("event: ")) {
                    m.event = QString::fromUtf8(line.mid(7));
                    any = true;
                } else if (line.startsWith("data: ")) {
                    m.data = line.mid(6);
                    any = true;
                }
            }
            if (any)
                messages.append(m);
        }
    }
    QList<RoomEvent> events() const
    {
        QList<RoomEvent> out;
        for (const auto &m : messages) {
            const auto f = parseServerFrame(m.data);
            if (f && std::holds_alternative<EventFrame>(f->payload)) {
                out.append(std::get<EventFrame>(f->payload).event);
                if (out.last().id != m.id)
                    qWarning("SSE id %lld does not match event id %lld", m.id, out.last().id);
            }
        }
        return out;
    }
    int status() const
    {
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }

    QNetworkAccessManager nam;
    QNetworkReply *reply = nullptr;
    QByteArray buffer;
    QList<SseMessage> messages;
    int comments = 0;
    bool finished = false;
};

QList<qint64> ids(const QList<RoomEvent> &events)
{
    QList<qint64> out;
    for (const auto &e : events)
        out.append(e.id);
    return out;
}

qint64 postMessage(TestServer &s, qint64 room, const QString &token, const QString &cid)
{
    return s
        .post(u"/api/v1/rooms/%1/messages"_s.arg(room),
              { { u"clientMsgId"_s, cid }, { u"body"_s, cid } }, token)
        .json()[u"eventId"_s]
        .toInteger();
}

} // namespace

class tst_Sse : public QObject
{
    Q_OBJECT

private slots:
    void streamsLiveEventsOfMyRoomsOnly();
    void lastEventIdReplaysExactlyWhatWasMissedFirst();
    void keepalivesFlowWhileIdle();
    void logoutEndsTheStream();
    void badRequestsAreJsonErrors();
};

void tst_Sse::streamsLiveEventsOfMyRoomsOnly()
{
    TestServer s;
    const auto a = s.signUp(u"amy"_s);
    const auto b = s.signUp(u"bob"_s);
    const qint64 shared = s.createRoom(a.token, u"shared"_s);
    const qint64 other = s.createRoom(b.token, u"bobs"_s, u"private"_s);
    s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(shared), {}, b.token);
    SseClient sse(s.url(u"/api/v1/events"_s), a.token);
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_sse_streams"_s), 1.0);
    QCOMPARE(sse.status(), 200);
    QCOMPARE(sse.reply->header(QNetworkRequest::ContentTypeHeader).toString(),
             u"text/event-stream"_s);
    postMessage(s, other, b.token, u"private-to-bob"_s);
    const qint64 id = postMessage(s, shared, b.token, u"for-amy"_s);
    QTRY_COMPARE(ids(sse.events()), QList<qint64> { id });
    QCOMPARE(sse.events().first().body(), u"for-amy"_s);
}

void tst_Sse::lastEventIdReplaysExactlyWhatWasMissedFirst()
{
    TestServer s;
    const auto a = s.signUp(u"cid"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    const qint64 seen = postMessage(s, room, a.token, u"seen"_s);
    QList<qint64> missed;
    for (int i = 0; i < 4; ++i)
        missed.append(postMessage(s, room, a.token, u"missed%1"_s.arg(i)));
    SseClient sse(s.url(u"/api/v1/events"_s), a.token, QByteArray::number(seen));
    QTRY_COMPARE(ids(sse.events()), missed);
    const qint64 live = postMessage(s, room, a.token, u"live"_s);
    QTRY_COMPARE(ids(sse.events()), missed + QList<qint64> { live });
}

void tst_Sse::keepalivesFlowWhileIdle()
{
    TestServer s([](server::ServerConfig &c) { c.heartbeatMs = 100; });
    const auto a = s.signUp(u"dee"_s);
    SseClient sse(s.url(u"/api/v1/events"_s), a.token);
    QTRY_VERIFY(sse.comments >= 2);
    QVERIFY(!sse.finished);
}

void tst_Sse::logoutEndsTheStream()
{
    TestServer s;
    const auto a = s.signUp(u"eli"_s);
    SseClient sse(s.url(u"/api/v1/events"_s), a.token);
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_sse_streams"_s), 1.0);
    QCOMPARE(s.request("POST", u"/api/v1/auth/logout"_s, {}, a.token).status, 204);
    QTRY_VERIFY(sse.finished);
    QVERIFY(!sse.messages.isEmpty());
    QCOMPARE(sse.messages.last().event, u"close"_s);
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_sse_streams"_s), 0.0);
}

void tst_Sse::badRequestsAreJsonErrors()
{
    TestServer s;
    const auto a = s.signUp(u"fay"_s);
    QCOMPARE(s.get(u"/api/v1/events"_s).errorCode(), u"unauthorized"_s);
    const auto bad
        = s.request("GET", u"/api/v1/events"_s, {}, a.token, { { "Last-Event-ID", "yesterday" } });
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.errorCode(), u"invalid_value"_s);
}

QTEST_GUILESS_MAIN(tst_Sse)
#include "tst_sse.moc"
