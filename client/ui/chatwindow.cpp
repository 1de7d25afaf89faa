#include "chatwindow.h"

#include "fileactions.h"

#include <QDragEnterEvent>
#include <QMimeData>
#include <QPointer>

#include "accountdialog.h"
#include "avatar.h"
#include "composer.h"
#include "memberlist.h"
#include "roomlist.h"
#include "timelineview.h"

#include "chatclient.h"
#include "clientsettings.h"
#include "diagnosticsdialog.h"
#include "dialogs.h"
#include "icons.h"
#include "messagedelegate.h"
#include "reactionpicker.h"
#include "searchpanel.h"
#include "messagelistmodel.h"
#include "protocollimits.h"
#include "settingsdialog.h"
#include "theme.h"

#include <QApplication>
#include <QDesktopServices>
#include <QUrlQuery>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

constexpr int HistoryPage = 100;
constexpr qint64 TypingResendMs = 3000; // tell the room again while still typing
constexpr qint64 TypingShowMs = 6000; // the server expires typing after 6 s too
constexpr int OlderThresholdPx = 300; // load more when this close to the top

qint64 monotonicMs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}


} // namespace

ChatWindow::ChatWindow(ChatClient *client, QWidget *parent)
    : ChatWindow(client, Options {}, parent)
{
}

ChatWindow::ChatWindow(ChatClient *client, Options options, QWidget *parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_options(std::move(options))
    , m_self(m_options.self)
    , m_roomList(new RoomList(
          [this](qint64 id) {
              return RoomList::Marks { m_unread.value(id), m_mentions.contains(id), isMuted(id) };
          },
          this))
    , m_title(new QLabel(this))
    , m_topic(new QLabel(this))
    , m_view(new TimelineView(this))
    , m_delegate(new MessageDelegate([this](qint64 id) { return displayName(id); }, this))
    , m_typingLabel(new QLabel(this))
    , m_editingLabel(new QLabel(this))
    , m_notice(new QLabel(this))
    , m_composerBar(new Composer(this))
    , m_composer(m_composerBar->edit())
    , m_members(new MemberList(this))
    , m_split(new QSplitter(this))
    , m_status(new QLabel(this))
    , m_security(new QLabel(this))
    , m_retry(new QPushButton(tr("Retry now"), this))
{
    setWindowTitle(u"Confab"_s);
    setWindowIcon(appIcon());
    if (m_self.id)
        m_names.insert(m_self.id,
                       m_self.displayName.isEmpty() ? m_self.username : m_self.displayName);
    m_delegate->setSelf(m_self.id, m_self.username);
    m_delegate->setKnownName([this](const QString &username) {
        for (const Member &m : m_roomMembers.value(m_room)) {
            if (m.username == username)
                return true;
        }
        return false;
    });
    if (m_options.settings) {
        m_muted = m_options.settings->mutedRooms(m_options.accountKey);
        m_prefs = m_options.settings->preferences();
    }

    buildLayout();
    buildMenus();
    if (m_options.trayIcon && QSystemTrayIcon::isSystemTrayAvailable())
        buildTrayIcon();
    connectClient();

    if (m_options.settings) {
        restoreGeometry(m_options.settings->windowGeometry());
        m_split->restoreState(m_options.settings->windowState());
        m_restoreRoom = m_options.settings->lastRoom(m_options.accountKey);
    }
    // What this device knew last time, at once (also when the server is away)...
    if (const auto cached = m_client->cache().rooms()) {
        QList<qint64> joined;
        for (const Room &r : *cached)
            joined.append(r.id);
        showRooms(*cached, joined);
    }
    // ...then the server's view.
    refreshRooms();
    m_client->api().me([this](Result<User> me) {
        if (!me)
            return;
        m_self = me.value();
        m_names.insert(m_self.id,
                       m_self.displayName.isEmpty() ? m_self.username : m_self.displayName);
        m_delegate->setSelf(m_self.id, m_self.username);
        for (MessageListModel *model : std::as_const(m_models))
            model->setSelfId(m_self.id);
        m_view->viewport()->update();
    });
    showState(m_client->connectionState());
    updateBadge();
}

// The three panes (rooms | header, timeline, typing line, composer | members) and the status bar.
void ChatWindow::buildLayout()
{

    // Middle: header, timeline, typing line, composer.
    auto *middle = new QWidget(this);
    auto *layout = new QVBoxLayout(middle);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    for (QLabel *l : { m_title, m_topic, m_typingLabel, m_editingLabel, m_notice })
        l->setTextFormat(Qt::PlainText); // user text is never HTML
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_title->setFont(titleFont);
    m_title->setContentsMargins(6, 4, 6, 0);
    m_topic->setContentsMargins(6, 0, 6, 4);
    m_topic->setWordWrap(false);
    m_topic->setForegroundRole(QPalette::PlaceholderText);
    m_title->setAccessibleName(tr("Room name"));
    m_topic->setAccessibleName(tr("Room topic"));
    m_view->setMessageDelegate(m_delegate);
    m_view->installEventFilter(this);
    m_typingLabel->setContentsMargins(6, 0, 6, 0);
    m_typingLabel->setForegroundRole(QPalette::PlaceholderText);
    m_editingLabel->setContentsMargins(6, 0, 6, 0);
    m_editingLabel->hide();
    m_notice->setContentsMargins(6, 0, 6, 0);
    m_notice->setWordWrap(true);
    m_notice->hide();
    m_typingLabel->setAccessibleName(tr("Who is typing"));
    m_composer->installEventFilter(this);
    connect(m_composerBar, &Composer::sendRequested, this, &ChatWindow::sendComposed);
    layout->addWidget(m_title);
    layout->addWidget(m_topic);
    // No room open (a newcomer, or after leaving the last one): say what to do, with the two
    // ways to do it.
    m_welcome = new QWidget(this);
    auto *welcome = new QVBoxLayout(m_welcome);
    welcome->addStretch();
    auto *hint = new QLabel(tr("You are not in any room yet.\nCreate one for your team, or join "
                               "one that exists."),
                            m_welcome);
    hint->setAlignment(Qt::AlignCenter);
    hint->setTextFormat(Qt::PlainText);
    auto *buttons = new QHBoxLayout;
    auto *create = new QPushButton(tr("New room…"), m_welcome);
    auto *join = new QPushButton(tr("Join a room…"), m_welcome);
    create->setAccessibleName(tr("Create a new room"));
    join->setAccessibleName(tr("Join a public room"));
    buttons->addStretch();
    buttons->addWidget(create);
    buttons->addWidget(join);
    buttons->addStretch();
    welcome->addWidget(hint);
    welcome->addLayout(buttons);
    welcome->addStretch();
    connect(create, &QPushButton::clicked, this, [this] { m_newRoomAction->trigger(); });
    connect(join, &QPushButton::clicked, this, [this] { m_joinRoomAction->trigger(); });
    layout->addWidget(m_welcome, 1);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_typingLabel);
    layout->addWidget(m_editingLabel);
    m_replyLabel = new QLabel(this);
    m_replyLabel->setTextFormat(Qt::PlainText);
    m_replyLabel->setContentsMargins(6, 0, 6, 0);
    m_replyLabel->setAccessibleName(tr("Replying to"));
    m_replyLabel->hide();
    layout->addWidget(m_replyLabel);
    layout->addWidget(m_notice);
    layout->addWidget(m_composerBar);

    // Right: members.
    m_split->addWidget(m_roomList);
    m_split->addWidget(middle);
    m_split->addWidget(m_members);
    m_split->setStretchFactor(1, 1);
    m_split->setSizes({ 200, 560, 160 });
    setCentralWidget(m_split);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setAccessibleName(tr("Connection"));
    m_security->setAccessibleName(tr("Encryption"));
    m_retry->setAccessibleName(tr("Retry connecting now"));
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_retry);
    statusBar()->addPermanentWidget(m_security);
    m_security->setTextFormat(Qt::PlainText);
    const auto showSecurity = [this] {
        ServerTrust &trust = m_client->api().trust();
        const QString fp = trust.connectedFingerprint().isEmpty() ? trust.pinned()
                                                                  : trust.connectedFingerprint();
        if (m_client->api().server().scheme() != u"https") {
            m_security->setText(tr("Not encrypted"));
            m_security->setToolTip(tr("TLS is off on this server: traffic is in clear text."));
        } else {
            m_security->setText(fp.isEmpty() ? tr("Encrypted (TLS)")
                                             : tr("Encrypted · SHA-256 %1…").arg(fp.left(11)));
            m_security->setToolTip(fp.isEmpty()
                                       ? tr("Encrypted; the certificate is signed by a trusted "
                                            "authority.")
                                       : tr("Encrypted with TLS to the certificate SHA-256 %1")
                                             .arg(fp));
        }
    };
    connect(&m_client->api().trust(), &ServerTrust::connectedChanged, this, showSecurity);
    connect(&m_client->api().trust(), &ServerTrust::pinChanged, this, showSecurity);
    showSecurity();
    resize(960, 640);
}

