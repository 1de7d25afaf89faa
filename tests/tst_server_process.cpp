// The real confab-server binary, run with QProcess: no acknowledged message is lost or doubled
// by SIGKILL mid-burst, and SIGTERM stops it cleanly with exit code 0.
#include "logging.h"
#include "testsupport.h"
#include "discovery.h"
#include "tls/tlscontext.h"

#include <csignal>

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QFile>
#include <QFileInfo>
#include <QSslSocket>
#include <QCryptographicHash>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <sys/stat.h>
#include <QDateTime>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

class ServerProcess
{
public:
    explicit ServerProcess(const QString &dataDir, const QStringList &extra = {})
        : m_dataDir(dataDir)
    {
        m_proc.setProgram(QStringLiteral(CONFAB_SERVER_BINARY));
        m_proc.setArguments(QStringList { u"--port"_s, u"0"_s, u"--data-dir"_s, dataDir,
                                          u"--password-cost"_s, u"minimal"_s }
                            + extra);
        m_proc.setProcessChannelMode(QProcess::SeparateChannels);
        m_proc.start();
    }
    ~ServerProcess()
    {
        if (m_proc.state() != QProcess::NotRunning) {
            m_proc.kill();
            m_proc.waitForFinished(5000);
        }
    }
    // Waits for "listening on 127.0.0.1:PORT" on stderr.
    quint16 waitForPort()
    {
        static const QRegularExpression re(u"listening on (https?)://[0-9.]+:(\\d+)"_s);
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000 && m_proc.state() != QProcess::NotRunning) {
            m_proc.waitForReadyRead(100);
            m_log += QString::fromUtf8(m_proc.readAllStandardError());
            const auto m = re.match(m_log);
            if (m.hasMatch()) {
                if (m.captured(1) == u"https") { // TLS, the default: trust what it made
                    QFile cert(m_dataDir + u"/tls/cert.pem"_s);
                    if (cert.open(QIODevice::ReadOnly))
                        trustCertificate(cert.readAll());
                }
                return quint16(m.captured(2).toUInt());
            }
        }
        return 0;
    }
    QProcess &process() { return m_proc; }
    QString log()
    {
        m_log += QString::fromUtf8(m_proc.readAllStandardError());
        return m_log;
    }

private:
    QString m_dataDir;
    QProcess m_proc;
    QString m_log;
};

struct Http
{
    explicit Http(quint16 p)
        : port(p)
    {
    }
    quint16 port;
    QNetworkAccessManager nam;
    QJsonObject call(const QByteArray &method, const QString &path, const QJsonObject &body = {},
                     const QString &token = {}, int *status = nullptr)
    {
        QNetworkRequest req(QUrl(u"https://127.0.0.1:%1%2"_s.arg(port).arg(path)));
        req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
        if (!token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        QNetworkReply *reply = nam.sendCustomRequest(
            req, method, body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson());
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        if (status)
            *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return out;
    }
    // Registers `name` (password "password123") and logs in; the token, empty on failure.
    QString signUp(const QString &name)
    {
        const QJsonObject credentials { { u"username"_s, name }, { u"password"_s, u"password123"_s } };
        int status = 0;
        call("POST", u"/api/v1/auth/register"_s, credentials, {}, &status);
        if (status != 201)
            return {};
        return call("POST", u"/api/v1/auth/login"_s, credentials).value(u"token"_s).toString();
    }
};

// Every event of the room, oldest first, through REST pages.
QList<RoomEvent> allEvents(Http &http, qint64 room, const QString &token)
{
    QList<RoomEvent> out;
    qint64 after = 0;
    for (;;) {
        const auto page = EventPage::fromJson(
            http.call("GET", u"/api/v1/rooms/%1/events?after=%2&limit=200"_s.arg(room).arg(after),
                      {}, token));
        if (!page || page->events.isEmpty())
            break;
        out.append(page->events);
        after = page->events.last().seq;
        if (!page->hasMore)
            break;
    }
    return out;
}

} // namespace

class tst_ServerProcess : public QObject
{
    Q_OBJECT

private slots:
    void sigkillMidBurstLosesNoAcknowledgedMessage();
    void sigtermStopsCleanlyWithExitCodeZero();
    void printsTheFingerprintClientsSeeAndSighupReloadsIt();
    void jsonLogsAreOneObjectPerLine();
    void theJournalIsChosenOnlyWhenStderrIsItsStream();
};

