// The connection guard (the server's one HTTP parser), exercised with raw sockets the way a hostile
// or broken peer would: every abuse gets a JSON error status and no memory is spent on it.
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

class tst_ConnectionGuard : public QObject
{
    Q_OBJECT

private slots:
    void validRequestPassesThrough();
    void oversizedHeadersAre431();
    void oversizedBodyIs413WithoutSendingIt();
    void chunkedBodyIs411();
    void malformedRequestLineIs400();
    void slowTricklingRequestIs408();
    void connectionsPerAddressAreCapped();
    void expectContinueIsAnswered();
    void webSocketUpgradeOnOtherPathIs404();
    void rejectionsAreCountedInMetrics();
};

void tst_ConnectionGuard::validRequestPassesThrough()
{
    TestServer s;
    const auto resp = rawExchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(rawStatus(resp), 200);
}

void tst_ConnectionGuard::oversizedHeadersAre431()
{
    TestServer s;
    const QByteArray junk = "X-Junk: " + QByteArray(20 * 1024, 'a') + "\r\n";
    const auto resp = rawExchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n" + junk + "\r\n");
    QCOMPARE(rawStatus(resp), 431);
    QVERIFY(resp.contains(R"("code":"headers_too_large")"));
}

void tst_ConnectionGuard::oversizedBodyIs413WithoutSendingIt()
{
    TestServer s;
    // Only the headers are sent: the answer must come from Content-Length alone.
    const auto resp = rawExchange(
        s.port(),
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
    QCOMPARE(rawStatus(resp), 413);
    QVERIFY(resp.contains(R"("code":"payload_too_large")"));
}

void tst_ConnectionGuard::chunkedBodyIs411()
{
    TestServer s;
    const auto resp = rawExchange(s.port(),
                                  "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    QCOMPARE(rawStatus(resp), 411);
}

void tst_ConnectionGuard::malformedRequestLineIs400()
{
    TestServer s;
    QCOMPARE(rawStatus(rawExchange(s.port(), "HELLO\r\n\r\n")), 400);
    QCOMPARE(rawStatus(rawExchange(s.port(), "GET /x HTTP/1.1\r\nContent-Length: -4\r\n\r\n")),
             400);
}

void tst_ConnectionGuard::slowTricklingRequestIs408()
{
    TestServer s([](server::ServerConfig &c) { c.requestTimeoutMs = 300; });
    const auto connected = connectRaw(s.port(), 2000);
    QVERIFY(connected);
    QTcpSocket &sock = *connected;
    QByteArray received;
    connect(&sock, &QTcpSocket::readyRead, this, [&] { received += sock.readAll(); });
    // A byte every 50 ms never completes the headers within 300 ms.
    const QByteArray request = "GET /healthz HTTP/1.1\r\nHost: example\r\n";
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < request.size() && sock.state() == QAbstractSocket::ConnectedState
         && t.elapsed() < 3000;
         ++i) {
        sock.write(request.mid(i, 1));
        QTest::qWait(50);
    }
    QTRY_VERIFY_WITH_TIMEOUT(sock.state() != QAbstractSocket::ConnectedState, 3000);
    QCOMPARE(rawStatus(received), 408);
}

void tst_ConnectionGuard::connectionsPerAddressAreCapped()
{
    TestServer s([](server::ServerConfig &c) { c.maxConnectionsPerAddress = 3; });
    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(connectRaw(s.port(), 2000));
        QVERIFY(held.back());
    }
    // Let the server accept the three idle connections.
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_tcp_connections"_s), 3.0);
    const auto resp = rawExchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    if (testTls()) {
        // With TLS no answer can be written before a handshake, and a handshake is what the
        // cap saves: the connection is cut at once.
        QCOMPARE(rawStatus(resp), 0);
        QCOMPARE(s.server().metrics().counterValue(u"confab_guard_rejections_total"_s,
                                                   { u"too_many_connections"_s }),
                 1.0);
    } else {
        QCOMPARE(rawStatus(resp), 503);
        QVERIFY(resp.contains(R"("code":"too_many_connections")"));
    }
    // Closing one frees a slot.
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_tcp_connections"_s), 3.0);
    held.pop_back();
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_tcp_connections"_s), 2.0);
    QCOMPARE(rawStatus(rawExchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 200);
}

void tst_ConnectionGuard::expectContinueIsAnswered()
{
    TestServer s;
    const auto connected = connectRaw(s.port(), 2000);
    QVERIFY(connected);
    QTcpSocket &sock = *connected;
    sock.write("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
               "Expect: 100-continue\r\n\r\n");
    QByteArray received;
    connect(&sock, &QTcpSocket::readyRead, this, [&] { received += sock.readAll(); });
    QTRY_VERIFY(received.startsWith("HTTP/1.1 100 Continue"));
    sock.write("{}");
    QTRY_VERIFY(received.contains("HTTP/1.1 405"));
}

void tst_ConnectionGuard::webSocketUpgradeOnOtherPathIs404()
{
    TestServer s;
    const auto resp = rawExchange(s.port(),
                                  "GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    QCOMPARE(rawStatus(resp), 404);
}

void tst_ConnectionGuard::rejectionsAreCountedInMetrics()
{
    TestServer s;
    rawExchange(s.port(), "POST /x HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n");
    QCOMPARE(s.server().metrics().counterValue(u"confab_guard_rejections_total"_s,
                                               { u"payload_too_large"_s }),
             1.0);
}

QTEST_GUILESS_MAIN(tst_ConnectionGuard)
#include "tst_connectionguard.moc"
