// confab-admin (docs/operations.md), the real binary against a real server: over the admin
// socket while the server runs (a disabled user's WebSocket closes within a second, a reset
// password replaces the old one at once), offline on a stopped server's data directory (holding
// its lock), and an online backup taken while 20 clients send, restored into a fresh directory
// with every acknowledged message present exactly once.
#include "admin/adminsocket.h"
#include "database.h"
#include "testsupport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <sys/stat.h>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct AdminRun
{
    int exitCode = -1;
    QByteArray out, err;
    QJsonValue json() const
    {
        const auto doc = QJsonDocument::fromJson(out);
        return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    }
};

// Runs confab-admin without blocking the event loop (the server under test lives in this
// process and must answer the admin socket meanwhile).
AdminRun admin(const QString &dataDir, QStringList args, const QByteArray &input = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"CONFAB_CONFIG"_s);
    if (testPostgres()) // the server's history is in PostgreSQL: confab-admin is told where
        env.insert(u"CONFAB_DATABASE"_s, postgresUrlFor(dataDir));
    p.setProcessEnvironment(env);
    args.prepend(dataDir);
    args.prepend(u"--data-dir"_s);
    p.start(QStringLiteral(CONFAB_ADMIN_BINARY), args);
    if (!p.waitForStarted(5000))
        return {};
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    spinUntil([&] { return p.state() == QProcess::NotRunning; }, 60000);
    AdminRun r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

int loginStatus(TestServer &s, const QString &user, const QString &password)
{
    return s.post(u"/api/v1/auth/login"_s, { { u"username"_s, user }, { u"password"_s, password } })
        .status;
}

// Time until `ws` closes, in ms (-1: still open after 3 s).
qint64 msUntilClosed(WsClient &ws)
{
    QElapsedTimer t;
    t.start();
    if (!spinUntil([&] { return ws.isClosed(); }, 3000))
        return -1;
    return t.elapsed();
}

} // namespace

class TestAdmin : public QObject
{
    Q_OBJECT

private slots:
    void createdUserCanLogIn();
    void resetPasswordReplacesTheOldOneAndEndsSessions();
    void disabledUsersWebSocketClosesWithinOneSecond();
    void adminRoleKeepsOneAdmin();
    void sessionsListAndRevoke();
    void roomsListExportDelete();
    void inviteCodesFromTheCommandLine();
    void backupWhileClientsSendThenRestoreExactlyOnce();
    void offlineOnAStoppedServerHoldsTheLock();
    void restoreAndVacuumWaitForAStoppedServer();
    void fileToolsSayWhatToUseOnPostgres();
    void hostileAdminSocketInputChangesNothing();
};

void TestAdmin::createdUserCanLogIn()
{
    TestServer s;
    QVERIFY(s.ok());
    // The admin socket: the server's user and group only.
    struct stat st = {};
    QCOMPARE(::stat(QFile::encodeName(s.dataDir() + u"/admin.sock"_s).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, 0660u);

    auto r = admin(s.dataDir(), { u"users"_s, u"create"_s, u"carol"_s, u"--password-stdin"_s },
                   "correct-horse-7\n");
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("Created carol."), r.out.constData());
    QCOMPARE(loginStatus(s, u"carol"_s, u"correct-horse-7"_s), 200);

    // Without a password one is generated, printed once, and works.
    r = admin(s.dataDir(), { u"--json"_s, u"users"_s, u"create"_s, u"dave"_s, u"--admin"_s });
    QCOMPARE(r.exitCode, 0);
    const QString generated = r.json()[u"password"_s].toString();
    QCOMPARE(generated.size(), 23);
    QVERIFY(r.json()[u"user"_s][u"admin"_s].toBool());
    QCOMPARE(loginStatus(s, u"dave"_s, generated), 200);

    // A taken name and a bad one are refused (exit 1) and change nothing.
    r = admin(s.dataDir(), { u"users"_s, u"create"_s, u"carol"_s });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("taken"), r.err.constData());
    r = admin(s.dataDir(), { u"users"_s, u"create"_s, u"bad name/"_s });
    QCOMPARE(r.exitCode, 1);
    r = admin(s.dataDir(), { u"--json"_s, u"users"_s, u"list"_s });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.json().toArray().size(), 2);
    // Usage errors: exit 2.
    QCOMPARE(admin(s.dataDir(), { u"users"_s, u"frobnicate"_s }).exitCode, 2);
}

