// What a person sees: the timeline rendered into images (light and dark, device pixel ratio 1
// and 2) with assertions on pixels, the main window against a real server, the accessibility
// tree, and the German translation.
#include "avatar.h"
#include "chatclient.h"
#include "chatwindow.h"
#include "clientoptions.h"
#include "composer.h"
#include "messagedelegate.h"
#include "messagelistmodel.h"
#include "settingsdialog.h"
#include "testsupport.h"
#include "theme.h"
#include "timelineview.h"
#include "translations.h"

#include <QAccessible>
#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QAbstractItemView>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QFile>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kRoom = 7;
const QDateTime kNow(QDate(2026, 3, 10), QTime(12, 0));

qint64 at(int daysAgo, int hour, int minute)
{
    return QDateTime(kNow.date().addDays(-daysAgo), QTime(hour, minute)).toMSecsSinceEpoch();
}

RoomEvent message(qint64 seq, qint64 sender, qint64 ts, const QString &body,
                  QList<qint64> mentions = {})
{
    QJsonObject content { { u"body"_s, body } };
    if (!mentions.isEmpty()) {
        QJsonArray ids; // as the server resolves them (docs/protocol.md, "Mentions")
        for (qint64 id : mentions)
            ids.append(id);
        content.insert(u"mentions"_s, ids);
    }
    return RoomEvent { 1000 + seq, kRoom, seq, EventType::Message, sender, ts, content, {} };
}

int colourDistance(const QColor &a, const QColor &b)
{
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green())
        + std::abs(a.blue() - b.blue());
}

// Device pixels inside `logical` (a rectangle in logical pixels) for which `test` holds.
int countPixels(const QImage &image, const QRect &logical,
                const std::function<bool(const QColor &)> &test)
{
    const qreal dpr = image.devicePixelRatio();
    const QRect r = QRect(QPoint(int(logical.left() * dpr), int(logical.top() * dpr)),
                          QSize(int(logical.width() * dpr), int(logical.height() * dpr)))
                        .intersected(image.rect());
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y) {
        for (int x = r.left(); x <= r.right(); ++x)
            n += test(image.pixelColor(x, y));
    }
    return n;
}

// Pixels that differ from `background` (ink), and pixels close to `colour`.
int ink(const QImage &image, const QRect &logical, const QColor &background)
{
    return countPixels(image, logical,
                       [&](const QColor &c) { return colourDistance(c, background) > 90; });
}

int near(const QImage &image, const QRect &logical, const QColor &colour)
{
    return countPixels(image, logical,
                       [&](const QColor &c) { return colourDistance(c, colour) < 60; });
}

QColor pixel(const QImage &image, const QPoint &logical)
{
    const qreal dpr = image.devicePixelRatio();
    return image.pixelColor(int(logical.x() * dpr), int(logical.y() * dpr));
}

QColor blend(const QColor &over, qreal alpha, const QColor &under)
{
    return QColor::fromRgbF(over.redF() * alpha + under.redF() * (1 - alpha),
                            over.greenF() * alpha + under.greenF() * (1 - alpha),
                            over.blueF() * alpha + under.blueF() * (1 - alpha));
}

struct Rendered
{
    QImage image;
    QList<MessageDelegate::Layout> layouts;
};

// Paints every row of `model` with `delegate`, one under the other, as a view would.
Rendered render(MessageDelegate &delegate, const MessageListModel &model, const QPalette &palette,
                qreal dpr, int hoveredRow = -1, int width = 640, int focusedRow = -1)
{
    QStyleOptionViewItem opt;
    opt.palette = palette;
    opt.font = QApplication::font();
    opt.state = QStyle::State_Enabled;
    QList<QRect> rects;
    int y = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        opt.rect = QRect(0, y, width, 0);
        const int h = delegate.sizeHint(opt, model.index(row)).height();
        rects << QRect(0, y, width, h);
        y += h;
    }
    Rendered out;
    out.image = QImage(QSize(width, y) * dpr, QImage::Format_ARGB32_Premultiplied);
    out.image.setDevicePixelRatio(dpr);
    out.image.fill(palette.color(QPalette::Base));
    QPainter painter(&out.image);
    for (int row = 0; row < model.rowCount(); ++row) {
        opt.rect = rects[row];
        opt.state = QStyle::State_Enabled;
        if (row == hoveredRow)
            opt.state |= QStyle::State_MouseOver;
        if (row == focusedRow)
            opt.state |= QStyle::State_HasFocus;
        delegate.paint(&painter, opt, model.index(row));
        out.layouts << delegate.layout(opt, model.index(row));
    }
    return out;
}

