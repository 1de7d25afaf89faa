// Files in the desktop client, driven as a user would (offscreen), against a real in-process
// server and a second real client: attach (a drop or paste onto the composer) → progress in
// the timeline → the image's preview drawn at the other client (pixels, not strings); a pasted
// screenshot; a file queued offline that survives a restart and arrives once; Open's download
// checked against the SHA-256; a cancelled upload.
#include "testsupport.h"

#include "apiclient.h"
#include "attachment.h"
#include "chatclient.h"
#include "chatwindow.h"
#include "clientoptions.h"
#include "composer.h"
#include "fileactions.h"
#include "messagedelegate.h"
#include "messagelistmodel.h"
#include "searchpanel.h"
#include "timelineview.h"

#include <QCryptographicHash>
#include <QDialog>
#include <QDir>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QMimeData>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct Session
{
    Session(const QUrl &server, const TestServer::Account &account, const QString &username,
            const QString &dir)
        : client(server, account.token, dir, fastChatClientOptions())
    {
        ChatWindow::Options options;
        options.self = User { account.id, username, {}, {}, 0 };
        options.trayIcon = false;
        ok = client.start().ok();
        window = std::make_unique<ChatWindow>(&client, options);
    }
    void open(qint64 room)
    {
        window->resize(900, 640);
        window->show();
        window->openRoom(room);
    }
    ChatClient client;
    std::unique_ptr<ChatWindow> window;
    bool ok = false;
};

QString writeImage(const QString &dir, const QString &name, QSize size, QColor colour)
{
    QImage image(size, QImage::Format_RGB32);
    image.fill(colour);
    const QString path = dir + u'/' + name;
    return image.save(path, "PNG") ? path : QString();
}

// Alice and Bob in one room, each with a client and a window showing it.
struct AliceAndBobWindows
{
    TestServer server;
    TestServer::TwoInARoom people = server.aliceAndBobInARoom();
    QTemporaryDir dir;
    Session a { server.url({}), people.alice, u"alice"_s, dir.filePath(u"a"_s) };
    Session b { server.url({}), people.bob, u"bob"_s, dir.filePath(u"b"_s) };
    bool open()
    {
        a.open(people.room);
        b.open(people.room);
        return a.ok && b.ok;
    }
};

// The row of `model` that shares a file (the last one), or -1.
int fileRow(const MessageListModel *model)
{
    for (int i = model ? model->rowCount() - 1 : -1; i >= 0; --i) {
        if (!model->index(i).data(MessageListModel::FileRole).toJsonObject().isEmpty())
            return i;
    }
    return -1;
}

// How much of `rect` in the view's rendering is close to `colour`.
double shareOf(ChatWindow &w, const QRect &rect, QColor colour)
{
    const QImage shot = w.messageView()->viewport()->grab().toImage();
    const qreal dpr = shot.devicePixelRatio();
    int near = 0, all = 0;
    for (int y = rect.top(); y <= rect.bottom(); y += 2) {
        for (int x = rect.left(); x <= rect.right(); x += 2) {
            const QColor c = shot.pixelColor(int(x * dpr), int(y * dpr));
            ++all;
            near += qAbs(c.red() - colour.red()) + qAbs(c.green() - colour.green())
                    + qAbs(c.blue() - colour.blue())
                < 60;
        }
    }
    return all ? double(near) / all : 0;
}

QRect attachmentRect(ChatWindow &w, int row)
{
    const QModelIndex index = w.timeline()->index(row);
    QStyleOptionViewItem option;
    option.initFrom(w.messageView()->viewport());
    option.rect = w.messageView()->visualRect(index);
    option.font = w.messageView()->font();
    return w.delegate()->layout(option, index).attachment;
}

int messagesWithFile(TestServer &s, qint64 room, const QString &token)
{
    int n = 0;
    for (const QJsonValue &e :
         s.get(u"/api/v1/rooms/%1/events?after=0"_s.arg(room), token).json()[u"events"_s].toArray())
        n += e[u"content"_s].toObject().contains(u"file"_s);
    return n;
}

} // namespace

class tst_FilesGui : public QObject
{
    Q_OBJECT

private slots:
    void attachShowsProgressThenThePreviewAtTheOtherClient();
    void aPastedScreenshotIsShared();
    void aFileQueuedOfflineSurvivesARestartAndArrivesOnce();
    void openDownloadsTheVerifiedBytes();
    void anUploadCanBeCancelled();
};

