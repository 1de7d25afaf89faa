// Regressions for the holes an outside review found by probing the real server as an attacker
// on the LAN would (raw sockets, pipelining, floods, odd encodings). Each test fails on the code
// before its fix.
#include "testsupport.h"

#include "httpfrontend.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#ifdef __SANITIZE_ADDRESS__
extern "C" size_t __sanitizer_get_current_allocated_bytes(); // the ASan runtime's
#endif

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

const QByteArray kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

double gauge(TestServer &s, const QString &name)
{
    return s.server().metrics().gaugeValue(name);
}

// Opens a WebSocket the way a client would, waits until it is open, and returns it.
std::unique_ptr<QWebSocket> openWebSocket(quint16 port, const QByteArray &authorization = {})
{
    auto ws = std::make_unique<QWebSocket>();
    QNetworkRequest req(QUrl(QString(wsScheme() + u"://127.0.0.1:%1/api/v1/ws"_s).arg(port)));
    if (!authorization.isEmpty())
        req.setRawHeader("Authorization", authorization);
    ws->open(req);
    return ws;
}

// A raw TCP connection that has sent `bytes`; the caller reads or closes it.
std::unique_ptr<QTcpSocket> rawConnect(quint16 port, const QByteArray &bytes = {})
{
    auto s = connectRaw(port); // TLS in the _tls run
    if (!s)
        return nullptr;
    if (!bytes.isEmpty())
        s->write(bytes);
    return s;
}

// Registers `name` (password "password123") over REST; the answer.
HttpResult registerAs(TestServer &s, const QString &name)
{
    return s.post(u"/api/v1/auth/register"_s,
                  { { u"username"_s, name }, { u"password"_s, u"password123"_s } });
}

// Sends `request` on `n` connections at once and returns each answer's status, in order.
QList<int> inParallel(quint16 port, int n, const std::function<QByteArray(int)> &request,
                      QList<QByteArray> *answers = nullptr)
{
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < n; ++i) {
        sockets.push_back(connectRaw(port));
        if (!sockets.back())
            return {};
    }
    for (int i = 0; i < n; ++i)
        sockets[size_t(i)]->write(request(i));
    QList<QByteArray> got(n);
    spinUntil(
        [&] {
            bool all = true;
            for (int i = 0; i < n; ++i) {
                got[i] += sockets[size_t(i)]->readAll();
                all = all && sockets[size_t(i)]->state() == QAbstractSocket::UnconnectedState;
            }
            return all;
        },
        20000);
    QList<int> statuses;
    for (const QByteArray &g : got)
        statuses.append(rawStatus(g));
    if (answers)
        *answers = got;
    return statuses;
}

QByteArray postJson(const QByteArray &path, const QByteArray &body,
                    const QByteArray &extraHeaders = {})
{
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

QByteArray getWith(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extraHeaders + "\r\n";
}

} // namespace

class tst_Hardening : public QObject
{
    Q_OBJECT

private slots:
    // 1. Closed connections give back their per-address slot, whatever closed them.
    void closedConnectionsGiveBackTheirSlot_data();
    void closedConnectionsGiveBackTheirSlot();

    // 2. Every request on a connection passes the guard; nothing behind a stream or a closing
    // request is parsed, run or buffered.
    void aPipelinedRequestPassesTheGuardToo();
    void aRequestBehindAnSseStreamIsNeverAnswered();
    void bytesPipelinedBehindAStreamAreNotBuffered();
    void foldedOrSpacedHeadersAre400();

    // 3. Parallel guesses are counted while they are checked.
    void parallelWrongPasswordsAreLimited();
    // 4. Registration: limited per address, taken names cost no hashing, the queue is bounded.
    void registrationsAreLimitedPerAddress();
    void aTakenNameCostsNoHashing();
    void aFullHashingQueueAnswers503();
    // 5. An id in a path is written one way; anything else is 404.
    void nonCanonicalIdsAre404();
    // 6. An unmasked client frame fails the connection (1002) and is never processed.
    void unmaskedClientFramesAre1002();
    // 8. Names that lie are refused at the API.
    void namesThatLieAreRefused();
    // 9. /metrics: loopback by default, a listener of its own, a token.
    void metricsAreForThisMachineByDefault();
    void metricsOnTheirOwnListenerWithAToken();
};

