// LoginDialog: server address, username and password; logs in (or registers, then logs in).
#pragma once

#include "requests.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace confab::client {

class ApiClient;

class LoginDialog : public QDialog
{
    Q_OBJECT
public:
    explicit LoginDialog(const QString &server, QWidget *parent = nullptr);
    ~LoginDialog() override;

    QString server() const;
    QString token() const { return m_token; }
    User user() const { return m_user; }

    QLineEdit *usernameEdit() const { return m_username; }
    QLineEdit *passwordEdit() const { return m_password; }
    QPushButton *loginButton() const { return m_login; }
    QPushButton *registerButton() const { return m_register; }
    QLabel *errorLabel() const { return m_error; }

private:
    void logIn();
    void signUp();
    void setBusy(bool busy);
    void fail(const QString &message);

    QLineEdit *m_server;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QPushButton *m_login;
    QPushButton *m_register;
    QLabel *m_error;
    std::unique_ptr<ApiClient> m_api;
    QString m_token;
    User m_user;
};

} // namespace confab::client