QList<QAccessibleInterface *> accessibleTree(QAccessibleInterface *root)
{
    QList<QAccessibleInterface *> all { root };
    for (int i = 0; i < root->childCount(); ++i) {
        if (QAccessibleInterface *child = root->child(i))
            all += accessibleTree(child);
    }
    return all;
}

// A user's real client and chat window against a server (no tray).
struct UserWindow
{
    UserWindow(TestServer &server, const TestServer::Account &account, const QString &username)
        : client(server.url({}), account.token, dir.filePath(u"client"_s), fastChatClientOptions())
    {
        ok = client.start().ok();
        ChatWindow::Options o;
        o.self = User { account.id, username, {}, {}, 0 };
        o.trayIcon = false;
        window = std::make_unique<ChatWindow>(&client, o);
    }
    QTemporaryDir dir;
    ChatClient client;
    std::unique_ptr<ChatWindow> window;
    bool ok = false;
};

} // namespace

class tst_Look : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void timelinePaintsSenderTimeAvatarDayAndOwnMark_data();
    void timelinePaintsSenderTimeAvatarDayAndOwnMark();
    void hoverShowsActionsAndTheExactTimeIsATooltip();
    void mainWindowShowsWhoWroteWhat();
    void accessibilityNamesEveryControlAndReadsMessages();
    void composerGrowsAndSends();
    void mentionsAreOfferedAndDrawnHighlighted();
    void formattingIsDrawnAndHtmlIsText();
    void themesAreReadable();
    void germanTranslation(); // last: it changes the default locale

private:
    QHash<qint64, QString> m_names { { 1, u"Alice Martin"_s },
                                     { 2, u"Bob Okafor"_s },
                                     { 3, u"Carol Nguyen"_s } };
};

void tst_Look::formattingIsDrawnAndHtmlIsText()
{
    MessageListModel model(kRoom);
    const QString body = u"**Heads up** the `make test` <b>step</b> see https://example.org/ci"_s;
    model.appendEvent(message(1, 2, at(0, 9, 0), body));
    model.appendEvent(message(2, 2, at(0, 9, 1), u"> the old plan\nwe changed it"_s));
    MessageDelegate delegate([this](qint64 id) { return m_names.value(id); });
    delegate.setSelf(1, u"alice"_s);
    delegate.setClock([] { return kNow; });
    const QPalette palette = lightPalette();
    const QColor base = palette.color(QPalette::Base);
    // The markers are gone, the HTML is text.
    const QString shown = delegate.bodyText(model.index(0));
    QCOMPARE(shown, u"Heads up the make test <b>step</b> see https://example.org/ci"_s);
    QCOMPARE(delegate.bodyText(model.index(1)), u"the old plan\nwe changed it"_s);
    const Rendered r = render(delegate, model, palette, 1);
    const QRect bodyRect = r.layouts[0].body;
    QStyleOptionViewItem opt;
    opt.font = QApplication::font();
    opt.palette = palette;
    opt.rect = QRect(0, 0, 640, r.layouts[0].height);
    const auto text = delegate.bodyLayout(opt.font, palette, bodyRect.width(), model.index(0));
    // Where a piece of the shown text is painted (one line: these are short).
    const auto rectOf = [&](const QString &piece) {
        const int from = int(shown.indexOf(piece));
        const QTextLine line = text->lineForTextPosition(from);
        const qreal x0 = line.cursorToX(from), x1 = line.cursorToX(from + int(piece.size()));
        return QRect(bodyRect.left() + int(x0), bodyRect.top() + int(line.y()), int(x1 - x0),
                     int(line.height()));
    };
    // Bold: more ink than the same letters plain would have (compare with "the", per pixel
    // of width, the regular word right after it).
    const auto density = [&](const QRect &rect) {
        return double(ink(r.image, rect, base)) / std::max(1, rect.width());
    };
    QVERIFY2(density(rectOf(u"Heads"_s)) > density(rectOf(u"the"_s)) * 1.15,
             qPrintable(u"bold %1 vs regular %2"_s.arg(density(rectOf(u"Heads"_s)))
                            .arg(density(rectOf(u"the"_s)))));
    // Code: on a tinted panel (pixels that are neither base nor text between its letters).
    const QRect code = rectOf(u"make test"_s);
    QVERIFY(countPixels(r.image, code, [&](const QColor &c) {
                return c.lightness() < base.lightness() - 8 && c.lightness() > base.lightness() - 40;
            })
            > code.width() * 2);
    // The link: in the palette's link colour, underlined; a click on it is that URL.
    const QRect link = rectOf(u"https://example.org/ci"_s);
    QVERIFY(near(r.image, link, palette.color(QPalette::Link)) > 20);
    QCOMPARE(delegate.linkAt(opt, model.index(0), link.center()), u"https://example.org/ci"_s);
    QCOMPARE(delegate.linkAt(opt, model.index(0), rectOf(u"step"_s).center()), QString());
    QSignalSpy opened(&delegate, &MessageDelegate::linkActivated);
    QMouseEvent release(QEvent::MouseButtonRelease, link.center(), link.center(), Qt::LeftButton,
                        Qt::NoButton, Qt::NoModifier);
    QVERIFY(delegate.editorEvent(&release, &model, opt, model.index(0)));
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened[0][0].toUrl(), QUrl(u"https://example.org/ci"_s));
    // Lines break where the text does; a quote has a bar left of its line.
    QVERIFY(r.layouts[1].body.height() >= 2 * QFontMetrics(opt.font).height());
    const QRect quoteBody = r.layouts[1].body;
    const QRect bar(quoteBody.left() - 7, quoteBody.top(), 4, 10);
    QVERIFY(ink(r.image, bar, base) > 0 || countPixels(r.image, bar, [&](const QColor &c) {
                return colourDistance(c, base) > 30;
            }) > 5);
}

