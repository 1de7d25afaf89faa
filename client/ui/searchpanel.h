// SearchPanel: "Search messages" (Ctrl+F). A query, optionally in the open room only; results
// newest first by page, each with its room, sender, time and a snippet whose matched words are
// marked; a line says whether the server or this device's cache answered (offline). Choosing a
// result asks the window to open its room at that message.
#pragma once

#include "chatclient.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace confab::client {

class SearchPanel : public QDialog
{
    Q_OBJECT
public:
    using NameOf = std::function<QString(qint64 id)>;
    SearchPanel(ChatClient *client, NameOf roomName, NameOf userName, QWidget *parent = nullptr);

    // Where "only this room" searches (0: no room open).
    void setCurrentRoom(qint64 roomId);
    void search(); // runs the query in the field (also on Enter)

    QLineEdit *queryField() const { return m_query; }
    QCheckBox *thisRoomOnly() const { return m_thisRoom; }
    QListWidget *results() const { return m_results; }
    QLabel *sourceLabel() const { return m_source; }
    QPushButton *moreButton() const { return m_more; }
    // What a result row says, as text (tests, accessibility): "room · sender · time: snippet".
    static QString describe(const QListWidgetItem *item);

    enum Role { HitRole = Qt::UserRole + 1, RoomNameRole, SenderNameRole };

signals:
    void resultChosen(qint64 roomId, qint64 eventId, qint64 seq);

private:
    void runPage(qint64 before);
    void showAnswer(const ChatClient::SearchAnswer &answer, bool append);
    ChatClient *m_client;
    NameOf m_roomName;
    NameOf m_userName;
    QLineEdit *m_query;
    QCheckBox *m_thisRoom;
    QListWidget *m_results;
    QLabel *m_source;
    QPushButton *m_more;
    qint64 m_room = 0;
    qint64 m_nextBefore = 0;
    QString m_running; // the query the shown results are for
    int m_generation = 0; // answers to an older query are dropped
};

} // namespace confab::client
