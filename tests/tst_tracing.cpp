// Tracing (docs/operations.md, "Tracing"): the server exports spans for HTTP requests, WebSocket
// sends (accept → commit → fan-out) and storage commits as OTLP/HTTP JSON to a collector, here a
// small receiver written for the test (an HTTP server that keeps what it is sent). The client's
// send span and the server's spans form one trace. A collector that is away or silent never
// holds up a send; what cannot be exported is dropped and counted, within a bounded queue.
#include "chatclient.h"
#include "clientoptions.h"
#include "otlp/spanexporter.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct ReceivedSpan
{
    QString service, traceId, spanId, parentSpanId, name;
    int kind = 0;
    qint64 start = 0, end = 0;
    QJsonObject attributes; // key → the value's JSON (stringValue, intValue...) flattened
    bool error = false;
};

// An OTLP/HTTP JSON receiver: POST /v1/traces, answers 200 {} (or nothing, when silent).
class OtlpReceiver : public QObject
{
public:
    OtlpReceiver()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1/v1/traces"_s.arg(m_server.serverPort())); }
    void setSilent(bool silent) { m_silent = silent; }

    QList<ReceivedSpan> spans;
    int requests = 0;

    QList<ReceivedSpan> named(const QString &name) const
    {
        QList<ReceivedSpan> out;
        for (const auto &s : spans) {
            if (s.name == name)
                out.append(s);
        }
        return out;
    }

private:
    void onData(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        const qsizetype end = buf.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QByteArray head = buf.left(end).toLower();
        const qsizetype cl = head.indexOf("content-length:");
        const int length
            = cl < 0 ? 0 : head.mid(cl + 15, head.indexOf('\r', cl) - cl - 15).trimmed().toInt();
        if (buf.size() < end + 4 + length)
            return;
        const QByteArray body = buf.mid(end + 4, length);
        buf.remove(0, end + 4 + length);
        ++requests;
        parse(QJsonDocument::fromJson(body).object());
        if (!m_silent)
            s->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    }

    void parse(const QJsonObject &request)
    {
        for (const QJsonValue &rs : request[u"resourceSpans"_s].toArray()) {
            QString service;
            for (const QJsonValue &a : rs[u"resource"_s][u"attributes"_s].toArray()) {
                if (a[u"key"_s].toString() == u"service.name")
                    service = a[u"value"_s][u"stringValue"_s].toString();
            }
            for (const QJsonValue &ss : rs[u"scopeSpans"_s].toArray()) {
                for (const QJsonValue &sp : ss[u"spans"_s].toArray()) {
                    ReceivedSpan r;
                    r.service = service;
                    r.traceId = sp[u"traceId"_s].toString();
                    r.spanId = sp[u"spanId"_s].toString();
                    r.parentSpanId = sp[u"parentSpanId"_s].toString();
                    r.name = sp[u"name"_s].toString();
                    r.kind = sp[u"kind"_s].toInt();
                    r.start = sp[u"startTimeUnixNano"_s].toString().toLongLong();
                    r.end = sp[u"endTimeUnixNano"_s].toString().toLongLong();
                    for (const QJsonValue &a : sp[u"attributes"_s].toArray()) {
                        const QJsonObject v = a[u"value"_s].toObject();
                        r.attributes.insert(a[u"key"_s].toString(), v.begin().value());
                    }
                    r.error = sp[u"status"_s][u"code"_s].toInt() == 2;
                    spans.append(r);
                }
            }
        }
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    bool m_silent = false;
};

} // namespace

class TestTracing : public QObject
{
    Q_OBJECT

private slots:
    void serverSpansForHttpSendsAndCommits();
    void clientAndServerShareOneTrace();
    void aSilentCollectorNeverHoldsUpSendsAndDropsAreCounted();
    void theQueueIsBounded();
};

void TestTracing::serverSpansForHttpSendsAndCommits()
{
    OtlpReceiver collector;
    TestServer s([&](server::ServerConfig &c) { c.otlpEndpoint = collector.url(); });
    QVERIFY(s.ok());
    const auto duo = s.aliceAndBobInARoom();
    WsClient ws(s.port());
    QVERIFY(ws.login(duo.alice.token));

    // A send under the client's trace.
    const otlp::TraceContext client = otlp::TraceContext::newRoot();
    ws.sendFrame(
        { u"t1"_s, SendFrame { duo.room, u"m1"_s, u"traced"_s, client.traceparent(), 0 } });
    QVERIFY(ws.waitFor([](const ServerFrame &f) { return f.id == u"t1"; }) >= 0);
    // A history page with a traceparent header.
    const otlp::TraceContext page = otlp::TraceContext::newRoot();
    const auto events
        = s.request("GET", u"/api/v1/rooms/%1/events?after=0"_s.arg(duo.room), {}, duo.alice.token,
                    { { "traceparent", page.traceparent().toLatin1() } });
    QCOMPARE(events.status, 200);

    // Every span of that trace, and the page's (they may come in different batches).
    const QString traceHex = QString::fromLatin1(client.traceId.toHex());
    const auto has = [&](const QString &name) {
        const auto list = collector.named(name);
        return std::any_of(list.begin(), list.end(),
                           [&](const ReceivedSpan &x) { return x.traceId == traceHex; });
    };
    QVERIFY(spinUntil(
        [&] {
            return has(u"confab.send"_s) && has(u"confab.commit"_s) && has(u"confab.fanout"_s)
                && !collector.named(u"storage.commit"_s).isEmpty()
                && !collector.named(u"HTTP GET /api/v1/rooms/{id}/events"_s).isEmpty();
        },
        10000));
    ReceivedSpan send;
    for (const auto &sp : collector.named(u"confab.send"_s)) {
        if (sp.traceId == traceHex)
            send = sp;
    }
    QCOMPARE(send.service, u"confab-server"_s);
    QCOMPARE(send.parentSpanId, QString::fromLatin1(client.spanId.toHex()));
    QCOMPARE(send.kind, 2); // server
    QCOMPARE(send.attributes[u"confab.seq"_s].toString(), u"4"_s);
    QVERIFY(send.end >= send.start);
    // Accept → commit → fan-out, inside the send.
    for (const QString &child : { u"confab.commit"_s, u"confab.fanout"_s }) {
        const auto list = collector.named(child);
        const auto it = std::find_if(list.begin(), list.end(),
                                     [&](const ReceivedSpan &x) { return x.traceId == traceHex; });
        QVERIFY2(it != list.end(), qPrintable(child));
        QCOMPARE(it->parentSpanId, send.spanId);
        QVERIFY(it->start >= send.start && it->end <= send.end);
    }
    const auto http = collector.named(u"HTTP GET /api/v1/rooms/{id}/events"_s).first();
    QCOMPARE(http.traceId, QString::fromLatin1(page.traceId.toHex()));
    QCOMPARE(http.parentSpanId, QString::fromLatin1(page.spanId.toHex()));
    QCOMPARE(http.attributes[u"http.status_code"_s].toString(), u"200"_s);
    // Storage commits: their own traces, with the batch's size.
    const auto commits = collector.named(u"storage.commit"_s);
    QVERIFY(!commits.isEmpty());
    QVERIFY(commits.first().attributes[u"confab.batch.jobs"_s].toString().toInt() >= 1);
    QVERIFY(commits.first().parentSpanId.isEmpty());
}