void ChatWindow::buildTrayIcon()
{
    m_tray = new QSystemTrayIcon(appIcon(), this);
    m_tray->setToolTip(u"Confab"_s);
    auto *menu = new QMenu(this);
    menu->addAction(tr("Show Confab"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    menu->addAction(tr("Quit"), qApp, &QApplication::quit);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](auto reason) {
        if (reason == QSystemTrayIcon::Trigger) {
            showNormal();
            raise();
            activateWindow();
        }
    });
    connect(this, &ChatWindow::notificationRequested, m_tray,
            [this](qint64, const QString &title, const QString &body, bool) {
                m_tray->showMessage(title, body, QSystemTrayIcon::Information, 5000);
            });
    m_tray->show();
}

// What the client reports (connection, events, outbox, typing, presence) and what the user does
// in the window's own widgets.
void ChatWindow::connectClient()
{
    connect(m_retry, &QPushButton::clicked, m_client, &ChatClient::retryNow);
    connect(m_client, &ChatClient::connectionStateChanged, this, &ChatWindow::showState);
    connect(m_client, &ChatClient::eventReceived, this, &ChatWindow::onEvent);
    connect(m_client, &ChatClient::readChanged, this, &ChatWindow::applyReadState);
    connect(m_client, &ChatClient::roomReset, this, [this](qint64 roomId) {
        // The server says this room's history was replaced (or we lost access): start over.
        delete m_models.take(roomId);
        if (roomId == m_room)
            openRoom(roomId);
        refreshRooms();
    });
    connect(m_client, &ChatClient::historyReset, this, [this] {
        const qint64 current = m_room;
        m_view->setModel(nullptr);
        qDeleteAll(m_models);
        m_models.clear();
        if (current)
            openRoom(current);
        refreshRooms();
    });
    connect(&m_client->outbox(), &Outbox::itemChanged, this,
            [this](const Outbox::Item &item) { modelFor(item.roomId)->upsertPending(item); });
    connect(&m_client->outbox(), &Outbox::acknowledged, this,
            [this](const Outbox::Item &item, const SendAck &) {
                modelFor(item.roomId)->removePending(item.localId);
            });
    connect(&m_client->outbox(), &Outbox::discarded, this, [this](qint64 localId) {
        for (MessageListModel *m : std::as_const(m_models))
            m->removePending(localId);
    });
    connect(m_client, &ChatClient::typingChanged, this,
            [this](qint64 roomId, qint64 userId, bool active) {
                if (userId == m_self.id)
                    return;
                if (active)
                    m_typing[roomId].insert(userId, monotonicMs() + TypingShowMs);
                else
                    m_typing[roomId].remove(userId);
                showTyping();
            });
    m_typingTimer.setInterval(1000);
    connect(&m_typingTimer, &QTimer::timeout, this, &ChatWindow::showTyping);
    m_typingTimer.start();
    connect(m_client, &ChatClient::presenceChanged, this,
            [this](qint64 userId, PresenceStatus status) {
                m_presence.insert(userId, status);
                showMembers();
            });
    connect(m_roomList, &RoomList::roomChosen, this, [this](qint64 id, bool joined) {
        if (id == m_room)
            return;
        if (joined)
            openRoom(id);
        else
            joinRoom(id); // a public room listed for discovery
    });
    connect(m_view, &QListView::customContextMenuRequested, this, &ChatWindow::showMessageMenu);
    connect(m_view, &TimelineView::jumpToLatestRequested, this, &ChatWindow::jumpToLatest);
    connect(m_delegate, &MessageDelegate::quoteClicked, this, &ChatWindow::showMessage);
    connect(m_delegate, &MessageDelegate::linkActivated, this, [this](const QUrl &url) {
        if (!openMessageLink(url))
            QDesktopServices::openUrl(url); // the browser or mailer
    });
    // Files: shared from the attach button, a drop or a paste; previews and downloads.
    m_files = new FileActions(m_client, this, m_view, m_client->accountDir(), this);
    m_delegate->setThumbnailSource([this](const QString &id) { return m_files->thumbnail(id); });
    m_delegate->setDownloadProgress(
        [this](const QString &id) { return m_files->downloadProgress(id); });
    connect(m_delegate, &MessageDelegate::fileActionTriggered, m_files, &FileActions::trigger);
    connect(m_files, &FileActions::notice, this,
            [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_composerBar, &Composer::attachRequested, this, [this] {
        if (m_room)
            m_files->attach(m_room);
    });
    connect(m_composerBar, &Composer::filesChosen, this, [this](const QStringList &paths) {
        if (m_room)
            m_files->sendPaths(m_room, paths);
    });
    connect(m_composerBar, &Composer::imagePasted, this, [this](const QImage &image) {
        if (m_room)
            m_files->sendImage(m_room, image);
    });
    connect(&m_client->files(), &FileTransfers::uploadProgress, this,
            [this](qint64 localId, qint64 sent, qint64 total) {
                const qreal f = total > 0 ? qreal(sent) / qreal(total) : 1.0;
                for (MessageListModel *model : std::as_const(m_models))
                    model->setUploadProgress(localId, f);
            });
    setAcceptDrops(true); // files dropped anywhere on the window are shared in the open room
    connect(m_delegate, &MessageDelegate::reactionClicked, this,
            [this](const QModelIndex &index, const QString &key, bool mine) {
                react(index, key, !mine); // a chip toggles the user's own reaction
            });
    connect(m_client, &ChatClient::reactionRefused, this,
            [this](qint64 roomId, qint64 eventId, const QString &key, const Error &error) {
                if (MessageListModel *model = m_models.value(roomId))
                    model->clearReactionIntent(eventId, key);
                statusBar()->showMessage(tr("Reaction %1 not saved: %2").arg(key, error.message),
                                         5000);
            });
    connect(m_delegate, &MessageDelegate::actionTriggered, this,
            [this](const QModelIndex &index, MessageDelegate::Action action) {
                onMessageAction(index, int(action));
            });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (value < OlderThresholdPx)
            loadOlder();
        if (m_view->verticalScrollBar()->maximum() - value < OlderThresholdPx)
            loadNewer();
    });
    connect(m_composer, &QPlainTextEdit::textChanged, this, &ChatWindow::onComposerChanged);
}

