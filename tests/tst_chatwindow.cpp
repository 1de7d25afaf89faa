// ChatWindow driven like a user would, offscreen, against a real in-process server and a second
// real client.
#include "accountdialog.h"
#include "apiclient.h"
#include "chatclient.h"
#include "chatwindow.h"
#include "clientoptions.h"
#include "clientsettings.h"
#include "diagnosticsdialog.h"
#include "dialogs.h"
#include "logindialog.h"
#include "messagedelegate.h"
#include "messagelistmodel.h"
#include "searchpanel.h"
#include "settingsdialog.h"
#include "testsupport.h"
#include "theme.h"
#include "timelineview.h"

#include <QApplication>
#include <QCheckBox>
#include <QTableWidget>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTcpServer>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>
#include <QToolButton>
#include <QClipboard>
#include <QSpinBox>
#include <QStatusBar>
#include <QComboBox>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using State = MessageListModel::MessageState;

namespace {

// How a user types the test server's address: bare for TLS (the default), with "http://" for a
// server with TLS off.
QString typedAddress(TestServer &server)
{
    const QString hostPort = u"127.0.0.1:%1"_s.arg(server.port());
    return server.server().tls() ? hostPort : u"http://"_s + hostPort;
}

int rowWithBody(const MessageListModel *m, const QString &body)
{
    for (int i = 0; m && i < m->rowCount(); ++i) {
        if (m->index(i).data(MessageListModel::BodyRole).toString() == body)
            return i;
    }
    return -1;
}

State stateOf(const MessageListModel *m, const QString &body)
{
    const int row = rowWithBody(m, body);
    return row < 0 ? State::Failed : m->index(row).data(MessageListModel::StateRole).value<State>();
}

QListWidgetItem *itemWithText(QListWidget *list, const QString &prefix)
{
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->text().startsWith(prefix))
            return list->item(i);
    }
    return nullptr;
}

bool sawEvent(WsClient &ws, const std::function<bool(const RoomEvent &)> &pred)
{
    return ws.waitFor(
               [&](const ServerFrame &f) {
                   const auto *e = std::get_if<EventFrame>(&f.payload);
                   return e && pred(e->event);
               },
               5000)
        >= 0;
}

// Sends "m0" … "m<count-1>" to `room` without waiting for each ack, then waits for the last.
bool sendMany(WsClient &ws, qint64 room, int count)
{
    for (int i = 0; i < count; ++i)
        ws.sendFrame({ u"s%1"_s.arg(i), SendFrame { room, u"c%1"_s.arg(i), u"m%1"_s.arg(i), {}, 0 } });
    const QString last = u"s%1"_s.arg(count - 1);
    return ws.waitFor([&](const ServerFrame &f) { return f.id == last; }, 20000) >= 0;
}

// A server with Alice and Bob, and a public room of Alice's that Bob has joined.
struct AliceAndBob
{
    explicit AliceAndBob(const QString &roomName)
        : alice(server.signUp(u"alice"_s))
        , bob(server.signUp(u"bob"_s))
        , room(server.createRoom(alice.token, roomName))
    {
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    }
    TestServer server;
    TestServer::Account alice;
    TestServer::Account bob;
    qint64 room = 0;
};

// Alice's rooms "here" and "there", both with Bob in them.
struct HereAndThere
{
    HereAndThere()
        : alice(server.signUp(u"alice"_s))
        , bob(server.signUp(u"bob"_s))
        , here(server.createRoom(alice.token, u"here"_s))
        , there(server.createRoom(alice.token, u"there"_s))
    {
        for (qint64 r : { here, there })
            server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(r), {}, bob.token);
    }
    TestServer server;
    TestServer::Account alice;
    TestServer::Account bob;
    qint64 here = 0;
    qint64 there = 0;
};

// One user's client and window against a server.
struct Session
{
    Session(TestServer &server, const TestServer::Account &account, const QString &username,
            const QString &dir, ChatWindow::Options options = {})
        : Session(server.url({}), account, username, dir, options)
    {
    }
    Session(const QUrl &server, const TestServer::Account &account, const QString &username,
            const QString &dir, ChatWindow::Options options = {})
        : client(server, account.token, dir, fastChatClientOptions())
    {
        options.self = User { account.id, username, {}, {}, 0 };
        options.trayIcon = false;
        ok = client.start().ok();
        window = std::make_unique<ChatWindow>(&client, options);
    }
    // The window shown at a usual size with `room` open.
    void open(qint64 room)
    {
        window->resize(900, 600);
        window->show();
        window->openRoom(room);
    }
    ChatClient client;
    std::unique_ptr<ChatWindow> window;
    bool ok = false;
};

} // namespace

class tst_ChatWindow : public QObject
{
    Q_OBJECT

private slots:
    void typeSendReceiveAndSurviveAServerRestart();
    void loginDialogRegistersLogsInAndShowsErrors();
    void aNewcomerCanJoinAndCreateRooms();
    void messageViewShowsSendersGroupingAndMarkers();
    void upEditsYourLastMessage();
    void failedMessageCanBeRetriedOrDiscarded();
    void scrollingUpLoadsHistoryOnDemand();
    void aLongRoomScrollsBothWaysThroughABoundedWindow();
    void membersPresenceAndTyping();
    void unreadMentionsNotificationsAndMute();
    void profileDirectMessageTopicAndLeave();
    void aDeletedRoomLeavesTheWindow();
    void restartRestoresLastRoomAndGeometryWhileServerIsAway();
    void diagnosticsPanelShowsTheNetworkFigures();
    void loginDialogListsLanServersAndRemembersAccounts();
    void dialogsCollectWhatTheySay();
    void accountDialogSignsOutADeviceAndChangesThePassword();
    void jumpToLatestWhileReadingHistory();
    void roomSectionsAndFilter();
    void ownPresenceIsTruthfulWhileOffline();
    void settingsAreAppliedAndRemembered();
    void unreadIsTheSameOnEveryDeviceAndSurvivesARestart();
    void replyQuoteAndJumpToTheOriginal();
    void reactionChipsShowToggleAndNameWhoReacted();
    void searchFindsAcrossRoomsAndOpensTheRoomAtTheResult();
    void aMessageLinkOpensTheRoomAtThatMessage();
    void formattingFromTheServerIsDrawnAndHtmlStaysText();
    void aReactionMadeOfflineShowsAtOnceAndReachesTheServerOnce();
};

