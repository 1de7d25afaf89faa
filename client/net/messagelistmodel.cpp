#include "messagelistmodel.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace confab::client {

MessageListModel::MessageListModel(qint64 roomId, QObject *parent)
    : QAbstractListModel(parent)
    , m_roomId(roomId)
{
}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return r.deleted ? QString() : r.body;
    case EventIdRole:
        return r.eventId;
    case SeqRole:
        return r.seq;
    case SenderIdRole:
        return r.senderId;
    case TimestampRole:
        return r.ts;
    case EditedRole:
        return r.edited;
    case DeletedRole:
        return r.deleted;
    case StateRole:
        return QVariant::fromValue(r.state);
    case ErrorRole:
        return r.error;
    case ClientMsgIdRole:
        return r.clientMsgId;
    case LocalIdRole:
        return r.localId;
    case MentionsRole:
        return QVariant::fromValue(r.mentions);
    case MentionsRoomRole:
        return r.mentionsRoom;
    case ReplyToRole:
        return r.replyTo;
    case ReplyPreviewRole:
        return r.replyPreview;
    case ReactionsRole:
        return shownReactions(r);
    case FileRole:
        return r.deleted ? QJsonObject() : r.file;
    case LocalFileRole:
        return r.localFile;
    case UploadProgressRole:
        return r.uploadProgress;
    case Qt::AccessibleTextRole:
        return m_describer ? m_describer(index) : QVariant(r.deleted ? QString() : r.body);
    default:
        return {};
    }
}

Qt::ItemFlags MessageListModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return { { EventIdRole, "eventId" },   { SeqRole, "seq" },
             { SenderIdRole, "senderId" }, { BodyRole, "body" },
             { TimestampRole, "ts" },      { EditedRole, "edited" },
             { DeletedRole, "deleted" },   { StateRole, "state" },
             { ErrorRole, "error" },       { ClientMsgIdRole, "clientMsgId" },
             { LocalIdRole, "localId" } };
}

MessageListModel::Row MessageListModel::rowFor(const RoomEvent &message) const
{
    Row r;
    r.eventId = message.id;
    r.seq = message.seq;
    r.senderId = message.senderId;
    r.body = message.body();
    for (const QJsonValue &id : message.content.value(u"mentions"_s).toArray())
        r.mentions.append(id.toInteger());
    r.mentionsRoom = message.content.value(u"mentionsRoom"_s).toBool();
    r.replyTo = message.content.value(u"replyTo"_s).toInteger();
    r.replyPreview = message.content.value(u"replyPreview"_s).toObject();
    r.file = message.content.value(u"file"_s).toObject();
    r.ts = message.ts;
    r.deleted = message.isRedacted();
    r.clientMsgId = message.clientMsgId;
    // A page's aggregate counts the reaction events up to reactionsAsOf; a live message has
    // none yet (as of its own seq). Reaction events seen for it count on top when newer.
    r.reactions = message.content.value(u"reactions"_s).toArray();
    r.reactionsAsOf = message.content.value(u"reactionsAsOf"_s).toInteger(message.seq);
    for (const RoomEvent &e : m_reactionEvents.value(message.id))
        countReaction(r, e);
    if (const auto it = m_changes.constFind(message.id); it != m_changes.constEnd()) {
        if (it->body) {
            r.body = *it->body;
            r.edited = true;
        }
        r.deleted = r.deleted || it->deleted;
    }
    if (r.deleted)
        r.reactions = {}; // a deleted message keeps no reactions (as on the server)
    return r;
}

void MessageListModel::countReaction(Row &row, const RoomEvent &e) const
{
    if (e.seq <= row.reactionsAsOf)
        return; // in the aggregate already
    const QString key = e.content.value(u"key"_s).toString();
    const bool add = e.type == EventType::Reaction;
    qsizetype at = -1;
    for (qsizetype i = 0; i < row.reactions.size(); ++i) {
        if (row.reactions.at(i).toObject().value(u"key"_s).toString() == key)
            at = i;
    }
    QJsonObject chip = at >= 0 ? row.reactions.at(at).toObject()
                               : QJsonObject { { u"key"_s, key }, { u"count"_s, 0 },
                                               { u"mine"_s, false }, { u"users"_s, QJsonArray() } };
    QJsonArray users = chip.value(u"users"_s).toArray();
    // The server appends an event only when something changed: each counts exactly once.
    chip.insert(u"count"_s, chip.value(u"count"_s).toInt() + (add ? 1 : -1));
    if (e.senderId == m_selfId && m_selfId)
        chip.insert(u"mine"_s, add);
    for (qsizetype i = users.size() - 1; i >= 0; --i) {
        if (users.at(i).toInteger() == e.senderId)
            users.removeAt(i);
    }
    if (add && users.size() < 5)
        users.append(e.senderId);
    chip.insert(u"users"_s, users);
    if (chip.value(u"count"_s).toInt() <= 0) {
        if (at >= 0)
            row.reactions.removeAt(at);
    } else if (at >= 0) {
        row.reactions.replace(at, chip);
    } else {
        row.reactions.append(chip);
    }
}