void TestTracing::clientAndServerShareOneTrace()
{
    OtlpReceiver collector;
    TestServer s([&](server::ServerConfig &c) { c.otlpEndpoint = collector.url(); });
    const auto duo = s.aliceAndBobInARoom();
    otlp::SpanExporter clientTracer({ collector.url(), u"confab"_s, u"test"_s });
    auto options = fastChatClientOptions();
    options.tracer = &clientTracer;
    QTemporaryDir dir;
    client::ChatClient alice(s.url({}), duo.alice.token, dir.filePath(u"alice"_s), options);
    QVERIFY(alice.start().ok());
    QTRY_COMPARE(alice.connectionState().mode, client::ConnectionState::Mode::Online);
    QVERIFY(alice.send(duo.room, u"from the client"_s).ok());
    QTRY_COMPARE(s.messageBodies(duo.room, duo.alice.token).size(), 1);
    // (Not clientTracer.flush(): it waits on this thread, where the receiver must answer.)
    QVERIFY(spinUntil(
        [&] {
            return !collector.named(u"confab.client.send"_s).isEmpty()
                && !collector.named(u"confab.send"_s).isEmpty();
        },
        10000));
    const ReceivedSpan mine = collector.named(u"confab.client.send"_s).first();
    QCOMPARE(mine.service, u"confab"_s);
    QCOMPARE(mine.kind, 3); // client
    QVERIFY(mine.parentSpanId.isEmpty());
    const ReceivedSpan theirs = collector.named(u"confab.send"_s).first();
    QCOMPARE(theirs.service, u"confab-server"_s);
    QCOMPARE(theirs.traceId, mine.traceId); // one trace
    QCOMPARE(theirs.parentSpanId, mine.spanId);
    QVERIFY(mine.start <= theirs.start && theirs.end <= mine.end);
}

void TestTracing::aSilentCollectorNeverHoldsUpSendsAndDropsAreCounted()
{
    OtlpReceiver collector;
    collector.setSilent(true); // takes the requests, never answers
    TestServer s([&](server::ServerConfig &c) { c.otlpEndpoint = collector.url(); });
    const auto duo = s.aliceAndBobInARoom();
    WsClient ws(s.port());
    QVERIFY(ws.login(duo.alice.token));
    for (int i = 0; i < 200; ++i)
        QVERIFY(ws.send(duo.room, u"m%1"_s.arg(i), u"message %1"_s.arg(i)));
    QCOMPARE(s.messageBodies(duo.room, duo.alice.token).size(), 200);
    // The exporter's request times out (5 s); its spans are dropped and counted.
    QVERIFY(spinUntil(
        [&] {
            return s.server().metrics().counterValue(u"confab_trace_spans_dropped_total"_s) > 0;
        },
        15000));
    QVERIFY(collector.requests >= 1);
}

void TestTracing::theQueueIsBounded()
{
    OtlpReceiver collector;
    collector.setSilent(true);
    otlp::SpanExporter exporter({ collector.url(), u"t"_s, u"t"_s, /*maxQueued*/ 100,
                                  /*maxBatch*/ 50, /*intervalMs*/ 60000, /*timeoutMs*/ 60000 });
    quint64 counted = 0;
    exporter.setOnDropped([&](quint64 n) { counted += n; });
    const otlp::TraceContext t = otlp::TraceContext::newRoot();
    for (int i = 0; i < 1000; ++i)
        exporter.record(otlp::Span::of(t.child(), t, u"x"_s, otlp::SpanKind::Internal, 0));
    // At most 100 wait (or are on their way); the rest were dropped at once, and counted.
    QVERIFY(exporter.dropped() >= 850);
    QCOMPARE(counted, exporter.dropped());
    QCOMPARE(exporter.exported(), 0u);
}

QTEST_MAIN(TestTracing)
#include "tst_tracing.moc"