void tst_ChatWindow::typeSendReceiveAndSurviveAServerRestart()
{
    QTemporaryDir clientDir;
    RestartableServer server;
    const auto alice = server->signUp(u"alice"_s);
    const auto bob = server->signUp(u"bob"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    server->request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);

    ChatClient client(server.url(), alice.token, clientDir.filePath(u"alice"_s),
                      fastChatClientOptions());
    QVERIFY(client.start().ok());
    ChatWindow window(&client);
    window.show();
    QTRY_VERIFY(window.statusLabel()->text().startsWith(u"Connected"_s));
    // The status bar says whether the connection is encrypted, and to which certificate.
    if (server->server().tls()) {
        QTRY_VERIFY(window.securityLabel()->text().startsWith(u"Encrypted"_s));
        QTRY_VERIFY(window.securityLabel()->toolTip().contains(server->server().fingerprint()));
    } else {
        QCOMPARE(window.securityLabel()->text(), u"Not encrypted"_s);
    }
    QVERIFY(window.securityLabel()->isVisible());
    window.openRoom(room);

    WsClient other(server->port());
    QVERIFY(other.login(bob.token));
    QVERIFY(other.resume({ { room, 3 } }));

    // Alice types and presses Enter: Bob receives it, her composer is empty again.
    QTest::keyClicks(window.composer(), u"hello bob"_s);
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QTRY_VERIFY(other.waitFor(
                    [](const ServerFrame &f) {
                        const auto *e = std::get_if<EventFrame>(&f.payload);
                        return e && e->event.body() == u"hello bob"_s;
                    },
                    5000)
                >= 0);
    QVERIFY(window.composer()->toPlainText().isEmpty());
    QTRY_COMPARE(stateOf(window.timeline(), u"hello bob"_s), State::Sent);

    // Shift+Enter is a new line, not a send.
    QTest::keyClicks(window.composer(), u"two"_s);
    QTest::keyClick(window.composer(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(window.composer(), u"lines"_s);
    QCOMPARE(window.composer()->toPlainText(), u"two\nlines"_s);
    window.composer()->clear();

    // A long paste is fine up to the limit; over it, a clear message and nothing is lost.
    const QString tooLong = QString(4001, u'x');
    window.composer()->setPlainText(tooLong);
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QVERIFY(window.noticeLabel()->isVisibleTo(&window));
    QVERIFY2(window.noticeLabel()->text().contains(u"4001 of at most 4000"_s),
             qPrintable(window.noticeLabel()->text()));
    QCOMPARE(window.composer()->toPlainText(), tooLong);
    QVERIFY(client.outbox().all().isEmpty());
    const QString longest = QString(4000, u'y');
    window.composer()->setPlainText(longest);
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QVERIFY(!window.noticeLabel()->isVisibleTo(&window));
    QVERIFY(window.composer()->toPlainText().isEmpty());
    QTRY_COMPARE(stateOf(window.timeline(), longest), State::Sent);

    // Bob's message shows up in her view.
    QVERIFY(other.send(room, u"b1"_s, u"hi alice"_s));
    QTRY_VERIFY(rowWithBody(window.timeline(), u"hi alice"_s) >= 0);

    // The server goes away: the window stays, typing goes to the outbox, shown as pending.
    server.down();
    QTRY_VERIFY_WITH_TIMEOUT(!window.statusLabel()->text().startsWith(u"Connected"_s), 5000);
    QTest::keyClicks(window.composer(), u"typed while away"_s);
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QTRY_VERIFY(rowWithBody(window.timeline(), u"typed while away"_s) >= 0);
    QVERIFY(stateOf(window.timeline(), u"typed while away"_s) != State::Sent);
    QVERIFY(window.isVisible());

    // It comes back: the message is delivered, the state is online again.
    QVERIFY(server.up().ok());
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(window.timeline(), u"typed while away"_s), State::Sent,
                              10000);
    QTRY_VERIFY(window.statusLabel()->text().startsWith(u"Connected"_s));
    QCOMPARE(server->messageBodies(room, alice.token),
             (QStringList { u"hello bob"_s, QString(4000, u'y'), u"hi alice"_s,
                            u"typed while away"_s }));
    // Each message is one row: nothing doubled by the echo or the history fetch.
    for (const QString &body : { u"hello bob"_s, u"hi alice"_s, u"typed while away"_s }) {
        int count = 0;
        for (int i = 0; i < window.timeline()->rowCount(); ++i)
            count
                += window.timeline()->index(i).data(MessageListModel::BodyRole).toString() == body;
        QCOMPARE(count, 1);
    }
}

void tst_ChatWindow::loginDialogRegistersLogsInAndShowsErrors()
{
    TestServer server;
    // A typed address without a scheme works.
    LoginDialog dialog(typedAddress(server));
    dialog.show();
    dialog.usernameEdit()->setText(u"newcomer"_s);
    dialog.passwordEdit()->setText(u"password123"_s);
    QTest::mouseClick(dialog.registerButton(), Qt::LeftButton);
    QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.token().isEmpty());
    QCOMPARE(dialog.user().username, u"newcomer"_s);
    QCOMPARE(server.get(u"/api/v1/users/me"_s, dialog.token()).status, 200);

    LoginDialog again(server.url({}).toString());
    again.show();
    again.usernameEdit()->setText(u"newcomer"_s);
    again.passwordEdit()->setText(u"not the password"_s);
    QTest::mouseClick(again.loginButton(), Qt::LeftButton);
    QTRY_VERIFY(!again.errorLabel()->text().isEmpty());
    QCOMPARE(again.errorLabel()->text(), u"wrong username or password"_s);
    QVERIFY(again.isVisible());
    QVERIFY(again.loginButton()->isEnabled()); // ready for another try
}

void tst_ChatWindow::aNewcomerCanJoinAndCreateRooms()
{
    TestServer server;
    const auto owner = server.signUp(u"olga"_s);
    const qint64 lobby = server.createRoom(owner.token, u"lobby"_s);
    server.createRoom(owner.token, u"secret"_s, u"private"_s);
    const auto newcomer = server.signUp(u"nina"_s);
    QTemporaryDir dir;
    ChatClient client(server.url({}), newcomer.token, dir.filePath(u"nina"_s),
                      fastChatClientOptions());
    QVERIFY(client.start().ok());
    ChatWindow window(&client);
    window.show();
    // Public rooms are listed to join; private ones are not.
    QTRY_COMPARE(window.roomItems().size(), 1);
    QCOMPARE(window.roomItems()[0]->text(), u"lobby"_s);
    QVERIFY(window.roomItems()[0]->font().italic());
    // ...under the "Browse" section header.
    QCOMPARE(window.roomList()->item(0)->text(), u"BROWSE"_s);
    QVERIFY(!(window.roomList()->item(0)->flags() & Qt::ItemIsSelectable));
    window.roomList()->setCurrentItem(window.roomItems()[0]); // selecting it joins it
    QTRY_COMPARE(window.currentRoom(), lobby);
    QTRY_VERIFY(
        server.get(u"/api/v1/rooms/%1/members"_s.arg(lobby), newcomer.token).body.contains("nina"));
    QTRY_VERIFY(!window.roomItems()[0]->font().italic());
    QCOMPARE(window.roomList()->item(0)->text(), u"ROOMS"_s);

    window.createRoom(u"ninas corner"_s);
    QTRY_COMPARE(window.roomItems().size(), 2);
    QTRY_VERIFY(window.currentRoom() != lobby);
    QCOMPARE(window.roomList()->currentItem()->text(), u"ninas corner"_s);
}

void tst_ChatWindow::messageViewShowsSendersGroupingAndMarkers()
{
    AliceAndBob fixture(u"general"_s); // Bob is in Alice's room
    auto &[server, alice, bob, room] = fixture;
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    QVERIFY(a.ok);
    a.window->show();
    a.window->openRoom(room);
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wb.resume({ { room, 3 } }));
    const auto first = wb.send(room, u"b1"_s, u"first from bob"_s);
    QVERIFY(first);
    QVERIFY(wb.send(room, u"b2"_s, u"second from bob"_s));
    QVERIFY(wb.send(room, u"b3"_s, u"<b>not bold</b> @alice look"_s));
    MessageListModel *m = a.window->timeline();
    QTRY_COMPARE(m->rowCount(), 3);
    MessageDelegate *d = a.window->delegate();
    // The first row names the sender; the next ones from him within minutes are grouped.
    QTRY_VERIFY(d->headerText(m->index(0)).startsWith(u"bob  "_s));
    QVERIFY(d->isGrouped(m->index(1)));
    QVERIFY(d->headerText(m->index(1)).isEmpty());
    // User text is shown as it was typed (never as HTML), and a mention of me is marked.
    QCOMPARE(d->bodyText(m->index(2)), u"<b>not bold</b> @alice look"_s);
    QVERIFY(d->mentionsSelf(m->index(2)));
    QVERIFY(!d->mentionsSelf(m->index(0)));
    // Edits and deletes show as markers.
    QCOMPARE(server
                 .patch(u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(first->eventId),
                        { { u"body"_s, u"first, edited"_s } }, bob.token)
                 .status,
             200);
    QCOMPARE(server
                 .request("DELETE",
                          u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(first->eventId + 1), {},
                          bob.token)
                 .status,
             200);
    QTRY_COMPARE(d->statusText(m->index(0)), u"(edited)"_s);
    QCOMPARE(d->bodyText(m->index(0)), u"first, edited"_s);
    QTRY_COMPARE(d->bodyText(m->index(1)), u"This message was deleted."_s);
    // My own message after Bob's starts a new group under my name.
    QTest::keyClicks(a.window->composer(), u"mine"_s);
    QTest::keyClick(a.window->composer(), Qt::Key_Return);
    QTRY_COMPARE(m->rowCount(), 4);
    QVERIFY(d->headerText(m->index(3)).startsWith(u"alice  "_s));
    // It paints (every state), and measured text is cached: repainting measures nothing new.
    QVERIFY(!a.window->messageView()->grab().isNull());
    const int measured = d->measurements();
    QVERIFY(measured > 0);
    a.window->messageView()->viewport()->repaint();
    QVERIFY(!a.window->messageView()->grab().isNull());
    QCOMPARE(d->measurements(), measured);
}

void tst_ChatWindow::upEditsYourLastMessage()
{
    AliceAndBob fixture(u"general"_s); // Bob is in Alice's room
    auto &[server, alice, bob, room] = fixture;
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    a.window->openRoom(room);
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wb.resume({ { room, 3 } }));
    QPlainTextEdit *composer = a.window->composer();
    QTest::keyClicks(composer, u"teh typo"_s);
    QTest::keyClick(composer, Qt::Key_Return);
    QTRY_COMPARE(stateOf(a.window->timeline(), u"teh typo"_s), State::Sent);
    QVERIFY(wb.send(room, u"b1"_s, u"bob speaks in between"_s)); // not Alice's: not edited
    QTRY_VERIFY(rowWithBody(a.window->timeline(), u"bob speaks in between"_s) >= 0);

    // Up, then Escape: nothing changes, the composer is empty again.
    QTest::keyClick(composer, Qt::Key_Up);
    QCOMPARE(composer->toPlainText(), u"teh typo"_s);
    QVERIFY(a.window->isEditing());
    QTest::keyClick(composer, Qt::Key_Escape);
    QVERIFY(!a.window->isEditing());
    QVERIFY(composer->toPlainText().isEmpty());

    // Up, fix it, Enter: Bob sees the edit; Alice's view shows it edited, in place.
    QTest::keyClick(composer, Qt::Key_Up);
    QVERIFY(a.window->editingLabel()->isVisibleTo(a.window.get()));
    composer->selectAll();
    QTest::keyClicks(composer, u"the typo"_s);
    QTest::keyClick(composer, Qt::Key_Return);
    QVERIFY(composer->toPlainText().isEmpty());
    QVERIFY(sawEvent(wb, [](const RoomEvent &e) {
        return e.type == EventType::Edit && e.body() == u"the typo"_s;
    }));
    QTRY_VERIFY(rowWithBody(a.window->timeline(), u"the typo"_s) >= 0);
    const int row = rowWithBody(a.window->timeline(), u"the typo"_s);
    QVERIFY(a.window->timeline()->index(row).data(MessageListModel::EditedRole).toBool());
    QCOMPARE(a.window->timeline()->rowCount(), 2); // an edit is not a new message
    QCOMPARE(server.messageBodies(room, alice.token),
             (QStringList { u"teh typo"_s, u"bob speaks in between"_s }));
}

