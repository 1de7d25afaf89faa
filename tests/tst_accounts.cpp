// Accounts an admin controls and users manage (docs/protocol.md, "Accounts"), against a real
// server: who may register (open, invite, closed, the setup code), the admin role, sessions a
// user lists and revokes, the password change, disabled accounts. Sockets of a revoked session
// must close within a second, wherever they are (WebSocket and SSE).
#include "accounts/accountservice.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

HttpResult registerWith(TestServer &s, const QString &name, const QString &invite = {})
{
    QJsonObject body { { u"username"_s, name }, { u"password"_s, u"password123"_s } };
    if (!invite.isEmpty())
        body.insert(u"invite"_s, invite);
    return s.post(u"/api/v1/auth/register"_s, body);
}

QString login(TestServer &s, const QString &name, const QString &device,
              const QString &password = u"password123"_s)
{
    return s.post(u"/api/v1/auth/login"_s, { { u"username"_s, name },
                                            { u"password"_s, password },
                                            { u"deviceName"_s, device } })
        .json()
        .value(u"token"_s)
        .toString();
}

QString makeInvite(TestServer &s, const QString &adminToken, int hours = 72)
{
    return s.post(u"/api/v1/admin/invites"_s, { { u"expiresInHours"_s, hours } }, adminToken)
        .json()
        .value(u"code"_s)
        .toString();
}

// An SSE stream held open on a raw socket (TLS in the _tls run).
std::unique_ptr<QTcpSocket> openSse(TestServer &s, const QString &token)
{
    auto c = connectRaw(s.port());
    if (!c)
        return nullptr;
    c->write("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.toLatin1()
             + "\r\n\r\n");
    QByteArray got;
    QElapsedTimer t;
    t.start();
    while (!got.contains("\r\n\r\n") && t.elapsed() < 3000) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        got += c->readAll();
    }
    return got.startsWith("HTTP/1.1 200") ? std::move(c) : nullptr;
}

// Milliseconds until every one of `closed` holds (or -1 past 3 s).
qint64 msUntil(const std::function<bool()> &closed)
{
    QElapsedTimer t;
    t.start();
    while (!closed()) {
        if (t.elapsed() > 3000)
            return -1;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return t.elapsed();
}

} // namespace

class tst_Accounts : public QObject
{
    Q_OBJECT

private slots:
    void theFirstAccountIsTheAdmin();
    void inviteOnlyRefusesWithoutACodeAndTakesAValidOneOnce();
    void closedRefusesAndTheSetupCodeMakesTheFirstAdmin();
    void onlyAdminsMakeInvites();
    void revokingASessionClosesThatDevicesSocketsWithinASecond();
    void changingThePasswordCanLeaveOnlyThisSession();
    void aDisabledUserIsLockedOutEverywhereAtOnce();
};

void tst_Accounts::theFirstAccountIsTheAdmin()
{
    TestServer s; // open (loopback)
    QVERIFY(s.server().setupCode().isEmpty()); // open: nothing to set up
    const auto root = s.signUp(u"root"_s);
    const auto bob = s.signUp(u"bob"_s);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, root.token).json().value(u"admin"_s).toBool(), true);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, bob.token).json().value(u"admin"_s).toBool(), false);
}

void tst_Accounts::inviteOnlyRefusesWithoutACodeAndTakesAValidOneOnce()
{
    TestServer s([](server::ServerConfig &c) { c.registration = u"invite"_s; });
    const QString setup = s.server().setupCode();
    QVERIFY(!setup.isEmpty());
    // No code, a made-up code: 403, naming the field; nothing is created.
    auto r = registerWith(s, u"eve"_s);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.json()[u"error"_s][u"field"_s].toString(), u"invite"_s);
    QCOMPARE(registerWith(s, u"eve"_s, u"AAAAA-BBBBB-CCCCC-DDDDD"_s).status, 403);
    QCOMPARE(s.post(u"/api/v1/auth/login"_s,
                    { { u"username"_s, u"eve"_s }, { u"password"_s, u"password123"_s } })
                 .status,
             401);
    // The setup code makes the admin; an admin's invite makes one more account, once.
    QCOMPARE(registerWith(s, u"root"_s, setup).status, 201);
    QCOMPARE(registerWith(s, u"root2"_s, setup).status, 403); // used
    const QString admin = login(s, u"root"_s, u"laptop"_s);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, admin).json().value(u"admin"_s).toBool(), true);
    const QString code = makeInvite(s, admin, 1);
    QCOMPARE(code.size(), 23); // XXXXX-XXXXX-XXXXX-XXXXX
    QCOMPARE(registerWith(s, u"ann"_s, code).status, 201);
    r = registerWith(s, u"ann2"_s, code);
    QCOMPARE(r.status, 403);
    QVERIFY(r.json()[u"error"_s][u"message"_s].toString().contains(u"used"_s));
    // An invite past its expiry is refused.
    const QString late = makeInvite(s, admin, 1);
    s.advanceClock(3600 * 1000 + 1);
    QCOMPARE(registerWith(s, u"tom"_s, late).status, 403);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, login(s, u"ann"_s, u"pc"_s)).status, 200);
}

