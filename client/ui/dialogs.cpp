#include "dialogs.h"

#include "apiclient.h"
#include "protocollimits.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

QDialogButtonBox *okCancel(QDialog *dialog, const QString &okText)
{
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    box->button(QDialogButtonBox::Ok)->setText(okText);
    QObject::connect(box, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(box, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    return box;
}

} // namespace

CreateRoomDialog::CreateRoomDialog(QWidget *parent)
    : QDialog(parent)
    , m_name(new QLineEdit(this))
    , m_topic(new QLineEdit(this))
    , m_private(new QCheckBox(tr("&Private: only people invited can see and join it"), this))
{
    setWindowTitle(tr("New room"));
    setMinimumWidth(420);
    m_name->setMaxLength(limits::RoomNameMax);
    m_topic->setMaxLength(limits::TopicMax);
    auto *form = new QFormLayout(this);
    form->addRow(tr("&Name"), m_name);
    form->addRow(tr("&Topic"), m_topic);
    form->addRow(m_private);
    auto *box = okCancel(this, tr("Create"));
    form->addRow(box);
    const auto update = [this, box] {
        box->button(QDialogButtonBox::Ok)->setEnabled(!m_name->text().trimmed().isEmpty());
    };
    connect(m_name, &QLineEdit::textChanged, this, update);
    update();
}

CreateRoomRequest CreateRoomDialog::request() const
{
    return { m_name->text().trimmed(), m_topic->text().trimmed(),
             m_private->isChecked() ? RoomVisibility::Private : RoomVisibility::Public };
}

JoinRoomDialog::JoinRoomDialog(const QList<Room> &rooms, QWidget *parent)
    : QDialog(parent)
    , m_filter(new QLineEdit(this))
    , m_list(new QListWidget(this))
{
    setWindowTitle(tr("Join a room"));
    setMinimumWidth(420);
    m_filter->setPlaceholderText(tr("Filter"));
    for (const Room &r : rooms) {
        auto *item
            = new QListWidgetItem(r.topic.isEmpty() ? r.name : r.name + u" — "_s + r.topic, m_list);
        item->setData(Qt::UserRole, r.id);
        item->setToolTip(tr("Members: %n", nullptr, r.memberCount));
    }
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_filter);
    layout->addWidget(m_list);
    if (rooms.isEmpty())
        layout->addWidget(new QLabel(tr("You are in every public room already."), this));
    auto *box = okCancel(this, tr("Join"));
    layout->addWidget(box);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        for (int i = 0; i < m_list->count(); ++i)
            m_list->item(i)->setHidden(
                !m_list->item(i)->text().contains(text, Qt::CaseInsensitive));
    });
    connect(m_list, &QListWidget::itemActivated, this, &QDialog::accept);
    if (m_list->count())
        m_list->setCurrentRow(0);
}

qint64 JoinRoomDialog::selectedRoom() const
{
    const auto *item = m_list->currentItem();
    return item && !item->isHidden() ? item->data(Qt::UserRole).toLongLong() : 0;
}

DirectMessageDialog::DirectMessageDialog(ApiClient *api, qint64 selfId, QWidget *parent)
    : QDialog(parent)
    , m_api(api)
    , m_self(selfId)
    , m_search(new QLineEdit(this))
    , m_list(new QListWidget(this))
    , m_hint(new QLabel(this))
{
    setWindowTitle(tr("Direct message"));
    setMinimumWidth(420);
    m_search->setPlaceholderText(tr("Search people by name"));
    m_hint->setTextFormat(Qt::PlainText);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_search);
    layout->addWidget(m_list);
    layout->addWidget(m_hint);
    layout->addWidget(okCancel(this, tr("Message")));
    auto *debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(200);
    connect(debounce, &QTimer::timeout, this, &DirectMessageDialog::search);
    connect(m_search, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
    connect(m_list, &QListWidget::itemActivated, this, &QDialog::accept);
    search();
}

void DirectMessageDialog::search()
{
    const int generation = ++m_generation;
    m_api->users(m_search->text().trimmed(), [this, generation](Result<QList<User>> r) {
        if (generation != m_generation)
            return; // an older search answering late
        m_list->clear();
        if (!r) {
            m_hint->setText(r.error().message);
            return;
        }
        for (const User &u : r.value()) {
            if (u.id == m_self)
                continue;
            auto *item = new QListWidgetItem(
                u.displayName.isEmpty() ? u.username : u.displayName + u" (@"_s + u.username + u')',
                m_list);
            item->setData(Qt::UserRole, u.id);
            item->setToolTip(u.statusText);
        }
        m_hint->setText(m_list->count() ? QString() : tr("Nobody found."));
        if (m_list->count())
            m_list->setCurrentRow(0);
    });
}

qint64 DirectMessageDialog::selectedUser() const
{
    const auto *item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toLongLong() : 0;
}

ProfileDialog::ProfileDialog(const User &user, QWidget *parent)
    : QDialog(parent)
    , m_user(user)
    , m_displayName(new QLineEdit(user.displayName, this))
    , m_status(new QLineEdit(user.statusText, this))
{
    setWindowTitle(tr("Profile"));
    setMinimumWidth(420);
    m_displayName->setMaxLength(limits::DisplayNameMax);
    m_status->setMaxLength(limits::StatusTextMax);
    m_status->setPlaceholderText(tr("What are you up to?"));
    auto *form = new QFormLayout(this);
    auto *username = new QLabel(u'@' + user.username, this);
    username->setTextFormat(Qt::PlainText);
    form->addRow(tr("Username"), username);
    form->addRow(tr("&Display name"), m_displayName);
    form->addRow(tr("&Status"), m_status);
    form->addRow(okCancel(this, tr("Save")));
}

ProfilePatch ProfileDialog::patch() const
{
    ProfilePatch p;
    if (m_displayName->text().trimmed() != m_user.displayName)
        p.displayName = m_displayName->text().trimmed();
    if (m_status->text().trimmed() != m_user.statusText)
        p.statusText = m_status->text().trimmed();
    return p;
}

RoomSettingsDialog::RoomSettingsDialog(const Room &room, QWidget *parent)
    : QDialog(parent)
    , m_room(room)
    , m_name(new QLineEdit(room.name, this))
    , m_topic(new QPlainTextEdit(room.topic, this))
{
    setWindowTitle(tr("Room settings"));
    setMinimumWidth(420);
    m_name->setMaxLength(limits::RoomNameMax);
    m_topic->setTabChangesFocus(true);
    auto *form = new QFormLayout(this);
    form->addRow(tr("&Name"), m_name);
    form->addRow(tr("&Topic"), m_topic);
    form->addRow(okCancel(this, tr("Save")));
}

RoomPatch RoomSettingsDialog::patch() const
{
    RoomPatch p;
    if (m_name->text().trimmed() != m_room.name)
        p.name = m_name->text().trimmed();
    if (m_topic->toPlainText().trimmed() != m_room.topic)
        p.topic = m_topic->toPlainText().trimmed();
    return p;
}

} // namespace confab::client