void tst_ServerProcess::sigkillMidBurstLosesNoAcknowledgedMessage()
{
    QTemporaryDir dir;
    QString token;
    qint64 room = 0;
    QSet<QString> acked;
    {
        ServerProcess server(dir.path());
        const quint16 port = server.waitForPort();
        QVERIFY2(port, qPrintable(server.log()));
        Http http(port);
        int status = 0;
        http.call("POST", u"/api/v1/auth/register"_s,
                  { { u"username"_s, u"crash"_s }, { u"password"_s, u"password123"_s } }, {},
                  &status);
        QCOMPARE(status, 201);
        token = http.call("POST", u"/api/v1/auth/login"_s,
                          { { u"username"_s, u"crash"_s }, { u"password"_s, u"password123"_s } })
                    .value(u"token"_s)
                    .toString();
        room = http.call("POST", u"/api/v1/rooms"_s, { { u"name"_s, u"burst"_s } }, token)
                   .value(u"id"_s)
                   .toInteger();
        QVERIFY(room);

        WsClient ws(port, {}, true);
        QVERIFY(ws.login(token));
        const int total = 10000; // enough that the acks are still coming when the kill lands
        for (int i = 0; i < total; ++i)
            ws.sendFrame({ u"r%1"_s.arg(i),
                           SendFrame { room, u"msg-%1"_s.arg(i), u"burst %1"_s.arg(i), {}, 0 } });
        // Kill the server while acks are still coming in.
        QTRY_VERIFY_WITH_TIMEOUT(ws.frames.size() > 100, 10000);
        server.process().kill();
        QVERIFY(server.process().waitForFinished(5000));
        QTest::qWait(50);
        for (const auto &f : ws.frames) {
            if (const auto *ack = std::get_if<AckFrame>(&f.payload))
                acked.insert(ack->ack.clientMsgId);
        }
        QVERIFY(acked.size() > 0);
        QVERIFY2(acked.size() < total, "the burst finished before the kill; nothing was tested");
    }
    ServerProcess again(dir.path());
    const quint16 port = again.waitForPort();
    QVERIFY2(port, qPrintable(again.log()));
    Http http(port);
    const QList<RoomEvent> events = allEvents(http, room, token);
    QHash<QString, int> seen;
    qint64 expectSeq = 1;
    for (const RoomEvent &e : events) {
        QCOMPARE(e.seq, expectSeq++); // gap-free after recovery
        if (e.type == EventType::Message)
            ++seen[e.clientMsgId];
    }
    for (const QString &id : std::as_const(acked))
        QVERIFY2(seen.value(id) == 1,
                 qPrintable(id + u" acknowledged but not stored exactly once"_s));
    for (auto it = seen.cbegin(); it != seen.cend(); ++it)
        QCOMPARE(it.value(), 1); // nothing doubled, acknowledged or not
}

void tst_ServerProcess::sigtermStopsCleanlyWithExitCodeZero()
{
    QTemporaryDir dir;
    ServerProcess server(dir.path());
    const quint16 port = server.waitForPort();
    QVERIFY(port);
    Http http(port);
    const QString token = http.signUp(u"term"_s);
    QVERIFY(!token.isEmpty());
    WsClient ws(port, {}, true);
    QVERIFY(ws.login(token));
    server.process().terminate(); // SIGTERM
    QVERIFY(server.process().waitForFinished(10000));
    QCOMPARE(server.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process().exitCode(), 0);
    QTRY_VERIFY(ws.isClosed());
    QCOMPARE(ws.closeCode(), int(QWebSocketProtocol::CloseCodeGoingAway));
}