void tst_ChatWindow::failedMessageCanBeRetriedOrDiscarded()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const auto olga = server.signUp(u"olga"_s);
    const qint64 mine = server.createRoom(alice.token, u"mine"_s);
    const qint64 other = server.createRoom(olga.token, u"other"_s);
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    a.window->openRoom(mine);
    // Sent to a room Alice is not in: the server refuses for good, the message shows failed.
    QVERIFY(a.client.send(other, u"please let me in"_s));
    QVERIFY(a.client.send(other, u"held back behind it"_s));
    MessageListModel *m = a.window->modelFor(other);
    QTRY_COMPARE(stateOf(m, u"please let me in"_s), State::Failed);
    const QModelIndex failed = m->index(rowWithBody(m, u"please let me in"_s));
    QVERIFY(a.window->delegate()->statusText(failed).startsWith(u"not sent: "_s));
    QVERIFY(stateOf(m, u"held back behind it"_s) != State::Sent); // order is kept
    // Discard the second, join, retry the first: it is delivered, once.
    a.window->discardMessage(m->index(rowWithBody(m, u"held back behind it"_s))
                                 .data(MessageListModel::LocalIdRole)
                                 .toLongLong());
    QTRY_COMPARE(rowWithBody(m, u"held back behind it"_s), -1);
    QCOMPARE(server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(other), {}, alice.token).status,
             200);
    a.window->retryMessage(failed.data(MessageListModel::LocalIdRole).toLongLong());
    QTRY_COMPARE(stateOf(m, u"please let me in"_s), State::Sent);
    QCOMPARE(server.messageBodies(other, olga.token), QStringList { u"please let me in"_s });
    QVERIFY(a.client.outbox().all().isEmpty());
}

void tst_ChatWindow::scrollingUpLoadsHistoryOnDemand()
{
    AliceAndBob fixture(u"long"_s); // Bob is in Alice's room
    auto &[server, alice, bob, room] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    constexpr int Count = 420;
    QVERIFY(sendMany(wb, room, Count)); // "m0", "m1", …

    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    a.window->openRoom(room);
    MessageListModel *m = a.window->timeline();
    QTRY_VERIFY(m->rowCount() > 0);
    QVERIFY(m->rowCount() < Count); // lazily: only the newest page at first
    QCOMPARE(m->index(m->rowCount() - 1).data(MessageListModel::BodyRole).toString(), u"m419"_s);
    // The user scrolls to the top: an older page arrives above, and what was on screen stays on
    // screen (the view does not jump to the new top).
    QScrollBar *bar = a.window->messageView()->verticalScrollBar();
    const int before = m->rowCount();
    QTRY_VERIFY(bar->maximum() > 0);
    bar->setValue(0);
    QTRY_VERIFY(m->rowCount() > before);
    QTRY_VERIFY(bar->value() > 0);
    // Again and again: older pages arrive until the first message.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            bar->setValue(0);
            return m->reachedStart() && m->rowCount() == Count;
        }(),
        20000);
    for (int i = 0; i < Count; ++i)
        QCOMPARE(m->index(i).data(MessageListModel::BodyRole).toString(), u"m%1"_s.arg(i));
}

void tst_ChatWindow::aLongRoomScrollsBothWaysThroughABoundedWindow()
{
    AliceAndBob fixture(u"long"_s); // Bob is in Alice's room
    auto &[server, alice, bob, room] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wb.resume({}));
    constexpr int Count = 600;
    QVERIFY(sendMany(wb, room, Count)); // "m0", "m1", …

    QTemporaryDir dir;
    ChatWindow::Options o;
    o.timelineWindow = 150;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s), o);
    a.window->show();
    a.window->openRoom(room);
    MessageListModel *m = a.window->timeline();
    QTRY_VERIFY(m->rowCount() > 0);
    QScrollBar *bar = a.window->messageView()->verticalScrollBar();
    // Up to the first message: every message passes through the view once, in order, and the
    // model never holds more than its window.
    QStringList seen;
    const auto collect = [&] {
        for (int i = m->rowCount() - 1; i >= 0; --i) {
            const QString body = m->index(i).data(MessageListModel::BodyRole).toString();
            if (!seen.contains(body))
                seen.prepend(body);
        }
    };
    int maxRows = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            collect();
            maxRows = std::max(maxRows, m->rowCount());
            bar->setValue(0);
            return m->reachedStart();
        }(),
        20000);
    collect();
    QVERIFY2(maxRows <= 150, qPrintable(QString::number(maxRows)));
    QCOMPARE(seen.size(), Count);
    QCOMPARE(m->index(0).data(MessageListModel::BodyRole).toString(), u"m0"_s);
    QVERIFY(!m->atLive());
    // Bob says something while Alice reads old history: she finds it at the end, once.
    QVERIFY(wb.send(room, u"late"_s, u"said while you were reading"_s));
    QTest::qWait(100);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            bar->setValue(bar->maximum());
            return m->atLive();
        }(),
        20000);
    QCOMPARE(m->index(m->rowCount() - 1).data(MessageListModel::BodyRole).toString(),
             u"said while you were reading"_s);
    QCOMPARE(m->index(m->rowCount() - 2).data(MessageListModel::BodyRole).toString(), u"m599"_s);
    // Live again: the next message appears at once.
    QVERIFY(wb.send(room, u"next"_s, u"and now live"_s));
    QTRY_COMPARE(m->index(m->rowCount() - 1).data(MessageListModel::BodyRole).toString(),
                 u"and now live"_s);
}

void tst_ChatWindow::membersPresenceAndTyping()
{
    AliceAndBob fixture(u"general"_s); // Bob is in Alice's room
    auto &[server, alice, bob, room] = fixture;
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    QTRY_VERIFY(a.window->statusLabel()->text().startsWith(u"Connected"_s));
    a.window->openRoom(room);
    const auto presenceOf = [&](const QString &name) {
        QListWidgetItem *item = itemWithText(a.window->memberList(), name);
        return item ? item->data(Qt::UserRole + 1).toString() : QString();
    };
    QTRY_COMPARE(presenceOf(u"alice"_s), u"online"_s);
    QCOMPARE(presenceOf(u"bob"_s), u"offline"_s);
    auto wb = std::make_unique<WsClient>(server.port());
    QVERIFY(wb->login(bob.token));
    QTRY_COMPARE(presenceOf(u"bob"_s), u"online"_s);
    // Bob types: Alice sees it; his message ends it.
    wb->sendFrame({ {}, TypingFrame { room, true } });
    QTRY_COMPARE(a.window->typingLabel()->text(), u"bob is typing…"_s);
    QVERIFY(wb->send(room, u"b1"_s, u"done typing"_s));
    QTRY_VERIFY(a.window->typingLabel()->text().isEmpty());
    // Alice types: Bob is told (once, not per key).
    QTest::keyClicks(a.window->composer(), u"abc"_s);
    const qint64 aliceId = alice.id; // clang 14 cannot capture a structured binding
    const auto typingFrames = [&] {
        int n = 0;
        for (const auto &f : wb->frames) {
            const auto *t = std::get_if<TypingNotice>(&f.payload);
            n += t && t->userId == aliceId && t->active;
        }
        return n;
    };
    QTRY_COMPARE(typingFrames(), 1);
    QTest::qWait(200);
    QCOMPARE(typingFrames(), 1);
    // Bob leaves: his dot goes grey.
    wb.reset();
    QTRY_COMPARE(presenceOf(u"bob"_s), u"offline"_s);
}

