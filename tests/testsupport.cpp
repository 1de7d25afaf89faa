#include "testsupport.h"

#include "services.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QFile>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

using namespace Qt::StringLiterals;

namespace confab::test {

bool testPostgres()
{
    static const bool on = qEnvironmentVariable("CONFAB_TEST_POSTGRES") == u"1";
    return on;
}

QString postgresUrlFor(const QString &dataDir)
{
    // One PostgreSQL per test process, stopped when the application ends.
    static PostgresServer *server = [] {
        auto *pg = new PostgresServer;
        QString error;
        if (!pg->start(&error))
            qFatal("CONFAB_TEST_POSTGRES: PostgreSQL did not start: %s", qPrintable(error));
        qAddPostRoutine([] { delete server; });
        return pg;
    }();
    // One database per data directory: a test that restarts a server on its directory finds
    // its history again, as it would in confab.db.
    const QString name = u"t_"_s
        + QString::fromLatin1(
              QCryptographicHash::hash(dataDir.toUtf8(), QCryptographicHash::Sha1).toHex().left(20));
    {
        QSqlDatabase admin = server->connect(u"test-admin"_s);
        if (!admin.isOpen())
            qFatal("CONFAB_TEST_POSTGRES: %s", qPrintable(admin.lastError().text()));
        QSqlQuery q(admin);
        if (!q.exec(u"SELECT 1 FROM pg_database WHERE datname = '%1'"_s.arg(name)))
            qFatal("CONFAB_TEST_POSTGRES: %s", qPrintable(q.lastError().text()));
        if (!q.next() && !q.exec(u"CREATE DATABASE %1"_s.arg(name)))
            qFatal("CONFAB_TEST_POSTGRES: %s", qPrintable(q.lastError().text()));
    }
    QSqlDatabase::removeDatabase(u"test-admin"_s);
    return u"postgres://%1@127.0.0.1:%2/%3"_s.arg(server->user()).arg(server->port()).arg(name);
}

bool testTls()
{
    static const bool on = qEnvironmentVariable("CONFAB_TEST_TLS") == u"1";
    return on;
}

QString httpScheme()
{
    return testTls() ? u"https"_s : u"http"_s;
}

QString wsScheme()
{
    return testTls() ? u"wss"_s : u"ws"_s;
}

namespace {
bool g_trustNewServers = true;
} // namespace

void setTrustNewServers(bool trust)
{
    g_trustNewServers = trust;
}

void trustCertificate(const QByteArray &pem)
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.addCaCertificates(QSslCertificate::fromData(pem, QSsl::Pem));
    QSslConfiguration::setDefaultConfiguration(config);
}

std::unique_ptr<QTcpSocket> connectRaw(quint16 port, int timeoutMs)
{
    if (testTls()) {
        // The server may run in this thread: spin the event loop, never block in
        // waitForEncrypted() (the handshake needs the server's answer).
        auto socket = std::make_unique<QSslSocket>();
        socket->connectToHostEncrypted(u"127.0.0.1"_s, port);
        QElapsedTimer t;
        t.start();
        while (!socket->isEncrypted() && t.elapsed() < timeoutMs
               && socket->state() != QAbstractSocket::UnconnectedState)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        if (!socket->isEncrypted())
            return nullptr;
        return socket;
    }
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(timeoutMs))
        return nullptr;
    return socket;
}

QJsonObject HttpResult::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString HttpResult::errorCode() const
{
    return json().value(u"error"_s).toObject().value(u"code"_s).toString();
}

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