namespace {

QString peerFingerprint(quint16 port)
{
    QSslSocket socket;
    socket.connectToHostEncrypted(u"127.0.0.1"_s, port);
    if (!socket.waitForEncrypted(5000))
        return {};
    return QString::fromLatin1(
        socket.peerCertificate().digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

} // namespace

void tst_ServerProcess::jsonLogsAreOneObjectPerLine()
{
    // --log-format json (for log shippers): every line on stderr is one JSON object, the
    // start-up lines an operator must see included.
    QTemporaryDir dir;
    ServerProcess server(dir.path(), { u"--log-format"_s, u"json"_s, u"--tls"_s, u"off"_s });
    QVERIFY2(server.waitForPort(), qPrintable(server.log()));
    ::kill(pid_t(server.process().processId()), SIGTERM);
    QVERIFY(server.process().waitForFinished(10000));
    const QString log = server.log() + QString::fromUtf8(server.process().readAllStandardError());
    const QStringList lines = log.split(u'\n', Qt::SkipEmptyParts);
    QVERIFY2(lines.size() >= 3, qPrintable(log)); // listening, TLS, registration at least
    bool listening = false;
    for (const QString &line : lines) {
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8(), &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(line));
        QVERIFY2(o.contains(u"ts"_s) && o.contains(u"level"_s) && o.contains(u"category"_s)
                     && o.contains(u"msg"_s),
                 qPrintable(line));
        QVERIFY(QDateTime::fromString(o[u"ts"_s].toString(), Qt::ISODateWithMs).isValid());
        listening = listening || o[u"msg"_s].toString().contains(u"listening on http://"_s);
    }
    QVERIFY(listening);
}

void tst_ServerProcess::theJournalIsChosenOnlyWhenStderrIsItsStream()
{
    // systemd sets JOURNAL_STREAM to the device and inode of the stream it gave as stderr; a
    // process that inherited the variable but writes elsewhere must not take the journal path.
    struct stat st = {};
    QCOMPARE(::fstat(2, &st), 0);
    const QByteArray mine
        = QByteArray::number(quint64(st.st_dev)) + ':' + QByteArray::number(quint64(st.st_ino));
    const QByteArray saved = qgetenv("JOURNAL_STREAM");
    qputenv("JOURNAL_STREAM", mine);
#ifdef CONFAB_HAVE_SYSTEMD
    QCOMPARE(server::logging::choose(u"auto"_s), server::logging::Format::Journal);
#else
    QCOMPARE(server::logging::choose(u"auto"_s), server::logging::Format::Text);
#endif
    QCOMPARE(server::logging::choose(u"json"_s), server::logging::Format::Json);
    QCOMPARE(server::logging::choose(u"text"_s), server::logging::Format::Text);
    qputenv("JOURNAL_STREAM", "1:2");
    QCOMPARE(server::logging::choose(u"auto"_s), server::logging::Format::Text);
    qunsetenv("JOURNAL_STREAM");
    QCOMPARE(server::logging::choose(u"auto"_s), server::logging::Format::Text);
    if (!saved.isEmpty())
        qputenv("JOURNAL_STREAM", saved);
}

void tst_ServerProcess::printsTheFingerprintClientsSeeAndSighupReloadsIt()
{
    QTemporaryDir dir;
    // Before the first start: --print-fingerprint makes the pair and prints its fingerprint.
    QProcess print;
    print.start(QStringLiteral(CONFAB_SERVER_BINARY),
                { u"--data-dir"_s, dir.path(), u"--print-fingerprint"_s });
    QVERIFY(print.waitForFinished(10000));
    QCOMPARE(print.exitCode(), 0);
    const QString printed = QString::fromLatin1(print.readAllStandardOutput()).trimmed();
    QVERIFY2(discovery::isFingerprint(printed), qPrintable(printed));
    const QFileInfo key(dir.path() + u"/tls/key.pem"_s);
    QVERIFY(key.exists());
    QCOMPARE(key.permissions() & ~(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser
                                   | QFile::WriteUser),
             QFileDevice::Permissions()); // 0600: nobody else reads the key

    ServerProcess server(dir.path());
    const quint16 port = server.waitForPort();
    QVERIFY(port);
    QVERIFY2(server.log().contains(u"fingerprint "_s + printed), qPrintable(server.log()));
    QCOMPARE(peerFingerprint(port), printed); // what a client sees is what was printed

    // An open WebSocket survives the reload; new connections get the new certificate.
    Http http(port);
    const QString token = http.signUp(u"hup"_s);
    QVERIFY(!token.isEmpty());
    WsClient ws(port, {}, true);
    QVERIFY(ws.login(token));

    QTemporaryDir other;
    const auto made = server::TlsContext::selfSignedIn(other.path(), { u"localhost"_s },
                                                        { QHostAddress::LocalHost });
    QVERIFY(made);
    QFile::remove(dir.path() + u"/tls/cert.pem"_s);
    QFile::remove(dir.path() + u"/tls/key.pem"_s);
    QVERIFY(QFile::copy(made->certPath, dir.path() + u"/tls/cert.pem"_s));
    QVERIFY(QFile::copy(made->keyPath, dir.path() + u"/tls/key.pem"_s));
    const QString next = server::TlsContext::fingerprintOfFile(made->certPath);
    QVERIFY(next != printed);
    ::kill(pid_t(server.process().processId()), SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(u"reloaded; SHA-256 "_s + next), 5000);
    QFile cert(made->certPath);
    QVERIFY(cert.open(QIODevice::ReadOnly));
    trustCertificate(cert.readAll());
    QCOMPARE(peerFingerprint(port), next);
    QVERIFY(!ws.isClosed());
    QVERIFY(ws.resume({})); // and still answers
}

QTEST_GUILESS_MAIN(tst_ServerProcess)
#include "tst_server_process.moc"