void tst_FilesGui::attachShowsProgressThenThePreviewAtTheOtherClient()
{
    AliceAndBobWindows w;
    QVERIFY(w.open());
    auto &[server, people, dir, a, b] = w;
    QTRY_VERIFY(a.window->timeline() && b.window->timeline());

    // A large-ish red photo, dropped onto the composer as a file manager would.
    const QString path = writeImage(dir.path(), u"red.png"_s, QSize(1600, 900), QColor(220, 30, 30));
    QVERIFY(!path.isEmpty());
    qreal maxProgress = -1;
    connect(&a.client.files(), &FileTransfers::uploadProgress, this,
            [&](qint64, qint64 sent, qint64 total) { maxProgress = std::max(maxProgress, qreal(sent) / total); });
    QMimeData drop;
    drop.setUrls({ QUrl::fromLocalFile(path) });
    QVERIFY(a.window->composerBar()->shareFrom(&drop));

    // At Alice's: a pending card with the file's name, then the sent message with its preview.
    QTRY_VERIFY(fileRow(a.window->timeline()) >= 0);
    QCOMPARE(maxProgress, 1.0);
    QVERIFY(a.window->timeline()->index(fileRow(a.window->timeline()))
                .data(MessageListModel::LocalFileRole)
                .toString()
                .isEmpty()); // the sent row replaced the pending one

    // At Bob's: the message with the file, and its preview drawn in red where it belongs.
    QTRY_VERIFY(fileRow(b.window->timeline()) >= 0);
    const int row = fileRow(b.window->timeline());
    const QJsonObject file = b.window->timeline()->index(row).data(MessageListModel::FileRole).toJsonObject();
    QCOMPARE(file[u"name"_s].toString(), u"red.png"_s);
    QCOMPARE(file[u"width"_s].toInt(), 1600);
    QTRY_VERIFY(b.window->fileActions()->thumbnail(file[u"fileId"_s].toString()) != nullptr);
    b.window->messageView()->scrollToBottom();
    QTest::qWait(50);
    const QRect area = attachmentRect(*b.window, row);
    QVERIFY(!area.isNull());
    QCOMPARE(area.size(), QSize(320, 180)); // the server's preview, at its size
    QTRY_VERIFY2(shareOf(*b.window, area.adjusted(4, 4, -4, -4), QColor(220, 30, 30)) > 0.9,
                 "the preview is not drawn in red");
    // Clicking it opens the viewer, which shows the full image once downloaded (verified).
    const QPoint centre = area.center();
    QTest::mouseClick(b.window->messageView()->viewport(), Qt::LeftButton, {}, centre);
    QTRY_VERIFY(b.window->fileActions()->viewer() != nullptr);
    auto *picture = b.window->fileActions()->viewer()->findChild<QLabel *>(u"viewerImage"_s);
    QVERIFY(picture);
    QTRY_VERIFY(!picture->pixmap().isNull());
    QCOMPARE(picture->pixmap().toImage().pixelColor(5, 5).red(), 220);

    // The preview is kept in Bob's account directory: another run shows it with no server.
    const QString fileId = file[u"fileId"_s].toString();
    QFile kept(QDir(b.client.accountDir()).filePath(u"thumbnails/"_s + fileId));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    const QByteArray keptBytes = kept.readAll();
    QCOMPARE(QImage::fromData(keptBytes).size(), QSize(320, 180));
    ApiClient nowhere(QUrl(u"http://127.0.0.1:9"_s));
    FileTransfers later(&nowhere);
    later.setThumbnailDir(QDir(b.client.accountDir()).filePath(u"thumbnails"_s));
    std::optional<Result<QByteArray>> got;
    later.thumbnail(fileId, [&](Result<QByteArray> r) { got = r; });
    QVERIFY(got && got->ok()); // at once, from disk
    QCOMPARE(got->value(), keptBytes);
    // A file id that is not one never names a file (ids come from the network).
    std::optional<Result<QByteArray>> hostile;
    later.thumbnail(u"../../outbox.db"_s, [&](Result<QByteArray> r) { hostile = r; });
    QTRY_VERIFY_WITH_TIMEOUT(hostile.has_value(), 20000);
    QVERIFY(!hostile->ok());
}

void tst_FilesGui::aPastedScreenshotIsShared()
{
    AliceAndBobWindows w;
    QVERIFY(w.open());
    auto &[server, people, dir, a, b] = w;
    QImage shot(300, 200, QImage::Format_RGB32);
    shot.fill(QColor(20, 170, 60));
    QMimeData paste;
    paste.setImageData(shot);
    // Ctrl+V in the composer: the field shares the image instead of inserting anything.
    QVERIFY(a.window->composerBar()->shareFrom(&paste));
    QCOMPARE(a.window->composerBar()->edit()->toPlainText(), QString());
    QTRY_VERIFY(fileRow(b.window->timeline()) >= 0);
    const QJsonObject file = b.window->timeline()->index(fileRow(b.window->timeline()))
                                 .data(MessageListModel::FileRole)
                                 .toJsonObject();
    QCOMPARE(file[u"mime"_s].toString(), u"image/png"_s);
    QCOMPARE(file[u"width"_s].toInt(), 300);
    QVERIFY(file[u"name"_s].toString().startsWith(u"Pasted image"_s));
    QTRY_VERIFY(b.window->fileActions()->thumbnail(file[u"fileId"_s].toString()) != nullptr);
    b.window->messageView()->scrollToBottom();
    QTest::qWait(50);
    const QRect area = attachmentRect(*b.window, fileRow(b.window->timeline()));
    QTRY_VERIFY(shareOf(*b.window, area.adjusted(4, 4, -4, -4), QColor(20, 170, 60)) > 0.9);
}