void TestAdmin::resetPasswordReplacesTheOldOneAndEndsSessions()
{
    TestServer s;
    const auto alice = s.signUp(u"alice"_s);
    QVERIFY(alice.id);
    WsClient ws(s.port());
    QVERIFY(ws.login(alice.token));

    auto r = admin(s.dataDir(), { u"--json"_s, u"users"_s, u"reset-password"_s, u"alice"_s });
    QCOMPARE(r.exitCode, 0);
    const QString fresh = r.json()[u"password"_s].toString();
    QVERIFY(!fresh.isEmpty());
    QCOMPARE(r.json()[u"sessionsEnded"_s].toInt(), 1);
    const qint64 closedAfter = msUntilClosed(ws);
    QVERIFY2(closedAfter >= 0 && closedAfter <= 1000, qPrintable(QString::number(closedAfter)));
    QCOMPARE(loginStatus(s, u"alice"_s, u"password123"_s), 401);
    QCOMPARE(loginStatus(s, u"alice"_s, fresh), 200);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, alice.token).status, 401);

    // One the admin chose, from stdin.
    r = admin(s.dataDir(), { u"users"_s, u"reset-password"_s, u"alice"_s, u"--password-stdin"_s },
              "chosen-by-admin\n");
    QCOMPARE(r.exitCode, 0);
    QVERIFY(!r.out.contains("Password:"));
    QCOMPARE(loginStatus(s, u"alice"_s, fresh), 401);
    QCOMPARE(loginStatus(s, u"alice"_s, u"chosen-by-admin"_s), 200);
    QCOMPARE(admin(s.dataDir(), { u"users"_s, u"reset-password"_s, u"nobody"_s }).exitCode, 1);
}

void TestAdmin::disabledUsersWebSocketClosesWithinOneSecond()
{
    TestServer s;
    const auto duo = s.aliceAndBobInARoom();
    WsClient bob(s.port());
    QVERIFY(bob.login(duo.bob.token));
    WsClient alice(s.port());
    QVERIFY(alice.login(duo.alice.token));

    const auto r = admin(s.dataDir(), { u"users"_s, u"disable"_s, u"bob"_s });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("bob: disabled"), r.out.constData());
    const qint64 closedAfter = msUntilClosed(bob);
    QVERIFY2(closedAfter >= 0 && closedAfter <= 1000, qPrintable(QString::number(closedAfter)));
    QVERIFY(!alice.isClosed());
    QCOMPARE(loginStatus(s, u"bob"_s, u"password123"_s), 403);

    QCOMPARE(admin(s.dataDir(), { u"users"_s, u"enable"_s, u"bob"_s }).exitCode, 0);
    QCOMPARE(loginStatus(s, u"bob"_s, u"password123"_s), 200);
}

void TestAdmin::adminRoleKeepsOneAdmin()
{
    TestServer s;
    QVERIFY(s.signUp(u"alice"_s).id); // the first account: admin
    QVERIFY(s.signUp(u"bob"_s).id);
    // The last admin cannot lose the role.
    auto r = admin(s.dataDir(), { u"users"_s, u"make-admin"_s, u"alice"_s, u"--revoke"_s });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("last admin"), r.err.constData());
    QCOMPARE(admin(s.dataDir(), { u"users"_s, u"make-admin"_s, u"bob"_s }).exitCode, 0);
    QCOMPARE(admin(s.dataDir(), { u"users"_s, u"make-admin"_s, u"alice"_s, u"--revoke"_s })
                 .exitCode,
             0);
    r = admin(s.dataDir(), { u"--json"_s, u"users"_s, u"list"_s });
    const QJsonArray users = r.json().toArray();
    QCOMPARE(users.size(), 2);
    QCOMPARE(users[0][u"admin"_s].toBool(), false);
    QCOMPARE(users[1][u"admin"_s].toBool(), true);
    // And the server agrees: bob may now make invites, alice may not.
    const QString bobToken = s.post(u"/api/v1/auth/login"_s,
                                    { { u"username"_s, u"bob"_s },
                                      { u"password"_s, u"password123"_s } })
                                 .json()[u"token"_s]
                                 .toString();
    QCOMPARE(s.post(u"/api/v1/admin/invites"_s, {}, bobToken).status, 201);
}

