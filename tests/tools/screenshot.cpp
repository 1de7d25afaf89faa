// confab_screenshot OUTDIR light|dark: every screen of the client with a realistic team, for
// docs/screenshots/. Runs an in-process server on 127.0.0.1 (port 0) over TLS, signs people up,
// fills rooms (yesterday and today), opens the real windows and saves PNGs named
// SCREEN-THEME[@2x].png (@2x when QT_SCALE_FACTOR is 2). docs/screenshots/take.sh runs it under
// Xvfb in both themes at device pixel ratio 1 and 2.
#include "accountdialog.h"
#include "chatclient.h"
#include "chatwindow.h"
#include "clientoptions.h"
#include "diagnosticsdialog.h"
#include "logindialog.h"
#include "messagelistmodel.h"
#include "searchpanel.h"
#include "settingsdialog.h"
#include "testsupport.h"
#include "theme.h"
#include "trustdialog.h"

#include <QApplication>
#include <QBuffer>
#include <QFile>
#include <QPainter>
#include <QTemporaryDir>
#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace confab;
using namespace confab::client;
using namespace confab::test;

namespace {

QString g_dir;
QString g_suffix;

bool save(QWidget *w, const QString &screen)
{
    QTest::qWait(400);
    const QString path = QDir(g_dir).filePath(screen + g_suffix + u".png"_s);
    if (!w->grab().save(path)) {
        qWarning("could not write %s", qPrintable(path));
        return false;
    }
    qInfo("wrote %s", qPrintable(path));
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setFont(QFont(u"DejaVu Sans"_s, 9));
    g_dir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : u"."_s;
    const bool dark = argc > 2 && QString::fromLocal8Bit(argv[2]) == u"dark";
    applyTheme(dark ? Preferences::Theme::Dark : Preferences::Theme::Light, 0);
    g_suffix = (dark ? u"-dark"_s : u"-light"_s)
        + (qEnvironmentVariableIntValue("QT_SCALE_FACTOR") == 2 ? u"@2x"_s : QString());

    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const auto bob = server.signUp(u"bob"_s);
    const auto carol = server.signUp(u"carol"_s);
    const auto dave = server.signUp(u"dave"_s);
    const auto named = [&](const TestServer::Account &a, const QString &name) {
        server.patch(u"/api/v1/users/me"_s, { { u"displayName"_s, name } }, a.token);
    };
    named(alice, u"Alice Martin"_s);
    named(bob, u"Bob Okafor"_s);
    named(carol, u"Carol Nguyen"_s);
    named(dave, u"Dave Fischer"_s);
    const qint64 general = server.createRoom(alice.token, u"general"_s);
    server.patch(u"/api/v1/rooms/%1"_s.arg(general),
                 { { u"topic"_s, u"Release 2.4 ships Tuesday · standup at 9:30"_s } }, alice.token);
    const qint64 design = server.createRoom(carol.token, u"design"_s);
    const qint64 random = server.createRoom(bob.token, u"random"_s);
    server.createRoom(dave.token, u"ops-alerts"_s);
    for (const auto *a : { &bob, &carol, &dave })
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(general), {}, a->token);
    for (qint64 r : { design, random })
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(r), {}, alice.token);
    server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(design), {}, dave.token);
    server.request("POST", u"/api/v1/users/%1/dm"_s.arg(carol.id), {}, alice.token);

    int n = 0;
    // A message through REST; returns its event id (for the edit and the delete below).
    const auto say = [&](const TestServer::Account &who, qint64 room, const QString &text,
                         qint64 replyTo = 0) {
        QJsonObject body { { u"body"_s, text }, { u"clientMsgId"_s, u"s%1"_s.arg(++n) } };
        if (replyTo)
            body.insert(u"replyTo"_s, replyTo);
        const HttpResult r = server.request("POST", u"/api/v1/rooms/%1/messages"_s.arg(room),
                                            QJsonDocument(body).toJson(), who.token);
        return r.json().value(u"eventId"_s).toInteger();
    };
    // Yesterday afternoon...
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QDateTime yesterday(QDate::currentDate().addDays(-1), QTime(16, 40));
    server.advanceClock(yesterday.toMSecsSinceEpoch() - now);
    say(dave, general, u"Heads up: the staging database is being migrated tonight."_s);
    say(carol, general, u"Thanks Dave, I'll hold the design review until tomorrow."_s);
    server.advanceClock(now - yesterday.toMSecsSinceEpoch() - 20 * 60 * 1000);
    // ...and this morning.
    say(bob, general, u"Morning! The build from last night is green on all three platforms."_s);
    say(bob, general, u"I pushed the migration fix too, so the upgrade test passes again."_s);
    const qint64 typo = say(carol, general, u"Great. I still see the tray badge of by one."_s);
    server.patch(u"/api/v1/rooms/%1/messages/%2"_s.arg(general).arg(typo),
                 { { u"body"_s, u"Great. I still see the tray badge off by one, looking now."_s } },
                 carol.token);
    const qint64 oops = say(dave, general, u"(wrong room, sorry)"_s);
    server.request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(general).arg(oops), {},
                   dave.token);
    say(alice, general,
        u"Thanks both. Release notes draft is in the wiki; please skim it before standup. "
        u"I moved the known-issues list to the top, added the upgrade steps for people coming "
        u"from 2.2, and left a question for Dave about the backup window on Sunday."_s);
    const qint64 typoQuestion = say(bob, general, u"@alice the notes say 2.3 in the title, typo?"_s);
    say(alice, general, u"Fixed, good catch 👍"_s, typoQuestion);
    const qint64 found = say(carol, general, u"Found it: the badge counted muted rooms. Patch incoming ✅"_s);
    // Reactions: two people 🎉 Carol's find (Alice among them), one 👀.
    const auto react = [&](const TestServer::Account &who, qint64 message, const QString &key) {
        server.post(u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(general).arg(message),
                    { { u"key"_s, key } }, who.token);
    };
    react(alice, found, u"🎉"_s);
    react(bob, found, u"🎉"_s);
    react(dave, found, u"👀"_s);
    say(dave, general, u"Backup window is **Sunday 02:00–04:00**; run `confab-server --print-fingerprint` after the upgrade, notes at https://wiki.example.lan/ops"_s);
    say(carol, design, u"New icons are up for review"_s);
    // Files in #design: a mockup (an image: previewed inline) and release notes (a card).
    const auto share = [&](const TestServer::Account &who, qint64 room, const QString &name,
                           const QByteArray &bytes, const QString &caption) {
        const HttpResult created = server.post(
            u"/api/v1/uploads"_s,
            { { u"roomId"_s, room }, { u"name"_s, name }, { u"size"_s, bytes.size() } },
            who.token);
        const QString id = created.json().value(u"uploadId"_s).toString();
        const HttpResult done = server.request("PATCH", u"/api/v1/uploads/"_s + id, bytes,
                                               who.token, { { "Upload-Offset", "0" } });
        const QString fileId = done.json()[u"file"_s][u"fileId"_s].toString();
        server.request("POST", u"/api/v1/rooms/%1/messages"_s.arg(room),
                       QJsonDocument(QJsonObject { { u"body"_s, caption },
                                                   { u"clientMsgId"_s, u"s%1"_s.arg(++n) },
                                                   { u"fileId"_s, fileId } })
                           .toJson(),
                       who.token);
    };
    {
        // The mockup: a window with a title bar, a sidebar and cards, in the app's blue.
        QImage mock(1200, 750, QImage::Format_RGB32);
        mock.fill(QColor(0xf4, 0xf6, 0xfa));
        QPainter p(&mock);
        p.setRenderHint(QPainter::Antialiasing);
        p.fillRect(0, 0, 1200, 70, QColor(0x2d, 0x6c, 0xdf));
        p.fillRect(0, 70, 260, 680, QColor(0xe3, 0xe9, 0xf3));
        for (int i = 0; i < 6; ++i)
            p.fillRect(24, 110 + i * 70, 212, 40, i == 1 ? QColor(0x2d, 0x6c, 0xdf) : QColor(0xc9, 0xd4, 0xe6));
        for (int i = 0; i < 3; ++i) {
            p.setBrush(Qt::white);
            p.setPen(QColor(0xd0, 0xd7, 0xe2));
            p.drawRoundedRect(QRectF(300 + i * 300, 120, 270, 300), 18, 18);
            p.setBrush(QColor::fromHsv(200 + i * 50, 150, 230));
            p.setPen(Qt::NoPen);
            p.drawEllipse(QPointF(435 + i * 300, 230), 70, 70);
        }
        p.end();
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        mock.save(&buffer, "PNG");
        share(carol, design, u"settings-mockup-v3.png"_s, png, u"The settings page, third try"_s);
    }
    share(dave, design, u"release-notes-2.4.pdf"_s,
          "%PDF-1.4\n" + QByteArray(180 * 1024, 'x') + "\n%%EOF\n", QString());
    say(bob, random, u"Lunch at the new ramen place? 🍜"_s);

    WsClient wb(server.port()), wc(server.port());
    wb.login(bob.token);
    wc.login(carol.token);
    wc.sendFrame({ {}, PresenceFrame { PresenceStatus::Away } });

    // The login dialog, as a newcomer fills it in.
    {
        LoginDialog::Options o;
        o.server = u"chat.example.lan:7080"_s;
        o.username = u"alice"_s;
        o.discover = false;
        LoginDialog login(o);
        login.show();
        if (auto *password = login.findChild<QLineEdit *>(u"password"_s))
            password->setText(u"correct horse battery"_s);
        if (!save(&login, u"login"_s))
            return 1;
    }

    QTemporaryDir dir;
    ChatClient client(server.url({}), alice.token, dir.filePath(u"alice"_s),
                      fastChatClientOptions());
    if (!client.start())
        return 1;
    ChatWindow::Options o;
    o.self = User { alice.id, u"alice"_s, u"Alice Martin"_s, {}, 0 };
    o.trayIcon = false;
    ChatWindow window(&client, o);
    window.resize(1100, 720);
    window.show();
    QTest::qWait(500);
    window.openRoom(general);
    QTest::qWait(800);
    // A little life: unread news elsewhere, Bob typing, a message waiting to be sent (as the
    // outbox shows it while the server has not acknowledged it yet), a draft in the composer.
    wc.send(design, u"w1"_s, u"Which one do you prefer?"_s);
    wb.send(random, u"w2"_s, u"@alice coming?"_s);
    QTest::qWait(300);
    wb.sendFrame({ {}, TypingFrame { general, true } });
    Outbox::Item pending;
    pending.localId = 999999;
    pending.clientMsgId = u"screenshot-pending"_s;
    pending.roomId = general;
    pending.body = u"Standup in 5 minutes, joining from the train"_s;
    pending.createdAt = QDateTime::currentMSecsSinceEpoch();
    window.modelFor(general)->upsertPending(pending);
    window.composer()->setPlainText(u"Release Tuesday, badge fix in review"_s);
    QTest::qWait(800);
    window.messageView()->scrollToBottom();
    if (!save(&window, u"main-window"_s))
        return 1;

    // #design with the shared files, and one of Alice's on its way up (as the outbox shows it).
    window.openRoom(design);
    QTest::qWait(1200); // the preview comes from the server
    QTemporaryDir uploads;
    const QString video = uploads.filePath(u"demo-recording.webm"_s);
    {
        QFile f(video);
        f.open(QIODevice::WriteOnly);
        f.write(QByteArray(24 * 1024 * 1024, '\0'));
    }
    Outbox::Item uploading;
    uploading.localId = 999998;
    uploading.clientMsgId = u"screenshot-upload"_s;
    uploading.roomId = design;
    uploading.filePath = video;
    uploading.createdAt = QDateTime::currentMSecsSinceEpoch();
    window.modelFor(design)->upsertPending(uploading);
    window.modelFor(design)->setUploadProgress(999998, 0.42);
    window.composer()->clear();
    QTest::qWait(300);
    window.messageView()->scrollToBottom();
    if (!save(&window, u"files"_s))
        return 1;
    window.openRoom(general);
    QTest::qWait(500);

    window.showSearch();
    SearchPanel *search = window.searchPanel();
    search->resize(620, 360);
    search->queryField()->setText(u"badge"_s);
    search->search();
    QTest::qWait(800);
    if (!save(search, u"search"_s))
        return 1;
    search->close();

    DiagnosticsDialog *diagnostics = window.showDiagnostics();
    diagnostics->resize(640, 520);
    QTest::qWait(4500); // a few round trips in the plot (the panel pings every 2 s)
    if (!save(diagnostics, u"diagnostics"_s))
        return 1;
    diagnostics->close();

    SettingsDialog settings(Preferences {}, true, &window);
    settings.show();
    if (!save(&settings, u"settings"_s))
        return 1;
    settings.close();

    AccountDialog account(&client.api(), &window);
    account.resize(640, 420);
    account.show();
    if (!save(&account, u"account"_s))
        return 1;
    account.close();

    ServerTrust::Pending first;
    first.seen = ServerTrust::Seen::FirstUse;
    first.fingerprint = server.server().fingerprint();
    TrustDialog trust(QUrl(u"https://chat.example.lan:7080"_s), first, first.fingerprint,
                      &window);
    trust.show();
    if (!save(&trust, u"trust-prompt"_s))
        return 1;
    return 0;
}