void tst_Look::initTestCase()
{
    setTrustNewServers(true);
    QApplication::setFont(QFont(u"DejaVu Sans"_s, 9));
}

void tst_Look::timelinePaintsSenderTimeAvatarDayAndOwnMark_data()
{
    QTest::addColumn<bool>("dark");
    QTest::addColumn<qreal>("dpr");
    QTest::newRow("light, dpr 1") << false << 1.0;
    QTest::newRow("light, dpr 2") << false << 2.0;
    QTest::newRow("dark, dpr 1") << true << 1.0;
    QTest::newRow("dark, dpr 2") << true << 2.0;
}

void tst_Look::timelinePaintsSenderTimeAvatarDayAndOwnMark()
{
    QFETCH(bool, dark);
    QFETCH(qreal, dpr);
    MessageListModel model(kRoom);
    // Yesterday: Bob twice (one group). Today: Alice (the user), then Bob mentioning her.
    model.appendEvent(message(1, 2, at(1, 9, 0), u"Morning! The build is green."_s));
    model.appendEvent(message(2, 2, at(1, 9, 1), u"Migration fix pushed too."_s));
    model.appendEvent(message(3, 1, at(0, 10, 0), u"Thanks both."_s));
    model.appendEvent(message(4, 2, at(0, 10, 2), u"@alice typo in the title?"_s, { 1 }));
    MessageDelegate delegate([this](qint64 id) { return m_names.value(id); });
    delegate.setSelf(1, u"alice"_s);
    delegate.setClock([] { return kNow; });
    const QPalette palette = dark ? darkPalette() : lightPalette();
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const Rendered r = render(delegate, model, palette, dpr);
    const auto &l = r.layouts;
    QCOMPARE(l.size(), 4);

    // Texts: what the header and separators say.
    QVERIFY(delegate.headerText(model.index(0)).startsWith(u"Bob Okafor  09:00"_s));
    QVERIFY(delegate.headerText(model.index(1)).isEmpty());
    QCOMPARE(delegate.daySeparatorText(model.index(0)), u"Yesterday"_s);
    QVERIFY(delegate.daySeparatorText(model.index(1)).isEmpty());
    QCOMPARE(delegate.daySeparatorText(model.index(2)), u"Today"_s);

    // Each group's header: the name is painted in the text colour, the time beside it.
    for (int row : { 0, 2, 3 }) {
        QVERIFY2(!l[row].name.isNull(), qPrintable(u"row %1 has a header"_s.arg(row)));
        const int nameInk = near(r.image, l[row].name, text);
        QVERIFY2(nameInk > int(25 * dpr * dpr),
                 qPrintable(u"row %1: %2 text pixels in the header"_s.arg(row).arg(nameInk)));
        QVERIFY(ink(r.image, l[row].body, base) > int(20 * dpr * dpr));
    }
    // A grouped message has no header and no avatar: its avatar column is empty.
    QVERIFY(l[1].name.isNull() && l[1].avatar.isNull());
    QCOMPARE(ink(r.image, QRect(0, l[1].body.top(), l[1].body.left() - 2, l[1].body.height()), base),
             0);

    // Avatars: a disc in the sender's colour (checked off the initials, near the top edge).
    for (int row : { 0, 2, 3 }) {
        const qint64 sender = row == 2 ? 1 : 2;
        const QPoint top(l[row].avatar.center().x(), l[row].avatar.top() + 3);
        QVERIFY2(colourDistance(pixel(r.image, top), avatarColor(sender)) < 40,
                 qPrintable(u"row %1 avatar %2"_s.arg(row).arg(pixel(r.image, top).name())));
        QVERIFY(near(r.image, l[row].avatar, Qt::white) > int(6 * dpr * dpr)); // the initials
    }
    QVERIFY(colourDistance(avatarColor(1), avatarColor(2)) > 60); // people look different

    // Day separators: a rule on both sides of the label, and the label itself.
    for (int row : { 0, 2 }) {
        QVERIFY(!l[row].day.isNull());
        const int y = l[row].day.center().y();
        QVERIFY(colourDistance(pixel(r.image, QPoint(l[row].day.left() + 30, y)), base) > 20);
        QVERIFY(colourDistance(pixel(r.image, QPoint(l[row].day.right() - 30, y)), base) > 20);
        QVERIFY(ink(r.image, QRect(l[row].day.center().x() - 30, l[row].day.top(), 60,
                                   l[row].day.height()),
                    base)
                > int(10 * dpr * dpr));
    }
    QVERIFY(l[1].day.isNull() && l[3].day.isNull());

    // Only the user's own message carries the mark.
    const QColor mark = blend(palette.color(QPalette::Highlight), 0.75, base);
    QVERIFY(colourDistance(pixel(r.image, l[2].ownMark.center()), mark) < 30);
    for (int row : { 0, 1, 3 }) {
        const QPoint p(l[2].ownMark.center().x(), l[row].body.center().y());
        QVERIFY(colourDistance(pixel(r.image, p), mark) > 60);
    }
    // The mention of the user is tinted.
    QVERIFY(colourDistance(pixel(r.image, QPoint(l[3].body.right() - 4, l[3].body.center().y())),
                           base)
            > 10);
    QVERIFY(colourDistance(pixel(r.image, QPoint(l[0].body.right() - 4, l[0].body.center().y())),
                           base)
            < 4);
    // The "New messages" line above the first unread message: drawn in red, in its own band.
    delegate.setNewMessagesAfter(3);
    const Rendered unread = render(delegate, model, palette, dpr);
    QVERIFY(unread.layouts[2].newLine.isNull());
    QVERIFY(!unread.layouts[3].newLine.isNull());
    QVERIFY(unread.layouts[3].newLine.bottom() < unread.layouts[3].name.top());
    int red = 0;
    const QRect band = unread.layouts[3].newLine;
    for (int x = band.left(); x < band.right(); x += 2) {
        const QColor c = pixel(unread.image, QPoint(x, band.center().y()));
        red += c.red() > c.green() + 60 && c.red() > c.blue() + 60;
    }
    QVERIFY2(red > 50, qPrintable(QString::number(red)));
    delegate.setNewMessagesAfter(-1);
    if (QTest::currentDataTag() == QByteArray("light, dpr 1"))
        r.image.save(QDir::temp().filePath(u"tst_look_timeline.png"_s));
}

