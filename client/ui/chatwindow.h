// ChatWindow: rooms on the left (unread counts, mentions, muted), the selected room's header
// (name, topic), timeline, typing line and composer in the middle, its members with presence on
// the right, and a status bar that tells the truth about the connection. Everything
// network-related goes through ChatClient; the window never goes back to the login dialog on its
// own (only a refused session token does that, through sessionExpired()).
#pragma once

#include "clientsettings.h"
#include "types.h"

#include <QHash>
#include <QMainWindow>
#include <QMenu>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>


class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QSplitter;
class QSystemTrayIcon;

namespace confab {
struct ProfilePatch;
struct RoomPatch;
struct CreateRoomRequest;
} // namespace confab

namespace confab::client {

class SearchPanel;

class ChatClient;
class ClientSettings;
class Composer;
class DiagnosticsDialog;
class MessageDelegate;
class MemberList;
class MessageListModel;
class RoomList;
class TimelineView;
struct ConnectionState;

class FileActions;

class ChatWindow : public QMainWindow
{
    Q_OBJECT
public:
    struct Options
    {
        ClientSettings *settings = nullptr; // last room, muted rooms, geometry (none: not kept)
        QString accountKey; // SavedAccount::key()
        User self; // who is logged in (refreshed from the server when it answers)
        bool trayIcon = true; // when the platform has a system tray
        int timelineWindow = 2000; // messages held per room view (MessageListModel::window)
    };

    explicit ChatWindow(ChatClient *client, QWidget *parent = nullptr);
    ChatWindow(ChatClient *client, Options options, QWidget *parent = nullptr);
    ~ChatWindow() override;

    // What the menus and keys do, callable directly.
    void openRoom(qint64 roomId);
    void createRoom(const QString &name); // public room, no topic
    void createRoom(const CreateRoomRequest &request);
    void joinRoom(qint64 roomId);
    void leaveRoom(qint64 roomId);
    void forgetRoom(qint64 roomId); // left or deleted: out of the list, the cache, the view
    void openDirect(qint64 userId);
    void updateProfile(const ProfilePatch &patch);
    void updateRoom(qint64 roomId, const RoomPatch &patch);
    void setMuted(qint64 roomId, bool muted);
    bool isMuted(qint64 roomId) const { return m_muted.contains(roomId); }
    void retryMessage(qint64 localId);
    void discardMessage(qint64 localId);
    void deleteMessage(qint64 eventId);
    bool editLastMessage(); // Up in an empty composer
    void cancelEditing();
    void loadOlder(); // one page of history above what is loaded
    void loadNewer(); // one page below, after scrolling back down (until the live end)
    DiagnosticsDialog *showDiagnostics();