QJsonArray MessageListModel::shownReactions(const Row &row) const
{
    const auto intents = m_intents.constFind(row.eventId);
    if (intents == m_intents.constEnd() || row.deleted)
        return row.reactions;
    QJsonArray shown = row.reactions;
    for (auto it = intents->cbegin(); it != intents->cend(); ++it) {
        qsizetype at = -1;
        for (qsizetype i = 0; i < shown.size(); ++i) {
            if (shown.at(i)[u"key"_s].toString() == it.key())
                at = i;
        }
        QJsonObject chip = at >= 0 ? shown.at(at).toObject() : QJsonObject();
        const bool mine = chip.value(u"mine"_s).toBool();
        if (mine == it.value())
            continue; // the server's state says so already
        QJsonArray users = chip.value(u"users"_s).toArray();
        const int count = chip.value(u"count"_s).toInt() + (it.value() ? 1 : -1);
        if (it.value()) {
            users.append(m_selfId);
        } else {
            for (qsizetype i = users.size() - 1; i >= 0; --i) {
                if (users.at(i).toInteger() == m_selfId)
                    users.removeAt(i);
            }
        }
        chip = { { u"key"_s, it.key() }, { u"count"_s, count }, { u"mine"_s, it.value() },
                 { u"users"_s, users } };
        if (count <= 0 && at >= 0)
            shown.removeAt(at);
        else if (at >= 0)
            shown.replace(at, chip);
        else if (count > 0)
            shown.append(chip);
    }
    return shown;
}

void MessageListModel::dropSettledIntents(Row &row)
{
    auto intents = m_intents.find(row.eventId);
    if (intents == m_intents.end())
        return;
    for (const QJsonValue &v : std::as_const(row.reactions)) {
        const auto it = intents->constFind(v[u"key"_s].toString());
        if (it != intents->cend() && v[u"mine"_s].toBool() == it.value())
            intents->erase(it);
    }
    // A removal is settled when the key is not mine (or gone).
    for (auto it = intents->begin(); it != intents->end();) {
        bool mine = false;
        for (const QJsonValue &v : std::as_const(row.reactions))
            mine = mine || (v[u"key"_s].toString() == it.key() && v[u"mine"_s].toBool());
        it = !it.value() && !mine ? intents->erase(it) : std::next(it);
    }
    if (intents->isEmpty())
        m_intents.erase(intents);
}

void MessageListModel::setReactionIntent(qint64 eventId, const QString &key, bool add)
{
    m_intents[eventId].insert(key, add);
    if (const int row = rowOfEvent(eventId); row >= 0) {
        const QModelIndex i = index(row);
        emit dataChanged(i, i, { ReactionsRole });
    }
}

void MessageListModel::clearReactionIntent(qint64 eventId, const QString &key)
{
    auto intents = m_intents.find(eventId);
    if (intents == m_intents.end())
        return;
    intents->remove(key);
    if (intents->isEmpty())
        m_intents.erase(intents);
    if (const int row = rowOfEvent(eventId); row >= 0) {
        const QModelIndex i = index(row);
        emit dataChanged(i, i, { ReactionsRole });
    }
}

void MessageListModel::applyReaction(const RoomEvent &e)
{
    const qint64 target = e.targetId();
    m_reactionEvents[target].append(e);
    const int row = rowOfEvent(target);
    if (row < 0)
        return; // counted when it is loaded
    countReaction(m_rows[row], e);
    if (e.senderId == m_selfId)
        dropSettledIntents(m_rows[row]);
    const QModelIndex i = index(row);
    emit dataChanged(i, i, { ReactionsRole });
}