void TestAdmin::sessionsListAndRevoke()
{
    TestServer s;
    const auto dave = s.signUp(u"dave"_s);
    const auto erin = s.signUp(u"erin"_s);
    WsClient ws(s.port());
    QVERIFY(ws.login(dave.token));
    auto r = admin(s.dataDir(), { u"--json"_s, u"sessions"_s, u"list"_s, u"dave"_s });
    QCOMPARE(r.exitCode, 0);
    const QJsonArray sessions = r.json().toArray();
    QCOMPARE(sessions.size(), 1);
    QCOMPARE(sessions[0][u"user"_s].toString(), u"dave"_s);
    QCOMPARE(admin(s.dataDir(), { u"--json"_s, u"sessions"_s, u"list"_s }).json().toArray().size(),
             2);

    const QString id = QString::number(sessions[0][u"id"_s].toInteger());
    QCOMPARE(admin(s.dataDir(), { u"sessions"_s, u"revoke"_s, id }).exitCode, 0);
    const qint64 closedAfter = msUntilClosed(ws);
    QVERIFY2(closedAfter >= 0 && closedAfter <= 1000, qPrintable(QString::number(closedAfter)));
    QCOMPARE(s.get(u"/api/v1/users/me"_s, dave.token).status, 401);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, erin.token).status, 200);
    // Revoked already: refused.
    QCOMPARE(admin(s.dataDir(), { u"sessions"_s, u"revoke"_s, id }).exitCode, 1);
}

void TestAdmin::roomsListExportDelete()
{
    TestServer s;
    const auto duo = s.aliceAndBobInARoom();
    WsClient ws(s.port());
    QVERIFY(ws.enter(duo.alice.token, duo.room));
    QVERIFY(ws.send(duo.room, u"m1"_s, u"<script>alert(1)</script> & friends"_s));
    QVERIFY(ws.send(duo.room, u"m2"_s, u"second"_s));

    auto r = admin(s.dataDir(), { u"--json"_s, u"rooms"_s, u"list"_s });
    QCOMPARE(r.exitCode, 0);
    const QJsonArray rooms = r.json().toArray();
    QCOMPARE(rooms.size(), 1);
    QCOMPARE(rooms[0][u"name"_s].toString(), u"general"_s);
    QCOMPARE(rooms[0][u"members"_s].toInt(), 2);
    QCOMPARE(rooms[0][u"messages"_s].toInt(), 2);

    const QString room = QString::number(duo.room);
    QTemporaryDir out;
    const QString json = out.filePath(u"room.json"_s);
    r = admin(s.dataDir(), { u"rooms"_s, u"export"_s, room, u"--format"_s, u"json"_s,
                             u"--output"_s, json });
    QCOMPARE(r.exitCode, 0);
    QFile jf(json);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QJsonObject exported = QJsonDocument::fromJson(jf.readAll()).object();
    const QJsonArray events = exported[u"events"_s].toArray();
    QCOMPARE(events.size(), 5); // create, 2 joins... and the two messages: the whole log
    for (int i = 0; i < events.size(); ++i)
        QCOMPARE(events[i][u"seq"_s].toInt(), i + 1);
    QCOMPARE(events[3][u"content"_s][u"body"_s].toString(),
             u"<script>alert(1)</script> & friends"_s);
    QCOMPARE(exported[u"members"_s].toArray().size(), 2);

    // HTML to stdout: the text escaped, never markup.
    r = admin(s.dataDir(), { u"rooms"_s, u"export"_s, room, u"--format"_s, u"html"_s });
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.startsWith("<!DOCTYPE html>"));
    QVERIFY(r.out.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends"));
    QVERIFY(!r.out.contains("<script>"));
    QVERIFY(r.out.contains("second"));
    // An existing output file is not overwritten.
    QCOMPARE(admin(s.dataDir(), { u"rooms"_s, u"export"_s, room, u"--format"_s, u"json"_s,
                                  u"--output"_s, json })
                 .exitCode,
             1);

    const qsizetype before = ws.frames.size();
    QCOMPARE(admin(s.dataDir(), { u"rooms"_s, u"delete"_s, room }).exitCode, 0);
    // Members see it go, live.
    QVERIFY(ws.waitFor(
                [](const ServerFrame &f) {
                    const auto *e = std::get_if<EventFrame>(&f.payload);
                    return e && e->event.type == EventType::RoomDelete;
                },
                3000, before)
            >= 0);
    QCOMPARE(s.get(u"/api/v1/rooms/"_s + room, duo.alice.token).status, 404);
    QCOMPARE(admin(s.dataDir(), { u"--json"_s, u"rooms"_s, u"list"_s }).json().toArray().size(), 0);
    QCOMPARE(admin(s.dataDir(), { u"rooms"_s, u"delete"_s, room }).exitCode, 1);
}

