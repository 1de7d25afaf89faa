// LoginDialog: pick a server (found on the LAN, used before, or typed), then log in or create
// an account. On success it holds the token and the user; the caller stores them.
#pragma once

#include "landiscovery.h"
#include "requests.h"

#include <QDialog>
#include <QHash>
#include <QPointer>
#include <QUrl>

#include <functional>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace confab::client {

class ApiClient;
class ClientSettings;
class TrustDialog;

class LoginDialog : public QDialog
{
    Q_OBJECT
public:
    struct Options
    {
        QString server; // prefilled address
        QString username; // prefilled username
        ClientSettings *settings = nullptr; // remembered servers and accounts
        bool discover = true; // look for servers on the LAN
        LanDiscovery::Options discovery;
        QString notice; // shown above the form (e.g. sessionEndedNotice())
    };
    // What the dialog says when the server refused the saved session (translated).
    static QString sessionEndedNotice();

    explicit LoginDialog(const QString &server, QWidget *parent = nullptr);
    explicit LoginDialog(Options options, QWidget *parent = nullptr);
    ~LoginDialog() override;

    QString server() const;
    // The other nodes of the chosen server's cluster, as LAN discovery found them (empty for a
    // single server or a typed address).
    QList<QUrl> nodes() const;
    QString token() const { return m_token; }
    User user() const { return m_user; }

    QListWidget *serverList() const { return m_servers; }
    QLineEdit *serverEdit() const { return m_server; }
    QLineEdit *usernameEdit() const { return m_username; }
    QLineEdit *passwordEdit() const { return m_password; }
    QLineEdit *inviteEdit() const { return m_invite; }
    QPushButton *loginButton() const { return m_login; }
    QPushButton *registerButton() const { return m_register; }
    QLabel *errorLabel() const { return m_error; }
    QLabel *securityLabel() const { return m_security; }
    // The trust prompt while it is open (tests), else nullptr.
    TrustDialog *trustDialog() const;

private:
    void logIn();
    void signUp();
    void setBusy(bool busy);
    void fail(const QString &message);
    void showServers();
    void choose(const QUrl &server);
    // A new ApiClient for `url`, trusting what was trusted for it before.
    void connectTo(const QUrl &url);
    // The call failed on the certificate: ask, and run `retry` once it is trusted.
    void askTrust(const QUrl &url, std::function<void()> retry);
    void showSecurity(const QUrl &url);

    Options m_options;
    LanDiscovery *m_discovery = nullptr;
    QLabel *m_serversLabel = nullptr;
    QListWidget *m_servers;
    QLineEdit *m_server;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_invite;
    QPushButton *m_login;
    QPushButton *m_register;
    QLabel *m_error;
    QLabel *m_security;
    QPointer<TrustDialog> m_trustDialog;
    QHash<QUrl, QString> m_announced; // fingerprints LAN discovery reported
    QHash<QUrl, QList<QUrl>> m_clusterNodes; // a discovered cluster's nodes, by its first
    std::unique_ptr<ApiClient> m_api;
    QString m_token;
    User m_user;
};

} // namespace confab::client
