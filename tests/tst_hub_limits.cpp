// The hub's liveness and memory bounds against peers that misbehave at the TCP level:
// a peer that never answers pings is dropped; a consumer that stops reading is cut, not buffered;
// the pings of many connections are spread over the interval, not sent in one burst.
#include "realtimehub.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

// A client-to-server (masked) text frame.
QByteArray maskedTextFrame(const QByteArray &payload)
{
    QByteArray f;
    f.append(char(0x81));
    if (payload.size() < 126) {
        f.append(char(0x80 | payload.size()));
    } else {
        f.append(char(0x80 | 126));
        f.append(char((payload.size() >> 8) & 0xff));
        f.append(char(payload.size() & 0xff));
    }
    const char mask[4] = { 0x11, 0x22, 0x33, 0x44 };
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

// Performs the WebSocket handshake by hand with a bearer token; the socket is then left alone
// (with `rest`: read in chunks, and what followed the handshake is put there).
std::unique_ptr<QTcpSocket> rawWebSocket(quint16 port, const QString &token,
                                         QByteArray *rest = nullptr)
{
    auto sock = connectRaw(port, 3000); // QSslSocket in the _tls run
    if (!sock)
        return nullptr;
    sock->write("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer "
                + token.toLatin1() + "\r\n\r\n");
    QByteArray head;
    QElapsedTimer t;
    t.start();
    while (!head.contains("\r\n\r\n") && t.elapsed() < 3000) {
        QTest::qWait(rest ? 1 : 5);
        head += rest ? sock->readAll() : sock->read(1); // byte by byte: leave later frames unread
    }
    if (!head.startsWith("HTTP/1.1 101"))
        return nullptr;
    if (rest)
        *rest = head.mid(head.indexOf("\r\n\r\n") + 4);
    return sock;
}

} // namespace

class tst_HubLimits : public QObject
{
    Q_OBJECT

private slots:
    void silentPeerIsDroppedByHeartbeat();
    void answeringPeerIsKept();
    void pingsAreSpreadOverTheInterval();
    void consumerThatStopsReadingIsCut();
};

void tst_HubLimits::silentPeerIsDroppedByHeartbeat()
{
    TestServer s([](server::ServerConfig &c) { c.heartbeatMs = 100; });
    const auto a = s.signUp(u"silent"_s);
    auto sock = rawWebSocket(s.port(), a.token);
    QVERIFY(sock);
    QTRY_COMPARE_WITH_TIMEOUT(
        s.server().metrics().counterValue(u"confab_ws_closed_total"_s, { u"heartbeat"_s }), 1.0,
        3000);
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_ws_connections"_s), 0.0);
}

void tst_HubLimits::answeringPeerIsKept()
{
    TestServer s([](server::ServerConfig &c) { c.heartbeatMs = 100; });
    const auto a = s.signUp(u"chatty"_s);
    WsClient w(s.port()); // QWebSocket answers pings by itself
    QVERIFY(w.login(a.token));
    QTest::qWait(600);
    QVERIFY(!w.isClosed());
    QCOMPARE(s.server().metrics().counterValue(u"confab_ws_closed_total"_s, { u"heartbeat"_s }),
             0.0);
}