void tst_Look::hoverShowsActionsAndTheExactTimeIsATooltip()
{
    MessageListModel model(kRoom);
    model.appendEvent(message(1, 2, at(0, 9, 0), u"from bob"_s));
    model.appendEvent(message(2, 1, at(0, 9, 30), u"mine"_s));
    MessageDelegate delegate([this](qint64 id) { return m_names.value(id); });
    delegate.setSelf(1, u"alice"_s);
    delegate.setClock([] { return kNow; });
    const QPalette palette = lightPalette();
    QCOMPARE(delegate.actions(model.index(0)),
             (QList { MessageDelegate::Action::Reply, MessageDelegate::Action::React,
                      MessageDelegate::Action::Copy }));
    QCOMPARE(delegate.actions(model.index(1)),
             (QList { MessageDelegate::Action::Reply, MessageDelegate::Action::React,
                      MessageDelegate::Action::Copy, MessageDelegate::Action::Edit,
                      MessageDelegate::Action::Delete }));
    const Rendered still = render(delegate, model, palette, 1);
    const Rendered hovered = render(delegate, model, palette, 1, 1);
    QStyleOptionViewItem opt;
    opt.font = QApplication::font();
    opt.rect = QRect(0, still.layouts[0].height, 640, still.layouts[1].height);
    const auto buttons = delegate.actionRects(opt, model.index(1));
    QCOMPARE(buttons.size(), 5);
    for (const auto &[action, rect] : buttons) {
        // Drawn only while hovered.
        QVERIFY(ink(hovered.image, rect, palette.color(QPalette::Base)) > 20);
        QCOMPARE(ink(still.image, rect, palette.color(QPalette::Base)), 0);
    }
    // Keyboard focus is visible: an outline around the focused message.
    const Rendered focused = render(delegate, model, palette, 1, -1, 640, 0);
    const QRect left(0, 0, 1, still.layouts[0].height);
    QVERIFY(ink(focused.image, left, palette.color(QPalette::Base)) > 5);
    QCOMPARE(ink(still.image, left, palette.color(QPalette::Base)), 0);
    // The exact time, with seconds and date, is what the tooltip says.
    const QString exact = delegate.exactTime(model.index(0));
    QVERIFY2(exact.contains(u"2026"_s) && exact.contains(u"09:00:00"_s), qPrintable(exact));
    // A click on a button is that action (and not a row click).
    QSignalSpy triggered(&delegate, &MessageDelegate::actionTriggered);
    const QPoint inside = buttons[3].second.center(); // Edit
    QMouseEvent press(QEvent::MouseButtonPress, inside, inside, Qt::LeftButton, Qt::LeftButton,
                      Qt::NoModifier);
    QMouseEvent release(QEvent::MouseButtonRelease, inside, inside, Qt::LeftButton,
                        Qt::NoButton, Qt::NoModifier);
    QVERIFY(delegate.editorEvent(&press, &model, opt, model.index(1)));
    QVERIFY(delegate.editorEvent(&release, &model, opt, model.index(1)));
    QCOMPARE(triggered.size(), 1);
    QCOMPARE(triggered[0][1].value<MessageDelegate::Action>(), MessageDelegate::Action::Edit);
}