void tst_FilesGui::aFileQueuedOfflineSurvivesARestartAndArrivesOnce()
{
    RestartableServer server;
    const auto alice = server->signUp(u"alice"_s);
    const auto bob = server->signUp(u"bob"_s);
    const qint64 room = server->createRoom(alice.token, u"general"_s);
    server->request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    QTemporaryDir dir;
    const QString path = writeImage(dir.path(), u"offline.png"_s, QSize(64, 64), Qt::blue);
    {
        Session a(server.url(), alice, u"alice"_s, dir.filePath(u"a"_s));
        QVERIFY(a.ok);
        a.open(room);
        QTRY_VERIFY(a.window->timeline());
        server.down();
        a.window->fileActions()->sendPaths(room, { path });
        // Waiting in the timeline as the user's own, unsent.
        QTRY_VERIFY(a.window->timeline()->rowCount() > 0);
        const QModelIndex pending
            = a.window->timeline()->index(a.window->timeline()->rowCount() - 1);
        QCOMPARE(QFileInfo(pending.data(MessageListModel::LocalFileRole).toString()).fileName(),
                 u"offline.png"_s);
        QTest::qWait(300); // it tries, and fails, while the server is away
    } // the client quits with the file unsent
    server.up();
    Session again(server.url(), alice, u"alice"_s, dir.filePath(u"a"_s));
    QVERIFY(again.ok);
    again.open(room);
    QTRY_COMPARE_WITH_TIMEOUT(messagesWithFile(*server.operator->(), room, bob.token), 1, 15000);
    QTest::qWait(500);
    QCOMPARE(messagesWithFile(*server.operator->(), room, bob.token), 1); // once
    QTRY_VERIFY(again.client.outbox().all().isEmpty());
}

