// TLS on the one port, with real handshakes (QSslSocket, QWebSocket, QNetworkAccessManager
// against the server's own OpenSSL endpoint): what a plain-HTTP client, a half-open handshake,
// a reconnecting client and a kept-alive connection meet.
#include "testsupport.h"
#include "tls/tlscontext.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

void tlsOn(server::ServerConfig &c)
{
    c.tls = true;
}

// A TLS connection to the server in this thread (never blocking: the server must answer).
std::unique_ptr<QSslSocket> handshake(quint16 port, const QByteArray &ticket = {})
{
    auto s = std::make_unique<QSslSocket>();
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setSslOption(QSsl::SslOptionDisableSessionPersistence, false);
    if (!ticket.isEmpty())
        config.setSessionTicket(ticket);
    s->setSslConfiguration(config);
    s->connectToHostEncrypted(u"127.0.0.1"_s, port);
    if (!spinUntil([&] { return s->isEncrypted() || s->state() == QAbstractSocket::UnconnectedState; }))
        return nullptr;
    return s->isEncrypted() ? std::move(s) : nullptr;
}

// Reads one whole HTTP answer (head and Content-Length body) from `s`.
QByteArray readAnswer(QTcpSocket &s, QByteArray *buffer)
{
    QByteArray answer;
    spinUntil([&] {
        *buffer += s.readAll();
        const qsizetype end = buffer->indexOf("\r\n\r\n");
        if (end < 0)
            return s.state() == QAbstractSocket::UnconnectedState;
        const qsizetype at = buffer->toLower().indexOf("content-length: ");
        const qint64 length = at < 0 ? 0 : buffer->mid(at + 16, buffer->indexOf("\r\n", at) - at - 16).toLongLong();
        if (buffer->size() < end + 4 + length)
            return s.state() == QAbstractSocket::UnconnectedState;
        answer = buffer->left(end + 4 + length);
        buffer->remove(0, end + 4 + length);
        return true;
    });
    return answer;
}

// GET /healthz on `s`: the answer's status.
int getHealthz(QTcpSocket &s, QByteArray *buffer)
{
    s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    return rawStatus(readAnswer(s, buffer));
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

private slots:
    // Every helper of testsupport speaks TLS here, whatever the run.
    void initTestCase() { qputenv("CONFAB_TEST_TLS", "1"); QVERIFY(testTls()); }
    void theServerPresentsTheFingerprintItPrints();
    void plainHttpOnTheTlsPortIsToldAndTheServerServesOn();
    void aHandshakeLeftHalfOpenIsClosedAtTheDeadline();
    void garbageInsteadOfAHandshakeIsCut();
    void reconnectsResumeTheirSession();
    void keptAliveConnectionChecksEveryRequest();
    void aQuietKeptConnectionIsClosed();
    void aBurstOverWssArrivesWholeAndInOrder();
};

void tst_Tls::theServerPresentsTheFingerprintItPrints()
{
    TestServer s(tlsOn);
    QVERIFY(s.ok());
    trustCertificate(s.server().certificatePem());
    auto c = handshake(s.port());
    QVERIFY(c);
    QCOMPARE(QString::fromLatin1(
                 c->peerCertificate().digest(QCryptographicHash::Sha256).toHex(':').toUpper()),
             s.server().fingerprint());
    // The certificate names this machine: the loopback address and localhost.
    const auto names = c->peerCertificate().subjectAlternativeNames();
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(u"127.0.0.1"_s));
    QVERIFY(names.values(QSsl::DnsEntry).contains(u"localhost"_s));
    // TLS 1.2 at least.
    QVERIFY(c->sessionProtocol() == QSsl::TlsV1_3 || c->sessionProtocol() == QSsl::TlsV1_2);
}

void tst_Tls::plainHttpOnTheTlsPortIsToldAndTheServerServesOn()
{
    TestServer s(tlsOn);
    QTcpSocket plain;
    plain.connectToHost(QHostAddress::LocalHost, s.port());
    QVERIFY(plain.waitForConnected(2000));
    plain.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray got;
    QVERIFY(spinUntil([&] {
        got += plain.readAll();
        return plain.state() == QAbstractSocket::UnconnectedState;
    }));
    got += plain.readAll();
    QCOMPARE(rawStatus(got), 400);
    QVERIFY2(got.contains("https://"), got.constData()); // says what to do instead
    // And the server serves TLS clients on.
    trustCertificate(s.server().certificatePem());
    auto c = handshake(s.port());
    QVERIFY(c);
    QByteArray buffer;
    QCOMPARE(getHealthz(*c, &buffer), 200);
}

void tst_Tls::aHandshakeLeftHalfOpenIsClosedAtTheDeadline()
{
    TestServer s([](server::ServerConfig &c) {
        c.tls = true;
        c.requestTimeoutMs = 300;
    });
    // TCP open, then nothing; and a ClientHello cut in half.
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, s.port());
    QTcpSocket half;
    half.connectToHost(QHostAddress::LocalHost, s.port());
    QVERIFY(silent.waitForConnected(2000) && half.waitForConnected(2000));
    half.write(QByteArray::fromHex("160301020001000200030300")); // a record header and a start
    QElapsedTimer t;
    t.start();
    QVERIFY(spinUntil([&] {
        return silent.state() == QAbstractSocket::UnconnectedState
            && half.state() == QAbstractSocket::UnconnectedState;
    }, 3000));
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QVERIFY(silent.readAll().isEmpty()); // no HTTP answer in the middle of a handshake
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_tcp_connections"_s), 0.0);
}