void tst_Look::mainWindowShowsWhoWroteWhat()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const auto bob = server.signUp(u"bob"_s);
    const qint64 room = server.createRoom(alice.token, u"general"_s);
    server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    WsClient wb(server.port()), wa(server.port());
    QVERIFY(wb.login(bob.token));
    QVERIFY(wa.login(alice.token));
    QVERIFY(wb.send(room, u"b1"_s, u"hello from bob"_s));
    QVERIFY(wa.send(room, u"a1"_s, u"hello from alice"_s));
    QVERIFY(wb.send(room, u"b2"_s, u"bob again"_s));

    UserWindow w(server, alice, u"alice"_s);
    QVERIFY(w.ok);
    ChatWindow &window = *w.window;
    window.resize(1000, 640);
    window.show();
    window.openRoom(room);
    QTRY_COMPARE(window.timeline()->rowCount(), 3);
    QTRY_VERIFY(!window.displayName(bob.id).isEmpty());
    QTest::qWait(50);
    const QImage shot = window.grab().toImage();
    const QPalette pal = window.messageView()->palette();
    QListView *view = window.messageView();
    MessageDelegate *d = window.delegate();
    for (int row = 0; row < 3; ++row) {
        const QModelIndex index = window.timeline()->index(row);
        QStyleOptionViewItem opt;
        opt.font = view->font();
        opt.rect = view->visualRect(index);
        opt.rect.moveTopLeft(view->viewport()->mapTo(&window, opt.rect.topLeft()));
        const MessageDelegate::Layout l = d->layout(opt, index);
        QVERIFY2(!l.name.isNull(), "each message here starts a group");
        QVERIFY2(near(shot, l.name, pal.color(QPalette::Text)) > 25,
                 qPrintable(u"row %1: no name painted"_s.arg(row)));
        const qint64 sender = row == 1 ? alice.id : bob.id;
        QVERIFY(colourDistance(shot.pixelColor(l.avatar.center().x(), l.avatar.top() + 3),
                               avatarColor(sender))
                < 40);
    }
    QCOMPARE(d->senderName(window.timeline()->index(0)), u"bob"_s);
    QVERIFY(d->isOwn(window.timeline()->index(1)));
    // The status bar speaks plainly; the breaker is for the diagnostics panel.
    QTRY_COMPARE(window.statusLabel()->text(), u"Connected"_s);
    QVERIFY(!window.statusLabel()->text().contains(u"breaker"_s));
}

