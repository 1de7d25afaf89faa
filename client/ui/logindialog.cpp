#include "logindialog.h"

#include "apiclient.h"

#include <QFormLayout>
#include <QHostInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

LoginDialog::LoginDialog(const QString &server, QWidget *parent)
    : QDialog(parent)
    , m_server(new QLineEdit(server, this))
    , m_username(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_login(new QPushButton(tr("Log in"), this))
    , m_register(new QPushButton(tr("Create account"), this))
    , m_error(new QLabel(this))
{
    setWindowTitle(tr("Connect to Confab"));
    m_password->setEchoMode(QLineEdit::Password);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Server"), m_server);
    form->addRow(tr("Username"), m_username);
    form->addRow(tr("Password"), m_password);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_register);
    buttons->addStretch();
    buttons->addWidget(m_login);
    m_login->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
    connect(m_login, &QPushButton::clicked, this, &LoginDialog::logIn);
    connect(m_register, &QPushButton::clicked, this, &LoginDialog::signUp);
}

LoginDialog::~LoginDialog() = default;

QString LoginDialog::server() const
{
    QString s = m_server->text().trimmed();
    if (!s.contains(u"://"_s))
        s.prepend(u"http://"_s); // a typed address always works: "192.168.1.20:7080"
    return s;
}

void LoginDialog::setBusy(bool busy)
{
    m_login->setEnabled(!busy);
    m_register->setEnabled(!busy);
    if (busy)
        m_error->clear();
}

void LoginDialog::fail(const QString &message)
{
    setBusy(false);
    m_error->setText(message);
}

void LoginDialog::logIn()
{
    setBusy(true);
    m_api = std::make_unique<ApiClient>(QUrl(server()));
    LoginRequest req { m_username->text().trimmed(), m_password->text(),
                       QHostInfo::localHostName() };
    m_api->login(req, [this](Result<LoginResponse> r) {
        if (!r)
            return fail(r.error().message);
        m_token = r->token;
        m_user = r->user;
        accept();
    });
}

void LoginDialog::signUp()
{
    setBusy(true);
    m_api = std::make_unique<ApiClient>(QUrl(server()));
    RegisterRequest req { m_username->text().trimmed(), m_password->text(), {} };
    m_api->registerUser(req, [this](Result<User> r) {
        if (!r)
            return fail(r.error().message);
        logIn();
    });
}

} // namespace confab::client