void tst_ChatWindow::unreadMentionsNotificationsAndMute()
{
    HereAndThere fixture;
    auto &[server, alice, bob, here, there] = fixture;
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    // The window is not focused (not even shown): every message is news.
    QSignalSpy notified(a.window.get(), &ChatWindow::notificationRequested);
    a.window->openRoom(here);
    QTRY_VERIFY(itemWithText(a.window->roomList(), u"there"_s));
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wb.send(there, u"b1"_s, u"news over there"_s));
    QTRY_COMPARE(a.window->unreadCount(there), 1);
    QCOMPARE(itemWithText(a.window->roomList(), u"there"_s)->text(), u"there (1)"_s);
    QVERIFY(itemWithText(a.window->roomList(), u"there"_s)->font().bold());
    QTRY_COMPARE(notified.size(), 1);
    QCOMPARE(notified[0][0].toLongLong(), there);
    QCOMPARE(notified[0][2].toString(), u"news over there"_s);
    QCOMPARE(a.window->windowTitle(), u"(1) Confab"_s);

    // Muted: counted, but silent; a mention still gets through, and is highlighted.
    a.window->setMuted(there, true);
    QVERIFY(wb.send(there, u"b2"_s, u"chatter"_s));
    QTRY_COMPARE(a.window->unreadCount(there), 2);
    QTest::qWait(100);
    QCOMPARE(notified.size(), 1);
    QVERIFY(wb.send(there, u"b3"_s, u"@alice can you look?"_s));
    QTRY_COMPARE(notified.size(), 2);
    QVERIFY(notified[1][3].toBool()); // a mention
    QVERIFY(a.window->hasMention(there));
    QCOMPARE(itemWithText(a.window->roomList(), u"@ there"_s)->text(), u"@ there (3)"_s);
    // Opening the room reads it.
    a.window->openRoom(there);
    QCOMPARE(a.window->unreadCount(there), 0);
    QVERIFY(!a.window->hasMention(there));
    QCOMPARE(a.window->windowTitle(), u"Confab"_s);
}

void tst_ChatWindow::profileDirectMessageTopicAndLeave()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const auto bob = server.signUp(u"bob"_s);
    const qint64 room = server.createRoom(alice.token, u"general"_s);
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    a.window->openRoom(room);

    ProfilePatch profile;
    profile.displayName = u"Alice A."_s;
    profile.statusText = u"in the lab"_s;
    a.window->updateProfile(profile);
    QTRY_COMPARE(a.window->self().displayName, u"Alice A."_s);
    QCOMPARE(server.get(u"/api/v1/users/me"_s, alice.token).json()[u"statusText"_s].toString(),
             u"in the lab"_s);

    RoomPatch topic;
    topic.topic = u"weekly <i>plans</i>"_s;
    a.window->updateRoom(room, topic);
    QTRY_COMPARE(a.window->topicLabel()->text(), u"weekly <i>plans</i>"_s);
    QCOMPARE(a.window->topicLabel()->textFormat(), Qt::PlainText);
    // Changed elsewhere: the header follows.
    QCOMPARE(
        server
            .patch(u"/api/v1/rooms/%1"_s.arg(room), { { u"topic"_s, u"new topic"_s } }, alice.token)
            .status,
        200);
    QTRY_COMPARE(a.window->topicLabel()->text(), u"new topic"_s);

    a.window->openDirect(bob.id);
    QTRY_VERIFY(a.window->currentRoom() != room);
    const qint64 dm = a.window->currentRoom();
    QTRY_VERIFY(itemWithText(a.window->roomList(), u"@bob"_s));
    QCOMPARE(a.window->titleLabel()->text(), u"@bob"_s);
    QTest::keyClicks(a.window->composer(), u"psst"_s);
    QTest::keyClick(a.window->composer(), Qt::Key_Return);
    QTRY_COMPARE(server.messageBodies(dm, bob.token), QStringList { u"psst"_s });

    // Leaving Bob's room: it stays listed (it is public), as a room to join.
    const qint64 bobs = server.createRoom(bob.token, u"bobs place"_s);
    a.window->joinRoom(bobs);
    QTRY_COMPARE(a.window->currentRoom(), bobs);
    a.window->leaveRoom(bobs);
    QTRY_COMPARE(a.window->currentRoom(), 0);
    QVERIFY(
        !server.get(u"/api/v1/rooms/%1/members"_s.arg(bobs), bob.token).body.contains("\"alice\""));
    QTRY_VERIFY(itemWithText(a.window->roomList(), u"bobs place"_s)
                && itemWithText(a.window->roomList(), u"bobs place"_s)->font().italic());
}

void tst_ChatWindow::aDeletedRoomLeavesTheWindow()
{
    // Bob is in Alice's room when it is deleted (by its owner; confab-admin's rooms delete sends
    // the same event): it leaves his list, his view, his cache, and he is told why.
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const auto bob = server.signUp(u"bob"_s);
    const qint64 room = server.createRoom(alice.token, u"doomed"_s);
    const qint64 other = server.createRoom(alice.token, u"stays"_s);
    QCOMPARE(server.post(u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token).status, 200);
    QCOMPARE(server.post(u"/api/v1/rooms/%1/join"_s.arg(other), {}, bob.token).status, 200);
    QTemporaryDir dir;
    Session b(server, bob, u"bob"_s, dir.filePath(u"b"_s));
    b.open(room);
    QTRY_COMPARE(b.window->currentRoom(), room);
    QTRY_VERIFY(itemWithText(b.window->roomList(), u"doomed"_s));

    QCOMPARE(server.request("DELETE", u"/api/v1/rooms/%1"_s.arg(room), {}, alice.token).status,
             204);
    QTRY_COMPARE(b.window->currentRoom(), 0);
    QTRY_VERIFY(!itemWithText(b.window->roomList(), u"doomed"_s));
    QVERIFY(itemWithText(b.window->roomList(), u"stays"_s));
    QCOMPARE(b.window->statusBar()->currentMessage(), u"The room you were in was deleted."_s);
    QCOMPARE(b.window->titleLabel()->text(), u"Welcome to Confab"_s);
}

void tst_ChatWindow::restartRestoresLastRoomAndGeometryWhileServerIsAway()
{
    QTemporaryDir serverDir, clientDir;
    auto server = std::make_unique<TestServer>(
        [&](server::ServerConfig &c) { c.dataDir = serverDir.path(); });
    const auto alice = server->signUp(u"alice"_s);
    server->createRoom(alice.token, u"first"_s);
    const qint64 second = server->createRoom(alice.token, u"second"_s);
    {
        // Said before Alice's client ever ran: she reads it as history, never live.
        WsClient early(server->port());
        QVERIFY(early.login(alice.token));
        QVERIFY(early.send(second, u"e1"_s, u"said before the app ran"_s));
    }
    ClientSettings settings(clientDir.filePath(u"confab.ini"_s));
    ChatWindow::Options o;
    o.settings = &settings;
    o.accountKey = u"test|alice"_s;
    {
        Session a(*server, alice, u"alice"_s, clientDir.filePath(u"a"_s), o);
        a.window->show();
        QTRY_COMPARE(a.window->roomItems().size(), 2);
        a.window->openRoom(second);
        QTest::keyClicks(a.window->composer(), u"remember me"_s);
        QTest::keyClick(a.window->composer(), Qt::Key_Return);
        QTRY_COMPARE(stateOf(a.window->timeline(), u"remember me"_s), State::Sent);
        a.window->resize(720, 510);
        a.window->close();
    }
    const QUrl url = server->url({});
    server.reset(); // the server is away when the app starts again
    Session again(url, alice, u"alice"_s, clientDir.filePath(u"a"_s), o);
    QVERIFY(again.ok);
    again.window->show();
    // Straight from the local cache: the rooms, the last room open, its messages, the size.
    QCOMPARE(again.window->roomItems().size(), 2);
    QCOMPARE(again.window->currentRoom(), second);
    QVERIFY(rowWithBody(again.window->timeline(), u"remember me"_s) >= 0);
    QVERIFY(rowWithBody(again.window->timeline(), u"said before the app ran"_s) >= 0);
    QCOMPARE(again.window->size(), QSize(720, 510));
    QTRY_VERIFY(!again.window->statusLabel()->text().startsWith(u"Connected"_s));
    // Typing still works: it waits in the outbox.
    QTest::keyClicks(again.window->composer(), u"while away"_s);
    QTest::keyClick(again.window->composer(), Qt::Key_Return);
    QTRY_COMPARE(stateOf(again.window->timeline(), u"while away"_s), State::Pending);
}

void tst_ChatWindow::diagnosticsPanelShowsTheNetworkFigures()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    QTRY_VERIFY(a.window->statusLabel()->text().startsWith(u"Connected"_s));
    DiagnosticsDialog *d = a.window->showDiagnostics();
    QVERIFY(d->isVisible());
    // The panel pings: round trips appear in the plot and the figures.
    QTRY_VERIFY(d->plot()->sampleCount() > 0);
    d->refresh();
    const QString figures = d->figuresText();
    QVERIFY2(figures.contains(u"Connection: online (transport: WebSocket)"_s), qPrintable(figures));
    QVERIFY(figures.contains(u"Reconnects: 0"_s));
    QVERIFY(figures.contains(u"Circuit breaker: closed, state changes: 0"_s));
    QVERIFY(figures.contains(u"Local cache: "_s));
    QVERIFY(!d->plot()->grab().isNull());
    QVERIFY(a.client.diagnostics().httpRequests > 0);
    QCOMPARE(a.window->showDiagnostics(), d); // one panel, not a new one per click
}

