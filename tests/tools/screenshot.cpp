// confab_screenshot: the README's screenshot of the main window, with a realistic conversation.
// Runs an in-process server on 127.0.0.1 (port 0), signs people up, fills rooms, opens the real
// ChatWindow and saves a PNG. docs/screenshots/take.sh runs it under Xvfb.
#include "chatclient.h"
#include "chatwindow.h"
#include "clientoptions.h"
#include "messagelistmodel.h"
#include "testsupport.h"

#include <QApplication>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace confab;
using namespace confab::client;
using namespace confab::test;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : u"main-window.png"_s;
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

    WsClient wb(server.port()), wc(server.port());
    wb.login(bob.token);
    wc.login(carol.token);
    wc.sendFrame({ {}, PresenceFrame { PresenceStatus::Away } });
    int n = 0;
    const auto say = [&](WsClient &ws, qint64 room, const QString &text) {
        ws.send(room, u"s%1"_s.arg(++n), text);
    };
    WsClient wa(server.port());
    wa.login(alice.token);
    say(wb, general, u"Morning! The build from last night is green on all three platforms."_s);
    say(wb, general, u"I pushed the migration fix too, so the upgrade test passes again."_s);
    say(wc, general, u"Great. I still see the tray badge off by one on the laptop, looking now."_s);
    say(wa, general,
        u"Thanks both. Release notes draft is in the wiki; please skim it before "
        u"standup."_s);
    say(wb, general, u"@alice the notes say 2.3 in the title, typo?"_s);
    say(wa, general, u"Fixed, good catch."_s);
    say(wc, general, u"Found it: the badge counted muted rooms. Patch incoming ✔"_s);
    say(wc, design, u"New icons are up for review"_s);
    say(wc, design, u"Dark theme screenshots too"_s);
    say(wb, random, u"Lunch at the new ramen place?"_s);

    QTemporaryDir dir;
    ChatClient client(server.url({}), alice.token, dir.filePath(u"alice"_s),
                      fastChatClientOptions());
    if (!client.start())
        return 1;
    ChatWindow::Options o;
    o.self = User { alice.id, u"alice"_s, u"Alice Martin"_s, {}, 0 };
    o.trayIcon = false;
    ChatWindow window(&client, o);
    window.resize(1100, 680);
    window.show();
    QTest::qWait(500);
    window.openRoom(general);
    QTest::qWait(800);
    // A little life: unread news elsewhere, Bob typing, a draft in the composer.
    say(wc, design, u"Which one do you prefer?"_s);
    say(wb, random, u"@alice coming?"_s);
    QTest::qWait(300);
    wb.sendFrame({ {}, TypingFrame { general, true } });
    window.composer()->setPlainText(u"Standup notes: release Tuesday, badge fix in review"_s);
    QTest::qWait(1200);
    if (!window.grab().save(out)) {
        qWarning("could not write %s", qPrintable(out));
        return 1;
    }
    qInfo("wrote %s", qPrintable(out));
    return 0;
}