ChatWindow::~ChatWindow()
{
    m_view->setModel(nullptr);
}

void ChatWindow::buildMenus()
{
    const auto add = [this](QMenu *menu, const QString &text, const QKeySequence &key, auto slot) {
        QAction *a = menu->addAction(text);
        a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    QMenu *confab = menuBar()->addMenu(tr("&Confab"));
    add(confab, tr("&Settings…"), QKeySequence(u"Ctrl+,"_s), [this] { showSettings(); });
    add(confab, tr("&Profile…"), QKeySequence(), [this] {
        ProfileDialog dialog(m_self, this);
        if (dialog.exec() == QDialog::Accepted)
            updateProfile(dialog.patch());
    });
    add(confab, tr("&Account (devices, password)…"), QKeySequence(), [this] {
        AccountDialog dialog(&m_client->api(), this);
        dialog.exec();
    });
    add(confab, tr("Log &out"), QKeySequence(), [this] { emit logoutRequested(); });
    confab->addSeparator();
    add(confab, tr("&Quit"), QKeySequence::Quit, [] { QApplication::quit(); });

    QMenu *room = menuBar()->addMenu(tr("&Room"));
    m_newRoomAction = add(room, tr("&New room…"), QKeySequence::New, [this] {
        CreateRoomDialog dialog(this);
        if (dialog.exec() == QDialog::Accepted)
            createRoom(dialog.request());
    });
    m_joinRoomAction = add(room, tr("&Join room…"), QKeySequence(u"Ctrl+J"_s), [this] {
        QList<Room> open;
        for (const Room &r : std::as_const(m_roomInfo)) {
            if (!m_joined.contains(r.id) && r.visibility == RoomVisibility::Public)
                open.append(r);
        }
        std::sort(open.begin(), open.end(),
                  [](const Room &a, const Room &b) { return a.name.toLower() < b.name.toLower(); });
        JoinRoomDialog dialog(open, this);
        if (dialog.exec() == QDialog::Accepted && dialog.selectedRoom())
            joinRoom(dialog.selectedRoom());
    });
    add(room, tr("&Direct message…"), QKeySequence(u"Ctrl+D"_s), [this] {
        DirectMessageDialog dialog(&m_client->api(), m_self.id, this);
        if (dialog.exec() == QDialog::Accepted && dialog.selectedUser())
            openDirect(dialog.selectedUser());
    });
    room->addSeparator();
    add(room, tr("Room &settings…"), QKeySequence(u"Ctrl+Shift+S"_s), [this] {
        if (!m_roomInfo.contains(m_room))
            return;
        RoomSettingsDialog dialog(m_roomInfo.value(m_room), this);
        if (dialog.exec() == QDialog::Accepted)
            updateRoom(m_room, dialog.patch());
    });
    m_muteAction = add(room, tr("&Mute room"), QKeySequence(u"Ctrl+Shift+M"_s),
                       [this](bool checked) { setMuted(m_room, checked); });
    m_muteAction->setCheckable(true);
    add(room, tr("&Leave room"), QKeySequence(u"Ctrl+Shift+L"_s), [this] {
        if (!m_room)
            return;
        if (QMessageBox::question(this, tr("Leave room"),
                                  tr("Leave “%1”?").arg(roomTitle(m_roomInfo.value(m_room))))
            == QMessageBox::Yes)
            leaveRoom(m_room);
    });

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    add(go, tr("&Find room"), QKeySequence(u"Ctrl+K"_s), [this] {
        m_roomList->focusFilter();
    });
    add(go, tr("&Previous room"), QKeySequence(u"Alt+Up"_s), [this] { m_roomList->step(-1); });
    add(go, tr("&Next room"), QKeySequence(u"Alt+Down"_s), [this] { m_roomList->step(1); });
    add(go, tr("&Messages"), QKeySequence(u"Ctrl+Shift+H"_s), [this] { m_view->setFocus(); });
    add(go, tr("&Search messages…"), QKeySequence::Find, [this] { showSearch(); });
    add(go, tr("First &unread message"), QKeySequence(u"Ctrl+Shift+U"_s),
        [this] { jumpToFirstUnread(); });
    add(go, tr("Mark &all rooms read"), QKeySequence(u"Shift+Esc"_s), [this] { markAllRead(); });
    add(go, tr("&Composer"), QKeySequence(u"Ctrl+L"_s), [this] { m_composer->setFocus(); });
    QAction *members = add(go, tr("Show &members"), QKeySequence(u"Ctrl+M"_s),
                           [this](bool checked) { m_members->setVisible(checked); });
    members->setCheckable(true);
    members->setChecked(true);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    add(help, tr("Connection &diagnostics"), QKeySequence(u"Ctrl+Shift+D"_s),
        [this] { showDiagnostics(); });
    add(help, tr("&Retry now"), QKeySequence(u"F5"_s), [this] { m_client->retryNow(); });
    add(help, tr("&About Confab"), QKeySequence(), [this] {
        QMessageBox::about(
            this, tr("About Confab"),
            tr("Confab %1: self-hosted chat for your LAN.").arg(QStringLiteral(CONFAB_VERSION)));
    });
}

// --- rooms ------------------------------------------------------------------------------------

MessageListModel *ChatWindow::modelFor(qint64 roomId)
{
    auto *&model = m_models[roomId];
    if (!model) {
        model = emptyModel(roomId);
        // What this device knew last time, at once; fresher history follows from the server.
        if (const auto cached = m_client->cache().history(roomId, 200))
            model->prependHistory(*cached);
        for (const Outbox::Item &item : m_client->outbox().items(roomId))
            model->upsertPending(item);
        for (const LocalCache::UnsentReaction &r : m_client->unsentReactions()) {
            if (r.roomId == roomId)
                model->setReactionIntent(r.eventId, r.key, r.add); // still on their way
        }
        connect(model, &QAbstractItemModel::rowsAboutToBeInserted, m_view,
                [this, model](const QModelIndex &, int first) {
                    // New messages at the bottom: follow them if the user was at the bottom.
                    if (m_view->model() != model || first == 0 || !model->atLive())
                        return;
                    QScrollBar *bar = m_view->verticalScrollBar();
                    if (bar->maximum() - bar->value() < 80)
                        QTimer::singleShot(0, m_view, [this] { m_view->scrollToBottom(); });
                });
    }
    return model;
}

MessageListModel *ChatWindow::emptyModel(qint64 roomId)
{
    auto *model = new MessageListModel(roomId, this);
    model->setWindow(m_options.timelineWindow);
    model->setSelfId(m_self.id);
    model->setDescriber([this](const QModelIndex &i) { return m_delegate->accessibleText(i); });
    return model;
}

MessageListModel *ChatWindow::timeline() const
{
    return m_models.value(m_room);
}

void ChatWindow::openRoom(qint64 roomId)
{
    if (m_search)
        m_search->setCurrentRoom(roomId);
    if (roomId != m_room) {
        stopTyping();
        cancelEditing();
        cancelReply();
    }
    m_room = roomId;
    MessageListModel *model = modelFor(roomId);
    if (m_view->model() != model)
        m_view->setModel(model);
    m_view->scrollToBottom();
    m_roomList->select(roomId);
    if (m_options.settings)
        m_options.settings->setLastRoom(m_options.accountKey, roomId);
    m_muteAction->setChecked(isMuted(roomId));
    // "New messages" above the first one after the marker, while the room stays open.
    const qint64 newAfter = m_unread.value(roomId) ? m_readSeq.value(roomId) : -1;
    const bool switched = m_delegate->newMessagesAfter() != newAfter;
    m_delegate->setNewMessagesAfter(newAfter);
    if (switched)
        m_view->doItemsLayout();
    markRead(roomId);
    showHeader();
    showTyping();
    m_client->api().events(
        roomId, {}, {}, HistoryPage,
        [this, self = QPointer<ChatWindow>(this), model = QPointer<MessageListModel>(model),
         roomId](Result<EventPage> page) {
            // The window, or this room's model (a jump to a message replaces it), may be gone
            // by the time the page comes.
            if (!page || !self || !model)
                return;
            m_client->cache().putHistory(roomId, page->events); // readable next time, even offline
            model->prependHistory(page->events);
            if (!page->hasMore)
                model->setReachedStart(true);
            if (m_view->model() == model) {
                m_view->scrollToBottom();
                markRead(roomId); // the newest page is on screen
            }
        });
    loadMembers(roomId);
    m_composer->setFocus();
}

ChatWindow::Anchor ChatWindow::anchor() const
{
    // The message at the top of the viewport and where it is: kept in place while rows come
    // and go above or below it.
    const QModelIndex top = m_view->indexAt(QPoint(4, 1));
    if (!top.isValid())
        return {};
    return { top.data(MessageListModel::EventIdRole).toLongLong(), m_view->visualRect(top).top() };
}

void ChatWindow::restore(const Anchor &a, MessageListModel *model)
{
    if (m_view->model() != model)
        return;
    m_view->doItemsLayout();
    const int row = a.eventId ? model->rowOfEventId(a.eventId) : -1;
    if (row < 0)
        return;
    QScrollBar *bar = m_view->verticalScrollBar();
    bar->setValue(bar->value() + m_view->visualRect(model->index(row)).top() - a.top);
}

void ChatWindow::loadOlder()
{
    MessageListModel *model = timeline();
    if (!model || model->reachedStart() || m_loadingOlder.contains(m_room))
        return;
    const qint64 oldest = model->oldestSeq();
    if (oldest == 1) {
        model->setReachedStart(true);
        return;
    }
    if (oldest == 0)
        return; // the newest page is on its way
    const qint64 roomId = m_room;
    m_loadingOlder.insert(roomId);
    m_client->api().events(roomId, {}, oldest, HistoryPage,
                           [this, self = QPointer<ChatWindow>(this),
                            model = QPointer<MessageListModel>(model),
                            roomId](Result<EventPage> page) {
                               if (!self)
                                   return; // the window is gone
                               m_loadingOlder.remove(roomId);
                               // (a jump to a message may have replaced the room's model)
                               if (!page || !model || m_models.value(roomId) != model)
                                   return;
                               const Anchor a = anchor();
                               model->prependHistory(page->events);
                               if (!page->hasMore)
                                   model->setReachedStart(true);
                               restore(a, model);
                           });
}

void ChatWindow::loadNewer()
{
    MessageListModel *model = timeline();
    if (!model || model->atLive() || m_loadingNewer.contains(m_room))
        return;
    const qint64 roomId = m_room;
    m_loadingNewer.insert(roomId);
    m_client->api().events(roomId, model->newestSeq(), {}, HistoryPage,
                           [this, self = QPointer<ChatWindow>(this),
                            model = QPointer<MessageListModel>(model),
                            roomId](Result<EventPage> page) {
                               if (!self)
                                   return; // the window is gone
                               m_loadingNewer.remove(roomId);
                               // (a jump to a message may have replaced the room's model)
                               if (!page || !model || m_models.value(roomId) != model)
                                   return;
                               const Anchor a = anchor();
                               model->appendHistory(page->events, !page->hasMore);
                               restore(a, model);
                           });
}

void ChatWindow::createRoom(const QString &name)
{
    createRoom(CreateRoomRequest { name, {}, RoomVisibility::Public });
}

void ChatWindow::createRoom(const CreateRoomRequest &request)
{
    m_client->api().createRoom(request, [this](Result<Room> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 8000);
        m_roomInfo.insert(r->id, r.value());
        m_joined.insert(r->id);
        openRoom(r->id);
        refreshRooms();
    });
}