void tst_Look::accessibilityNamesEveryControlAndReadsMessages()
{
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const qint64 room = server.createRoom(alice.token, u"general"_s);
    WsClient wa(server.port());
    QVERIFY(wa.login(alice.token));
    QVERIFY(wa.send(room, u"a1"_s, u"read me aloud"_s));
    UserWindow w(server, alice, u"alice"_s);
    QVERIFY(w.ok);
    ChatWindow &window = *w.window;
    window.show();
    window.openRoom(room);
    QTRY_COMPARE(window.timeline()->rowCount(), 1);

    QAccessibleInterface *root = QAccessible::queryAccessibleInterface(&window);
    QVERIFY(root);
    const QList<QAccessibleInterface *> all = accessibleTree(root);
    const QSet<QAccessible::Role> interactive {
        QAccessible::PushButton, QAccessible::CheckBox,     QAccessible::ComboBox,
        QAccessible::EditableText, QAccessible::List,       QAccessible::SpinBox,
        QAccessible::ButtonMenu,   QAccessible::ButtonDropDown, QAccessible::RadioButton,
        QAccessible::Table,        QAccessible::Slider,
    };
    int checked = 0;
    for (QAccessibleInterface *i : all) {
        if (!interactive.contains(i->role()) || i->state().invisible)
            continue;
        ++checked;
        const QString what = u"%1 (%2)"_s.arg(QString::fromLatin1(
                                                   i->object() ? i->object()->metaObject()->className()
                                                               : "item"),
                                               int(i->role()));
        QVERIFY2(!i->text(QAccessible::Name).trimmed().isEmpty(),
                 qPrintable(u"no accessible name: "_s + what));
    }
    QVERIFY2(checked >= 6, qPrintable(QString::number(checked)));
    // Each message reads as sender, time and text.
    QAccessibleInterface *list = QAccessible::queryAccessibleInterface(window.messageView());
    QVERIFY(list);
    bool read = false;
    for (QAccessibleInterface *i : accessibleTree(list)) {
        const QString name = i->text(QAccessible::Name);
        read = read || (name.startsWith(u"alice, "_s) && name.endsWith(u": read me aloud"_s));
    }
    QVERIFY(read);
    // Keyboard focus lands on the composer, and the composer says how it works.
    QAccessibleInterface *composer = QAccessible::queryAccessibleInterface(window.composer());
    QCOMPARE(composer->text(QAccessible::Name), u"Message composer"_s);
    QVERIFY(!composer->text(QAccessible::Description).isEmpty());
}

void tst_Look::composerGrowsAndSends()
{
    Composer composer;
    composer.resize(500, 200);
    composer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&composer));
    const int oneLine = composer.edit()->height();
    QCOMPARE(composer.visibleLines(), 1);
    QVERIFY(!composer.sendButton()->isEnabled());
    composer.edit()->setPlainText(u"one\ntwo\nthree"_s);
    QTRY_COMPARE(composer.visibleLines(), 3);
    QVERIFY(composer.edit()->height() > oneLine * 2);
    QVERIFY(composer.sendButton()->isEnabled());
    composer.edit()->setPlainText(u"line\n"_s.repeated(30));
    QTRY_COMPARE(composer.visibleLines(), composer.maximumLines()); // then it scrolls
    composer.edit()->clear();
    QTRY_COMPARE(composer.visibleLines(), 1);
    // The emoji picker inserts at the cursor; Send asks to send.
    composer.edit()->setPlainText(u"ship it "_s);
    composer.edit()->moveCursor(QTextCursor::End);
    composer.insertEmoji(u"🚀"_s);
    QCOMPARE(composer.edit()->toPlainText(), u"ship it 🚀"_s);
    QVERIFY(Composer::emojis().contains(u"🚀"_s));
    QSignalSpy send(&composer, &Composer::sendRequested);
    QTest::mouseClick(composer.sendButton(), Qt::LeftButton);
    QCOMPARE(send.size(), 1);
}

