// ChatWindow driven like a user would, offscreen, against a real in-process server and a second
// real client.
#include "chatclient.h"
#include "chatwindow.h"
#include "clientoptions.h"
#include "logindialog.h"
#include "messagelistmodel.h"
#include "testsupport.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTcpServer>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using State = MessageListModel::MessageState;

namespace {

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

} // namespace

class tst_ChatWindow : public QObject
{
    Q_OBJECT

private slots:
    void typeSendReceiveAndSurviveAServerRestart();
    void loginDialogRegistersLogsInAndShowsErrors();
    void aNewcomerCanJoinAndCreateRooms();
};

void tst_ChatWindow::typeSendReceiveAndSurviveAServerRestart()
{
    QTemporaryDir serverDir, clientDir;
    const quint16 port = freeLocalPort();
    const auto config = [&](server::ServerConfig &c) {
        c.dataDir = serverDir.path();
        c.port = port;
    };
    auto server = std::make_unique<TestServer>(config);
    const auto alice = server->signUp(u"alice"_s);
    const auto bob = server->signUp(u"bob"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    server->request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);

    ChatClient client(server->url({}), alice.token, clientDir.filePath(u"alice"_s),
                      fastChatClientOptions());
    QVERIFY(client.start().ok());
    ChatWindow window(&client);
    window.show();
    QTRY_VERIFY(window.statusLabel()->text().startsWith(u"Online"_s));
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

    // Bob's message shows up in her view.
    QVERIFY(other.send(room, u"b1"_s, u"hi alice"_s));
    QTRY_VERIFY(rowWithBody(window.timeline(), u"hi alice"_s) >= 0);

    // The server goes away: the window stays, typing goes to the outbox, shown as pending.
    server.reset();
    QTRY_VERIFY_WITH_TIMEOUT(!window.statusLabel()->text().startsWith(u"Online"_s), 5000);
    QTest::keyClicks(window.composer(), u"typed while away"_s);
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QTRY_VERIFY(rowWithBody(window.timeline(), u"typed while away"_s) >= 0);
    QVERIFY(stateOf(window.timeline(), u"typed while away"_s) != State::Sent);
    QVERIFY(window.isVisible());

    // It comes back: the message is delivered, the state is online again.
    server = std::make_unique<TestServer>(config);
    QVERIFY(server->ok());
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(window.timeline(), u"typed while away"_s), State::Sent,
                              10000);
    QTRY_VERIFY(window.statusLabel()->text().startsWith(u"Online"_s));
    QCOMPARE(server->messageBodies(room, alice.token),
             (QStringList { u"hello bob"_s, u"hi alice"_s, u"typed while away"_s }));
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
    LoginDialog dialog(u"127.0.0.1:%1"_s.arg(server.port()));
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
    QTRY_COMPARE(window.roomList()->count(), 1);
    QCOMPARE(window.roomList()->item(0)->text(), u"lobby"_s);
    QVERIFY(window.roomList()->item(0)->font().italic());
    window.roomList()->setCurrentRow(0); // selecting it joins it
    QTRY_COMPARE(window.currentRoom(), lobby);
    QTRY_VERIFY(
        server.get(u"/api/v1/rooms/%1/members"_s.arg(lobby), newcomer.token).body.contains("nina"));
    QTRY_VERIFY(!window.roomList()->item(0)->font().italic());

    window.createRoom(u"ninas corner"_s);
    QTRY_COMPARE(window.roomList()->count(), 2);
    QTRY_VERIFY(window.currentRoom() != lobby);
    QCOMPARE(window.roomList()->currentItem()->text(), u"ninas corner"_s);
}

QTEST_MAIN(tst_ChatWindow)
#include "tst_chatwindow.moc"