void tst_ChatWindow::loginDialogListsLanServersAndRemembersAccounts()
{
    TestServer server([](server::ServerConfig &c) { c.name = u"Lab server"_s; });
    QTemporaryDir dir;
    ClientSettings settings(dir.filePath(u"confab.ini"_s));
    settings.rememberAccount({ QUrl(u"http://10.9.8.7:7080"_s), u"oldname"_s, 5, 0 });
    settings.rememberAccount({ server.url({}), u"carol"_s, 6, 0 });
    settings.rememberServer(QUrl(u"http://10.9.8.7:7080"_s));
    LoginDialog::Options o;
    o.settings = &settings;
    o.discovery = { server.server().discoveryPort(), std::chrono::milliseconds(200), false };
    LoginDialog dialog(o);
    dialog.show();
    const QString address = typedAddress(server);
    QTRY_VERIFY(itemWithText(dialog.serverList(), u"Lab server — "_s + address));
    QVERIFY(itemWithText(dialog.serverList(), u"http://10.9.8.7:7080 (used before)"_s));
    // Each server is listed once, found or remembered.
    QCOMPARE(dialog.serverList()->count(), 2);
    dialog.serverList()->setCurrentItem(itemWithText(dialog.serverList(), u"http://10.9.8.7"_s));
    QCOMPARE(dialog.serverEdit()->text(), u"http://10.9.8.7:7080"_s);
    QCOMPARE(dialog.usernameEdit()->text(), u"oldname"_s);
    dialog.serverList()->setCurrentItem(itemWithText(dialog.serverList(), u"Lab server"_s));
    QCOMPARE(dialog.serverEdit()->text(), address);
    QCOMPARE(dialog.usernameEdit()->text(), u"carol"_s);
    // A typed address without a port means Confab's port.
    dialog.serverEdit()->setText(u"chat.example"_s);
    QCOMPARE(dialog.server(), u"https://chat.example:7080"_s);
    // Plain http is written out, never assumed.
    dialog.serverEdit()->setText(u"http://chat.example"_s);
    QCOMPARE(dialog.server(), u"http://chat.example:7080"_s);
}

void tst_ChatWindow::dialogsCollectWhatTheySay()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    server.signUp(u"bob"_s);
    server.signUp(u"bobby"_s);
    server.signUp(u"carl"_s);
    ApiClient api(server.url({}));
    api.setToken(alice.token);
    DirectMessageDialog dm(&api, alice.id);
    dm.show();
    dm.searchEdit()->setText(u"bo"_s);
    QTRY_COMPARE(dm.list()->count(), 2);
    QCOMPARE(dm.list()->item(0)->text(), u"bob"_s);
    QVERIFY(dm.selectedUser() != 0);
    dm.searchEdit()->setText(u"alice"_s); // not yourself
    QTRY_COMPARE(dm.list()->count(), 0);

    Room r1;
    r1.id = 11;
    r1.name = u"design"_s;
    Room r2;
    r2.id = 12;
    r2.name = u"games"_s;
    JoinRoomDialog join({ r1, r2 });
    QCOMPARE(join.selectedRoom(), 11);
    join.filterEdit()->setText(u"gam"_s);
    join.list()->setCurrentRow(1);
    QCOMPARE(join.selectedRoom(), 12);

    CreateRoomDialog create;
    QTest::keyClicks(create.nameEdit(), u"  new room "_s);
    QCOMPARE(create.request().name, u"new room"_s);
    QCOMPARE(create.request().visibility, RoomVisibility::Public);

    User me;
    me.username = u"alice"_s;
    me.displayName = u"Alice"_s;
    ProfileDialog profile(me);
    QVERIFY(!profile.patch().displayName && !profile.patch().statusText); // nothing changed
    profile.statusEdit()->setText(u"busy"_s);
    QCOMPARE(profile.patch().statusText, std::optional<QString>(u"busy"_s));
    QVERIFY(!profile.patch().displayName);
}

void tst_ChatWindow::accountDialogSignsOutADeviceAndChangesThePassword()
{
    TestServer server;
    const auto ann = server.signUp(u"ann"_s);
    const QString phone = server.post(u"/api/v1/auth/login"_s, { { u"username"_s, u"ann"_s },
                                                                { u"password"_s, u"password123"_s },
                                                                { u"deviceName"_s, u"phone"_s } })
                              .json()
                              .value(u"token"_s)
                              .toString();
    QVERIFY(!phone.isEmpty());
    ApiClient api(server.url({}));
    api.setToken(ann.token);
    AccountDialog dialog(&api);
    dialog.show();
    QTRY_COMPARE(dialog.sessionTable()->rowCount(), 2);
    int phoneRow = -1, thisRow = -1;
    for (int row = 0; row < 2; ++row) {
        const QString device = dialog.sessionTable()->item(row, 0)->text();
        if (device == u"phone")
            phoneRow = row;
        if (device.endsWith(u"(this one)"_s))
            thisRow = row;
        QCOMPARE(dialog.sessionTable()->item(row, 3)->text(), u"127.0.0.1"_s);
    }
    QVERIFY(phoneRow >= 0 && thisRow >= 0);
    // What is listed is drawn: the device names are on screen.
    const QImage table = dialog.sessionTable()->viewport()->grab().toImage();
    int dark = 0;
    for (int y = 0; y < table.height(); ++y)
        for (int x = 0; x < table.width(); ++x)
            dark += qGray(table.pixel(x, y)) < 100;
    QVERIFY(dark > 100);
    // This device is not signed out from here (Log out is); the phone is.
    dialog.sessionTable()->selectRow(thisRow);
    QVERIFY(!dialog.signOutButton()->isEnabled());
    dialog.sessionTable()->selectRow(phoneRow);
    QVERIFY(dialog.signOutButton()->isEnabled());
    QTest::mouseClick(dialog.signOutButton(), Qt::LeftButton);
    QTRY_COMPARE(dialog.sessionTable()->rowCount(), 1);
    QCOMPARE(server.get(u"/api/v1/users/me"_s, phone).status, 401);
    QVERIFY(dialog.messageLabel()->text().contains(u"phone"_s));

    // The password: a wrong current one is said so; the right one changes it.
    dialog.currentEdit()->setText(u"not-my-password"_s);
    dialog.newEdit()->setText(u"another-password"_s);
    dialog.repeatEdit()->setText(u"another-password"_s);
    QTest::mouseClick(dialog.changeButton(), Qt::LeftButton);
    QTRY_VERIFY(dialog.messageLabel()->text().contains(u"current password is wrong"_s));
    dialog.currentEdit()->setText(u"password123"_s);
    dialog.newEdit()->setText(u"another-password"_s);
    dialog.repeatEdit()->setText(u"another-passwordX"_s);
    QTest::mouseClick(dialog.changeButton(), Qt::LeftButton);
    QVERIFY(dialog.messageLabel()->text().contains(u"differ"_s));
    dialog.repeatEdit()->setText(u"another-password"_s);
    QVERIFY(dialog.signOutOthersBox()->isChecked());
    QTest::mouseClick(dialog.changeButton(), Qt::LeftButton);
    QTRY_VERIFY(dialog.messageLabel()->text().startsWith(u"Password changed"_s));
    QVERIFY(dialog.currentEdit()->text().isEmpty());
    QCOMPARE(server.post(u"/api/v1/auth/login"_s,
                         { { u"username"_s, u"ann"_s }, { u"password"_s, u"another-password"_s } })
                 .status,
             200);
}

void tst_ChatWindow::jumpToLatestWhileReadingHistory()
{
    AliceAndBob fixture(u"long"_s);
    auto &[server, alice, bob, room] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(sendMany(wb, room, 150)); // "m0", "m1", …
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.open(room);
    TimelineView *view = a.window->timelineView();
    QTRY_VERIFY(a.window->timeline()->rowCount() >= 100);
    QTRY_VERIFY(view->isNearBottom());
    QVERIFY(!view->jumpButton()->isVisible()); // at the newest messages: no button
    view->verticalScrollBar()->setValue(0); // the user reads further up
    QTRY_VERIFY(view->jumpButton()->isVisible());
    // The button sits inside the timeline, bottom right, above the messages.
    QVERIFY(view->viewport()->geometry().contains(view->jumpButton()->geometry()));
    QVERIFY(wb.send(room, u"late"_s, u"the newest"_s));
    QTRY_COMPARE(a.window->timeline()
                     ->index(a.window->timeline()->rowCount() - 1)
                     .data(MessageListModel::BodyRole)
                     .toString(),
                 u"the newest"_s);
    QVERIFY(!view->isNearBottom()); // a new message does not yank the reader down
    QTest::mouseClick(view->jumpButton(), Qt::LeftButton);
    QTRY_VERIFY(view->isNearBottom());
    QTRY_VERIFY(!view->jumpButton()->isVisible());
    // Ctrl+C copies the selected message's text.
    const QModelIndex last = a.window->timeline()->index(a.window->timeline()->rowCount() - 1);
    view->setCurrentIndex(last);
    QTest::keyClick(view, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QGuiApplication::clipboard()->text(), u"the newest"_s);
}