void tst_FilesGui::openDownloadsTheVerifiedBytes()
{
    TestServer server;
    auto [alice, bob, room] = server.aliceAndBobInARoom();
    QTemporaryDir dir;
    QByteArray bytes(700 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < bytes.size(); ++i)
        bytes[i] = char((i * 7919) >> 3);
    const QString path = dir.filePath(u"notes.bin"_s);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }
    Session a(server.url({}), alice, u"alice"_s, dir.filePath(u"a"_s));
    Session b(server.url({}), bob, u"bob"_s, dir.filePath(u"b"_s));
    QVERIFY(a.ok && b.ok);
    a.open(room);
    b.open(room);
    a.window->fileActions()->sendPaths(room, { path });
    QTRY_VERIFY(fileRow(b.window->timeline()) >= 0);
    const QModelIndex index = b.window->timeline()->index(fileRow(b.window->timeline()));
    const auto file = FileInfo::fromJson(index.data(MessageListModel::FileRole).toJsonObject());
    QVERIFY(file);
    QVERIFY(!file->isImage());
    // A card, with Open and Save as…
    const auto info = attachment::infoOf(index);
    QStyleOptionViewItem option;
    option.initFrom(b.window->messageView()->viewport());
    option.rect = b.window->messageView()->visualRect(index);
    const QRect card = b.window->delegate()->layout(option, index).attachment;
    const auto targets = attachment::targets(info, card, b.window->messageView()->font());
    QCOMPARE(targets.size(), 2);
    QCOMPARE(targets[0].first, attachment::FileAction::Open);
    QCOMPARE(targets[1].first, attachment::FileAction::SaveAs);

    // No caption: no text line. Nothing but the card is drawn where the text would be (the
    // delegate once drew "This message was deleted." over the card).
    QCOMPARE(b.window->delegate()->layout(option, index).body.height(), 0);
    {
        b.window->messageView()->scrollToBottom();
        QTest::qWait(50);
        option.rect = b.window->messageView()->visualRect(index);
        const QRect cardNow = b.window->delegate()->layout(option, index).attachment;
        const QImage shot = b.window->messageView()->viewport()->grab().toImage();
        const qreal dpr = shot.devicePixelRatio();
        const QFontMetrics fm(b.window->messageView()->font());
        // Right of the name ("notes.bin"), left of the buttons, over the card's upper half.
        const int from = cardNow.left() + 40 + fm.horizontalAdvance(u"notes.bin"_s) + 12;
        int ink = 0;
        for (int y = cardNow.top() + 3; y < cardNow.center().y(); ++y) {
            for (int x = from; x < from + 120; ++x)
                ink += qGray(shot.pixel(int(x * dpr), int(y * dpr))) < 110;
        }
        QVERIFY2(ink < 5, qPrintable(u"text drawn over the card: %1 dark pixels"_s.arg(ink)));
    }

    // Bob finds it by its name: the result says it is a file, the word in the name marked.
    QTest::keyClick(b.window.get(), Qt::Key_F, Qt::ControlModifier);
    SearchPanel *panel = b.window->searchPanel();
    QTRY_VERIFY(panel && panel->isVisible());
    QTest::keyClicks(panel->queryField(), u"notes"_s);
    QTest::keyClick(panel->queryField(), Qt::Key_Return);
    QTRY_COMPARE(panel->results()->count(), 1);
    QVERIFY2(SearchPanel::describe(panel->results()->item(0)).endsWith(u": 📎 notes.bin"_s),
             qPrintable(SearchPanel::describe(panel->results()->item(0))));
    panel->close();

    // Bob answers it: his quote names the file.
    const auto reply = server.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                                   { { u"clientMsgId"_s, u"re-notes"_s },
                                     { u"body"_s, u"thanks"_s },
                                     { u"replyTo"_s, index.data(MessageListModel::EventIdRole).toLongLong() } },
                                   bob.token);
    QCOMPARE(reply.status, 201);
    QTRY_VERIFY(b.window->timeline()->rowCount() > fileRow(b.window->timeline()) + 1);
    const QModelIndex answer
        = b.window->timeline()->index(b.window->timeline()->rowCount() - 1);
    QCOMPARE(b.window->delegate()->quoteText(answer), u"↳ alice: 📎 notes.bin"_s);

    QString got;
    const QString target = b.window->fileActions()->cachePath(*file);
    b.window->fileActions()->fetch(*file, target, [&](const QString &p) { got = p; });
    QTRY_VERIFY(!got.isEmpty());
    QFile f(got);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), bytes);
    QVERIFY(!QFile::exists(target + u".part"_s));
    QCOMPARE(QFileInfo(got).fileName(), u"notes.bin"_s);

    // Cut off at 300 KiB last time: the part is hashed again (off the GUI thread) and only
    // the rest is fetched; the result is the exact bytes.
    f.close();
    QVERIFY(QFile::remove(target));
    {
        QFile part(target + u".part"_s);
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(bytes.left(300 * 1024));
    }
    got.clear();
    // The server's count of bytes sent says how much was fetched.
    const auto sentSoFar = [&server] {
        const QByteArray text = server.get(u"/metrics"_s).body;
        const QByteArray key = "confab_file_bytes_total{direction=\"download\"} ";
        const qsizetype at = text.indexOf(key);
        return at < 0 ? -1.0 : text.mid(at + key.size(), text.indexOf('\n', at) - at - key.size()).toDouble();
    };
    const double before = sentSoFar();
    QVERIFY(before >= bytes.size());
    b.window->fileActions()->fetch(*file, target, [&](const QString &p) { got = p; });
    QTRY_VERIFY(!got.isEmpty());
    QCOMPARE(sentSoFar() - before, double(bytes.size() - 300 * 1024)); // the rest only
    QFile resumed(got);
    QVERIFY(resumed.open(QIODevice::ReadOnly));
    QCOMPARE(resumed.readAll(), bytes);
    QVERIFY(!QFile::exists(target + u".part"_s));
}

void tst_FilesGui::anUploadCanBeCancelled()
{
    TestServer server;
    auto [alice, bob, room] = server.aliceAndBobInARoom();
    QTemporaryDir dir;
    Session a(server.url({}), alice, u"alice"_s, dir.filePath(u"a"_s));
    QVERIFY(a.ok);
    a.open(room);
    const QString gone = dir.filePath(u"gone.txt"_s);
    {
        QFile f(gone);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("soon gone");
    }
    const auto item = a.client.sendFile(room, gone);
    QVERIFY(item);
    // Cancel while it waits or uploads: it leaves the timeline and the outbox; nothing is sent.
    a.client.cancelFile(item->localId);
    QTRY_VERIFY(a.client.outbox().all().isEmpty());
    QTest::qWait(300);
    QCOMPARE(messagesWithFile(server, room, bob.token), 0);
}

QTEST_MAIN(tst_FilesGui)
#include "tst_files_gui.moc"