int MessageListModel::rowOfSeq(qint64 seq) const
{
    const auto begin = m_rows.cbegin();
    const auto end = begin + m_sentCount;
    const auto it
        = std::lower_bound(begin, end, seq, [](const Row &r, qint64 s) { return r.seq < s; });
    return it != end && it->seq == seq ? int(it - begin) : -1;
}

int MessageListModel::rowOfEvent(qint64 eventId) const
{
    const auto it = m_seqOf.constFind(eventId);
    return it == m_seqOf.constEnd() ? -1 : rowOfSeq(*it);
}

int MessageListModel::lastOwnMessageRow(qint64 selfId) const
{
    for (int i = m_sentCount - 1; i >= 0; --i) {
        if (m_rows[i].senderId == selfId && !m_rows[i].deleted)
            return i;
    }
    return -1;
}

int MessageListModel::rowOfPending(const QString &clientMsgId, qint64 localId) const
{
    for (int i = m_sentCount; i < m_rows.size(); ++i) {
        if ((!clientMsgId.isEmpty() && m_rows[i].clientMsgId == clientMsgId)
            || (localId && m_rows[i].localId == localId))
            return i;
    }
    return -1;
}

void MessageListModel::insertSent(int at, const Row &row)
{
    m_seqOf.insert(row.eventId, row.seq);
    if (!row.clientMsgId.isEmpty())
        m_delivered.insert(row.clientMsgId);
    beginInsertRows({}, at, at);
    m_rows.insert(at, row);
    ++m_sentCount;
    endInsertRows();
}

void MessageListModel::applyChange(const RoomEvent &e)
{
    const qint64 target = e.targetId();
    Change &c = m_changes[target];
    if (e.type == EventType::Edit && !e.isRedacted())
        c.body = e.body();
    if (e.type == EventType::Delete)
        c.deleted = true;
    const int row = rowOfEvent(target);
    if (row < 0)
        return; // not loaded: applied when it is
    Row &r = m_rows[row];
    if (c.body) {
        r.body = *c.body;
        r.edited = true;
    }
    r.deleted = r.deleted || c.deleted;
    if (r.deleted)
        r.reactions = {};
    const QModelIndex i = index(row);
    emit dataChanged(i, i, { Qt::DisplayRole, BodyRole, EditedRole, DeletedRole, ReactionsRole });
}

void MessageListModel::appendEvent(const RoomEvent &event)
{
    if (event.roomId != m_roomId || m_seen.contains(event.id))
        return;
    m_seen.insert(event.id);
    if (event.type == EventType::Edit || event.type == EventType::Delete)
        return applyChange(event);
    if (event.type == EventType::Reaction || event.type == EventType::ReactionRemove)
        return applyReaction(event);
    if (event.type != EventType::Message)
        return;
    // The echo of our own pending message replaces it.
    if (const int pending = rowOfPending(event.clientMsgId, 0);
        pending >= 0 && !event.clientMsgId.isEmpty()) {
        beginRemoveRows({}, pending, pending);
        m_rows.removeAt(pending);
        endRemoveRows();
    }
    if (!m_atLive) {
        // The window shows older history: this message is loaded with the newer pages.
        m_seen.remove(event.id);
        return;
    }
    int at = m_sentCount;
    while (at > 0 && m_rows[at - 1].seq > event.seq)
        --at; // keep seq order even if an older event arrives late
    insertSent(at, rowFor(event));
}

void MessageListModel::applyChanges(const QList<RoomEvent> &page)
{
    // Changes first: an edit in a page may target a message in the same page.
    for (const RoomEvent &e : page) {
        if (e.roomId != m_roomId || m_seen.contains(e.id))
            continue;
        if (e.type == EventType::Edit || e.type == EventType::Delete) {
            m_seen.insert(e.id);
            applyChange(e);
        } else if (e.type == EventType::Reaction || e.type == EventType::ReactionRemove) {
            m_seen.insert(e.id);
            applyReaction(e);
        }
    }
}

void MessageListModel::remember(const QList<Row> &rows)
{
    for (const Row &r : rows) {
        m_seqOf.insert(r.eventId, r.seq);
        if (!r.clientMsgId.isEmpty())
            m_delivered.insert(r.clientMsgId);
    }
}