void tst_Tls::garbageInsteadOfAHandshakeIsCut()
{
    TestServer s(tlsOn);
    QTcpSocket c;
    c.connectToHost(QHostAddress::LocalHost, s.port());
    QVERIFY(c.waitForConnected(2000));
    QByteArray junk(4096, '\x16'); // looks like a handshake record, is not one
    c.write(junk);
    QVERIFY(spinUntil([&] { return c.state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(s.server().metrics().counterValue(u"confab_guard_rejections_total"_s,
                                               { u"tls_handshake"_s }),
             1.0);
    QTRY_COMPARE(s.server().metrics().gaugeValue(u"confab_tcp_connections"_s), 0.0);
}

void tst_Tls::reconnectsResumeTheirSession()
{
    TestServer s(tlsOn);
    trustCertificate(s.server().certificatePem());
    auto first = handshake(s.port());
    QVERIFY(first);
    // TLS 1.3 sends the ticket after the handshake: wait for it.
    QByteArray buffer;
    QCOMPARE(getHealthz(*first, &buffer), 200);
    QVERIFY(spinUntil([&] { return !first->sslConfiguration().sessionTicket().isEmpty(); }));
    const QByteArray ticket = first->sslConfiguration().sessionTicket();
    first->disconnectFromHost();
    for (int i = 0; i < 5; ++i) {
        auto again = handshake(s.port(), ticket);
        QVERIFY(again);
        QByteArray b;
        QCOMPARE(getHealthz(*again, &b), 200);
    }
    // Qt does not say whether a session was resumed; OpenSSL on the server does.
    const auto resumed = s.server().metrics().counterValue(u"confab_tls_handshakes_total"_s,
                                                           { u"resumed"_s });
    QCOMPARE(resumed, 5.0);
}

void tst_Tls::keptAliveConnectionChecksEveryRequest()
{
    TestServer s(tlsOn);
    trustCertificate(s.server().certificatePem());
    auto c = handshake(s.port());
    QVERIFY(c);
    QByteArray buffer;
    for (int i = 0; i < 100; ++i) {
        if (i == 60) {
            // An oversize request in the middle: answered (413) from its head, then closed.
            c->write("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
            QCOMPARE(rawStatus(readAnswer(*c, &buffer)), 413);
            QVERIFY(spinUntil([&] { return c->state() == QAbstractSocket::UnconnectedState; }));
            c = handshake(s.port());
            QVERIFY(c);
            buffer.clear();
            continue;
        }
        // Every other one on the same connection: each gets its own answer, in turn.
        c->write(i % 2 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                       : "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
        const QByteArray answer = readAnswer(*c, &buffer);
        QCOMPARE(rawStatus(answer), i % 2 ? 200 : 404);
        QVERIFY(!answer.contains("Connection: close"));
    }
    QCOMPARE(c->state(), QAbstractSocket::ConnectedState);
    // Two connections served 100 requests (plus the handshake of each).
    QCOMPARE(s.server().metrics().counterValue(u"confab_tls_handshakes_total"_s, { u"full"_s }),
             2.0);
}

void tst_Tls::aQuietKeptConnectionIsClosed()
{
    TestServer s([](server::ServerConfig &c) {
        c.tls = true;
        c.keepAliveTimeoutMs = 200;
    });
    trustCertificate(s.server().certificatePem());
    auto c = handshake(s.port());
    QVERIFY(c);
    QByteArray buffer;
    QCOMPARE(getHealthz(*c, &buffer), 200);
    QElapsedTimer t;
    t.start();
    QVERIFY(spinUntil([&] { return c->state() == QAbstractSocket::UnconnectedState; }, 3000));
    QVERIFY(t.elapsed() >= 150);
    QVERIFY(buffer.isEmpty() && c->readAll().isEmpty()); // closed without a word
}

void tst_Tls::aBurstOverWssArrivesWholeAndInOrder()
{
    TestServer s(tlsOn);
    trustCertificate(s.server().certificatePem());
    const auto room = s.aliceAndBobInARoom();
    WsClient alice(s.port(), {}, true);
    WsClient bob(s.port(), {}, true);
    QVERIFY(alice.enter(room.alice.token, room.room));
    QVERIFY(bob.enter(room.bob.token, room.room));
    // A burst: many frames gathered for bob in a pass, sealed together, all arrive in order.
    for (int i = 0; i < 200; ++i)
        QVERIFY(alice.send(room.room, u"m%1"_s.arg(i), u"hello %1"_s.arg(i)));
    QVERIFY(bob.waitFor([](const ServerFrame &f) {
        const auto *e = std::get_if<EventFrame>(&f.payload);
        return e && e->event.body() == u"hello 199";
    }));
    QStringList bodies;
    for (const RoomEvent &e : bob.events())
        bodies << e.body();
    QCOMPARE(bodies.size(), 200);
    for (int i = 0; i < 200; ++i)
        QCOMPARE(bodies.at(i), u"hello %1"_s.arg(i));
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
