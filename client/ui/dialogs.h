// Small dialogs of the chat window. They collect input; ChatWindow makes the calls.
#pragma once

#include "requests.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;

namespace confab::client {

class ApiClient;

// New room: name, topic, public or private.
class CreateRoomDialog : public QDialog
{
    Q_OBJECT
public:
    explicit CreateRoomDialog(QWidget *parent = nullptr);
    CreateRoomRequest request() const;
    QLineEdit *nameEdit() const { return m_name; }

private:
    QLineEdit *m_name;
    QLineEdit *m_topic;
    QCheckBox *m_private;
};

// Join a public room: a filterable list of the rooms one is not in.
class JoinRoomDialog : public QDialog
{
    Q_OBJECT
public:
    JoinRoomDialog(const QList<Room> &rooms, QWidget *parent = nullptr);
    qint64 selectedRoom() const;
    QListWidget *list() const { return m_list; }
    QLineEdit *filterEdit() const { return m_filter; }

private:
    QLineEdit *m_filter;
    QListWidget *m_list;
};

// Start a direct conversation: search people by name as you type.
class DirectMessageDialog : public QDialog
{
    Q_OBJECT
public:
    DirectMessageDialog(ApiClient *api, qint64 selfId, QWidget *parent = nullptr);
    qint64 selectedUser() const;
    QLineEdit *searchEdit() const { return m_search; }
    QListWidget *list() const { return m_list; }

private:
    void search();

    ApiClient *m_api;
    qint64 m_self;
    QLineEdit *m_search;
    QListWidget *m_list;
    QLabel *m_hint;
    int m_generation = 0;
};

// The user's own profile: display name and status text.
class ProfileDialog : public QDialog
{
    Q_OBJECT
public:
    ProfileDialog(const User &user, QWidget *parent = nullptr);
    ProfilePatch patch() const;
    QLineEdit *displayNameEdit() const { return m_displayName; }
    QLineEdit *statusEdit() const { return m_status; }

private:
    User m_user;
    QLineEdit *m_displayName;
    QLineEdit *m_status;
};

// A room's name and topic (owner and admins may change them; the server decides).
class RoomSettingsDialog : public QDialog
{
    Q_OBJECT
public:
    RoomSettingsDialog(const Room &room, QWidget *parent = nullptr);
    RoomPatch patch() const;

private:
    Room m_room;
    QLineEdit *m_name;
    QPlainTextEdit *m_topic;
};

} // namespace confab::client
