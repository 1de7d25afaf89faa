// ChatWindow: rooms on the left, the selected room's timeline, a composer, and a status bar that
// tells the truth about the connection. Everything network-related goes through ChatClient.
#pragma once

#include <QHash>
#include <QMainWindow>

#include <memory>

class QLabel;
class QListView;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace confab::client {

class ChatClient;
class MessageListModel;
struct ConnectionState;

class ChatWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit ChatWindow(ChatClient *client, QWidget *parent = nullptr);
    ~ChatWindow() override;

    void openRoom(qint64 roomId);
    // Creates a public room and opens it (the "New room…" action asks for the name).
    void createRoom(const QString &name);
    QListWidget *roomList() const { return m_rooms; }
    qint64 currentRoom() const { return m_room; }
    MessageListModel *timeline() const;
    QPlainTextEdit *composer() const { return m_composer; }
    QLabel *statusLabel() const { return m_status; }

    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void refreshRooms();
    void joinAndOpen(qint64 roomId);
    void sendComposed();
    void showState(const ConnectionState &state);
    MessageListModel *modelFor(qint64 roomId);

    ChatClient *m_client;
    QListWidget *m_rooms;
    QListView *m_view;
    QPlainTextEdit *m_composer;
    QLabel *m_status;
    QPushButton *m_retry;
    qint64 m_room = 0;
    QHash<qint64, MessageListModel *> m_models;
};

} // namespace confab::client