    // For tests and accessibility.
    QListWidget *roomList() const;
    QListWidget *memberList() const;
    QListView *messageView() const;
    TimelineView *timelineView() const { return m_view; }
    Composer *composerBar() const { return m_composerBar; }
    QLineEdit *roomFilter() const;
    // The room rows of roomList() (section headers left out), top to bottom.
    QList<QListWidgetItem *> roomItems() const;
    RoomList *roomPane() const { return m_roomList; }
    void jumpToLatest(); // the newest messages of the open room, scrolled to the bottom
    MessageDelegate *delegate() const { return m_delegate; }
    FileActions *fileActions() const { return m_files; }
    qint64 currentRoom() const { return m_room; }
    MessageListModel *timeline() const;
    QMenu *reactionPicker() const { return m_reactionPicker; } // the open "React" menu
    SearchPanel *searchPanel() const { return m_search; } // null until first opened
    void showSearch(); // Ctrl+F
    // A link to a message (context menu → Copy link): confab://host:port/rooms/R/messages/E?seq=S.
    // Pasted in a message it is a link; a click on it opens the room at that message.
    QUrl messageLink(qint64 roomId, qint64 eventId, qint64 seq) const;
    bool openMessageLink(const QUrl &url); // false: not a confab:// link
    MessageListModel *modelFor(qint64 roomId);
    QPlainTextEdit *composer() const { return m_composer; }
    QLabel *statusLabel() const { return m_status; }
    // "Encrypted · SHA-256 …" or "Not encrypted", with the full fingerprint as tooltip.
    QLabel *securityLabel() const { return m_security; }
    QLabel *titleLabel() const { return m_title; }
    QLabel *topicLabel() const { return m_topic; }
    QLabel *typingLabel() const { return m_typingLabel; }
    QLabel *editingLabel() const { return m_editingLabel; }
    QLabel *noticeLabel() const { return m_notice; } // e.g. why a message was not sent
    int unreadCount(qint64 roomId) const { return m_unread.value(roomId); }
    bool hasMention(qint64 roomId) const { return m_mentions.contains(roomId); }
    int totalUnread() const;
    bool isEditing() const { return m_editingEventId != 0; }
    qint64 readSeq(qint64 roomId) const { return m_readSeq.value(roomId); }
    void jumpToFirstUnread();
    // Answer a message: the next message sent replies to it (Escape cancels).
    void startReply(qint64 eventId);
    qint64 replyingTo() const { return m_replyTo; }
    QLabel *replyLabel() const { return m_replyLabel; }
    // Scrolls to a message and selects it; loads the page around it when it is not loaded.
    void showMessage(qint64 eventId, qint64 seq);
    void markAllRead();
    const User &self() const { return m_self; }
    QString displayName(qint64 userId);
    QSystemTrayIcon *trayIcon() const { return m_tray; }
    const Preferences &preferences() const { return m_prefs; }
    // Applies (theme, font) and remembers the user's settings.
    void setPreferences(const Preferences &preferences);
    void showSettings();

    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    // A message or mention the user should hear about (window not focused, room not muted, or a
    // mention). The tray shows it; tests watch it.
    void notificationRequested(qint64 roomId, const QString &title, const QString &body,
                               bool mention);
    void logoutRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;
    // Files dropped anywhere on the window: shared in the open room.
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void buildLayout();
    void buildMenus();
    void buildTrayIcon();
    void connectClient();
    void refreshRooms();
    void showRooms(const QList<Room> &rooms, const QList<qint64> &joined);
    void onMessageAction(const QModelIndex &index, int action);
    // Adds or takes back the user's reaction `key` to the message at `index`.
    void react(const QModelIndex &index, const QString &key, bool add);
    void pickReaction(const QModelIndex &index); // the "React" menu
    void startEditing(qint64 eventId, const QString &body);
    void cancelReply();
    QString roomTitle(const Room &room) const;
    void showHeader();
    void loadMembers(qint64 roomId);
    void showMembers();
    void onEvent(const RoomEvent &event);
    void sendComposed();
    void onComposerChanged();
    void showTyping();
    void showState(const ConnectionState &state);
    void showMessageMenu(const QPoint &pos);
    void updateBadge();
    void markRead(qint64 roomId); // the user has seen the room: clear it, tell the server
    void readShown(); // the open room's newest message is on screen in a focused window
    void applyReadState(const ReadState &state);
    bool isMention(const RoomEvent &e) const;
    void stopTyping();
    struct Anchor
    {
        qint64 eventId = 0;
        int top = 0;
    };
    Anchor anchor() const;
    void restore(const Anchor &a, MessageListModel *model);
    MessageListModel *emptyModel(qint64 roomId); // window size and screen-reader text set

    ChatClient *m_client;
    QPointer<QMenu> m_reactionPicker;
    SearchPanel *m_search = nullptr;
    Options m_options;
    User m_self;
    RoomList *m_roomList;
    QLabel *m_title;
    QLabel *m_topic;
    TimelineView *m_view;
    MessageDelegate *m_delegate;
    FileActions *m_files = nullptr;
    QLabel *m_typingLabel;
    QLabel *m_editingLabel;
    QLabel *m_notice;
    Composer *m_composerBar;
    QPlainTextEdit *m_composer;
    MemberList *m_members;
    QSplitter *m_split;
    QLabel *m_status;
    QLabel *m_security;
    QPushButton *m_retry;
    QSystemTrayIcon *m_tray = nullptr;
    QAction *m_muteAction = nullptr;
    QAction *m_newRoomAction = nullptr;
    QAction *m_joinRoomAction = nullptr;
    QWidget *m_welcome = nullptr; // shown instead of the timeline while no room is open
    QPointer<DiagnosticsDialog> m_diagnostics;

    qint64 m_room = 0;
    QHash<qint64, MessageListModel *> m_models;
    QHash<qint64, Room> m_roomInfo;
    QSet<qint64> m_joined;
    QHash<qint64, int> m_unread;
    QHash<qint64, qint64> m_readSeq; // the user's read marker per room, as the server has it
    QSet<qint64> m_mentions;
    QSet<qint64> m_muted;
    QHash<qint64, QList<Member>> m_roomMembers;
    QHash<qint64, QString> m_names; // user id → display name (or username)
    QSet<qint64> m_nameRequests;
    QHash<qint64, PresenceStatus> m_presence;
    QHash<qint64, QHash<qint64, qint64>> m_typing; // room → user → expiry (ms, monotonic)
    QTimer m_typingTimer;
    qint64 m_typingSentMs = 0; // when we last told the room we are typing (0: not typing)
    qint64 m_editingEventId = 0;
    qint64 m_replyTo = 0;
    QLabel *m_replyLabel = nullptr;
    QString m_draftBeforeEdit;
    QSet<qint64> m_loadingOlder;
    QSet<qint64> m_loadingNewer;
    bool m_roomsLoaded = false;
    Preferences m_prefs;
    bool m_connected = false; // online or limited: what our own presence shows
    qint64 m_restoreRoom = 0;
};

} // namespace confab::client