TestServer::TestServer(const std::function<void(server::ServerConfig &)> &tweak)
{
    server::ServerConfig cfg;
    cfg.listen = QHostAddress::LocalHost;
    cfg.port = 0;
    cfg.dataDir = m_dir.path();
    cfg.discoveryPort = 0; // never the shared default port in parallel tests
    cfg.passwordCost
        = QStringLiteral("minimal"); // argon2id at minimum cost: tests register many users
    cfg.registrationsPerHour = 0; // and from one address (tst_hardening tests the limit)
    cfg.tls = testTls();
    // CTest runs the hub's suites again with the sockets on the main thread and on 3 workers.
    if (qEnvironmentVariableIsSet("CONFAB_REALTIME_THREADS"))
        cfg.realtimeThreads = qEnvironmentVariableIntValue("CONFAB_REALTIME_THREADS");
    if (tweak)
        tweak(cfg);
    if (testPostgres() && cfg.database.isEmpty())
        cfg.database = postgresUrlFor(cfg.dataDir);
    m_server = std::make_unique<server::ConfabServer>(
        cfg, [skew = m_skew] { return server::systemNowMs() + skew->load(); });
    const auto started = m_server->start();
    m_ok = started.ok();
    if (!m_ok)
        qWarning("server failed to start: %s", qPrintable(started.error().message));
    else if (m_server->tls() && g_trustNewServers)
        trustCertificate(m_server->certificatePem());
}

TestServer::~TestServer() = default;

QUrl TestServer::url(const QString &path) const
{
    return QUrl(u"%1://127.0.0.1:%2%3"_s.arg(httpScheme()).arg(port()).arg(path));
}

HttpResult TestServer::request(const QByteArray &method, const QString &path,
                               const QByteArray &body, const QString &token,
                               const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest req(url(path));
    req.setTransferTimeout(10000);
    if (!body.isEmpty() || method == "POST" || method == "PATCH")
        req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    for (const auto &[k, v] : headers)
        req.setRawHeader(k, v);
    QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.headers = reply->rawHeaderPairs();
    reply->deleteLater();
    return r;
}

QList<HttpResult> TestServer::requestAll(const QList<Request> &requests)
{
    std::vector<std::unique_ptr<QNetworkAccessManager>> managers;
    QList<QNetworkReply *> replies;
    int pending = int(requests.size());
    QEventLoop loop;
    for (const Request &r : requests) {
        QNetworkRequest req(url(r.path));
        req.setTransferTimeout(20000);
        req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
        if (!r.token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + r.token.toLatin1());
        managers.push_back(std::make_unique<QNetworkAccessManager>());
        QNetworkReply *reply = managers.back()->sendCustomRequest(req, r.method, r.body);
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&] {
            if (--pending == 0)
                loop.quit();
        });
        replies.append(reply);
    }
    if (pending > 0)
        loop.exec();
    QList<HttpResult> out;
    for (QNetworkReply *reply : std::as_const(replies)) {
        HttpResult r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.headers = reply->rawHeaderPairs();
        delete reply;
        out.append(r);
    }
    return out;
}

HttpResult TestServer::post(const QString &path, const QJsonObject &body, const QString &token)
{
    return request("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), token);
}

HttpResult TestServer::patch(const QString &path, const QJsonObject &body, const QString &token)
{
    return request("PATCH", path, QJsonDocument(body).toJson(QJsonDocument::Compact), token);
}

TestServer::TwoInARoom TestServer::aliceAndBobInARoom()
{
    TwoInARoom t { signUp(u"alice"_s), signUp(u"bob"_s) };
    t.room = createRoom(t.alice.token, u"general"_s);
    if (request("POST", u"/api/v1/rooms/%1/join"_s.arg(t.room), {}, t.bob.token).status != 200)
        t.room = 0;
    return t;
}

TestServer::Account TestServer::signUp(const QString &username)
{
    const auto reg = post(u"/api/v1/auth/register"_s,
                          { { u"username"_s, username }, { u"password"_s, u"password123"_s } });
    if (reg.status != 201)
        return {};
    const auto login = post(u"/api/v1/auth/login"_s,
                            { { u"username"_s, username }, { u"password"_s, u"password123"_s } });
    if (login.status != 200)
        return {};
    return { login.json().value(u"user"_s).toObject().value(u"id"_s).toInteger(),
             login.json().value(u"token"_s).toString() };
}

qint64 TestServer::createRoom(const QString &token, const QString &name, const QString &visibility)
{
    const auto r
        = post(u"/api/v1/rooms"_s, { { u"name"_s, name }, { u"visibility"_s, visibility } }, token);
    return r.status == 201 ? r.json().value(u"id"_s).toInteger() : 0;
}

QStringList TestServer::messageBodies(qint64 room, const QString &token)
{
    QStringList out;
    qint64 after = 0;
    for (;;) {
        const auto page = EventPage::fromJson(
            get(u"/api/v1/rooms/%1/events?after=%2&limit=200"_s.arg(room).arg(after), token)
                .json());
        if (!page || page->events.isEmpty())
            return out;
        for (const RoomEvent &e : page->events) {
            if (e.type == EventType::Message)
                out.append(e.body());
        }
        after = page->events.last().seq;
        if (!page->hasMore)
            return out;
    }
}

WsClient::WsClient(quint16 port, const QString &bearer, bool tls)
{
    connect(&m_ws, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        auto f = parseServerFrame(text.toUtf8());
        if (f)
            frames.append(f.value());
        else
            qWarning("unparseable server frame: %s (%s)", qPrintable(text),
                     qPrintable(f.error().message));
    });
    connect(&m_ws, &QWebSocket::disconnected, this, [this] {
        m_closed = true;
        m_closeCode = m_ws.closeCode();
    });
    QNetworkRequest req(
        QUrl(u"%1://127.0.0.1:%2/api/v1/ws"_s.arg(tls ? u"wss"_s : u"ws"_s).arg(port)));
    if (!bearer.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + bearer.toLatin1());
    m_ws.open(req);
}

