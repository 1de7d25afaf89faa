// Helpers shared by the server tests: a real ConfabServer on 127.0.0.1 port 0 with a temporary
// data directory, and blocking HTTP helpers (they spin the event loop, the server keeps running).
#pragma once

#include "confabserver.h"

#include <QByteArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QUrl>
#include <QWebSocket>

#include "frames.h"

#include <atomic>
#include <memory>

class QTcpSocket;

namespace confab::test {

// CONFAB_TEST_TLS=1 (CTest's "_tls" runs): every TestServer serves TLS, every helper below
// speaks https/wss/TLS to it, and the default QSslConfiguration trusts its certificate (as a
// CA would), so clients under test connect without a prompt. Otherwise plain, as before.
bool testTls();
// CONFAB_TEST_POSTGRES=1 (CTest's "_pg" runs): every TestServer keeps its history in PostgreSQL
// (a private server started once per test process, tests/services.h), in a database of its own
// per data directory. Otherwise SQLite in the data directory, as before.
bool testPostgres();
QString postgresUrlFor(const QString &dataDir);
QString httpScheme(); // "https" or "http"
QString wsScheme(); // "wss" or "ws"
// Makes the default QSslConfiguration trust `pem` (each TLS TestServer's certificate, unless
// setTrustNewServers(false): then a client meets it as a stranger, as on first use).
void trustCertificate(const QByteArray &pem);
void setTrustNewServers(bool trust);

// A certificate authority and a server certificate it signed for 127.0.0.1 and localhost, made
// in `dir` with OpenSSL: ca.pem, server.pem, server.key. For "signed by a trusted CA" tests.
struct TestCa
{
    QString caPath, certPath, keyPath;
    QByteArray caPem;
};
std::optional<TestCa> makeTestCa(const QString &dir);
// A connected socket to 127.0.0.1:port: a QSslSocket past its handshake with testTls(), a
// plain QTcpSocket otherwise; nullptr when it could not connect.
std::unique_ptr<QTcpSocket> connectRaw(quint16 port, int timeoutMs = 5000);

struct HttpResult
{
    int status = 0; // 0: no HTTP answer (connection failed)
    QByteArray body;
    QJsonObject json() const;
    QString errorCode() const; // json()["error"]["code"]
    QByteArray header(const QByteArray &name) const;
    QList<QPair<QByteArray, QByteArray>> headers;
};

class TestServer
{
public:
    // Starts a server; `tweak` may adjust the config before start.
    explicit TestServer(const std::function<void(server::ServerConfig &)> &tweak = {});
    ~TestServer();

    bool ok() const { return m_ok; }
    quint16 port() const { return m_server->port(); }
    QUrl url(const QString &path) const;
    server::ConfabServer &server() { return *m_server; }
    QString dataDir() const { return m_dir.path(); }

