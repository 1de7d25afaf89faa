#include "accountdialog.h"

#include "apiclient.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

QString when(qint64 ms)
{
    if (ms <= 0)
        return QObject::tr("—");
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QLocale::ShortFormat);
}

QTableWidgetItem *cell(const QString &text)
{
    auto *item = new QTableWidgetItem(text); // item text is plain text, never HTML
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

} // namespace

AccountDialog::AccountDialog(ApiClient *api, QWidget *parent)
    : QDialog(parent)
    , m_api(api)
    , m_sessions(new QTableWidget(0, 4, this))
    , m_signOut(new QPushButton(tr("&Sign out the selected device"), this))
    , m_current(new QLineEdit(this))
    , m_new(new QLineEdit(this))
    , m_repeat(new QLineEdit(this))
    , m_others(new QCheckBox(tr("Sign out my &other devices"), this))
    , m_change(new QPushButton(tr("C&hange password"), this))
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("Account"));
    setMinimumWidth(560);
    auto *layout = new QVBoxLayout(this);

    auto *devices = new QGroupBox(tr("Devices logged in"), this);
    auto *dl = new QVBoxLayout(devices);
    m_sessions->setHorizontalHeaderLabels(
        { tr("Device"), tr("Logged in"), tr("Last seen"), tr("From") });
    m_sessions->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_sessions->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_sessions->verticalHeader()->hide();
    m_sessions->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_sessions->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sessions->setAccessibleName(tr("Devices logged in"));
    dl->addWidget(m_sessions);
    dl->addWidget(m_signOut, 0, Qt::AlignRight);
    m_signOut->setEnabled(false);
    layout->addWidget(devices);

    auto *password = new QGroupBox(tr("Password"), this);
    auto *form = new QFormLayout(password);
    for (QLineEdit *e : { m_current, m_new, m_repeat })
        e->setEchoMode(QLineEdit::Password);
    form->addRow(tr("C&urrent password"), m_current);
    form->addRow(tr("&New password"), m_new);
    form->addRow(tr("&Repeat it"), m_repeat);
    form->addRow(m_others);
    form->addRow(m_change);
    m_others->setChecked(true); // what to do after losing a laptop
    layout->addWidget(password);

    m_message->setTextFormat(Qt::PlainText);
    m_message->setWordWrap(true);
    layout->addWidget(m_message);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    connect(m_sessions, &QTableWidget::itemSelectionChanged, this, [this] {
        const int row = m_sessions->currentRow();
        m_signOut->setEnabled(row >= 0 && row < m_list.size() && !m_list.at(row).current);
    });
    connect(m_signOut, &QPushButton::clicked, this, &AccountDialog::signOutSelected);
    connect(m_change, &QPushButton::clicked, this, &AccountDialog::changePassword);
    reload();
}

void AccountDialog::say(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #b00020;"_s : QString());
}

void AccountDialog::reload()
{
    QPointer<AccountDialog> self(this);
    m_api->sessions([self](Result<QList<SessionInfo>> r) {
        if (!self)
            return;
        if (!r)
            return self->say(r.error().message, true);
        self->showSessions(r.value());
    });
}

void AccountDialog::showSessions(const QList<SessionInfo> &sessions)
{
    m_list = sessions;
    m_sessions->setRowCount(int(sessions.size()));
    for (int row = 0; row < sessions.size(); ++row) {
        const SessionInfo &s = sessions.at(row);
        const QString device = s.device.isEmpty() ? tr("(unnamed)") : s.device;
        m_sessions->setItem(row, 0, cell(s.current ? tr("%1 (this one)").arg(device) : device));
        m_sessions->setItem(row, 1, cell(when(s.createdAt)));
        m_sessions->setItem(row, 2, cell(when(s.lastSeenAt)));
        m_sessions->setItem(row, 3, cell(s.address));
    }

    m_signOut->setEnabled(false);
}

void AccountDialog::signOutSelected()
{
    const int row = m_sessions->currentRow();
    if (row < 0 || row >= m_list.size() || m_list.at(row).current)
        return;
    const SessionInfo s = m_list.at(row);
    m_signOut->setEnabled(false);
    QPointer<AccountDialog> self(this);
    m_api->revokeSession(s.id, [self, s](Result<bool> r) {
        if (!self)
            return;
        if (!r)
            return self->say(r.error().message, true);
        self->say(tr("Signed out %1.").arg(s.device.isEmpty() ? tr("that device") : s.device),
                  false);
        self->reload();
    });
}

void AccountDialog::changePassword()
{
    if (m_new->text() != m_repeat->text())
        return say(tr("The new password and its repetition differ."), true);
    ChangePasswordRequest req { m_current->text(), m_new->text(), m_others->isChecked() };
    m_change->setEnabled(false);
    QPointer<AccountDialog> self(this);
    m_api->changePassword(req, [self](Result<int> r) {
        if (!self)
            return;
        self->m_change->setEnabled(true);
        if (!r)
            return self->say(r.error().message, true);
        for (QLineEdit *e : { self->m_current, self->m_new, self->m_repeat })
            e->clear();
        self->say(r.value() > 0 ? tr("Password changed. Other devices signed out: %n.", "",
                                     r.value())
                                : tr("Password changed."),
                  false);
        self->reload();
    });
}

} // namespace confab::client