void ChatWindow::joinRoom(qint64 roomId)
{
    m_client->api().join(roomId, [this](Result<Room> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 8000);
        m_roomInfo.insert(r->id, r.value());
        m_joined.insert(r->id);
        openRoom(r->id);
        refreshRooms();
    });
}

void ChatWindow::leaveRoom(qint64 roomId)
{
    m_client->api().leave(roomId, [this, roomId](Result<bool> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 8000);
        forgetRoom(roomId);
    });
}

void ChatWindow::forgetRoom(qint64 roomId)
{
    m_joined.remove(roomId);
    m_unread.remove(roomId);
    m_mentions.remove(roomId);
    if (m_room == roomId) {
        m_view->setModel(nullptr);
        m_room = 0;
        showHeader();
        showMembers();
    }
    delete m_models.take(roomId);
    m_client->cache().forgetRoom(roomId);
    refreshRooms();
    updateBadge();
}

void ChatWindow::openDirect(qint64 userId)
{
    m_client->api().openDirect(userId, [this](Result<Room> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 8000);
        m_roomInfo.insert(r->id, r.value());
        m_joined.insert(r->id);
        openRoom(r->id);
        refreshRooms();
    });
}

void ChatWindow::updateProfile(const ProfilePatch &patch)
{
    if (!patch.displayName && !patch.statusText)
        return;
    m_client->api().updateProfile(patch, [this](Result<User> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 8000);
        m_self = r.value();
        m_names.insert(m_self.id,
                       m_self.displayName.isEmpty() ? m_self.username : m_self.displayName);
        m_view->viewport()->update();
        statusBar()->showMessage(tr("Profile saved"), 3000);
    });
}

void ChatWindow::updateRoom(qint64 roomId, const RoomPatch &patch)
{
    if (!patch.name && !patch.topic)
        return;
    m_client->api().updateRoom(roomId, patch, [this](Result<Room> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 8000);
        m_roomInfo.insert(r->id, r.value());
        showHeader();
        refreshRooms();
    });
}

void ChatWindow::setMuted(qint64 roomId, bool muted)
{
    if (!roomId)
        return;
    muted ? void(m_muted.insert(roomId)) : void(m_muted.remove(roomId));
    if (m_options.settings)
        m_options.settings->setMuted(m_options.accountKey, roomId, muted);
    if (roomId == m_room)
        m_muteAction->setChecked(muted);
    m_roomList->refresh(roomId);
    updateBadge();
}

void ChatWindow::refreshRooms()
{
    m_client->api().rooms([this](Result<ApiClient::RoomList> r) {
        if (!r)
            return;
        QList<Room> joined;
        for (const Room &room : r->rooms) {
            if (r->joined.contains(room.id))
                joined.append(room);
        }
        m_client->cache().putRooms(joined); // for the next start, and for offline starts
        showRooms(r->rooms, r->joined);
    });
}

QString ChatWindow::roomTitle(const Room &room) const
{
    if (room.visibility != RoomVisibility::Direct)
        return room.name;
    // Direct rooms are named after both people: show the other one.
    QStringList names = room.name.split(u", "_s);
    if (names.size() == 2 && !m_self.username.isEmpty())
        names.removeOne(m_self.username);
    return u"@"_s + names.join(u", "_s);
}