void TestAdmin::inviteCodesFromTheCommandLine()
{
    TestServer s([](server::ServerConfig &c) { c.registration = u"invite"_s; });
    const auto registerWith = [&](const QString &name, const QString &code) {
        return s.post(u"/api/v1/auth/register"_s, { { u"username"_s, name },
                                                   { u"password"_s, u"password123"_s },
                                                   { u"invite"_s, code } })
            .status;
    };
    auto r = admin(s.dataDir(), { u"--json"_s, u"invites"_s, u"create"_s, u"--hours"_s, u"2"_s });
    QCOMPARE(r.exitCode, 0);
    const QString code = r.json()[u"code"_s].toString();
    QCOMPARE(code.size(), 23);
    const qint64 expires = r.json()[u"expiresAt"_s].toInteger();
    QVERIFY(qAbs(expires - QDateTime::currentMSecsSinceEpoch() - 2 * 3600 * 1000) < 60000);
    QCOMPARE(registerWith(u"newcomer"_s, code), 201);
    QCOMPARE(registerWith(u"second"_s, code), 403); // once
    QCOMPARE(admin(s.dataDir(), { u"invites"_s, u"create"_s, u"--hours"_s, u"9999"_s }).exitCode, 1);

    // A closed server takes no invite but its setup code, from the command line neither.
    TestServer closed([](server::ServerConfig &c) { c.registration = u"closed"_s; });
    r = admin(closed.dataDir(), { u"--json"_s, u"invites"_s, u"create"_s });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(closed.post(u"/api/v1/auth/register"_s,
                         { { u"username"_s, u"xavier"_s },
                           { u"password"_s, u"password123"_s },
                           { u"invite"_s, r.json()[u"code"_s].toString() } })
                 .status,
             403);
}