void tst_HubLimits::pingsAreSpreadOverTheInterval()
{
    // Thousands of connections pinged at the same instant held the hub's thread for ~150 ms
    // every interval: every delivery then waited. Each connection must still get its ping once
    // per interval, but not all of them at once.
    constexpr int kInterval = 800;
    TestServer s([](server::ServerConfig &c) { c.heartbeatMs = kInterval; });
    const auto a = s.signUp(u"many"_s);
    struct Peer
    {
        std::unique_ptr<QTcpSocket> sock;
        QByteArray in;
        qint64 firstPingMs = -1;
    };
    std::vector<Peer> peers;
    for (int i = 0; i < 16; ++i) {
        Peer p;
        p.sock = rawWebSocket(s.port(), a.token, &p.in);
        QVERIFY(p.sock);
        peers.push_back(std::move(p));
    }
    // Frames are parsed from the handshake on (server frames are unmasked: opcode, length of 7
    // or 7+16 bits, payload); pings count from the moment the last connection was up.
    QElapsedTimer t;
    auto read = [&](Peer &p) {
        p.in += p.sock->readAll();
        while (p.in.size() >= 2) {
            qsizetype len = quint8(p.in[1]) & 0x7f, header = 2;
            if (len == 126) {
                if (p.in.size() < 4)
                    break;
                len = (quint8(p.in[2]) << 8) | quint8(p.in[3]);
                header = 4;
            }
            if (p.in.size() < header + len)
                break;
            if ((quint8(p.in[0]) & 0x0f) == 0x9 && p.firstPingMs < 0 && t.isValid())
                p.firstPingMs = t.elapsed();
            p.in.remove(0, header + len);
        }
    };
    for (Peer &p : peers)
        read(p);
    t.start();
    auto allPinged = [&] {
        return std::all_of(peers.begin(), peers.end(),
                           [](const Peer &p) { return p.firstPingMs >= 0; });
    };
    while (!allPinged() && t.elapsed() < 3 * kInterval) {
        QTest::qWait(2);
        for (Peer &p : peers)
            read(p);
    }
    QVERIFY2(allPinged(), "every connection is pinged");
    const auto [first, last] = std::minmax_element(
        peers.begin(), peers.end(),
        [](const Peer &x, const Peer &y) { return x.firstPingMs < y.firstPingMs; });
    const qint64 span = last->firstPingMs - first->firstPingMs;
    QVERIFY2(span >= kInterval / 2, qPrintable(u"pings came within %1 ms"_s.arg(span)));
    QVERIFY2(span <= kInterval + 200, qPrintable(u"pings came over %1 ms"_s.arg(span)));
}

void tst_HubLimits::consumerThatStopsReadingIsCut()
{
    TestServer s;
    const auto writer = s.signUp(u"writer"_s);
    const auto sleeper = s.signUp(u"sleeper"_s);
    const qint64 room = s.createRoom(writer.token, u"firehose"_s);
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, sleeper.token).status,
             200);

    auto sock = rawWebSocket(s.port(), sleeper.token);
    QVERIFY(sock);
    sock->write(maskedTextFrame(R"({"type":"resume","rooms":[]})"));
    sock->flush();
    // From now on nothing is read: the kernel buffers fill, then the server's own.
    sock->setReadBufferSize(1);

    WsClient w(s.port());
    QVERIFY(w.login(writer.token));
    QVERIFY(w.resume({}));
    const QString body(4000, u'x');
    int sent = 0;
    const auto cut = [&] {
        return s.server().metrics().counterValue(u"confab_ws_closed_total"_s,
                                                 { u"slow_consumer"_s });
    };
    const qsizetype base = w.frames.size();
    QElapsedTimer t;
    t.start();
    while (cut() < 1 && sent < 20000 && t.elapsed() < 30000) {
        for (int i = 0; i < 100; ++i, ++sent)
            w.sendFrame({ {}, SendFrame { room, u"f%1"_s.arg(sent), body, {}, 0 } });
        // The writer reads everything it is sent (an ack and an event per message) before the
        // next batch, so only the sleeper falls behind, however slow this machine is.
        QTRY_VERIFY_WITH_TIMEOUT(w.frames.size() >= base + 2 * sent || w.isClosed(), 10000);
        QVERIFY2(!w.isClosed(), "the writer, which keeps reading, was cut");
    }
    QCOMPARE(cut(), 1.0);
    // The writer, a good consumer, was not cut and keeps receiving.
    QVERIFY(!w.isClosed());
    QVERIFY(w.send(room, u"after"_s, u"still flowing"_s));
}

QTEST_GUILESS_MAIN(tst_HubLimits)
#include "tst_hub_limits.moc"