void tst_ChatWindow::roomSectionsAndFilter()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const auto bob = server.signUp(u"bob"_s);
    server.createRoom(alice.token, u"design"_s);
    server.createRoom(alice.token, u"general"_s);
    server.createRoom(bob.token, u"bobs corner"_s);
    QCOMPARE(server.request("POST", u"/api/v1/users/%1/dm"_s.arg(bob.id), {}, alice.token).status,
             201);
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    QTRY_COMPARE(a.window->roomItems().size(), 4);
    QStringList rows;
    for (int i = 0; i < a.window->roomList()->count(); ++i)
        rows << a.window->roomList()->item(i)->text();
    QCOMPARE(rows,
             (QStringList { u"ROOMS"_s, u"design"_s, u"general"_s, u"DIRECT MESSAGES"_s,
                            u"@bob"_s, u"BROWSE"_s, u"bobs corner"_s }));
    // No horizontal scrolling: long names elide, and the whole name is the tooltip.
    QCOMPARE(a.window->roomList()->horizontalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    QCOMPARE(a.window->memberList()->horizontalScrollBarPolicy(), Qt::ScrollBarAlwaysOff);
    QVERIFY(itemWithText(a.window->roomList(), u"design"_s)->toolTip().startsWith(u"design"_s));
    // Ctrl+K goes to the filter; typing narrows the list, and empty sections go away.
    QTest::keyClick(a.window.get(), Qt::Key_K, Qt::ControlModifier);
    QTRY_VERIFY(a.window->roomFilter()->hasFocus());
    QTest::keyClicks(a.window->roomFilter(), u"GEN"_s);
    QStringList shown;
    for (int i = 0; i < a.window->roomList()->count(); ++i) {
        if (!a.window->roomList()->item(i)->isHidden())
            shown << a.window->roomList()->item(i)->text();
    }
    QCOMPARE(shown, (QStringList { u"ROOMS"_s, u"general"_s }));
    a.window->roomFilter()->clear();
    QVERIFY(!itemWithText(a.window->roomList(), u"BROWSE"_s)->isHidden());
    // Alt+Down steps over the section headers.
    a.window->openRoom(itemWithText(a.window->roomList(), u"general"_s)->data(Qt::UserRole).toLongLong());
    QTest::keyClick(a.window.get(), Qt::Key_Down, Qt::AltModifier);
    QTRY_COMPARE(a.window->roomList()->currentItem()->text(), u"@bob"_s);
}

void tst_ChatWindow::ownPresenceIsTruthfulWhileOffline()
{
    auto fixture = std::make_unique<AliceAndBob>(u"general"_s);
    const TestServer::Account alice = fixture->alice;
    const qint64 room = fixture->room;
    QTemporaryDir dir;
    Session a(fixture->server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.window->show();
    a.window->openRoom(room);
    const auto presenceOf = [&](const QString &name) {
        QListWidgetItem *item = itemWithText(a.window->memberList(), name);
        return item ? item->data(Qt::UserRole + 1).toString() : QString();
    };
    QTRY_COMPARE(presenceOf(u"alice"_s), u"online"_s);
    fixture.reset(); // the server goes away
    QTRY_VERIFY_WITH_TIMEOUT(!a.window->statusLabel()->text().startsWith(u"Connected"_s), 5000);
    QTRY_COMPARE(presenceOf(u"alice"_s), u"offline"_s);
    QVERIFY(a.window->statusLabel()->text().startsWith(u"Offline"_s)
            || a.window->statusLabel()->text().startsWith(u"Connecting"_s));
    QVERIFY(!a.window->statusLabel()->text().contains(u"breaker"_s));
}

void tst_ChatWindow::settingsAreAppliedAndRemembered()
{
    AliceAndBob fixture(u"general"_s);
    auto &[server, alice, bob, room] = fixture;
    QTemporaryDir dir;
    ClientSettings settings(dir.filePath(u"confab.conf"_s));
    ChatWindow::Options o;
    o.settings = &settings;
    o.accountKey = u"test|alice"_s;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s), o);
    QSignalSpy notified(a.window.get(), &ChatWindow::notificationRequested);
    a.window->openRoom(room);
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));

    // The dialog shows what is set and returns what the user picks.
    SettingsDialog dialog(a.window->preferences(), true);
    QCOMPARE(dialog.preferences(), Preferences {});
    dialog.notifyBox()->setCurrentIndex(1); // mentions only
    dialog.themeBox()->setCurrentIndex(2); // dark
    dialog.fontSizeBox()->setValue(12);
    dialog.trayBox()->setChecked(true);
    dialog.languageBox()->setCurrentIndex(2); // Deutsch
    const Preferences chosen = dialog.preferences();
    QCOMPARE(chosen.notify, Preferences::Notify::Mentions);
    QCOMPARE(chosen.theme, Preferences::Theme::Dark);
    QCOMPARE(chosen.language, u"de"_s);
    a.window->setPreferences(chosen);
    QVERIFY(isDark(QApplication::palette()));
    QCOMPARE(QApplication::font().pointSize(), 12);
    // Remembered: a new settings object (the next start) reads the same.
    QCOMPARE(ClientSettings(dir.filePath(u"confab.conf"_s)).preferences(), chosen);

    // Mentions only: plain chatter is silent, a mention notifies.
    QVERIFY(wb.send(room, u"b1"_s, u"chatter"_s));
    QTRY_COMPARE(a.window->timeline()->rowCount(), 1);
    QTest::qWait(50);
    QCOMPARE(notified.size(), 0);
    QVERIFY(wb.send(room, u"b2"_s, u"@alice look"_s));
    QTRY_COMPARE(notified.size(), 1);
    // Nothing: not even mentions.
    Preferences none = chosen;
    none.notify = Preferences::Notify::None;
    a.window->setPreferences(none);
    QVERIFY(wb.send(room, u"b3"_s, u"@alice again"_s));
    QTRY_COMPARE(a.window->timeline()->rowCount(), 3);
    QTest::qWait(50);
    QCOMPARE(notified.size(), 1);
    a.window->setPreferences(Preferences {});
    QVERIFY(!isDark(QApplication::palette()) || isDark(QApplication::style()->standardPalette()));
}

void tst_ChatWindow::unreadIsTheSameOnEveryDeviceAndSurvivesARestart()
{
    HereAndThere fixture;
    auto &[server, alice, bob, here, there] = fixture;
    QTemporaryDir dir;
    // Alice's laptop and desktop, both looking at "here".
    Session laptop(server, alice, u"alice"_s, dir.filePath(u"laptop"_s));
    Session desktop(server, alice, u"alice"_s, dir.filePath(u"desktop"_s));
    laptop.window->openRoom(here);
    desktop.window->openRoom(here);
    QTRY_VERIFY(laptop.client.connectionState().mode == ConnectionState::Mode::Online);
    QTRY_VERIFY(desktop.client.connectionState().mode == ConnectionState::Mode::Online);
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wb.send(there, u"b1"_s, u"one"_s));
    QVERIFY(wb.send(there, u"b2"_s, u"@alice two"_s));
    const auto third = wb.send(there, u"b3"_s, u"three"_s);
    QVERIFY(third);
    for (Session *s : { &laptop, &desktop }) {
        QTRY_COMPARE(s->window->unreadCount(there), 3);
        QVERIFY(s->window->hasMention(there)); // the server resolved @alice, not a text match
    }
    // Reading on the laptop clears the desktop within a second.
    laptop.window->openRoom(there);
    QTRY_COMPARE(laptop.window->timeline()->rowCount(), 3);
    // The line above the first unread message, while the room stays open.
    MessageDelegate *d = laptop.window->delegate();
    QCOMPARE(d->newMessagesAfter(), 0); // nothing read there yet
    QVERIFY(d->startsNewMessages(laptop.window->timeline()->index(0)));
    QVERIFY(!d->startsNewMessages(laptop.window->timeline()->index(1)));
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(desktop.window->unreadCount(there) == 0
                                 && !desktop.window->hasMention(there),
                             1000);
    QVERIFY(clock.elapsed() < 1000);
    QTRY_COMPARE(laptop.window->readSeq(there), third->seq);
    // A new device (or this one restarted) starts with the server's counts: nothing unread...
    {
        Session fresh(server, alice, u"alice"_s, dir.filePath(u"fresh"_s));
        QTRY_VERIFY(fresh.client.connectionState().mode == ConnectionState::Mode::Online);
        QTest::qWait(100);
        QCOMPARE(fresh.window->unreadCount(there), 0);
    }
    // ...and what arrived while it was closed.
    desktop.window->openRoom(here);
    laptop.window->openRoom(here);
    QVERIFY(wb.send(there, u"b4"_s, u"while you were away"_s));
    Session later(server, alice, u"alice"_s, dir.filePath(u"later"_s));
    QTRY_COMPARE(later.window->unreadCount(there), 1);
    // Mark all as read (Shift+Esc) on one device clears it everywhere.
    later.window->markAllRead();
    QTRY_COMPARE(desktop.window->unreadCount(there), 0);
}