void tst_Accounts::closedRefusesAndTheSetupCodeMakesTheFirstAdmin()
{
    TestServer s([](server::ServerConfig &c) { c.registration = u"closed"_s; });
    const QString setup = s.server().setupCode();
    QVERIFY(!setup.isEmpty());
    QCOMPARE(registerWith(s, u"eve"_s).status, 403);
    QCOMPARE(registerWith(s, u"root"_s, setup).status, 201);
    const QString admin = login(s, u"root"_s, u"laptop"_s);
    // Closed means closed: even an admin's invite does not open it.
    const QString code = makeInvite(s, admin);
    QVERIFY(!code.isEmpty());
    const auto r = registerWith(s, u"ann"_s, code);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.errorCode(), u"forbidden"_s);
}

void tst_Accounts::onlyAdminsMakeInvites()
{
    TestServer s;
    const auto root = s.signUp(u"root"_s);
    const auto bob = s.signUp(u"bob"_s);
    QCOMPARE(s.post(u"/api/v1/admin/invites"_s, {}, bob.token).status, 403);
    QCOMPARE(s.post(u"/api/v1/admin/invites"_s, {}, root.token).status, 201);
    QCOMPARE(s.post(u"/api/v1/admin/invites"_s, { { u"expiresInHours"_s, 0 } }, root.token).status,
             400);
    QCOMPARE(s.post(u"/api/v1/admin/users/%1/disable"_s.arg(root.id), {}, bob.token).status, 403);
    QCOMPARE(s.post(u"/api/v1/admin/invites"_s, {}).status, 401);
}

void tst_Accounts::revokingASessionClosesThatDevicesSocketsWithinASecond()
{
    TestServer s;
    s.signUp(u"ann"_s);
    const QString laptop = login(s, u"ann"_s, u"laptop"_s);
    const QString phone = login(s, u"ann"_s, u"phone"_s);
    WsClient phoneWs(s.port());
    QVERIFY(phoneWs.login(phone));
    WsClient laptopWs(s.port());
    QVERIFY(laptopWs.login(laptop));
    auto phoneSse = openSse(s, phone);
    QVERIFY(phoneSse);

    // The list: every device, with when and where, and which one is asking.
    const QJsonArray list = s.get(u"/api/v1/auth/sessions"_s, laptop).json()[u"sessions"_s].toArray();
    qint64 phoneId = 0;
    QStringList devices;
    for (const auto &v : list) {
        const auto info = SessionInfo::fromJson(v.toObject());
        QVERIFY(info);
        devices << info->device;
        QVERIFY(info->createdAt > 0 && info->lastSeenAt >= info->createdAt);
        QCOMPARE(info->address, u"127.0.0.1"_s);
        QCOMPARE(info->current, info->device == u"laptop");
        if (info->device == u"phone")
            phoneId = info->id;
    }
    QVERIFY(devices.contains(u"laptop"_s) && devices.contains(u"phone"_s));

    // Someone else's id, or a made-up one, is 404 (and revokes nothing).
    const auto bob = s.signUp(u"bob"_s);
    QCOMPARE(s.request("DELETE", u"/api/v1/auth/sessions/%1"_s.arg(phoneId), {}, bob.token).status,
             404);
    QVERIFY(!phoneWs.isClosed());

    QCOMPARE(s.request("DELETE", u"/api/v1/auth/sessions/%1"_s.arg(phoneId), {}, laptop).status,
             204);
    const qint64 ms = msUntil([&] {
        return phoneWs.isClosed() && phoneSse->state() == QAbstractSocket::UnconnectedState;
    });
    QVERIFY2(ms >= 0 && ms < 1000, qPrintable(QString::number(ms)));
    QCOMPARE(phoneWs.closeCode(), 4401);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, phone).status, 401);
    // The laptop goes on.
    QCOMPARE(s.get(u"/api/v1/users/me"_s, laptop).status, 200);
    QVERIFY(!laptopWs.isClosed());
}