    HttpResult request(const QByteArray &method, const QString &path, const QByteArray &body = {},
                       const QString &token = {},
                       const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpResult get(const QString &path, const QString &token = {})
    {
        return request("GET", path, {}, token);
    }
    HttpResult post(const QString &path, const QJsonObject &body, const QString &token = {});
    // Sends every request at once, each over a connection of its own, and waits for all the
    // answers (in the order given): for what must hold under concurrent clients.
    struct Request
    {
        QByteArray method;
        QString path;
        QByteArray body;
        QString token;
    };
    QList<HttpResult> requestAll(const QList<Request> &requests);
    HttpResult patch(const QString &path, const QJsonObject &body, const QString &token = {});

    struct Account
    {
        qint64 id = 0;
        QString token;
    };
    // Registers `username` (password "password123") and logs in; QFAIL-free: id 0 on failure.
    Account signUp(const QString &username);
    // Creates a room as `owner`; returns its id (0 on failure).
    qint64 createRoom(const QString &token, const QString &name,
                      const QString &visibility = QStringLiteral("public"));

    // "alice" (the owner) and "bob" in one public room "general" (their joins are seq 1–3).
    struct TwoInARoom
    {
        Account alice, bob;
        qint64 room = 0;
    };
    TwoInARoom aliceAndBobInARoom();

    // The bodies of every message event in `room`, in seq order (what the server holds).
    QStringList messageBodies(qint64 room, const QString &token);

    // Closes the helpers' kept-alive connections (for tests that count connections).
    void closeIdleConnections() { m_nam.clearConnectionCache(); }

    // Moves the server's clock forward.
    void advanceClock(qint64 ms) { *m_skew += ms; }

private:
    std::shared_ptr<std::atomic<qint64>> m_skew = std::make_shared<std::atomic<qint64>>(0);
    QTemporaryDir m_dir;
    std::unique_ptr<server::ConfabServer> m_server;
    QNetworkAccessManager m_nam;
    bool m_ok = false;
};

// A server that goes away and comes back on the same port with the same data (a restart, a
// network that drops), for tests of what survives that.
class RestartableServer
{
public:
    RestartableServer();
    TestServer &up(); // (re)starts it; the running one otherwise
    void down(); // stops it: nothing answers on its port until up()
    TestServer *operator->() { return m_server.get(); }
    QUrl url() const;

private:
    QTemporaryDir m_data;
    quint16 m_port;
    std::unique_ptr<TestServer> m_server;
};

// A WebSocket client for tests: records every server frame, parsed.
class WsClient : public QObject
{
    Q_OBJECT
public:
    // `tls`: wss instead of ws (default: testTls()).
    explicit WsClient(quint16 port, const QString &bearer = {}, bool tls = testTls());
    bool waitConnected(int timeoutMs = 5000);
    void sendFrame(const ClientFrame &frame);
    void sendRaw(const QString &text) { m_ws.sendTextMessage(text); }
    // Authenticates with an auth frame and waits for hello.
    bool login(const QString &token);
    // login() then resume() from seq 3 of `room` (after aliceAndBobInARoom's joins).
    bool enter(const QString &token, qint64 room);
    // Sends resume and waits for resumed; returns the resumed frame.
    std::optional<ResumedFrame> resume(const QList<RoomCursor> &rooms, const QString &epoch = {});
    // Waits until a frame satisfying `pred` has arrived (searching from `from`); its index or -1.
    qsizetype waitFor(const std::function<bool(const ServerFrame &)> &pred, int timeoutMs = 5000,
                      qsizetype from = 0);
    // Sends a message and waits for its ack (or error).
    std::optional<SendAck> send(qint64 roomId, const QString &clientMsgId, const QString &body,
                                Error *error = nullptr);
    std::optional<SendAck> send(const SendFrame &frame, Error *error = nullptr);
    QList<RoomEvent> events() const; // every `event` frame received, in order
    QList<ServerFrame> frames;
    QWebSocket &socket() { return m_ws; }
    bool isClosed() const { return m_closed; }
    int closeCode() const { return m_closeCode; }
    void close() { m_ws.close(); }
    void abort() { m_ws.abort(); }

private:
    QWebSocket m_ws;
    bool m_closed = false;
    int m_closeCode = 0;
    int m_nextId = 0;
};

// Runs the event loop until `done` holds (true) or `timeoutMs` passes (false); without QTRY's
// 50 ms steps, which would make thousands of cycles take minutes.
bool spinUntil(const std::function<bool()> &done, int timeoutMs = 5000);

// A port on 127.0.0.1 that nothing listens on right now (for a server to be started, stopped
// and started again on the same address).
quint16 freeLocalPort();

// Sends raw bytes to 127.0.0.1:port and returns everything the server sends back until it
// closes the connection or `timeoutMs` passes.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 5000);
// Parses the status code from a raw HTTP response ("HTTP/1.1 413 ..."), 0 if none.
int rawStatus(const QByteArray &response);

// Reads from `s` until `done` says so, the peer closes, or `timeoutMs` passes. The server runs
// in this thread: the loop spins the event loop instead of blocking in waitForReadyRead().
QByteArray readUntil(QTcpSocket &s, const std::function<bool(const QByteArray &)> &done,
                     int timeoutMs = 5000);

// A WebSocket frame as a client sends it (RFC 6455 5.2): masked unless `masked` is false;
// `first` is its first byte (FIN, RSV bits, opcode; 0x81: a whole text frame).
QByteArray clientFrame(const QByteArray &payload, bool masked = true, quint8 first = 0x81);

} // namespace confab::test
