// MessageListModel: one room's timeline for a view, oldest first.
//
// Rows are messages: sent ones in seq order, then the user's pending and failed ones (from the
// outbox) at the bottom. Edits and deletes are not rows: they change the message they target
// (also when it is loaded later, from history). History pages are inserted at the top, live
// events at the bottom of the sent block; an event already shown is ignored; when the echo of a
// pending message arrives (same clientMsgId) the pending row becomes the sent one.
#pragma once

#include "outbox.h"
#include "types.h"

#include <QAbstractListModel>
#include <QJsonArray>
#include <QHash>
#include <QSet>

#include <functional>

namespace confab::client {

class MessageListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        EventIdRole = Qt::UserRole + 1,
        SeqRole,
        SenderIdRole,
        BodyRole,
        TimestampRole,
        EditedRole,
        DeletedRole,
        StateRole, // MessageState
        ErrorRole,
        ClientMsgIdRole,
        LocalIdRole,
        MentionsRole, // QList<qint64>: who the server says the message mentions
        MentionsRoomRole, // bool: @room
        ReplyToRole, // qint64: the message this one answers (0: none)
        ReplyPreviewRole, // QJsonObject: {eventId, senderId, body | redacted} of that message
        ReactionsRole, // QJsonArray of {key, count, mine, users}: the chips under the message
        FileRole, // QJsonObject: content.file of a message sharing a file ({} when none)
        LocalFileRole, // QString: the local file an unsent message shares (empty when none)
        UploadProgressRole, // qreal 0..1 while its file uploads; -1 otherwise
    };
    enum class MessageState { Sent, Pending, Sending, Failed };
    Q_ENUM(MessageState)

    explicit MessageListModel(qint64 roomId, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    // Rows are editable only in the view's sense: a read-only, selectable text opens in place.
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    // What Qt::AccessibleTextRole answers (screen readers): the UI knows names and times.
    using Describer = std::function<QString(const QModelIndex &)>;
    void setDescriber(Describer describer) { m_describer = std::move(describer); }

    qint64 roomId() const { return m_roomId; }
    // Whose reactions are "mine" when live reaction events are counted.
    void setSelfId(qint64 userId) { m_selfId = userId; }
    // The user added (add) or took back reaction `key` on message `eventId` and the server has
    // not confirmed it yet: the chips show it at once (offline too). Shown as "mine is so" on
    // top of the server's counts, so it never counts twice; it ends when the server's state
    // matches it, or with clearReactionIntent (refused).
    void setReactionIntent(qint64 eventId, const QString &key, bool add);
    void clearReactionIntent(qint64 eventId, const QString &key);
    // A live event (any type) of this room, in seq order.
    void appendEvent(const RoomEvent &event);
    // An older page (ascending seq), shown above what is loaded. When the model then holds more
    // than window() messages, the newest leave it (it is no longer at the live end).
    void prependHistory(const QList<RoomEvent> &events);
    // A newer page (ascending seq) below what is loaded, when scrolling back down;
    // `reachesLive`: it ends at the room's newest event, so live events append again. When the
    // model then holds more than window() messages, the oldest leave it.
    void appendHistory(const QList<RoomEvent> &events, bool reachesLive);
    // The user's unsent message as the outbox holds it (added or updated).
    void upsertPending(const Outbox::Item &item);
    void removePending(qint64 localId);
    // How far the file of the unsent message `localId` has gone up (0..1; -1: not uploading).
    void setUploadProgress(qint64 localId, qreal fraction);

    qint64 oldestSeq() const; // 0 when nothing is loaded
    qint64 newestSeq() const; // of the newest loaded message; 0 when nothing is loaded
    // At most this many messages are rows at a time (a 100,000-event room scrolls with a view
    // that lays out a few thousand rows, not all of them).
    static constexpr int DefaultWindow = 2000;
    int window() const { return m_window; }
    void setWindow(int rows) { m_window = std::max(rows, 2); }
    // True when the newest loaded message is the room's newest: live events are appended. False
    // after the newest rows left the window: live messages wait for appendHistory.
    bool atLive() const { return m_atLive; }
    int rowOfEventId(qint64 eventId) const; // -1 when not loaded
    qint64 sentCount() const { return m_sentCount; }
    // The newest message of `selfId` not deleted (Up edits it), or -1.
    int lastOwnMessageRow(qint64 selfId) const;
    // Set when history has been loaded back to the room's first event.
    bool reachedStart() const { return m_reachedStart; }
    void setReachedStart(bool reached) { m_reachedStart = reached; }

private:
    struct Row
    {
        qint64 eventId = 0;
        qint64 seq = 0;
        qint64 senderId = 0;
        QString body;
        qint64 ts = 0;
        bool edited = false;
        bool deleted = false;
        MessageState state = MessageState::Sent;
        QString error;
        QString clientMsgId;
        qint64 localId = 0;
        QList<qint64> mentions;
        bool mentionsRoom = false;
        qint64 replyTo = 0;
        QJsonObject replyPreview;
        QJsonObject file; // content.file
        QString localFile; // pending: the file being shared
        qreal uploadProgress = -1;
        QJsonArray reactions; // as the server counted them up to reactionsAsOf, then events on top
        qint64 reactionsAsOf = 0;
    };
    struct Change
    {
        std::optional<QString> body; // newest edit
        bool deleted = false;
    };

    Row rowFor(const RoomEvent &message) const;
    void applyChange(const RoomEvent &editOrDelete);
    void applyReaction(const RoomEvent &reaction); // reaction or reaction_remove
    // Counts one reaction event into `row` when it is newer than the row's aggregate.
    void countReaction(Row &row, const RoomEvent &reaction) const;
    void applyChanges(const QList<RoomEvent> &page); // the edits and deletes of a page
    void remember(const QList<Row> &rows); // index rows about to be inserted
    int rowOfEvent(qint64 eventId) const;
    int rowOfSeq(qint64 seq) const;
    int rowOfPending(const QString &clientMsgId, qint64 localId) const;
    void insertSent(int at, const Row &row);
    void removeSent(int from, int to); // rows [from, to) of the sent block

    qint64 m_roomId;
    QList<Row> m_rows; // [0, m_sentCount): sent by seq; then pending
    int m_sentCount = 0;
    QSet<qint64> m_seen; // every event id applied (messages, edits, deletes)
    QHash<qint64, Change> m_changes; // target message id → edits/deletes seen so far
    QHash<qint64, QList<RoomEvent>> m_reactionEvents; // target message id → its reaction events
    QHash<qint64, QHash<QString, bool>> m_intents; // message id → key → add (unconfirmed)
    QJsonArray shownReactions(const Row &row) const; // the server's, with the intents on top
    void dropSettledIntents(Row &row); // intents the server's state now matches
    qint64 m_selfId = 0;
    QHash<qint64, qint64> m_seqOf; // loaded message id → seq (rows are in seq order)
    QSet<QString> m_delivered; // clientMsgIds of loaded messages
    bool m_reachedStart = false;
    bool m_atLive = true;
    Describer m_describer;
    int m_window = DefaultWindow;
};

} // namespace confab::client
