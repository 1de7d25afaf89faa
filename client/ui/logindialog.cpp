#include "logindialog.h"

#include "trustdialog.h"

#include "apiclient.h"
#include "clientsettings.h"
#include "icons.h"

#include <QFormLayout>
#include <QHostInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

// How an address is shown and typed: "host:port" for TLS (the default), "http://host:port"
// for a server with TLS off, so the difference is never hidden.
QString addressOf(const QUrl &url)
{
    const QString hostPort = url.host() + u':' + QString::number(url.port(7080));
    return url.scheme() == u"http" ? u"http://"_s + hostPort : hostPort;
}

// Someone is waiting at the dialog: give up after a few seconds and say why, instead of the
// minute of retries the chat window uses.
ApiClient::Options dialogApiOptions()
{
    ApiClient::Options o;
    o.retry.maxElapsedTime = std::chrono::milliseconds(4000);
    o.transferTimeout = std::chrono::milliseconds(8000);
    return o;
}

} // namespace

LoginDialog::LoginDialog(const QString &server, QWidget *parent)
    : LoginDialog(Options { server, {}, nullptr, false, {}, {} }, parent)
{
}

LoginDialog::LoginDialog(Options options, QWidget *parent)
    : QDialog(parent)
    , m_options(std::move(options))
    , m_servers(new QListWidget(this))
    , m_server(new QLineEdit(m_options.server, this))
    , m_username(new QLineEdit(m_options.username, this))
    , m_password(new QLineEdit(this))
    , m_invite(new QLineEdit(this))
    , m_login(new QPushButton(tr("&Log in"), this))
    , m_register(new QPushButton(tr("&Create account"), this))
    , m_error(new QLabel(this))
    , m_security(new QLabel(this))
{
    setWindowTitle(tr("Connect to Confab"));
    setWindowIcon(appIcon());
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setObjectName(u"password"_s);
    m_server->setPlaceholderText(tr("address:port, e.g. 192.168.1.20:7080"));
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    m_servers->setAccessibleName(tr("Servers"));
    m_servers->setMaximumHeight(120);
    m_servers->setWordWrap(true); // a long name, or a cluster's, wraps instead of being cut
    m_serversLabel = new QLabel(tr("&Servers on your network and used before"), this);
    m_serversLabel->setBuddy(m_servers);
    setMinimumWidth(440);
    m_server->setAccessibleName(tr("Server address"));
    m_username->setAccessibleName(tr("Username"));
    m_password->setAccessibleName(tr("Password"));
    m_invite->setAccessibleName(tr("Invite code"));
    m_invite->setToolTip(tr("To create an account, if the server asks for one"));
    auto *form = new QFormLayout;
    form->addRow(tr("Ser&ver"), m_server);
    form->addRow(tr("&Username"), m_username);
    form->addRow(tr("&Password"), m_password);
    form->addRow(tr("&Invite code"), m_invite);
    m_invite->setPlaceholderText(tr("only to create an account, if asked"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_register);
    buttons->addStretch();
    buttons->addWidget(m_login);
    m_login->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    if (!m_options.notice.isEmpty()) {
        auto *notice = new QLabel(m_options.notice, this);
        notice->setTextFormat(Qt::PlainText);
        notice->setWordWrap(true);
        layout->addWidget(notice);
    }
    layout->addWidget(m_serversLabel);
    layout->addWidget(m_servers);
    layout->addLayout(form);
    layout->addWidget(m_security);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
    m_security->setTextFormat(Qt::PlainText);
    m_security->setWordWrap(true);
    connect(m_server, &QLineEdit::textChanged, this, [this] { showSecurity(QUrl(server())); });
    showSecurity(QUrl(server()));
    connect(m_login, &QPushButton::clicked, this, &LoginDialog::logIn);
    connect(m_register, &QPushButton::clicked, this, &LoginDialog::signUp);
    connect(m_servers, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (item)
            choose(item->data(Qt::UserRole).toUrl());
    });
    if (m_options.discover) {
        m_discovery = new LanDiscovery(m_options.discovery, this);
        connect(m_discovery, &LanDiscovery::serversChanged, this, &LoginDialog::showServers);
        m_discovery->start();
    }
    showServers();
    if (!m_server->text().isEmpty() && m_username->text().isEmpty())
        choose(QUrl(server())); // fills in the username used there last
    (m_username->text().isEmpty() ? m_username : m_password)->setFocus();
}

LoginDialog::~LoginDialog() = default;

void LoginDialog::showServers()
{
    const QUrl selected
        = m_servers->currentItem() ? m_servers->currentItem()->data(Qt::UserRole).toUrl() : QUrl();
    m_servers->blockSignals(true);
    m_servers->clear();
    QList<QUrl> listed;
    if (m_discovery) {
        for (const DiscoveredServer &s : m_discovery->servers()) {
            auto *item = new QListWidgetItem(
                s.nodes.size() > 1
                    ? tr("%1 — %2 (%n nodes, on your network)", nullptr, int(s.nodes.size()))
                          .arg(s.name, addressOf(s.url))
                    : tr("%1 — %2 (on your network)").arg(s.name, addressOf(s.url)),
                m_servers);
            if (s.nodes.size() > 1)
                m_clusterNodes.insert(s.url.adjusted(QUrl::StripTrailingSlash), s.nodes);
            item->setData(Qt::UserRole, s.url);
            item->setToolTip(tr("Confab %1").arg(s.version));
            if (!s.fingerprint.isEmpty())
                m_announced.insert(s.url.adjusted(QUrl::StripTrailingSlash), s.fingerprint);
            listed.append(s.url);
        }
    }
    if (m_options.settings) {
        for (const QUrl &url : m_options.settings->servers()) {
            if (listed.contains(url))
                continue;
            auto *item = new QListWidgetItem(tr("%1 (used before)").arg(addressOf(url)), m_servers);
            item->setData(Qt::UserRole, url);
            listed.append(url);
        }
    }
    for (int i = 0; i < m_servers->count(); ++i) {
        if (m_servers->item(i)->data(Qt::UserRole).toUrl() == selected)
            m_servers->setCurrentRow(i);
    }
    m_servers->blockSignals(false);
    m_servers->setVisible(m_servers->count() > 0);
    m_serversLabel->setVisible(m_servers->count() > 0);
}