void tst_Look::mentionsAreOfferedAndDrawnHighlighted()
{
    // Typing "@" and part of a name offers the room's members; Enter inserts the username.
    Composer composer;
    composer.resize(500, 200);
    composer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&composer));
    composer.setMentionCandidates({ { u"alice"_s, u"Alice Martin"_s }, { u"albert"_s, {} },
                                    { u"bob"_s, u"Bob Okafor"_s } });
    composer.edit()->setFocus();
    QTest::keyClicks(composer.edit(), u"thanks @al"_s);
    QTRY_VERIFY(composer.isCompleting());
    QCOMPARE(composer.mentionCompleter()->completionCount(), 2);
    QTest::keyClicks(composer.edit(), u"i"_s);
    QTRY_COMPARE(composer.mentionCompleter()->completionCount(), 1);
    QCOMPARE(composer.mentionCompleter()->currentIndex().data().toString(),
             u"Alice Martin  @alice"_s);
    QTest::keyClick(composer.mentionCompleter()->popup(), Qt::Key_Return); // the first match
    QTRY_COMPARE(composer.edit()->toPlainText(), u"thanks @alice "_s);
    QVERIFY(!composer.isCompleting());
    // A mail address is not a mention being typed.
    QTest::keyClicks(composer.edit(), u"mail x@b"_s);
    QTest::qWait(50);
    QVERIFY(!composer.isCompleting());

    // In the timeline the names the server resolved are drawn in the accent colour.
    MessageListModel model(kRoom);
    model.appendEvent(message(1, 2, at(0, 9, 0), u"@carol and @nobody, see this"_s, { 3 }));
    model.appendEvent(message(2, 2, at(0, 9, 1), u"@carol without a resolved mention"_s));
    MessageDelegate delegate([this](qint64 id) { return m_names.value(id); });
    delegate.setSelf(1, u"alice"_s);
    delegate.setKnownName([](const QString &u) { return u == u"carol"; });
    QCOMPARE(delegate.mentionRanges(model.index(0)), (QList<std::pair<int, int>> { { 0, 6 } }));
    QVERIFY(delegate.mentionRanges(model.index(1)).isEmpty());
    const QPalette palette = lightPalette();
    const Rendered r = render(delegate, model, palette, 1);
    const QColor accent = palette.color(QPalette::Highlight);
    const QRect first = r.layouts[0].body;
    const int mentionWidth = QFontMetrics(QApplication::font()).horizontalAdvance(u"@carol"_s);
    QVERIFY(near(r.image, QRect(first.left(), first.top(), mentionWidth, first.height()), accent)
            > 10);
    QCOMPARE(near(r.image, first.adjusted(mentionWidth + 4, 0, 0, 0), accent), 0); // @nobody
    QCOMPARE(near(r.image, r.layouts[1].body, accent), 0);

    // A reply: a quote of the message it answers above its text, with an accent bar.
    RoomEvent reply = message(3, 1, at(0, 9, 2), u"on it"_s);
    reply.content.insert(u"replyTo"_s, 1001);
    reply.content.insert(u"replyPreview"_s,
                         QJsonObject { { u"eventId"_s, 1001 }, { u"seq"_s, 1 },
                                       { u"senderId"_s, 2 }, { u"body"_s, u"@carol and more"_s } });
    model.appendEvent(reply);
    QCOMPARE(delegate.quoteText(model.index(2)), u"↳ Bob Okafor: @carol and more"_s);
    QVERIFY(delegate.quoteText(model.index(0)).isEmpty());
    const Rendered q = render(delegate, model, palette, 1);
    const QRect quote = q.layouts[2].quote;
    QVERIFY(!quote.isNull() && quote.bottom() < q.layouts[2].body.top());
    QVERIFY(q.layouts[0].quote.isNull());
    const QColor bar = blend(accent, 0.8, palette.color(QPalette::Base));
    QVERIFY(near(q.image, QRect(quote.left(), quote.top(), 2, quote.height()), bar)
            >= quote.height());
    QVERIFY(ink(q.image, quote.adjusted(4, 0, 0, 0), palette.color(QPalette::Base)) > 20);
    QCOMPARE(delegate.actions(model.index(0)).first(), MessageDelegate::Action::Reply);
}