void ChatWindow::showRooms(const QList<Room> &rooms, const QList<qint64> &joined)
{
    m_joined = QSet<qint64>(joined.cbegin(), joined.cend());
    for (const Room &room : rooms) {
        m_roomInfo.insert(room.id, room);
        if (room.read && m_joined.contains(room.id))
            applyReadState(*room.read); // the server's counts (or, from the cache, the last known)
    }
    QList<RoomList::Entry> entries;
    for (const Room &room : rooms) {
        const auto section = !m_joined.contains(room.id) ? RoomList::Section::Browse
            : room.visibility == RoomVisibility::Direct   ? RoomList::Section::Direct
                                                          : RoomList::Section::Rooms;
        entries.append({ room.id, roomTitle(room), section });
    }
    m_roomList->setRooms(entries, m_room);
    if (!m_roomsLoaded && !m_room) {
        // The room open when the app last closed; else the first joined room.
        qint64 restore = m_restoreRoom && m_joined.contains(m_restoreRoom) ? m_restoreRoom : 0;
        for (QListWidgetItem *item : m_roomList->roomItems()) {
            if (!restore && item->data(RoomList::JoinedRole).toBool())
                restore = item->data(RoomList::RoomIdRole).toLongLong();
        }
        if (restore)
            openRoom(restore);
    }
    m_roomsLoaded = m_roomsLoaded || !rooms.isEmpty();
    showHeader();
}

void ChatWindow::showHeader()
{
    const Room room = m_roomInfo.value(m_room);
    m_title->setText(m_room ? roomTitle(room) : tr("Welcome to Confab"));
    m_welcome->setVisible(!m_room);
    m_view->setVisible(m_room);
    m_composerBar->setEnabled(m_room); // nowhere to send to
    const QString topic = room.topic.simplified();
    m_topic->setText(topic.isEmpty() ? QString() : topic);
    m_topic->setToolTip(room.topic);
    m_topic->setVisible(!topic.isEmpty());
    setWindowTitle(totalUnread() ? u"(%1) Confab"_s.arg(totalUnread()) : u"Confab"_s);
}

// --- members, names, presence, typing --------------------------------------------------------

QString ChatWindow::displayName(qint64 userId)
{
    if (const auto it = m_names.constFind(userId); it != m_names.constEnd())
        return *it;
    if (userId && !m_nameRequests.contains(userId)) {
        m_nameRequests.insert(userId); // ask once; the view repaints when the name arrives
        m_client->api().user(userId, [this, userId](Result<User> r) {
            if (!r)
                return void(m_nameRequests.remove(userId));
            m_names.insert(userId, r->displayName.isEmpty() ? r->username : r->displayName);
            m_view->viewport()->update();
        });
    }
    return {};
}

void ChatWindow::loadMembers(qint64 roomId)
{
    const auto remember = [this, roomId](const QList<Member> &members) {
        m_roomMembers.insert(roomId, members);
        for (const Member &m : members)
            m_names.insert(m.userId, m.displayName.isEmpty() ? m.username : m.displayName);
        if (roomId == m_room) {
            showMembers();
            m_view->viewport()->update();
        }
    };
    if (const auto cached = m_client->cache().members(roomId))
        remember(*cached);
    m_client->api().members(roomId, [this, roomId, remember](Result<QList<Member>> r) {
        if (!r)
            return;
        for (const Member &m : r.value())
            m_presence.insert(m.userId, m.presence);
        m_client->cache().putMembers(roomId, r.value());
        remember(r.value());
    });
}

void ChatWindow::showMembers()
{
    // Our own dot tells the truth: offline while this client cannot reach the server.
    if (m_self.id) {
        const PresenceStatus reported = m_presence.value(m_self.id, PresenceStatus::Online);
        m_presence.insert(m_self.id,
                          !m_connected                           ? PresenceStatus::Offline
                              : reported == PresenceStatus::Away ? PresenceStatus::Away
                                                                 : PresenceStatus::Online);
    }
    m_members->setMembers(m_roomMembers.value(m_room), m_presence);
    // "@" in the composer offers the room's other members.
    QList<std::pair<QString, QString>> candidates;
    for (const Member &m : m_roomMembers.value(m_room)) {
        if (m.userId != m_self.id)
            candidates.append({ m.username, m.displayName });
    }
    m_composerBar->setMentionCandidates(candidates);
}

void ChatWindow::showTyping()
{
    const qint64 now = monotonicMs();
    QStringList names;
    for (auto room = m_typing.begin(); room != m_typing.end(); ++room) {
        for (auto it = room->begin(); it != room->end();) {
            if (it.value() < now) {
                it = room->erase(it);
                continue;
            }
            if (room.key() == m_room)
                names.append(displayName(it.key()));
            ++it;
        }
    }
    names.removeAll(QString());
    names.sort();
    QString text;
    if (names.size() == 1)
        text = tr("%1 is typing…").arg(names.first());
    else if (names.size() == 2)
        text = tr("%1 and %2 are typing…").arg(names[0], names[1]);
    else if (names.size() > 2)
        text = tr("Several people are typing…");
    m_typingLabel->setText(text);
}

void ChatWindow::onComposerChanged()
{
    if (!m_room || isEditing())
        return;
    const bool typing = !m_composer->toPlainText().trimmed().isEmpty();
    const qint64 now = monotonicMs();
    if (typing && (m_typingSentMs == 0 || now - m_typingSentMs > TypingResendMs)) {
        m_client->setTyping(m_room, true);
        m_typingSentMs = now;
    } else if (!typing) {
        stopTyping();
    }
}

void ChatWindow::stopTyping()
{
    if (m_typingSentMs && m_room)
        m_client->setTyping(m_room, false);
    m_typingSentMs = 0;
}

// --- events, unread, notifications -----------------------------------------------------------

void ChatWindow::onEvent(const RoomEvent &e)
{
    modelFor(e.roomId)->appendEvent(e);
    if (auto it = m_roomInfo.find(e.roomId); it != m_roomInfo.end())
        it->lastSeq = std::max(it->lastSeq, e.seq);
    m_typing[e.roomId].remove(e.senderId); // a message ends the sender's typing
    switch (e.type) {
    case EventType::Message: {
        if (e.senderId == m_self.id) {
            // Sent here or on another device: the server has read the room up to it.
            m_readSeq[e.roomId] = std::max(m_readSeq.value(e.roomId), e.seq);
            if (m_unread.remove(e.roomId) + m_mentions.remove(e.roomId)) {
                m_roomList->refresh(e.roomId);
                updateBadge();
            }
            break;
        }
        const bool mention = isMention(e);
        const bool seen = e.roomId == m_room && isActiveWindow() && m_view->isNearBottom();
        if (seen)
            QTimer::singleShot(0, this, &ChatWindow::readShown);
        if (!seen) {
            ++m_unread[e.roomId];
            if (mention)
                m_mentions.insert(e.roomId);
            m_roomList->refresh(e.roomId);
            updateBadge();
        }
        const bool wanted = m_prefs.notify == Preferences::Notify::All
            ? (mention || !isMuted(e.roomId))
            : m_prefs.notify == Preferences::Notify::Mentions && mention;
        if (!isActiveWindow() && wanted) {
            const QString room = roomTitle(m_roomInfo.value(e.roomId));
            const QString who = displayName(e.senderId);
            const QString title = mention ? tr("%1 mentioned you in %2").arg(who, room)
                                          : (who.isEmpty() ? room : who + u" — "_s + room);
            emit notificationRequested(e.roomId, title, e.body().left(200), mention);
            if (m_prefs.sounds)
                QApplication::beep();
        }
        break;
    }
    case EventType::MemberJoin:
    case EventType::MemberLeave:
    case EventType::MemberRole:
        if (m_roomMembers.contains(e.roomId))
            loadMembers(e.roomId);
        if (e.subjectUserId() == m_self.id || e.senderId == m_self.id)
            refreshRooms();
        break;
    case EventType::RoomDelete:
        // Its owner (or an operator, confab-admin rooms delete) deleted it: it goes from the
        // list and, if it is open, the window shows its welcome page.
    {
        const bool open = m_room == e.roomId;
        m_roomInfo.remove(e.roomId);
        forgetRoom(e.roomId);
        if (open)
            statusBar()->showMessage(tr("The room you were in was deleted."), 8000);
        break;
    }
    case EventType::RoomUpdate:
        refreshRooms();
        m_client->api().room(e.roomId, [this](Result<Room> r) {
            if (r) {
                m_roomInfo.insert(r->id, r.value());
                showHeader();
            }
        });
        break;
    default:
        break;
    }
    showTyping();
}