void tst_Accounts::changingThePasswordCanLeaveOnlyThisSession()
{
    TestServer s;
    s.signUp(u"ann"_s);
    const QString a = login(s, u"ann"_s, u"a"_s);
    const QString b = login(s, u"ann"_s, u"b"_s);
    const QString c = login(s, u"ann"_s, u"c"_s);
    WsClient bWs(s.port());
    QVERIFY(bWs.login(b));
    // The current password is required.
    auto r = s.post(u"/api/v1/auth/password"_s,
                    { { u"currentPassword"_s, u"not-my-password"_s },
                      { u"newPassword"_s, u"a-new-password"_s },
                      { u"revokeOtherSessions"_s, true } },
                    a);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.json()[u"error"_s][u"field"_s].toString(), u"currentPassword"_s);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, b).status, 200); // nothing changed
    // A too-short new password is refused by the codec.
    QCOMPARE(s.post(u"/api/v1/auth/password"_s,
                    { { u"currentPassword"_s, u"password123"_s }, { u"newPassword"_s, u"short"_s } },
                    a)
                 .status,
             400);

    r = s.post(u"/api/v1/auth/password"_s,
               { { u"currentPassword"_s, u"password123"_s },
                 { u"newPassword"_s, u"a-new-password"_s },
                 { u"revokeOtherSessions"_s, true } },
               a);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json()[u"revokedSessions"_s].toInt(), 3); // b, c and signUp()'s own
    QVERIFY(msUntil([&] { return bWs.isClosed(); }) >= 0);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, a).status, 200);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, b).status, 401);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, c).status, 401);
    QCOMPARE(s.get(u"/api/v1/auth/sessions"_s, a).json()[u"sessions"_s].toArray().size(), 1);
    QVERIFY(login(s, u"ann"_s, u"d"_s).isEmpty()); // the old password no longer works
    QVERIFY(!login(s, u"ann"_s, u"d"_s, u"a-new-password"_s).isEmpty());
}

void tst_Accounts::aDisabledUserIsLockedOutEverywhereAtOnce()
{
    TestServer s;
    const auto root = s.signUp(u"root"_s);
    const auto room = s.createRoom(root.token, u"general"_s);
    s.signUp(u"bob"_s);
    const QString laptop = login(s, u"bob"_s, u"laptop"_s);
    const QString phone = login(s, u"bob"_s, u"phone"_s);
    const qint64 bobId = s.get(u"/api/v1/users/me"_s, laptop).json()[u"id"_s].toInteger();
    QCOMPARE(s.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, laptop).status, 200);
    WsClient ws(s.port());
    QVERIFY(ws.login(laptop));
    auto sse = openSse(s, phone);
    QVERIFY(sse);

    // An admin cannot lock themselves out.
    QCOMPARE(s.post(u"/api/v1/admin/users/%1/disable"_s.arg(root.id), {}, root.token).status, 409);
    QCOMPARE(s.post(u"/api/v1/admin/users/999999/disable"_s, {}, root.token).status, 404);

    QCOMPARE(s.post(u"/api/v1/admin/users/%1/disable"_s.arg(bobId), {}, root.token).status, 200);
    const qint64 ms = msUntil(
        [&] { return ws.isClosed() && sse->state() == QAbstractSocket::UnconnectedState; });
    QVERIFY2(ms >= 0 && ms < 1000, qPrintable(QString::number(ms)));
    QCOMPARE(s.get(u"/api/v1/users/me"_s, laptop).status, 401);
    QCOMPARE(s.get(u"/api/v1/users/me"_s, phone).status, 401);
    const auto refused = s.post(u"/api/v1/auth/login"_s,
                                { { u"username"_s, u"bob"_s }, { u"password"_s, u"password123"_s } });
    QCOMPARE(refused.status, 403);
    QVERIFY(refused.json()[u"error"_s][u"message"_s].toString().contains(u"disabled"_s));
    // A wrong password learns nothing about the account's state.
    QCOMPARE(s.post(u"/api/v1/auth/login"_s,
                    { { u"username"_s, u"bob"_s }, { u"password"_s, u"wrong-password"_s } })
                 .status,
             401);

    QCOMPARE(s.post(u"/api/v1/admin/users/%1/enable"_s.arg(bobId), {}, root.token).status, 200);
    QVERIFY(!login(s, u"bob"_s, u"laptop"_s).isEmpty());
}

QTEST_GUILESS_MAIN(tst_Accounts)
#include "tst_accounts.moc"
