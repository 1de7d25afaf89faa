// AccountDialog: the user's own account: the devices logged in (sessions, each can be signed
// out; its connections close at once) and the password change (the current password is
// required; optionally every other device is signed out).
#pragma once

#include "requests.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace confab::client {

class ApiClient;

class AccountDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AccountDialog(ApiClient *api, QWidget *parent = nullptr);

    QTableWidget *sessionTable() const { return m_sessions; }
    QPushButton *signOutButton() const { return m_signOut; }
    QLineEdit *currentEdit() const { return m_current; }
    QLineEdit *newEdit() const { return m_new; }
    QLineEdit *repeatEdit() const { return m_repeat; }
    QCheckBox *signOutOthersBox() const { return m_others; }
    QPushButton *changeButton() const { return m_change; }
    QLabel *messageLabel() const { return m_message; }

    void reload(); // the session list, again

private:
    void showSessions(const QList<SessionInfo> &sessions);
    void signOutSelected();
    void changePassword();
    void say(const QString &text, bool error);

    ApiClient *m_api;
    QTableWidget *m_sessions;
    QPushButton *m_signOut;
    QLineEdit *m_current;
    QLineEdit *m_new;
    QLineEdit *m_repeat;
    QCheckBox *m_others;
    QPushButton *m_change;
    QLabel *m_message;
    QList<SessionInfo> m_list;
};

} // namespace confab::client