void tst_Look::themesAreReadable()
{
    // Text on its background, and the selected text, at WCAG AA contrast or better.
    const auto luminance = [](const QColor &c) {
        const auto lin = [](qreal v) {
            return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
    };
    const auto contrast = [&](const QColor &a, const QColor &b) {
        const qreal la = luminance(a), lb = luminance(b);
        return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
    };
    for (const QPalette &p : { lightPalette(), darkPalette() }) {
        QVERIFY(contrast(p.color(QPalette::Text), p.color(QPalette::Base)) >= 7);
        QVERIFY(contrast(p.color(QPalette::WindowText), p.color(QPalette::Window)) >= 7);
        QVERIFY(contrast(p.color(QPalette::HighlightedText), p.color(QPalette::Highlight)) >= 4.5);
        QVERIFY(contrast(p.color(QPalette::PlaceholderText), p.color(QPalette::Base)) >= 4.5);
    }
    QVERIFY(isDark(darkPalette()) && !isDark(lightPalette()));
    for (qint64 id = 1; id <= 50; ++id)
        QVERIFY(contrast(Qt::white, avatarColor(id)) >= 3.0); // large bold initials: AA
    // Applying a theme changes what the whole application paints with.
    applyTheme(Preferences::Theme::Dark, 0);
    QVERIFY(isDark(QApplication::palette()));
    applyTheme(Preferences::Theme::Light, 11);
    QVERIFY(!isDark(QApplication::palette()));
    QCOMPARE(QApplication::font().pointSize(), 11);
    applyTheme(Preferences::Theme::System, 0);
}

void tst_Look::germanTranslation()
{
    // Every string lupdate found has its German translation.
    QFile ts(QStringLiteral(CONFAB_SOURCE_DIR) + u"/client/ui/i18n/confab_de.ts"_s);
    QVERIFY(ts.open(QIODevice::ReadOnly));
    const QByteArray tsText = ts.readAll();
    QVERIFY(tsText.count("<message") > 200);
    QCOMPARE(tsText.count("type=\"unfinished\""), 0);
    QCOMPARE(installTranslations(u"de"_s), u"de"_s);
    QVERIFY(availableLanguages().contains(u"de"_s));
    TestServer server;
    const auto alice = server.signUp(u"alice"_s);
    const qint64 room = server.createRoom(alice.token, u"allgemein"_s);
    UserWindow w(server, alice, u"alice"_s);
    QVERIFY(w.ok);
    ChatWindow &window = *w.window;
    window.show();
    window.openRoom(room);
    QStringList menus;
    for (QAction *a : window.menuBar()->actions())
        menus << a->text();
    QCOMPARE(menus, (QStringList { u"&Confab"_s, u"&Raum"_s, u"&Gehe zu"_s, u"&Hilfe"_s }));
    QTRY_COMPARE(window.statusLabel()->text(), u"Verbunden"_s);
    QCOMPARE(window.composerBar()->sendButton()->text(), u"Senden"_s);
    QCOMPARE(window.composer()->placeholderText(), u"Nachricht schreiben…"_s);
    MessageDelegate d([](qint64) { return u"x"_s; });
    MessageListModel model(kRoom);
    model.appendEvent(message(1, 2, QDateTime::currentMSecsSinceEpoch(), u"hallo"_s));
    QCOMPARE(d.daySeparatorText(model.index(0)), u"Heute"_s);
    // Qt's own strings too (standard buttons), from qt6-translations-l10n.
    SettingsDialog settings(Preferences {}, false);
    QCOMPARE(settings.windowTitle(), u"Einstellungen"_s);
    const auto *buttons = settings.findChild<QDialogButtonBox *>();
    QCOMPARE(buttons->button(QDialogButtonBox::Cancel)->text(), u"Abbrechen"_s);
    // Dates follow the language too.
    QCOMPARE(QLocale().toString(QDate(2026, 3, 9), u"dddd"_s), u"Montag"_s);
    installTranslations(u"en"_s);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

QTEST_MAIN(tst_Look)
#include "tst_look.moc"