void tst_ChatWindow::replyQuoteAndJumpToTheOriginal()
{
    AliceAndBob fixture(u"long"_s);
    auto &[server, alice, bob, room] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    const auto first = wb.send(room, u"first"_s, u"the very first message"_s);
    QVERIFY(first);
    QVERIFY(sendMany(wb, room, 150)); // "m0", "m1", …
    // Bob answers his first message, which is far above what Alice's window loads.
    wb.sendFrame({ u"r"_s, SendFrame { room, u"reply"_s, u"answering myself"_s, {}, first->eventId } });
    QVERIFY(wb.waitFor([](const ServerFrame &f) { return f.id == u"r"_s; }) >= 0);
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.open(room);
    MessageListModel *m = a.window->timeline();
    QTRY_VERIFY(rowWithBody(m, u"answering myself"_s) >= 0);
    QCOMPARE(m->rowOfEventId(first->eventId), -1); // not loaded
    const QModelIndex reply = m->index(rowWithBody(m, u"answering myself"_s));
    QCOMPARE(a.window->delegate()->quoteText(reply), u"↳ bob: the very first message"_s);
    // A click on the quote (the delegate's signal) shows the original, loaded around it.
    emit a.window->delegate()->quoteClicked(first->eventId, first->seq);
    QTRY_VERIFY(a.window->timeline() != m);
    QTRY_COMPARE(a.window->messageView()->currentIndex().data(MessageListModel::BodyRole).toString(),
                 u"the very first message"_s);
    QVERIFY(a.window->timelineView()->jumpButton()->isVisible()); // the way back down
    // Alice replies to it from the hover action: the quote shows at once, the server keeps it.
    const qint64 target = first->eventId;
    a.window->startReply(target);
    QVERIFY(a.window->replyLabel()->isVisible());
    QVERIFY(a.window->replyLabel()->text().startsWith(u"Replying to bob: the very first"_s));
    QTest::keyClick(a.window->composer(), Qt::Key_Escape); // changed her mind
    QVERIFY(!a.window->replyLabel()->isVisible());
    QCOMPARE(a.window->replyingTo(), 0);
    a.window->startReply(target);
    QTest::keyClicks(a.window->composer(), u"welcome back"_s);
    QTest::keyClick(a.window->composer(), Qt::Key_Return);
    QVERIFY(!a.window->replyLabel()->isVisible());
    QTRY_VERIFY([&] {
        const HttpResult page = server.get(u"/api/v1/rooms/%1/events"_s.arg(room), alice.token);
        for (const QJsonValue &v : page.json().value(u"events"_s).toArray()) {
            const QJsonObject c = v.toObject().value(u"content"_s).toObject();
            if (c.value(u"body"_s).toString() == u"welcome back")
                return c.value(u"replyTo"_s).toInteger() == target;
        }
        return false;
    }());
}

void tst_ChatWindow::reactionChipsShowToggleAndNameWhoReacted()
{
    AliceAndBob fixture(u"general"_s);
    auto &[server, alice, bob, room] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    const auto ship = wb.send(room, u"s"_s, u"ship it?"_s);
    QVERIFY(ship);
    const QString reactions = u"/api/v1/rooms/%1/messages/%2/reactions"_s.arg(room).arg(ship->eventId);
    QCOMPARE(server.post(reactions, { { u"key"_s, u"👍"_s } }, bob.token).status, 200);
    // What the server counts, as Alice reads it: key → (count, mine).
    const auto serverCounts = [&] {
        QMap<QString, QPair<int, bool>> out;
        const HttpResult page = server.get(u"/api/v1/rooms/%1/events"_s.arg(room), alice.token);
        for (const QJsonValue &v : page.json().value(u"events"_s).toArray()) {
            if (v[u"id"_s].toInteger() != ship->eventId)
                continue;
            for (const QJsonValue &r : v[u"content"_s][u"reactions"_s].toArray())
                out.insert(r[u"key"_s].toString(), { r[u"count"_s].toInt(), r[u"mine"_s].toBool() });
        }
        return out;
    };
    QTemporaryDir dir;
    ClientSettings settings(dir.filePath(u"confab.conf"_s));
    ChatWindow::Options withSettings;
    withSettings.settings = &settings;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s), withSettings);
    a.open(room);
    MessageListModel *m = a.window->timeline();
    QTRY_VERIFY(rowWithBody(m, u"ship it?"_s) >= 0);
    const auto index = [&] { return m->index(rowWithBody(m, u"ship it?"_s)); };
    const auto chips = [&] {
        QMap<QString, QPair<int, bool>> out;
        for (const QJsonValue &r : index().data(MessageListModel::ReactionsRole).toJsonArray())
            out.insert(r[u"key"_s].toString(), { r[u"count"_s].toInt(), r[u"mine"_s].toBool() });
        return out;
    };
    QTRY_COMPARE(chips(), (QMap<QString, QPair<int, bool>> { { u"👍"_s, { 1, false } } }));
    MessageDelegate *d = a.window->delegate();
    QCOMPARE(d->reactionTip(index(), u"👍"_s), u"bob reacted with 👍"_s);
    // The chip is painted under the message: ink in its rectangle.
    QListView *view = a.window->messageView();
    const auto chipRect = [&](const QString &key) {
        QStyleOptionViewItem opt;
        opt.font = view->font();
        opt.rect = view->visualRect(index());
        for (const auto &[k, rect] : d->reactionRects(opt, index())) {
            if (k == key)
                return rect;
        }
        return QRect();
    };
    QTRY_VERIFY(!chipRect(u"👍"_s).isNull());
    const QImage shot = view->viewport()->grab().toImage();
    const QColor base = view->palette().color(QPalette::Base);
    int ink = 0;
    const QRect chip = chipRect(u"👍"_s);
    for (int y = chip.top(); y <= chip.bottom(); ++y)
        for (int x = chip.left(); x <= chip.right(); ++x)
            ink += qAbs(shot.pixelColor(x * shot.devicePixelRatio(), y * shot.devicePixelRatio())
                            .lightness()
                        - base.lightness())
                > 40;
    QVERIFY2(ink > 30, qPrintable(u"chip ink: %1"_s.arg(ink)));

    // A click on the chip adds Alice's 👍: the server counts it, and the chip shows it as hers.
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, chipRect(u"👍"_s).center());
    QTRY_COMPARE(serverCounts(), (QMap<QString, QPair<int, bool>> { { u"👍"_s, { 2, true } } }));
    QTRY_COMPARE(chips(), (QMap<QString, QPair<int, bool>> { { u"👍"_s, { 2, true } } }));
    QCOMPARE(d->reactionTip(index(), u"👍"_s), u"bob and You reacted with 👍"_s);
    // The React action opens the picker; 🎉 from it is added.
    QVERIFY(d->actions(index()).contains(MessageDelegate::Action::React));
    emit d->actionTriggered(index(), MessageDelegate::Action::React);
    QTRY_VERIFY(a.window->reactionPicker() && a.window->reactionPicker()->isVisible());
    QAction *party = nullptr;
    for (QAction *action : a.window->reactionPicker()->actions())
        party = action->text() == u"🎉"_s ? action : party;
    QVERIFY(party);
    party->trigger();
    QTRY_COMPARE(serverCounts(), (QMap<QString, QPair<int, bool>> { { u"👍"_s, { 2, true } },
                                                                     { u"🎉"_s, { 1, true } } }));
    QTRY_COMPARE(chips(), serverCounts());
    QCOMPARE(settings.recentReactions().value(0), u"🎉"_s); // offered first next time
    // A second click takes her 👍 back; Bob's stays.
    QTRY_VERIFY(!chipRect(u"👍"_s).isNull());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, chipRect(u"👍"_s).center());
    QTRY_COMPARE(serverCounts(), (QMap<QString, QPair<int, bool>> { { u"👍"_s, { 1, false } },
                                                                     { u"🎉"_s, { 1, true } } }));
    QTRY_COMPARE(chips(), serverCounts());
    // Bob deletes his message: its chips go.
    QCOMPARE(server.request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(room).arg(ship->eventId),
                            {}, bob.token)
                 .status,
             200);
    QTRY_VERIFY(index().data(MessageListModel::ReactionsRole).toJsonArray().isEmpty());
}