void MessageListModel::prependHistory(const QList<RoomEvent> &events)
{
    applyChanges(events);
    QList<Row> rows;
    const qint64 oldest = oldestSeq();
    for (const RoomEvent &e : events) {
        if (e.roomId != m_roomId || e.type != EventType::Message || m_seen.contains(e.id))
            continue;
        if (oldest && e.seq > oldest)
            continue; // newer than the top: it comes (or came) live
        m_seen.insert(e.id);
        rows.append(rowFor(e));
    }
    if (rows.isEmpty())
        return;
    remember(rows);
    beginInsertRows({}, 0, int(rows.size()) - 1);
    // QList keeps free space at its front: prepending a page costs the page, not the timeline.
    for (auto it = rows.crbegin(); it != rows.crend(); ++it)
        m_rows.prepend(*it);
    m_sentCount += int(rows.size());
    endInsertRows();
    if (m_sentCount > m_window) {
        removeSent(m_window, m_sentCount); // the newest rows leave the window
        m_atLive = false;
    }
}

void MessageListModel::appendHistory(const QList<RoomEvent> &events, bool reachesLive)
{
    applyChanges(events);
    QList<Row> rows;
    const qint64 newest = newestSeq();
    for (const RoomEvent &e : events) {
        if (e.roomId != m_roomId || e.type != EventType::Message || m_seen.contains(e.id)
            || e.seq <= newest)
            continue;
        m_seen.insert(e.id);
        rows.append(rowFor(e));
    }
    if (!rows.isEmpty()) {
        remember(rows);
        beginInsertRows({}, m_sentCount, m_sentCount + int(rows.size()) - 1);
        for (qsizetype i = 0; i < rows.size(); ++i)
            m_rows.insert(m_sentCount + i, rows[i]);
        m_sentCount += int(rows.size());
        endInsertRows();
    }
    if (reachesLive)
        m_atLive = true;
    if (m_sentCount > m_window) {
        removeSent(0, m_sentCount - m_window); // the oldest rows leave the window
        m_reachedStart = false;
    }
}

void MessageListModel::removeSent(int from, int to)
{
    if (from >= to)
        return;
    for (int i = from; i < to; ++i) {
        const Row &r = m_rows[i];
        m_seen.remove(r.eventId); // loaded again when the user scrolls back to it
        m_seqOf.remove(r.eventId);
    }
    beginRemoveRows({}, from, to - 1);
    m_rows.remove(from, to - from);
    m_sentCount -= to - from;
    endRemoveRows();
}

qint64 MessageListModel::newestSeq() const
{
    return m_sentCount > 0 ? m_rows[m_sentCount - 1].seq : 0;
}

int MessageListModel::rowOfEventId(qint64 eventId) const
{
    return rowOfEvent(eventId);
}

void MessageListModel::setUploadProgress(qint64 localId, qreal fraction)
{
    for (int row = m_sentCount; row < m_rows.size(); ++row) {
        if (m_rows[row].localId == localId) {
            m_rows[row].uploadProgress = fraction;
            const QModelIndex i = index(row);
            emit dataChanged(i, i, { UploadProgressRole });
            return;
        }
    }
}

void MessageListModel::upsertPending(const Outbox::Item &item)
{
    if (item.roomId != m_roomId)
        return;
    Row r;
    r.body = item.body;
    r.replyTo = item.replyTo;
    r.ts = item.createdAt;
    r.clientMsgId = item.clientMsgId;
    r.localId = item.localId;
    r.error = item.error;
    r.localFile = item.filePath;
    r.state = item.state == Outbox::State::Failed ? MessageState::Failed
        : item.state == Outbox::State::Sending    ? MessageState::Sending
                                                  : MessageState::Pending;
    if (const int row = rowOfPending(item.clientMsgId, item.localId); row >= 0) {
        r.uploadProgress = m_rows[row].uploadProgress;
        m_rows[row] = r;
        const QModelIndex i = index(row);
        emit dataChanged(i, i, { StateRole, ErrorRole });
        return;
    }
    // Already delivered (the echo came first)? Then there is nothing pending to show.
    if (m_delivered.contains(item.clientMsgId))
        return;
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_rows.append(r);
    endInsertRows();
}

void MessageListModel::removePending(qint64 localId)
{
    const int row = rowOfPending({}, localId);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

qint64 MessageListModel::oldestSeq() const
{
    return m_sentCount > 0 ? m_rows.first().seq : 0;
}

} // namespace confab::client