void tst_Hardening::closedConnectionsGiveBackTheirSlot_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("websocket, client close") << u"ws-close"_s;
    QTest::newRow("websocket, client abort") << u"ws-abort"_s;
    QTest::newRow("websocket, 4401 bad token") << u"ws-4401"_s;
    QTest::newRow("websocket, 4408 no auth") << u"ws-4408"_s;
    QTest::newRow("sse") << u"sse"_s;
    QTest::newRow("plain http") << u"http"_s;
}

void tst_Hardening::closedConnectionsGiveBackTheirSlot()
{
    QFETCH(QString, kind);
    // The 4408 path waits for the server's auth timer: keep it short there.
    TestServer s([&](server::ServerConfig &c) {
        if (kind == u"ws-4408")
            c.authTimeoutMs = 20;
    });
    QVERIFY(s.ok());
    const QString token = kind == u"sse" ? s.signUp(u"alice"_s).token : QString();
    // 5,000 cycles from one address: ten times the default cap of 512.
    constexpr int kCycles = 5000;
    // 4408 cycles run in batches, side by side.
    const int batch = kind == u"ws-4408" ? 250 : 1;
    for (int done = 0; done < kCycles; done += batch) {
        if (kind.startsWith(u"ws-")) {
            const QByteArray auth = kind == u"ws-4401" ? "Bearer not-a-real-token" : QByteArray();
            std::vector<std::unique_ptr<QWebSocket>> open;
            for (int i = 0; i < batch; ++i)
                open.push_back(openWebSocket(s.port(), auth));
            for (auto &ws : open) {
                if (kind == u"ws-close" || kind == u"ws-abort") {
                    QVERIFY2(spinUntil([&] {
                                 return ws->state() == QAbstractSocket::ConnectedState;
                             }),
                             qPrintable(u"cycle %1"_s.arg(done)));
                    if (kind == u"ws-close")
                        ws->close();
                    else
                        ws->abort();
                }
                // Closed by the server (4401, 4408), or by us and the server's answer.
                QVERIFY2(spinUntil([&] {
                             return ws->state() == QAbstractSocket::UnconnectedState;
                         }),
                         qPrintable(u"cycle %1"_s.arg(done)));
                if (kind == u"ws-4401" || kind == u"ws-4408")
                    QVERIFY2(int(ws->closeCode()) == (kind == u"ws-4401" ? 4401 : 4408),
                             qPrintable(u"cycle %1: closed with %2"_s.arg(done).arg(
                                 int(ws->closeCode()))));
            }
        } else if (kind == u"sse") {
            auto c = rawConnect(s.port(),
                                "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                    + token.toLatin1() + "\r\n\r\n");
            QVERIFY(c);
            const QByteArray head
                = readUntil(*c, [](const QByteArray &b) { return b.contains("\r\n\r\n"); });
            QVERIFY2(head.startsWith("HTTP/1.1 200"), head.constData());
            c->abort();
        } else {
            auto c = rawConnect(s.port(), kHealthz);
            QVERIFY(c);
            const QByteArray r = readUntil(*c, [](const QByteArray &) { return false; });
            QCOMPARE(rawStatus(r), 200);
        }
    }
    // The slots come back: a normal request from the same address succeeds, and both gauges
    // fall to zero (once the helper's own kept connection is let go).
    s.closeIdleConnections();
    QTRY_COMPARE_WITH_TIMEOUT(gauge(s, u"confab_tcp_connections"_s), 0.0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(gauge(s, u"confab_ws_connections"_s), 0.0, 5000);
    QCOMPARE(rawStatus(rawExchange(s.port(), kHealthz)), 200);
    auto ws = openWebSocket(s.port(), "Bearer " + s.signUp(u"zed"_s).token.toLatin1());
    QVERIFY(spinUntil([&] { return ws->state() == QAbstractSocket::ConnectedState; }));
}

void tst_Hardening::aPipelinedRequestPassesTheGuardToo()
{
    TestServer s;
    const QByteArray body = R"({"username":"mallory","password":"password123"})";
    const QByteArray registration = "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    // Behind a request that closes the connection, nothing is run.
    QByteArray resp = rawExchange(s.port(), kHealthz + registration);
    QCOMPARE(resp.count("HTTP/1.1 "), 1);
    QCOMPARE(rawStatus(resp), 200);
    const auto login = s.post(u"/api/v1/auth/login"_s,
                              { { u"username"_s, u"mallory"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(login.status, 401); // had it run, mallory could log in now

    // Behind a kept request, each pipelined request is checked as the first was. A body over
    // the limit: 413 from the head alone, and the connection closes (the register behind it
    // and the body's bytes are never parsed).
    const QByteArray keep = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    resp = rawExchange(s.port(),
                       keep + "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 999999999\r\n\r\n"
                           + registration);
    QCOMPARE(resp.count("HTTP/1.1 "), 2);
    QVERIFY2(resp.contains("HTTP/1.1 413"), resp.constData());
    // A folded header behind a kept request: 400, closed.
    resp = rawExchange(s.port(), keep + "GET /healthz HTTP/1.1\r\nX-A: b\r\n c\r\n\r\n" + registration);
    QCOMPARE(resp.count("HTTP/1.1 "), 2);
    QVERIFY2(resp.contains("HTTP/1.1 400"), resp.constData());
    QCOMPARE(s.post(u"/api/v1/auth/login"_s,
                    { { u"username"_s, u"mallory"_s }, { u"password"_s, u"password123"_s } })
                 .status,
             401);
    // A valid one is run, in order, after the answer before it.
    resp = rawExchange(s.port(), keep + QByteArray(registration).replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n"));
    QCOMPARE(resp.count("HTTP/1.1 "), 2);
    QVERIFY2(resp.indexOf("HTTP/1.1 200") < resp.indexOf("HTTP/1.1 201"), resp.constData());
    QCOMPARE(registerAs(s, u"mallory"_s).status, 409);
}

void tst_Hardening::aRequestBehindAnSseStreamIsNeverAnswered()
{
    TestServer s;
    const QString token = s.signUp(u"alice"_s).token;
    auto c = rawConnect(s.port(),
                        "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + token.toLatin1() + "\r\n\r\n" + kHealthz);
    QVERIFY(c);
    QElapsedTimer t;
    t.start();
    const QByteArray got = readUntil(*c, [&](const QByteArray &) { return t.elapsed() > 500; });
    QVERIFY2(got.startsWith("HTTP/1.1 200"), got.constData());
    QVERIFY2(got.contains("text/event-stream"), got.constData());
    QCOMPARE(got.count("HTTP/1.1 "), 1); // the stream, and no answer written into it
    QCOMPARE(c->state(), QAbstractSocket::ConnectedState); // the stream goes on
}

void tst_Hardening::bytesPipelinedBehindAStreamAreNotBuffered()
{
    TestServer s;
    const QString token = s.signUp(u"alice"_s).token;
    // What the process holds: its RSS, or under AddressSanitizer (whose quarantine keeps freed
    // memory resident) the heap bytes in use.
    const auto rssKiB = [] {
#ifdef __SANITIZE_ADDRESS__
        return qint64(__sanitizer_get_current_allocated_bytes() / 1024);
#else
        QFile f(u"/proc/self/status"_s);
        f.open(QIODevice::ReadOnly);
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').first().toLongLong();
        }
        return qint64(0);
#endif
    };
    // A plain blocking socket in a thread of its own writes 128 MiB behind the request; the
    // server (in this thread) must read and drop them, not keep them.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    const QByteArray request = "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + token.toLatin1() + "\r\n\r\n";
    QCOMPARE(::send(fd, request.constData(), size_t(request.size()), 0), ssize_t(request.size()));
    const qint64 before = rssKiB();
    std::atomic<qint64> sent { 0 };
    std::thread writer([fd, &sent] {
        const QByteArray chunk(1 << 20, 'x');
        for (int i = 0; i < 128; ++i) {
            const ssize_t n = ::send(fd, chunk.constData(), size_t(chunk.size()), MSG_NOSIGNAL);
            if (n <= 0)
                return;
            sent += n;
        }
    });
    QVERIFY(spinUntil([&] { return sent >= (qint64(128) << 20); }, 60000));
    writer.join();
    QCoreApplication::processEvents();
    const qint64 grown = rssKiB() - before;
    ::close(fd);
    QVERIFY2(grown < 32 * 1024, qPrintable(u"RSS grew by %1 KiB"_s.arg(grown)));
}

void tst_Hardening::foldedOrSpacedHeadersAre400()
{
    TestServer s;
    // A header continued on the next line (obs-fold): the guard and a second parser could
    // disagree on where the body ends.
    QCOMPARE(rawStatus(rawExchange(s.port(), "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                             "X-A: b\r\n Content-Length: 5\r\n\r\nhello")),
             400);
    QCOMPARE(rawStatus(rawExchange(s.port(), "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n")), 400);
    QCOMPARE(rawStatus(rawExchange(s.port(),
                                   "POST /healthz HTTP/1.1\r\nContent-Length : 4\r\n\r\nabcd")),
             400);
    // Bare LF line ends, a sign in Content-Length.
    QCOMPARE(rawStatus(rawExchange(s.port(), "GET /healthz HTTP/1.1\nHost: x\r\n\r\n")), 400);
    QCOMPARE(rawStatus(rawExchange(s.port(),
                                   "POST /healthz HTTP/1.1\r\nContent-Length: +4\r\n\r\nabcd")),
             400);
    // A target with characters a URI may not hold (found by fuzz_http_request).
    QCOMPARE(rawStatus(rawExchange(s.port(), "GET /heal}thz HTTP/1.1\r\nHost: x\r\n\r\n")), 400);
    QCOMPARE(rawStatus(rawExchange(s.port(), "GET /healthz%zz HTTP/1.1\r\nHost: x\r\n\r\n")), 400);
    // And a clean request still passes.
    QCOMPARE(rawStatus(rawExchange(s.port(), kHealthz)), 200);
}

void tst_Hardening::unmaskedClientFramesAre1002()
{
    TestServer s;
    const auto room = s.aliceAndBobInARoom();
    auto c = rawConnect(s.port(),
                        "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer "
                            + room.alice.token.toLatin1() + "\r\n\r\n");
    QVERIFY(c);
    QByteArray got = readUntil(*c, [](const QByteArray &b) { return b.contains("\"hello\""); });
    QVERIFY2(got.startsWith("HTTP/1.1 101"), got.constData());
    const auto sendFrame = [&](const char *id, const char *body) -> QByteArray {
        return R"({"type":"send","id":")" + QByteArray(id) + R"(","roomId":)"
            + QByteArray::number(room.room) + R"(,"clientMsgId":")" + QByteArray(id)
            + R"(","body":")" + QByteArray(body) + R"("})";
    };
    // A masked frame is read and acknowledged.
    c->write(clientFrame(sendFrame("m1", "masked")));
    got = readUntil(*c, [](const QByteArray &b) { return b.contains("\"ack\""); });
    QVERIFY2(got.contains("\"ack\""), got.constData());
    // An unmasked one: the server answers with close 1002 and ends the connection.
    c->write(clientFrame(sendFrame("m2", "unmasked"), false));
    got = readUntil(*c, [](const QByteArray &) { return false; });
    QCOMPARE(c->state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(got.contains(QByteArray("\x88", 1)) && got.contains("\x03\xea"), got.toHex().constData());
    QVERIFY(!got.contains("\"ack\""));
    QCOMPARE(s.messageBodies(room.room, room.alice.token), QStringList { u"masked"_s });
}

void tst_Hardening::nonCanonicalIdsAre404()
{
    TestServer s;
    const auto alice = s.signUp(u"alice"_s);
    QCOMPARE(s.createRoom(alice.token, u"general"_s), 1);
    const auto get = [&](const QByteArray &path) {
        return rawStatus(rawExchange(s.port(),
                                     "GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                         + alice.token.toLatin1() + "\r\n\r\n"));
    };
    QCOMPARE(get("/api/v1/rooms/1"), 200);
    for (const QByteArray id : { "1%00junk", "%201%20", "1%0a", "+1", "01", "%2B1", "1.0", "0" })
        QVERIFY2(get("/api/v1/rooms/" + id) == 404, id.constData());
    QCOMPARE(get("/api/v1/rooms/1/events?limit=10"), 200);
    for (const QByteArray q : { "limit=+10", "limit=010", "limit=%2010", "after=-0" })
        QVERIFY2(get("/api/v1/rooms/1/events?" + q) == 400, q.constData());
}

void tst_Hardening::namesThatLieAreRefused()
{
    TestServer s;
    const auto alice = s.signUp(u"alice"_s);
    auto r = s.patch(u"/api/v1/users/me"_s, { { u"displayName"_s, u"ali\u202Eecb"_s } },
                     alice.token);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), u"invalid_value"_s);
    r = s.post(u"/api/v1/rooms"_s, { { u"name"_s, u"gen\u200Beral"_s } }, alice.token);
    QCOMPARE(r.status, 400);
    r = s.post(u"/api/v1/auth/register"_s,
               { { u"username"_s, u"\u202Ebob"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(r.status, 400);
    // Nothing changed.
    QCOMPARE(s.get(u"/api/v1/users/me"_s, alice.token).json().value(u"displayName"_s).toString(),
             QString());
    QCOMPARE(s.get(u"/api/v1/rooms"_s, alice.token).json().value(u"rooms"_s).toArray().size(), 0);
    // A name in a script that needs ZWNJ is fine.
    r = s.patch(u"/api/v1/users/me"_s,
                { { u"displayName"_s, u"\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"_s } },
                alice.token);
    QCOMPARE(r.status, 200);
}

void tst_Hardening::parallelWrongPasswordsAreLimited()
{
    TestServer s;
    s.signUp(u"alice"_s);
    const QList<int> statuses = inParallel(s.port(), 30, [](int) {
        return postJson("/api/v1/auth/login", R"({"username":"alice","password":"wrong-guess"})");
    });
    QCOMPARE(statuses.size(), 30);
    // Five guesses per window, however many arrive at once; the rest are told to wait.
    QCOMPARE(statuses.count(401), 5);
    QCOMPARE(statuses.count(429), 25);
    // And alice's real password is refused too until the window passes (per-username limit).
    const auto r = s.post(u"/api/v1/auth/login"_s,
                          { { u"username"_s, u"alice"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(r.status, 429);
    QVERIFY(r.header("Retry-After").toInt() > 0);
}

void tst_Hardening::registrationsAreLimitedPerAddress()
{
    TestServer s([](server::ServerConfig &c) { c.registrationsPerHour = 3; });
    for (int i = 0; i < 3; ++i)
        QCOMPARE(registerAs(s, u"user%1"_s.arg(i)).status, 201);
    const auto r = registerAs(s, u"user9"_s);
    QCOMPARE(r.status, 429);
    QCOMPARE(r.errorCode(), u"rate_limited"_s);
    const int wait = r.header("Retry-After").toInt();
    QVERIFY(wait > 0 && wait <= 3600);
    // An hour later the address may register again; the refused name was never created.
    s.advanceClock(3600 * 1000 + 1);
    QCOMPARE(registerAs(s, u"user9"_s).status, 201);
}

void tst_Hardening::aTakenNameCostsNoHashing()
{
    TestServer s;
    s.signUp(u"alice"_s);
    const auto hashes = [&] {
        return s.server().metrics().counterValue(u"confab_password_hashes_total"_s, {});
    };
    const double before = hashes();
    for (int i = 0; i < 50; ++i) {
        const auto r = registerAs(s, u"alice"_s);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.errorCode(), u"username_taken"_s);
    }
    QCOMPARE(hashes(), before);
}

void tst_Hardening::aFullHashingQueueAnswers503()
{
    // Real argon2id cost: 30 registrations at once outrun the pool, and the queue stays bounded.
    TestServer s([](server::ServerConfig &c) { c.passwordCost = u"interactive"_s; });
    QList<QByteArray> answers;
    const QList<int> statuses = inParallel(
        s.port(), 30,
        [](int i) {
            return postJson("/api/v1/auth/register",
                            R"({"username":"user)" + QByteArray::number(i)
                                + R"(","password":"password123"})");
        },
        &answers);
    QCOMPARE(statuses.size(), 30);
    QCOMPARE(statuses.count(201) + statuses.count(503), 30);
    QVERIFY2(statuses.count(503) >= 30 - 8, qPrintable(QString::number(statuses.count(503))));
    for (const QByteArray &a : answers) {
        if (rawStatus(a) == 503)
            QVERIFY2(a.contains("\r\nRetry-After: 1\r\n"), a.constData());
    }
    QVERIFY(s.server().metrics().counterValue(u"confab_password_hashes_total"_s, {}) <= 8);
}

void tst_Hardening::metricsAreForThisMachineByDefault()
{
    TestServer s;
    QCOMPARE(rawStatus(rawExchange(s.port(), getWith("/metrics"))), 200);
    // The same request as if it came from a colleague's machine (a real socket to answer on;
    // the peer address is what the route decides by).
    server::HttpRequest req;
    req.method = "GET";
    req.path = u"/metrics"_s;
    req.rawPath = "/metrics";
    req.peer = QHostAddress(u"192.0.2.10"_s);
    QTcpServer side;
    QVERIFY(side.listen(QHostAddress::LocalHost));
    QTcpSocket lanClient;
    lanClient.connectToHost(QHostAddress::LocalHost, side.serverPort());
    QVERIFY(side.waitForNewConnection(5000));
    QTcpSocket *accepted = side.nextPendingConnection();
    QVERIFY(lanClient.waitForConnected(5000));
    s.server().http().handle(accepted, req);
    const QByteArray got = readUntil(lanClient, [](const QByteArray &) { return false; });
    QCOMPARE(rawStatus(got), 403);
    QVERIFY(!got.contains("confab_"));
}

void tst_Hardening::metricsOnTheirOwnListenerWithAToken()
{
    const QString token = u"0123456789abcdef-metrics"_s;
    TestServer s([&](server::ServerConfig &c) {
        c.metricsAddress = QHostAddress::LocalHost;
        c.metricsPort = 0;
        c.metricsToken = token;
    });
    QVERIFY(s.ok());
    const quint16 port = s.server().metricsPort();
    QVERIFY(port != 0 && port != s.port());
    // Not on the main port any more.
    QCOMPARE(rawStatus(rawExchange(s.port(), getWith("/metrics"))), 404);
    // On its own port, only with the token.
    QCOMPARE(rawStatus(rawExchange(port, getWith("/metrics"))), 401);
    QCOMPARE(rawStatus(rawExchange(port, getWith("/metrics", "Authorization: Bearer "
                                                          + QByteArray(token.size(), 'x') + "\r\n"))),
             401);
    const QByteArray ok = rawExchange(port, getWith("/metrics", "Authorization: Bearer "
                                                                + token.toLatin1() + "\r\n"));
    QCOMPARE(rawStatus(ok), 200);
    QVERIFY(ok.contains("confab_tcp_connections"));
    // Nothing else is served there.
    QCOMPARE(rawStatus(rawExchange(port, getWith("/api/v1/rooms"))), 404);
    // And the guard's limits hold on it too.
    QCOMPARE(rawStatus(rawExchange(port, "GET /metrics HTTP/1.1\r\nX-Junk: "
                                             + QByteArray(20 * 1024, 'a') + "\r\n\r\n")),
             431);
}

QTEST_GUILESS_MAIN(tst_Hardening)
#include "tst_hardening.moc"