void tst_ChatWindow::searchFindsAcrossRoomsAndOpensTheRoomAtTheResult()
{
    HereAndThere fixture;
    auto &[server, alice, bob, here, there] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    const auto key = wb.send(there, u"k"_s, u"the deploy key is in the vault"_s);
    QVERIFY(key);
    QVERIFY(sendMany(wb, there, 120)); // the result is far above what the room shows first
    QVERIFY(wb.send(here, u"h"_s, u"nothing to see here"_s));
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.open(here);
    QTRY_VERIFY(rowWithBody(a.window->timeline(), u"nothing to see here"_s) >= 0);
    // Ctrl+F opens the panel with the query field focused.
    QTest::keyClick(a.window.get(), Qt::Key_F, Qt::ControlModifier);
    SearchPanel *panel = a.window->searchPanel();
    QVERIFY(panel);
    QTRY_VERIFY(panel->isVisible());
    QTest::keyClicks(panel->queryField(), u"VAULT"_s);
    QTest::keyClick(panel->queryField(), Qt::Key_Return);
    QTRY_COMPARE(panel->results()->count(), 1);
    const QString row = SearchPanel::describe(panel->results()->item(0));
    QVERIFY2(row.startsWith(u"there · bob · "_s), qPrintable(row));
    QVERIFY(row.endsWith(u": the deploy key is in the vault"_s));
    QVERIFY(panel->sourceLabel()->text().contains(u"on the server"_s));
    // The snippet is painted, its match marked: the row has ink, and more of it where the word
    // is bold on a tint than in the same width of plain text.
    QTest::qWait(50);
    const QImage shot = panel->results()->viewport()->grab().toImage();
    const QRect r = panel->results()->visualItemRect(panel->results()->item(0));
    const QColor base = panel->results()->palette().color(QPalette::Base);
    int ink = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x < r.right(); ++x)
            ink += qAbs(shot.pixelColor(x * shot.devicePixelRatio(), y * shot.devicePixelRatio())
                            .lightness()
                        - base.lightness())
                > 20;
    QVERIFY2(ink > 200, qPrintable(u"result ink: %1"_s.arg(ink)));
    // Only in this room ("here"): nothing.
    panel->thisRoomOnly()->setChecked(true);
    QTRY_VERIFY(panel->sourceLabel()->text().startsWith(u"Nothing found"_s));
    QCOMPARE(panel->results()->count(), 0);
    panel->thisRoomOnly()->setChecked(false);
    QTRY_COMPARE(panel->results()->count(), 1);
    // A snippet reads as text: no Markdown markers in it (the highlight moves with the text).
    QVERIFY(wb.send(here, u"md"_s, u"**Release** notes in `docs/release.md`, *soon*"_s));
    panel->queryField()->setText(u"notes"_s);
    panel->search();
    QTRY_COMPARE(panel->results()->count(), 1);
    QVERIFY2(SearchPanel::describe(panel->results()->item(0))
                 .endsWith(u": Release notes in docs/release.md, soon"_s),
             qPrintable(SearchPanel::describe(panel->results()->item(0))));
    panel->queryField()->setText(u"vault"_s);
    panel->search();
    QTRY_COMPARE(panel->results()->count(), 1);
    // Choosing the result opens "there" at that message, loaded around it.
    emit panel->results()->itemActivated(panel->results()->item(0));
    QTRY_COMPARE(a.window->currentRoom(), there);
    QTRY_COMPARE(a.window->messageView()->currentIndex().data(MessageListModel::BodyRole).toString(),
                 u"the deploy key is in the vault"_s);
}

void tst_ChatWindow::aMessageLinkOpensTheRoomAtThatMessage()
{
    HereAndThere fixture;
    auto &[server, alice, bob, here, there] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    const auto target = wb.send(there, u"t"_s, u"the decision we took"_s);
    QVERIFY(target);
    QVERIFY(sendMany(wb, there, 120));
    QVERIFY(wb.send(here, u"h"_s, u"hello here"_s));
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.open(here);
    QTRY_VERIFY(rowWithBody(a.window->timeline(), u"hello here"_s) >= 0);
    // The room list has come (a link to a room the window does not know of goes nowhere; under
    // load the list came after the first room's history, and the test once failed on that).
    QTRY_COMPARE(a.window->roomItems().size(), 2);
    const QUrl link = a.window->messageLink(there, target->eventId, target->seq);
    QCOMPARE(link.scheme(), u"confab"_s);
    QCOMPARE(link.port(), int(server.port()));
    // Pasted into a message it is a link (formatting), and a click on it goes there.
    a.window->openRoom(here);
    QTest::keyClicks(a.window->composer(), u"see "_s + link.toString());
    QTest::keyClick(a.window->composer(), Qt::Key_Return);
    QTRY_VERIFY(rowWithBody(a.window->timeline(), u"see "_s + link.toString()) >= 0);
    const QModelIndex pasted
        = a.window->timeline()->index(rowWithBody(a.window->timeline(), u"see "_s + link.toString()));
    QCOMPARE(a.window->delegate()->formatted(pasted).linkAt(6), link.toString());
    emit a.window->delegate()->linkActivated(link);
    QTRY_COMPARE(a.window->currentRoom(), there);
    QTRY_COMPARE(a.window->messageView()->currentIndex().data(MessageListModel::BodyRole).toString(),
                 u"the decision we took"_s);
    // A link to another server, or a broken one, says so and goes nowhere.
    QUrl elsewhere = link;
    elsewhere.setPort(1);
    QVERIFY(a.window->openMessageLink(elsewhere));
    QVERIFY(a.window->statusBar()->currentMessage().contains(u"another server"_s));
    QVERIFY(a.window->openMessageLink(QUrl(u"confab://x/rooms/abc"_s)));
    QVERIFY(a.window->statusBar()->currentMessage().startsWith(u"Not a link to a message"_s));
    QCOMPARE(a.window->currentRoom(), there);
    QVERIFY(!a.window->openMessageLink(QUrl(u"https://example.org"_s))); // for the browser
}

void tst_ChatWindow::formattingFromTheServerIsDrawnAndHtmlStaysText()
{
    AliceAndBob fixture(u"general"_s);
    auto &[server, alice, bob, room] = fixture;
    WsClient wb(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wb.send(room, u"f"_s, u"**Shipped** <b>release</b> <script>alert(1)</script>"_s));
    QTemporaryDir dir;
    Session a(server, alice, u"alice"_s, dir.filePath(u"a"_s));
    a.open(room);
    MessageListModel *m = a.window->timeline();
    QTRY_COMPARE(m->rowCount(), 1);
    MessageDelegate *d = a.window->delegate();
    const QModelIndex index = m->index(0);
    const QString shown = u"Shipped <b>release</b> <script>alert(1)</script>"_s;
    QCOMPARE(d->bodyText(index), shown); // the markers read, the HTML as typed
    QTest::qWait(50);
    QListView *view = a.window->messageView();
    QStyleOptionViewItem opt;
    opt.font = view->font();
    opt.palette = view->palette();
    opt.rect = view->visualRect(index);
    const QRect body = d->layout(opt, index).body;
    const auto text = d->bodyLayout(opt.font, opt.palette, body.width(), index);
    const QImage shot = view->viewport()->grab().toImage();
    const QColor base = view->palette().color(QPalette::Base);
    // Ink per pixel of width over a piece of the shown text: bold is denser than plain.
    const auto density = [&](const QString &piece) {
        const int from = int(shown.indexOf(piece));
        const QTextLine line = text->lineForTextPosition(from);
        const int x0 = body.left() + int(line.cursorToX(from));
        const int x1 = body.left() + int(line.cursorToX(from + int(piece.size())));
        int ink = 0;
        for (int y = body.top() + int(line.y()); y < body.top() + int(line.y() + line.height()); ++y)
            for (int x = x0; x < x1; ++x)
                ink += qAbs(shot.pixelColor(x * shot.devicePixelRatio(), y * shot.devicePixelRatio())
                                .lightness()
                            - base.lightness())
                    > 90;
        return double(ink) / std::max(1, x1 - x0);
    };
    QVERIFY2(density(u"Shipped"_s) > density(u"release"_s) * 1.15,
             qPrintable(u"bold %1, plain %2"_s.arg(density(u"Shipped"_s)).arg(density(u"release"_s))));
    QVERIFY(density(u"<b>"_s) > 0); // the tag is drawn as characters
}

void tst_ChatWindow::aReactionMadeOfflineShowsAtOnceAndReachesTheServerOnce()
{
    QTemporaryDir dir;
    RestartableServer server;
    const auto alice = server->signUp(u"alice"_s);
    const auto bob = server->signUp(u"bob"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    server->request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    server->post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                 { { u"clientMsgId"_s, u"b"_s }, { u"body"_s, u"lunch?"_s } }, bob.token);
    Session a(server.url(), alice, u"alice"_s, dir.filePath(u"a"_s));
    a.open(room);
    MessageListModel *m = a.window->timeline();
    QTRY_COMPARE(m->rowCount(), 1);
    server.down(); // the server goes away
    QTRY_VERIFY(a.client.connectionState().mode != ConnectionState::Mode::Online);
    emit a.window->delegate()->actionTriggered(m->index(0), MessageDelegate::Action::React);
    QTRY_VERIFY(a.window->reactionPicker() && a.window->reactionPicker()->isVisible());
    for (QAction *action : a.window->reactionPicker()->actions()) {
        if (action->text() == u"👍"_s)
            action->trigger();
    }
    // Shown at once, as hers, while nothing can reach the server.
    const auto chip = [&] {
        const QJsonArray r = m->index(0).data(MessageListModel::ReactionsRole).toJsonArray();
        return r.size() == 1 ? u"%1 %2 %3"_s.arg(r[0][u"key"_s].toString())
                                   .arg(r[0][u"count"_s].toInt())
                                   .arg(r[0][u"mine"_s].toBool() ? u"mine"_s : u"theirs"_s)
                             : QString::number(r.size());
    };
    QCOMPARE(chip(), u"👍 1 mine"_s);
    server.up(); // back
    QTRY_VERIFY_WITH_TIMEOUT(
        server->get(u"/api/v1/rooms/%1/events"_s.arg(room), alice.token)
            .body.contains(R"("reactions":[{"count":1,"key":"👍","mine":true)"),
        15000);
    QTRY_VERIFY(a.client.unsentReactions().isEmpty());
    QCOMPARE(chip(), u"👍 1 mine"_s); // once, not twice
}

QTEST_MAIN(tst_ChatWindow)
#include "tst_chatwindow.moc"