void TestAdmin::backupWhileClientsSendThenRestoreExactlyOnce()
{
    if (testPostgres())
        QSKIP("SQLite's file: on PostgreSQL, pg_dump (fileToolsSayWhatToUseOnPostgres)");
    TestServer s;
    const auto owner = s.signUp(u"owner"_s);
    const qint64 room = s.createRoom(owner.token, u"busy"_s);
    QVERIFY(room);
    constexpr int Clients = 20;
    constexpr int PerClient = 40;
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < Clients; ++i) {
        const auto a = s.signUp(u"sender%1"_s.arg(i));
        QVERIFY(a.id);
        QCOMPARE(s.post(u"/api/v1/rooms/%1/join"_s.arg(room), {}, a.token).status, 200);
        clients.push_back(std::make_unique<WsClient>(s.port()));
        QVERIFY(clients.back()->login(a.token));
    }
    // Each client sends its messages one after another (the next after the ack), all at once.
    QSet<QString> acked;
    int sent = 0;
    std::function<void(int)> sendNext = [&](int c) {
        const int k = clients[c]->property("next").toInt();
        if (k >= PerClient)
            return;
        clients[c]->setProperty("next", k + 1);
        ++sent;
        clients[c]->sendFrame({ u"s%1-%2"_s.arg(c).arg(k),
                                SendFrame { room, u"c%1-%2"_s.arg(c).arg(k),
                                            u"message %1 from %2"_s.arg(k).arg(c), {}, 0 } });
    };
    for (int c = 0; c < Clients; ++c) {
        connect(&clients[c]->socket(), &QWebSocket::textMessageReceived, this,
                [&, c](const QString &text) {
                    const auto frame = parseServerFrame(text.toUtf8());
                    if (!frame)
                        return;
                    if (const auto *ack = std::get_if<AckFrame>(&frame->payload)) {
                        acked.insert(ack->ack.clientMsgId);
                        QTimer::singleShot(5, this, [&, c] { sendNext(c); });
                    }
                });
        sendNext(c);
    }
    QVERIFY(spinUntil([&] { return acked.size() >= 100; }, 20000));

    // The backup, while they go on sending.
    QTemporaryDir work;
    const QString file = work.filePath(u"confab-backup.db"_s);
    const QSet<QString> ackedBefore = acked;
    const auto r = admin(s.dataDir(), { u"--json"_s, u"backup"_s, file });
    QCOMPARE(r.exitCode, 0);
    QVERIFY(spinUntil([&] { return acked.size() == Clients * PerClient; }, 30000));
    QVERIFY(!QFile::exists(file + u".partial"_s));
    // A second backup to the same name is refused.
    QCOMPARE(admin(s.dataDir(), { u"backup"_s, file }).exitCode, 1);

    // Restore into a fresh directory; a server there holds each message acknowledged before
    // the backup exactly once, and nothing that was never sent.
    const QString fresh = work.filePath(u"fresh"_s);
    const auto restored = admin(fresh, { u"--json"_s, u"restore"_s, file });
    QCOMPARE(restored.exitCode, 0);
    QVERIFY(restored.json()[u"epoch"_s].toString()
            != s.server().database().epoch()); // clients are told to reload
    TestServer back([&](server::ServerConfig &c) { c.dataDir = fresh; });
    QVERIFY(back.ok());
    const QString token = back.post(u"/api/v1/auth/login"_s,
                                    { { u"username"_s, u"owner"_s },
                                      { u"password"_s, u"password123"_s } })
                              .json()[u"token"_s]
                              .toString();
    QVERIFY(!token.isEmpty());
    const QStringList bodies = back.messageBodies(room, token);
    QSet<QString> seen;
    for (const QString &b : bodies) {
        QVERIFY2(!seen.contains(b), qPrintable(u"twice: "_s + b));
        seen.insert(b);
    }
    for (const QString &id : ackedBefore) {
        // c<client>-<k> was sent as "message <k> from <client>"
        const QStringList parts = id.mid(1).split(u'-');
        QVERIFY2(seen.contains(u"message %1 from %2"_s.arg(parts[1], parts[0])), qPrintable(id));
    }
    QVERIFY(seen.size() >= ackedBefore.size());
    QVERIFY(seen.size() <= Clients * PerClient);
    // And the restored server takes new messages after them.
    WsClient ws(back.port());
    QVERIFY(ws.login(token));
    const auto ack = ws.send(room, u"after-restore"_s, u"after the restore"_s);
    QVERIFY(ack);
    QCOMPARE(back.messageBodies(room, token).size(), bodies.size() + 1);
}