bool WsClient::waitConnected(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (m_ws.state() != QAbstractSocket::ConnectedState && !m_closed && t.elapsed() < timeoutMs)
        QTest::qWait(5);
    return m_ws.state() == QAbstractSocket::ConnectedState;
}

void WsClient::sendFrame(const ClientFrame &frame)
{
    m_ws.sendTextMessage(QString::fromUtf8(encodeClientFrame(frame)));
}

qsizetype WsClient::waitFor(const std::function<bool(const ServerFrame &)> &pred, int timeoutMs,
                            qsizetype from)
{
    QElapsedTimer t;
    t.start();
    for (;;) {
        for (qsizetype i = from; i < frames.size(); ++i) {
            if (pred(frames[i]))
                return i;
        }
        if (t.elapsed() > timeoutMs || m_closed)
            return -1;
        QTest::qWait(2);
    }
}

bool WsClient::enter(const QString &token, qint64 room)
{
    return login(token) && resume({ { room, 3 } }).has_value();
}

bool WsClient::login(const QString &token)
{
    if (!waitConnected())
        return false;
    sendFrame({ {}, AuthFrame { token } });
    return waitFor(
               [](const ServerFrame &f) { return std::holds_alternative<HelloFrame>(f.payload); })
        >= 0;
}

std::optional<ResumedFrame> WsClient::resume(const QList<RoomCursor> &rooms, const QString &epoch)
{
    const QString id = u"resume-%1"_s.arg(++m_nextId);
    sendFrame({ id, ResumeFrame { epoch, rooms } });
    const auto i = waitFor([&](const ServerFrame &f) {
        return f.id == id && std::holds_alternative<ResumedFrame>(f.payload);
    });
    if (i < 0)
        return std::nullopt;
    return std::get<ResumedFrame>(frames[i].payload);
}

std::optional<SendAck> WsClient::send(qint64 roomId, const QString &clientMsgId,
                                      const QString &body, Error *error)
{
    return send(SendFrame { roomId, clientMsgId, body, {}, 0 }, error);
}

std::optional<SendAck> WsClient::send(const SendFrame &frame, Error *error)
{
    const QString id = u"send-%1"_s.arg(++m_nextId);
    sendFrame({ id, frame });
    const auto i = waitFor([&](const ServerFrame &f) { return f.id == id; });
    if (i < 0)
        return std::nullopt;
    if (const auto *ack = std::get_if<AckFrame>(&frames[i].payload))
        return ack->ack;
    if (error) {
        if (const auto *err = std::get_if<ErrorFrame>(&frames[i].payload))
            *error = err->error;
    }
    return std::nullopt;
}