bool ChatWindow::isMention(const RoomEvent &e) const
{
    // The server resolved mentions when it stored the message (docs/protocol.md, "Mentions").
    if (e.content.value(u"mentionsRoom"_s).toBool())
        return true;
    for (const QJsonValue &id : e.content.value(u"mentions"_s).toArray()) {
        if (id.toInteger() == m_self.id)
            return true;
    }
    return false;
}

void ChatWindow::markRead(qint64 roomId)
{
    if (MessageListModel *model = m_models.value(roomId); model && model->newestSeq() > 0)
        m_client->markRead(roomId, model->newestSeq());
    if (!m_unread.remove(roomId) && !m_mentions.remove(roomId))
        return;
    m_mentions.remove(roomId);
    m_roomList->refresh(roomId);
    updateBadge();
}

void ChatWindow::readShown()
{
    if (m_room && isActiveWindow() && m_view->isNearBottom())
        markRead(m_room);
}

void ChatWindow::applyReadState(const ReadState &state)
{
    // The server's count, the same on every device of the user.
    m_readSeq[state.roomId] = std::max(m_readSeq.value(state.roomId), state.readSeq);
    if (state.roomId == m_room && isActiveWindow() && m_view->isNearBottom() && state.unread) {
        readShown(); // being read right here: the server hears of it next
        return;
    }
    if (state.unread > 0)
        m_unread.insert(state.roomId, state.unread);
    else
        m_unread.remove(state.roomId);
    if (state.mentions > 0)
        m_mentions.insert(state.roomId);
    else
        m_mentions.remove(state.roomId);
    m_roomList->refresh(state.roomId);
    updateBadge();
}

void ChatWindow::jumpToFirstUnread()
{
    MessageListModel *model = timeline();
    const qint64 after = m_delegate->newMessagesAfter();
    if (!model || after < 0)
        return;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (m_delegate->startsNewMessages(model->index(row))) {
            m_view->scrollTo(model->index(row), QAbstractItemView::PositionAtTop);
            return;
        }
    }
    if (model->oldestSeq() > after + 1 && !model->reachedStart())
        loadOlder(); // not loaded yet: one page further up (press again to go on)
}

void ChatWindow::markAllRead()
{
    const QList<qint64> rooms = m_unread.keys();
    for (qint64 roomId : rooms) {
        qint64 last = m_roomInfo.value(roomId).lastSeq;
        if (MessageListModel *model = m_models.value(roomId))
            last = std::max(last, model->newestSeq());
        if (last > 0) {
            m_client->markRead(roomId, last);
            continue;
        }
        // Not listed yet (the counts came with hello): ask where the room ends.
        m_client->api().room(roomId, [this, roomId](Result<Room> r) {
            if (r && r->lastSeq > 0)
                m_client->markRead(roomId, r->lastSeq);
        });
    }
    m_unread.clear();
    m_mentions.clear();
    for (qint64 roomId : rooms)
        m_roomList->refresh(roomId);
    updateBadge();
}

int ChatWindow::totalUnread() const
{
    int total = 0;
    for (auto it = m_unread.cbegin(); it != m_unread.cend(); ++it) {
        if (!isMuted(it.key()) || m_mentions.contains(it.key()))
            total += it.value();
    }
    return total;
}

void ChatWindow::updateBadge()
{
    const int unread = totalUnread();
    setWindowTitle(unread ? u"(%1) Confab"_s.arg(unread) : u"Confab"_s);
    if (m_tray) {
        m_tray->setIcon(badgeIcon(unread));
        m_tray->setToolTip(unread ? tr("Confab: %n unread", nullptr, unread) : u"Confab"_s);
    }
}

void ChatWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::ActivationChange && isActiveWindow() && m_room)
        readShown();
    QMainWindow::changeEvent(event);
}

void ChatWindow::closeEvent(QCloseEvent *event)
{
    // The window's close button (a spontaneous close) with "close to tray": keep running.
    // Quit, logging out and the end of a session close for real.
    if (event->spontaneous() && m_prefs.closeToTray && m_tray && m_tray->isVisible()) {
        hide();
        event->ignore();
        return;
    }
    if (m_options.settings) {
        m_options.settings->setWindow(saveGeometry(), m_split->saveState());
        if (m_room)
            m_options.settings->setLastRoom(m_options.accountKey, m_room);
        m_options.settings->sync();
    }
    stopTyping();
    QMainWindow::closeEvent(event);
}

// --- composing, editing, message actions ----------------------------------------------------