void TestAdmin::offlineOnAStoppedServerHoldsTheLock()
{
    QTemporaryDir data;
    const auto config = [&](server::ServerConfig &c) { c.dataDir = data.path(); };
    auto s = std::make_unique<TestServer>(config);
    QVERIFY(s->ok());
    QVERIFY(s->signUp(u"alice"_s).id);
    // A second server on the same data directory is refused.
    {
        server::ServerConfig c;
        c.dataDir = data.path();
        c.port = 0;
        c.tls = false;
        c.discovery = false;
        server::ConfabServer second(c);
        const auto started = second.start();
        QVERIFY(!started);
        QVERIFY2(started.error().message.contains(u"in use"_s),
                 qPrintable(started.error().message));
    }
    s.reset(); // stopped

    auto r = admin(data.path(), { u"users"_s, u"create"_s, u"bob"_s, u"--password-stdin"_s },
                   "offline-pass-1\n");
    QCOMPARE(r.exitCode, 0);
    r = admin(data.path(), { u"users"_s, u"disable"_s, u"alice"_s });
    QCOMPARE(r.exitCode, 0);
    r = admin(data.path(), { u"--json"_s, u"stats"_s });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.json()[u"users"_s].toInt(), 2);
    QCOMPARE(r.json()[u"running"_s].toBool(), false);

    s = std::make_unique<TestServer>(config);
    QVERIFY(s->ok());
    QCOMPARE(loginStatus(*s, u"bob"_s, u"offline-pass-1"_s), 200);
    QCOMPARE(loginStatus(*s, u"alice"_s, u"password123"_s), 403);
    r = admin(data.path(), { u"--json"_s, u"stats"_s });
    QCOMPARE(r.json()[u"running"_s].toBool(), true);

    // A directory with no database is not made into one (on PostgreSQL the directory holds no
    // database in the first place).
    if (testPostgres())
        return;
    QTemporaryDir empty;
    r = admin(empty.path(), { u"users"_s, u"list"_s });
    QCOMPARE(r.exitCode, 3);
    QVERIFY(!QFile::exists(empty.filePath(u"confab.db"_s)));
}

void TestAdmin::fileToolsSayWhatToUseOnPostgres()
{
    if (!testPostgres())
        QSKIP("PostgreSQL only (the _pg run)");
    TestServer s;
    QVERIFY(s.signUp(u"alice"_s).id);
    QTemporaryDir work;
    for (const QStringList &args : { QStringList { u"backup"_s, work.filePath(u"b.db"_s) },
                                     QStringList { u"restore"_s, work.filePath(u"b.db"_s) },
                                     QStringList { u"vacuum"_s } }) {
        const auto r = admin(s.dataDir(), args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("PostgreSQL") && r.err.contains("pg_dump"), r.err.constData());
        QVERIFY(!r.err.contains("password")); // the URL is shown without one
        QVERIFY(!QFile::exists(work.filePath(u"b.db"_s)));
    }
    // Nothing changed: the server goes on, alice with it.
    QCOMPARE(s.post(u"/api/v1/auth/login"_s,
                    { { u"username"_s, u"alice"_s }, { u"password"_s, u"password123"_s } })
                 .status,
             200);
}