QList<RoomEvent> WsClient::events() const
{
    QList<RoomEvent> out;
    for (const auto &f : frames) {
        if (const auto *e = std::get_if<EventFrame>(&f.payload))
            out.append(e->event);
    }
    return out;
}

bool spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

RestartableServer::RestartableServer()
    : m_port(freeLocalPort())
{
    up();
}

TestServer &RestartableServer::up()
{
    if (!m_server)
        m_server = std::make_unique<TestServer>([this](server::ServerConfig &cfg) {
            cfg.dataDir = m_data.path();
            cfg.port = m_port;
        });
    return *m_server;
}

void RestartableServer::down()
{
    m_server.reset();
}

QUrl RestartableServer::url() const
{
    return QUrl(u"%1://127.0.0.1:%2"_s.arg(httpScheme()).arg(m_port));
}

quint16 freeLocalPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    const std::unique_ptr<QTcpSocket> connected = connectRaw(port, timeoutMs);
    if (!connected)
        return {};
    QTcpSocket &socket = *connected;
    socket.write(bytes);
    QByteArray received;
    QEventLoop loop;
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] { received += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (socket.state() == QAbstractSocket::ConnectedState)
        loop.exec();
    received += socket.readAll();
    return received;
}

int rawStatus(const QByteArray &response)
{
    if (!response.startsWith("HTTP/1.1 "))
        return 0;
    return response.mid(9, 3).toInt();
}

QByteArray readUntil(QTcpSocket &s, const std::function<bool(const QByteArray &)> &done,
                     int timeoutMs)
{
    QByteArray got;
    QElapsedTimer t;
    t.start();
    while (!done(got) && t.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        got += s.readAll();
        if (s.state() != QAbstractSocket::ConnectedState) {
            got += s.readAll();
            break;
        }
    }
    return got;
}

QByteArray clientFrame(const QByteArray &payload, bool masked, quint8 first)
{
    QByteArray f;
    f.append(char(first));
    const quint8 maskBit = masked ? 0x80 : 0;
    const quint64 n = quint64(payload.size());
    if (n < 126) {
        f.append(char(maskBit | n));
    } else if (n <= 0xFFFF) {
        f.append(char(maskBit | 126));
        f.append(char((n >> 8) & 0xFF));
        f.append(char(n & 0xFF));
    } else {
        f.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            f.append(char((n >> shift) & 0xFF));
    }
    if (!masked)
        return f + payload;
    const char key[4] = { 0x12, 0x34, 0x56, 0x78 };
    f.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ key[i % 4]));
    return f;
}

namespace {

QByteArray pemOf(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    QByteArray out(data, int(n));
    BIO_free(bio);
    return out;
}

X509 *makeCert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuerKey, const char *cn, bool ca, long serial)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 30);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cn), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
    const auto add = [&](int nid, const char *value) {
        X509_EXTENSION *e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    };
    if (ca) {
        add(NID_basic_constraints, "critical,CA:TRUE");
        add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add(NID_basic_constraints, "critical,CA:FALSE");
        add(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
        add(NID_ext_key_usage, "serverAuth");
    }
    X509_sign(x, issuerKey, EVP_sha256());
    return x;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

} // namespace

std::optional<TestCa> makeTestCa(const QString &dir)
{
    EVP_PKEY *caKey = EVP_EC_gen("P-256");
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *ca = makeCert(caKey, nullptr, caKey, "Confab Test CA", true, 1);
    X509 *leaf = makeCert(key, ca, caKey, "localhost", false, 2);
    TestCa out { dir + u"/ca.pem"_s, dir + u"/server.pem"_s, dir + u"/server.key"_s, pemOf(ca) };
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    const QByteArray keyPem(data, int(n));
    BIO_free(bio);
    const bool ok = writeFile(out.caPath, out.caPem) && writeFile(out.certPath, pemOf(leaf))
        && writeFile(out.keyPath, keyPem);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(caKey);
    EVP_PKEY_free(key);
    if (!ok)
        return std::nullopt;
    return out;
}

} // namespace confab::test
