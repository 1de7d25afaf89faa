#include "chatwindow.h"

#include "chatclient.h"
#include "messagelistmodel.h"
#include "protocollimits.h"

#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

ChatWindow::ChatWindow(ChatClient *client, QWidget *parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_rooms(new QListWidget(this))
    , m_view(new QListView(this))
    , m_composer(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
    , m_retry(new QPushButton(tr("Retry now"), this))
{
    setWindowTitle(u"Confab"_s);
    auto *right = new QWidget(this);
    auto *layout = new QVBoxLayout(right);
    layout->setContentsMargins(0, 0, 0, 0);
    m_view->setWordWrap(true);
    m_view->setUniformItemSizes(false);
    m_composer->setPlaceholderText(tr("Message (Enter sends, Shift+Enter for a new line)"));
    m_composer->setMaximumHeight(90);
    m_composer->installEventFilter(this);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_composer);
    auto *split = new QSplitter(this);
    split->addWidget(m_rooms);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    setCentralWidget(split);
    m_status->setTextFormat(Qt::PlainText);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_retry);
    resize(900, 600);

    connect(m_retry, &QPushButton::clicked, m_client, &ChatClient::retryNow);
    connect(m_client, &ChatClient::connectionStateChanged, this, &ChatWindow::showState);
    connect(m_client, &ChatClient::eventReceived, this, [this](const RoomEvent &e) {
        modelFor(e.roomId)->appendEvent(e);
        if (e.type == EventType::MemberJoin || e.type == EventType::RoomUpdate)
            refreshRooms();
    });
    connect(&m_client->outbox(), &Outbox::itemChanged, this,
            [this](const Outbox::Item &item) { modelFor(item.roomId)->upsertPending(item); });
    connect(&m_client->outbox(), &Outbox::acknowledged, this,
            [this](const Outbox::Item &item, const SendAck &) {
                modelFor(item.roomId)->removePending(item.localId);
            });
    connect(m_rooms, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (!item)
            return;
        const qint64 id = item->data(Qt::UserRole).toLongLong();
        if (item->data(Qt::UserRole + 1).toBool())
            openRoom(id);
        else
            joinAndOpen(id); // a public room listed for discovery
    });
    auto *newRoom = menuBar()->addMenu(tr("&Room"))->addAction(tr("&New room…"));
    newRoom->setShortcut(QKeySequence::New);
    connect(newRoom, &QAction::triggered, this, [this] {
        bool ok = false;
        const QString name
            = QInputDialog::getText(this, tr("New room"), tr("Name"), QLineEdit::Normal, {}, &ok);
        if (ok && !name.trimmed().isEmpty())
            createRoom(name.trimmed());
    });
    showState(m_client->connectionState());
    refreshRooms();
}

ChatWindow::~ChatWindow() = default;

MessageListModel *ChatWindow::modelFor(qint64 roomId)
{
    auto *&model = m_models[roomId];
    if (!model) {
        model = new MessageListModel(roomId, this);
        // What this device knew last time, at once; fresher history follows from the server.
        if (const auto cached = m_client->cache().history(roomId, 200))
            model->prependHistory(*cached);
        for (const Outbox::Item &item : m_client->outbox().items(roomId))
            model->upsertPending(item);
    }
    return model;
}

MessageListModel *ChatWindow::timeline() const
{
    return m_models.value(m_room);
}

void ChatWindow::openRoom(qint64 roomId)
{
    m_room = roomId;
    MessageListModel *model = modelFor(roomId);
    m_view->setModel(model);
    m_client->api().events(roomId, {}, {}, limits::PageSizeDefault,
                           [this, model](Result<EventPage> page) {
                               if (page)
                                   model->prependHistory(page->events);
                           });
    m_composer->setFocus();
}

void ChatWindow::createRoom(const QString &name)
{
    m_client->api().createRoom({ name, {}, RoomVisibility::Public }, [this](Result<Room> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 5000);
        m_room = r->id;
        openRoom(r->id);
        refreshRooms();
    });
}

void ChatWindow::joinAndOpen(qint64 roomId)
{
    m_client->api().join(roomId, [this](Result<Room> r) {
        if (!r)
            return statusBar()->showMessage(r.error().message, 5000);
        openRoom(r->id);
        refreshRooms();
    });
}

void ChatWindow::refreshRooms()
{
    m_client->api().rooms([this](Result<ApiClient::RoomList> r) {
        if (!r)
            return;
        const qint64 current = m_room;
        m_rooms->blockSignals(true);
        m_rooms->clear();
        // Joined rooms first; then public rooms one may join, in italics.
        for (const bool joined : { true, false }) {
            for (const Room &room : r->rooms) {
                if (r->joined.contains(room.id) != joined)
                    continue;
                auto *item = new QListWidgetItem(room.name, m_rooms); // plain text, never HTML
                item->setData(Qt::UserRole, room.id);
                item->setData(Qt::UserRole + 1, joined);
                if (!joined) {
                    QFont italic = item->font();
                    italic.setItalic(true);
                    item->setFont(italic);
                    item->setToolTip(tr("Not joined: select to join"));
                }
                if (room.id == current)
                    m_rooms->setCurrentItem(item);
            }
        }
        m_rooms->blockSignals(false);
    });
}

bool ChatWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_composer && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)
            && !(key->modifiers() & Qt::ShiftModifier)) {
            sendComposed();
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
        QMessageBox::warning(this, tr("Message not sent"), err->message);
        return; // the text stays in the composer
    }
    if (m_client->send(m_room, text))
        m_composer->clear();
}

void ChatWindow::showState(const ConnectionState &s)
{
    QString text;
    switch (s.mode) {
    case ConnectionState::Mode::Online:
        text = tr("Online");
        break;
    case ConnectionState::Mode::Degraded:
        text = tr("Degraded (events over HTTP)");
        break;
    case ConnectionState::Mode::Connecting:
        text = s.nextRetryIn.count() > 0
            ? tr("Reconnecting in %1 s").arg((s.nextRetryIn.count() + 999) / 1000)
            : tr("Connecting…");
        break;
    case ConnectionState::Mode::Offline:
        text = tr("Offline");
        break;
    }
    text += tr(" · server breaker %1").arg(CircuitBreaker::stateName(s.breaker));
    m_status->setText(text);
    m_retry->setVisible(s.mode != ConnectionState::Mode::Online);
}

} // namespace confab::client