void TestAdmin::restoreAndVacuumWaitForAStoppedServer()
{
    if (testPostgres())
        QSKIP("SQLite's file: on PostgreSQL, pg_restore (fileToolsSayWhatToUseOnPostgres)");
    QTemporaryDir data;
    const auto config = [&](server::ServerConfig &c) { c.dataDir = data.path(); };
    auto s = std::make_unique<TestServer>(config);
    QVERIFY(s->signUp(u"alice"_s).id);
    QTemporaryDir work;
    const QString file = work.filePath(u"b.db"_s);
    QCOMPARE(admin(data.path(), { u"backup"_s, file }).exitCode, 0);
    QVERIFY(s->signUp(u"bob"_s).id); // after the backup

    auto r = admin(data.path(), { u"restore"_s, file });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("stop it first"), r.err.constData());
    QCOMPARE(admin(data.path(), { u"vacuum"_s }).exitCode, 1);
    s.reset();

    // Not a database: refused, the data untouched.
    const QString junk = work.filePath(u"junk.db"_s);
    QFile j(junk);
    QVERIFY(j.open(QIODevice::WriteOnly));
    j.write(QByteArray(8192, 'x'));
    j.close();
    r = admin(data.path(), { u"restore"_s, junk });
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(admin(data.path(), { u"--json"_s, u"stats"_s }).json()[u"users"_s].toInt(), 2);

    r = admin(data.path(), { u"--json"_s, u"vacuum"_s });
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.json()[u"bytesAfter"_s].toInteger() > 0);

    r = admin(data.path(), { u"--json"_s, u"restore"_s, file });
    QCOMPARE(r.exitCode, 0);
    const QString previous = r.json()[u"previous"_s].toString();
    QVERIFY(QFile::exists(previous)); // the old database, kept aside
    QCOMPARE(admin(data.path(), { u"--json"_s, u"stats"_s }).json()[u"users"_s].toInt(), 1);
    s = std::make_unique<TestServer>(config);
    QVERIFY(s->ok());
    QCOMPARE(loginStatus(*s, u"alice"_s, u"password123"_s), 200);
    QCOMPARE(loginStatus(*s, u"bob"_s, u"password123"_s), 401);
}

void TestAdmin::hostileAdminSocketInputChangesNothing()
{
    TestServer s;
    QVERIFY(s.signUp(u"alice"_s).id);
    const auto ask = [&](const QByteArray &bytes) {
        QLocalSocket socket;
        socket.connectToServer(s.dataDir() + u"/admin.sock"_s);
        if (!socket.waitForConnected(2000))
            return QJsonObject();
        socket.write(bytes);
        QByteArray line;
        spinUntil(
            [&] {
                line += socket.readAll();
                return line.endsWith('\n')
                    || socket.state() == QLocalSocket::UnconnectedState;
            },
            5000);
        return QJsonDocument::fromJson(line).object();
    };
    QCOMPARE(ask("not json\n")[u"error"_s][u"code"_s].toString(), u"invalid_json"_s);
    QCOMPARE(ask("[1,2]\n")[u"error"_s][u"code"_s].toString(), u"invalid_json"_s);
    QCOMPARE(ask("{\"command\":\"users.list\",\"args\":5}\n")[u"error"_s][u"code"_s].toString(),
             u"invalid_json"_s);
    QCOMPARE(ask(QByteArray(server::AdminSocket::MaxLineBytes + 10, 'a'))[u"error"_s][u"code"_s]
                 .toString(),
             u"payload_too_large"_s);
    QCOMPARE(ask("{\"command\":\"drop.everything\"}\n")[u"error"_s][u"code"_s].toString(),
             u"invalid_value"_s);
    QCOMPARE(ask("{\"command\":\"users.disable\",\"args\":{\"user\":7}}\n")[u"error"_s]
                                                                          [u"code"_s]
                 .toString(),
             u"wrong_type"_s);
    QCOMPARE(ask("{\"command\":\"sessions.revoke\",\"args\":{\"id\":-1}}\n")[u"error"_s]
                                                                            [u"code"_s]
                 .toString(),
             u"invalid_value"_s);
    // Two requests on one line each, in one write: both answered, in order.
    QLocalSocket socket;
    socket.connectToServer(s.dataDir() + u"/admin.sock"_s);
    QVERIFY(socket.waitForConnected(2000));
    socket.write("{\"command\":\"stats\"}\n{\"command\":\"users.list\"}\n");
    QByteArray all;
    QVERIFY(spinUntil(
        [&] {
            all += socket.readAll();
            return all.count('\n') == 2;
        },
        5000));
    const QList<QByteArray> lines = all.trimmed().split('\n');
    QVERIFY(QJsonDocument::fromJson(lines[0]).object()[u"result"_s][u"users"_s].toInt() == 1);
    QVERIFY(QJsonDocument::fromJson(lines[1]).object()[u"result"_s].isArray());
    QCOMPARE(loginStatus(s, u"alice"_s, u"password123"_s), 200);
}

QTEST_MAIN(TestAdmin)
#include "tst_admin.moc"