bool ChatWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_composer && event->type() == QEvent::KeyPress && !m_composerBar->isCompleting()) {
        auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)
            && !(key->modifiers() & Qt::ShiftModifier)) {
            sendComposed();
            return true;
        }
        if (key->key() == Qt::Key_Up && key->modifiers() == Qt::NoModifier
            && m_composer->toPlainText().isEmpty()) {
            return editLastMessage();
        }
        if (key->key() == Qt::Key_Escape && isEditing()) {
            cancelEditing();
            return true;
        }
        if (key->key() == Qt::Key_Escape && m_replyTo) {
            cancelReply();
            return true;
        }
    }
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        const QModelIndex index = m_view->currentIndex();
        if (key->key() == Qt::Key_Delete && index.isValid()) {
            const auto state
                = index.data(MessageListModel::StateRole).value<MessageListModel::MessageState>();
            if (state != MessageListModel::MessageState::Sent)
                discardMessage(index.data(MessageListModel::LocalIdRole).toLongLong());
            else if (index.data(MessageListModel::SenderIdRole).toLongLong() == m_self.id)
                deleteMessage(index.data(MessageListModel::EventIdRole).toLongLong());
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void ChatWindow::sendComposed()
{
    const QString text = m_composer->toPlainText().trimmed();
    if (text.isEmpty() || !m_room)
        return;
    if (auto err = checkTextValue(text, messageBodyRule(), u"body"_s)) {
        // Said beside the composer, not in a modal box: the user shortens the text right there.
        m_notice->setText(tr("Not sent: %1 (%2 of at most %3 characters). Nothing was lost: "
                             "the text is still here.")
                              .arg(err->message)
                              .arg(text.toUcs4().size())
                              .arg(limits::MessageBodyMax));
        m_notice->show();
        return; // the text stays in the composer
    }
    m_notice->hide();
    if (isEditing()) {
        const qint64 eventId = m_editingEventId;
        const QString draft = m_draftBeforeEdit;
        m_client->api().editMessage(m_room, eventId, text, [this, text](Result<RoomEvent> r) {
            if (!r) {
                statusBar()->showMessage(tr("Edit not saved: %1").arg(r.error().message), 8000);
                if (m_composer->toPlainText().isEmpty())
                    m_composer->setPlainText(text); // keep the words; try again later
            }
        });
        m_editingEventId = 0;
        m_editingLabel->hide();
        m_composer->setPlainText(draft);
        return;
    }
    stopTyping();
    if (MessageListModel *model = timeline(); model && !model->atLive())
        jumpToLatest(); // reading old history: the message appears at the live end
    if (m_client->send(m_room, text, m_replyTo)) {
        m_composer->clear();
        cancelReply();
    }
}

bool ChatWindow::editLastMessage()
{
    MessageListModel *model = timeline();
    if (!model || !m_self.id)
        return false;
    const int row = model->lastOwnMessageRow(m_self.id);
    if (row < 0)
        return false;
    const QModelIndex index = model->index(row);
    startEditing(index.data(MessageListModel::EventIdRole).toLongLong(),
                 index.data(MessageListModel::BodyRole).toString());
    m_view->scrollTo(index);
    return true;
}

void ChatWindow::startReply(qint64 eventId)
{
    MessageListModel *model = timeline();
    const int row = model ? model->rowOfEventId(eventId) : -1;
    if (row < 0)
        return;
    cancelEditing();
    m_replyTo = eventId;
    const QModelIndex index = model->index(row);
    m_replyLabel->setText(tr("Replying to %1: %2 — Escape cancels")
                              .arg(m_delegate->senderName(index),
                                   QFontMetrics(font()).elidedText(
                                       index.data(MessageListModel::BodyRole).toString().simplified(),
                                       Qt::ElideRight, 300)));
    m_replyLabel->show();
    m_composer->setFocus();
}

void ChatWindow::cancelReply()
{
    m_replyTo = 0;
    m_replyLabel->hide();
}

void ChatWindow::showMessage(qint64 eventId, qint64 seq)
{
    const auto select = [this](MessageListModel *model, qint64 id) {
        const int row = model->rowOfEventId(id);
        if (row < 0 || m_view->model() != model)
            return false;
        m_view->scrollTo(model->index(row), QAbstractItemView::PositionAtCenter);
        m_view->setCurrentIndex(model->index(row)); // selected: the highlight
        return true;
    };
    MessageListModel *model = timeline();
    if (!model || select(model, eventId) || seq <= 0)
        return;
    // Not loaded: the page around it replaces the window (Jump to latest comes back).
    const qint64 roomId = m_room;
    m_client->api().eventsAround(roomId, seq, HistoryPage,
                                 [this, roomId, eventId, select](Result<EventPage> page) {
                                     if (!page || roomId != m_room)
                                         return;
                                     auto *fresh = emptyModel(roomId);
                                     fresh->appendHistory(page->events,
                                                          !page->hasMoreAfter.value_or(false));
                                     fresh->setReachedStart(!page->hasMore);
                                     m_view->setModel(fresh);
                                     delete m_models.take(roomId);
                                     m_models.insert(roomId, fresh);
                                     m_view->doItemsLayout();
                                     select(fresh, eventId);
                                     m_view->updateJumpButton();
                                 });
}

void ChatWindow::cancelEditing()
{
    if (!isEditing())
        return;
    m_editingEventId = 0;
    m_editingLabel->hide();
    m_composer->setPlainText(m_draftBeforeEdit);
    m_draftBeforeEdit.clear();
}

void ChatWindow::retryMessage(qint64 localId)
{
    m_client->outbox().retry(localId);
    m_client->retryNow();
}

void ChatWindow::discardMessage(qint64 localId)
{
    m_client->outbox().discard(localId);
}

void ChatWindow::deleteMessage(qint64 eventId)
{
    if (!m_room || !eventId)
        return;
    m_client->api().deleteMessage(m_room, eventId, [this](Result<RoomEvent> r) {
        if (!r)
            statusBar()->showMessage(tr("Not deleted: %1").arg(r.error().message), 8000);
    });
}

void ChatWindow::showMessageMenu(const QPoint &pos)
{
    const QModelIndex index
        = m_view->indexAt(pos).isValid() ? m_view->indexAt(pos) : m_view->currentIndex();
    if (!index.isValid())
        return;
    const auto state
        = index.data(MessageListModel::StateRole).value<MessageListModel::MessageState>();
    const qint64 localId = index.data(MessageListModel::LocalIdRole).toLongLong();
    const qint64 eventId = index.data(MessageListModel::EventIdRole).toLongLong();
    const bool mine = state != MessageListModel::MessageState::Sent
        || index.data(MessageListModel::SenderIdRole).toLongLong() == m_self.id;
    QMenu menu(this);
    menu.addAction(tr("&Copy text"), this, [index] {
        QGuiApplication::clipboard()->setText(index.data(MessageListModel::BodyRole).toString());
    });
    if (state == MessageListModel::MessageState::Sent
        && !index.data(MessageListModel::DeletedRole).toBool()) {
        const QUrl link = messageLink(m_room, eventId, index.data(MessageListModel::SeqRole).toLongLong());
        menu.addAction(tr("Copy &link"), this, [this, link] {
            QGuiApplication::clipboard()->setText(link.toString());
            statusBar()->showMessage(tr("Link copied: paste it in a message to point at this one"),
                                     3000);
        });
        menu.addAction(tr("&Reply"), this, [this, eventId] { startReply(eventId); });
        const QPersistentModelIndex at(index);
        menu.addAction(tr("Re&act…"), this, [this, at] {
            if (at.isValid())
                pickReaction(at);
        });
    }
    if (state == MessageListModel::MessageState::Failed)
        menu.addAction(tr("&Retry"), this, [this, localId] { retryMessage(localId); });
    if (state != MessageListModel::MessageState::Sent)
        menu.addAction(tr("&Discard"), this, [this, localId] { discardMessage(localId); });
    if (state == MessageListModel::MessageState::Sent && mine
        && !index.data(MessageListModel::DeletedRole).toBool()) {
        menu.addAction(tr("&Edit"), this, [this, index, eventId] {
            startEditing(eventId, index.data(MessageListModel::BodyRole).toString());
        });
        menu.addAction(tr("De&lete"), this, [this, eventId] { deleteMessage(eventId); });
    }
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

QListView *ChatWindow::messageView() const
{
    return m_view;
}

QListWidget *ChatWindow::roomList() const
{
    return m_roomList->list();
}

QListWidget *ChatWindow::memberList() const
{
    return m_members;
}

QLineEdit *ChatWindow::roomFilter() const
{
    return m_roomList->filter();
}

QList<QListWidgetItem *> ChatWindow::roomItems() const
{
    return m_roomList->roomItems();
}

void ChatWindow::jumpToLatest()
{
    MessageListModel *model = timeline();
    if (!model)
        return;
    if (!model->atLive()) {
        // Reading old history: the newest page replaces the window.
        m_view->setModel(nullptr);
        delete m_models.take(m_room);
        openRoom(m_room);
        return;
    }
    m_view->scrollToBottom();
    m_view->updateJumpButton();
}

void ChatWindow::startEditing(qint64 eventId, const QString &body)
{
    if (!isEditing())
        m_draftBeforeEdit = m_composer->toPlainText();
    m_editingEventId = eventId;
    m_editingLabel->setText(tr("Editing your message: Enter saves, Escape cancels"));
    m_editingLabel->show();
    m_composer->setPlainText(body);
    m_composer->moveCursor(QTextCursor::End);
    m_composer->setFocus();
}

QUrl ChatWindow::messageLink(qint64 roomId, qint64 eventId, qint64 seq) const
{
    const QUrl server = m_client->api().server();
    QUrl link;
    link.setScheme(u"confab"_s);
    link.setHost(server.host());
    link.setPort(server.port());
    link.setPath(u"/rooms/%1/messages/%2"_s.arg(roomId).arg(eventId));
    link.setQuery(u"seq=%1"_s.arg(seq));
    return link;
}

bool ChatWindow::openMessageLink(const QUrl &url)
{
    if (url.scheme() != u"confab")
        return false;
    const QStringList parts = url.path().split(u'/', Qt::SkipEmptyParts);
    const QUrl server = m_client->api().server();
    bool roomOk = false, eventOk = false;
    const qint64 roomId = parts.size() == 4 ? parts[1].toLongLong(&roomOk) : 0;
    const qint64 eventId = parts.size() == 4 ? parts[3].toLongLong(&eventOk) : 0;
    const qint64 seq = QUrlQuery(url).queryItemValue(u"seq"_s).toLongLong();
    if (parts.size() != 4 || parts[0] != u"rooms" || parts[2] != u"messages" || !roomOk
        || !eventOk || roomId <= 0 || eventId <= 0) {
        statusBar()->showMessage(tr("Not a link to a message: %1").arg(url.toString()), 5000);
        return true;
    }
    if (url.host().compare(server.host(), Qt::CaseInsensitive) != 0 || url.port() != server.port()) {
        statusBar()->showMessage(tr("That message is on another server (%1)").arg(url.authority()),
                                 5000);
        return true;
    }
    if (!m_roomInfo.contains(roomId)) {
        statusBar()->showMessage(tr("That message is in a room you are not in"), 5000);
        return true;
    }
    if (roomId != m_room)
        openRoom(roomId);
    showMessage(eventId, seq);
    return true;
}

void ChatWindow::showSearch()
{
    if (!m_search) {
        m_search = new SearchPanel(
            m_client,
            [this](qint64 roomId) {
                const auto it = m_roomInfo.constFind(roomId);
                return it == m_roomInfo.constEnd() ? tr("room %1").arg(roomId) : it->name;
            },
            [this](qint64 userId) { return displayName(userId); }, this);
        connect(m_search, &SearchPanel::resultChosen, this,
                [this](qint64 roomId, qint64 eventId, qint64 seq) {
                    if (roomId != m_room)
                        openRoom(roomId);
                    showMessage(eventId, seq);
                });
    }
    m_search->setCurrentRoom(m_room);
    m_search->show();
    m_search->raise();
    m_search->activateWindow();
    m_search->queryField()->setFocus();
    m_search->queryField()->selectAll();
}

void ChatWindow::react(const QModelIndex &index, const QString &key, bool add)
{
    const auto *model = qobject_cast<const MessageListModel *>(index.model());
    const qint64 eventId = index.data(MessageListModel::EventIdRole).toLongLong();
    if (!model || !eventId)
        return;
    m_client->react(model->roomId(), eventId, key, add);
    modelFor(model->roomId())->setReactionIntent(eventId, key, add); // shown at once, offline too
    if (add && m_options.settings)
        m_options.settings->rememberReaction(key);
}

void ChatWindow::pickReaction(const QModelIndex &index)
{
    const QPersistentModelIndex at(index);
    auto *picker = new ReactionPicker(
        m_options.settings ? m_options.settings->recentReactions() : QStringList(), this);
    picker->setAttribute(Qt::WA_DeleteOnClose);
    connect(picker, &ReactionPicker::picked, this, [this, at](const QString &key) {
        if (!at.isValid())
            return;
        // Picking a reaction the user already has takes it back, like clicking its chip.
        bool mine = false;
        for (const QJsonValue &v : at.data(MessageListModel::ReactionsRole).toJsonArray())
            mine = mine || (v[u"key"_s].toString() == key && v[u"mine"_s].toBool());
        react(at, key, !mine);
    });
    m_reactionPicker = picker;
    picker->popup(m_view->viewport()->mapToGlobal(m_view->visualRect(index).topRight()));
}

void ChatWindow::onMessageAction(const QModelIndex &index, int action)
{
    const qint64 localId = index.data(MessageListModel::LocalIdRole).toLongLong();
    const qint64 eventId = index.data(MessageListModel::EventIdRole).toLongLong();
    switch (MessageDelegate::Action(action)) {
    case MessageDelegate::Action::Reply:
        startReply(eventId);
        break;
    case MessageDelegate::Action::React:
        pickReaction(index);
        break;
    case MessageDelegate::Action::Copy:
        QGuiApplication::clipboard()->setText(index.data(MessageListModel::BodyRole).toString());
        statusBar()->showMessage(tr("Copied"), 2000);
        break;
    case MessageDelegate::Action::Edit:
        startEditing(eventId, index.data(MessageListModel::BodyRole).toString());
        break;
    case MessageDelegate::Action::Delete:
        if (QMessageBox::question(this, tr("Delete message"),
                                  tr("Delete this message for everyone?"))
            == QMessageBox::Yes)
            deleteMessage(eventId);
        break;
    case MessageDelegate::Action::Retry:
        retryMessage(localId);
        break;
    case MessageDelegate::Action::Discard:
        discardMessage(localId);
        break;
    }
}

void ChatWindow::showSettings()
{
    SettingsDialog dialog(m_prefs, m_tray != nullptr, this);
    if (dialog.exec() == QDialog::Accepted)
        setPreferences(dialog.preferences());
}

void ChatWindow::setPreferences(const Preferences &preferences)
{
    const bool look = preferences.theme != m_prefs.theme
        || preferences.fontPointSize != m_prefs.fontPointSize;
    m_prefs = preferences;
    if (m_options.settings) {
        m_options.settings->setPreferences(preferences);
        m_options.settings->sync();
    }
    if (look) {
        applyTheme(preferences.theme, preferences.fontPointSize);
        m_view->doItemsLayout(); // row heights follow the font
        refreshRooms();
    }
}

DiagnosticsDialog *ChatWindow::showDiagnostics()
{
    if (!m_diagnostics) {
        m_diagnostics = new DiagnosticsDialog(m_client, this);
        m_diagnostics->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_diagnostics->show();
    m_diagnostics->raise();
    return m_diagnostics;
}

// --- connection state ------------------------------------------------------------------------

void ChatWindow::showState(const ConnectionState &s)
{
    // The user's words; the mechanism (breaker, transports, counters) is in Help → Connection
    // diagnostics.
    QString text;
    QString tip;
    switch (s.mode) {
    case ConnectionState::Mode::Online:
        text = tr("Connected");
        if (s.roundTripMs >= 0)
            tip = tr("Connected; the server answers in %1 ms").arg(s.roundTripMs);
        break;
    case ConnectionState::Mode::Degraded:
        text = tr("Limited connection (events over HTTP)");
        tip = tr("Live updates come over a slower HTTP stream because the WebSocket connection "
                 "does not get through. Messages still arrive.");
        break;
    case ConnectionState::Mode::Connecting:
        text = s.nextRetryIn.count() > 0
            ? tr("Connecting in %1 s").arg((s.nextRetryIn.count() + 999) / 1000)
            : tr("Connecting…");
        tip = tr("Messages you send are kept and delivered when the server is back.");
        break;
    case ConnectionState::Mode::Offline:
        text = tr("Offline — messages will be sent when the server is back");
        tip = tr("Messages you send are kept on this computer and delivered when the server is "
                 "back.");
        break;
    }
    m_status->setText(text);
    m_status->setToolTip(tip);
    m_retry->setVisible(s.mode == ConnectionState::Mode::Offline
                        || s.mode == ConnectionState::Mode::Connecting);
    const bool connected
        = s.mode == ConnectionState::Mode::Online || s.mode == ConnectionState::Mode::Degraded;
    if (connected != m_connected) {
        m_connected = connected;
        showMembers();
    }
}

void ChatWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const QMimeData *mime = event->mimeData();
    bool files = m_room && mime->hasUrls();
    for (const QUrl &url : mime->urls())
        files = files && url.isLocalFile();
    if (files)
        event->acceptProposedAction();
}

void ChatWindow::dropEvent(QDropEvent *event)
{
    if (m_room && m_composerBar->shareFrom(event->mimeData()))
        event->acceptProposedAction();
}

} // namespace confab::client