void LoginDialog::choose(const QUrl &server)
{
    m_server->setText(addressOf(server));
    if (!m_options.settings)
        return;
    for (const SavedAccount &a : m_options.settings->accounts()) {
        if (addressOf(a.server) == addressOf(server)) {
            m_username->setText(a.username);
            return;
        }
    }
}

QList<QUrl> LoginDialog::nodes() const
{
    const QUrl chosen(server());
    QList<QUrl> out;
    for (const QUrl &n : m_clusterNodes.value(chosen))
        if (n.adjusted(QUrl::StripTrailingSlash) != chosen)
            out.append(n);
    return out;
}

QString LoginDialog::server() const
{
    QString s = m_server->text().trimmed();
    if (!s.contains(u"://"_s))
        s.prepend(u"https://"_s); // a typed address always works: "192.168.1.20:7080"
    QUrl url(s);
    if (url.port() == -1 && (url.scheme() == u"http"_s || url.scheme() == u"https"_s))
        url.setPort(7080); // Confab's default port, not HTTP's
    return url.adjusted(QUrl::StripTrailingSlash).toString();
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
    const QUrl url(server());
    if (!url.isValid() || url.host().isEmpty())
        return fail(tr("Type the server's address, e.g. 192.168.1.20:7080"));
    setBusy(true);
    connectTo(url);
    LoginRequest req { m_username->text().trimmed(), m_password->text(),
                       QHostInfo::localHostName() };
    m_api->login(req, [this, url](Result<LoginResponse> r) {
        if (!r && r.error().code == ErrorCode::UntrustedCertificate)
            return askTrust(url, [this] { logIn(); });
        if (!r)
            return fail(r.error().message);
        m_token = r->token;
        m_user = r->user;
        if (m_discovery)
            m_discovery->stop();
        accept();
    });
}

void LoginDialog::signUp()
{
    const QUrl url(server());
    if (!url.isValid() || url.host().isEmpty())
        return fail(tr("Type the server's address, e.g. 192.168.1.20:7080"));
    setBusy(true);
    connectTo(url);
    RegisterRequest req { m_username->text().trimmed(), m_password->text(), {},
                          m_invite->text().trimmed() };
    m_api->registerUser(req, [this, url](Result<User> r) {
        if (!r && r.error().code == ErrorCode::UntrustedCertificate)
            return askTrust(url, [this] { signUp(); });
        if (!r)
            return fail(r.error().message);
        logIn();
    });
}

TrustDialog *LoginDialog::trustDialog() const
{
    return m_trustDialog;
}

void LoginDialog::connectTo(const QUrl &url)
{
    m_api = std::make_unique<ApiClient>(url, dialogApiOptions());
    // (confab --trust-fingerprint stores its pin in the settings before the dialog opens.)
    const QString pinned
        = m_options.settings ? m_options.settings->pinnedFingerprint(url) : QString();
    if (!pinned.isEmpty())
        m_api->trust().pin(pinned);
}

void LoginDialog::askTrust(const QUrl &url, std::function<void()> retry)
{
    setBusy(false);
    const auto pending = m_api->trust().pending();
    if (!pending)
        return fail(tr("The server's certificate was refused."));
    m_error->setText(pending->seen == ServerTrust::Seen::Changed
                         ? tr("The server's certificate CHANGED: not connected.")
                         : tr("The server's certificate is not trusted yet: not connected."));
    m_trustDialog = new TrustDialog(url, *pending,
                                    m_announced.value(url.adjusted(QUrl::StripTrailingSlash)), this);
    m_trustDialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_trustDialog, &QDialog::accepted, this,
            [this, url, fp = pending->fingerprint, retry = std::move(retry)] {
                if (m_options.settings)
                    m_options.settings->setPinnedFingerprint(url, fp);
                m_error->clear();
                showSecurity(url);
                retry();
            });
    m_trustDialog->open();
}

void LoginDialog::showSecurity(const QUrl &url)
{
    if (url.scheme() != u"https") {
        m_security->setText(tr("Not encrypted: passwords and messages cross the network in "
                               "clear text."));
        m_security->setStyleSheet(u"color: #b00020;"_s);
        return;
    }
    m_security->setStyleSheet({});
    const QString pinned
        = m_options.settings ? m_options.settings->pinnedFingerprint(url) : QString();
    m_security->setText(pinned.isEmpty()
                            ? tr("Encrypted (TLS). You will be asked to check the server's "
                                 "certificate the first time.")
                            : tr("Encrypted (TLS) to the certificate you trusted: SHA-256 %1…%2")
                                  .arg(pinned.left(11), pinned.right(11)));
}

QString LoginDialog::sessionEndedNotice()
{
    return tr("Your session ended: it expired, or it was signed out on another device or by an"
              " admin. Log in again; unsent messages are kept.");
}

} // namespace confab::client
