#include "outbox.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <QUuid>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcOutbox, "confab.client.outbox", QtInfoMsg)

namespace confab::client {

namespace {

const QString kColumns
    = u"local_id, client_msg_id, room_id, body, state, error, created_at, attempts, reply_to,"
      u" file_path, upload_id, file_id"_s;

Outbox::Item itemFromRow(const QSqlQuery &q)
{
    Outbox::Item it;
    it.localId = q.value(0).toLongLong();
    it.clientMsgId = q.value(1).toString();
    it.roomId = q.value(2).toLongLong();
    it.body = q.value(3).toString();
    it.state = Outbox::State(q.value(4).toInt());
    it.error = q.value(5).toString();
    it.createdAt = q.value(6).toLongLong();
    it.attempts = q.value(7).toInt();
    it.replyTo = q.value(8).toLongLong();
    it.filePath = q.value(9).toString();
    it.uploadId = q.value(10).toString();
    it.fileId = q.value(11).toString();
    return it;
}

} // namespace

Outbox::Outbox(QString path, QObject *parent)
    : QObject(parent)
    , m_path(std::move(path))
    , m_connection(u"confab-outbox-"_s + QUuid::createUuid().toString(QUuid::Id128))
{
}

Outbox::~Outbox()
{
    if (QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

Result<bool> Outbox::open()
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
    db.setDatabaseName(m_path);
    if (!db.open())
        return makeError(ErrorCode::Unavailable,
                         u"cannot open outbox %1: %2"_s.arg(m_path, db.lastError().text()));
    QSqlQuery q(db);
    const bool ok = q.exec(u"PRAGMA journal_mode=WAL"_s) && q.exec(u"PRAGMA synchronous=FULL"_s)
        && q.exec(u"CREATE TABLE IF NOT EXISTS outbox ("
                  u" local_id INTEGER PRIMARY KEY, client_msg_id TEXT NOT NULL UNIQUE,"
                  u" room_id INTEGER NOT NULL, body TEXT NOT NULL, state INTEGER NOT NULL,"
                  u" error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
                  u" attempts INTEGER NOT NULL DEFAULT 0)"_s)
        // A send interrupted by a crash or exit is simply pending again.
        && q.exec(u"UPDATE outbox SET state = 0 WHERE state = 1"_s);
    // Outboxes from before replies and files get the columns (what waits offline keeps them).
    QStringList columns;
    if (ok && q.exec(u"PRAGMA table_info(outbox)"_s)) {
        while (q.next())
            columns << q.value(1).toString();
    }
    const QList<std::pair<QString, QString>> added {
        { u"reply_to"_s, u"INTEGER NOT NULL DEFAULT 0"_s },
        { u"file_path"_s, u"TEXT NOT NULL DEFAULT ''"_s },
        { u"upload_id"_s, u"TEXT NOT NULL DEFAULT ''"_s },
        { u"file_id"_s, u"TEXT NOT NULL DEFAULT ''"_s },
    };
    for (const auto &[name, type] : added) {
        if (ok && !columns.contains(name)
            && !q.exec(u"ALTER TABLE outbox ADD COLUMN "_s + name + u' ' + type))
            return makeError(ErrorCode::Unavailable,
                             u"cannot prepare outbox: "_s + q.lastError().text());
    }
    if (!ok)
        return makeError(ErrorCode::Unavailable,
                         u"cannot prepare outbox: "_s + q.lastError().text());
    return true;
}

Result<Outbox::Item> Outbox::enqueue(qint64 roomId, const QString &body, qint64 replyTo)
{
    return enqueueItem(roomId, body, replyTo, {});
}

Result<Outbox::Item> Outbox::enqueueItem(qint64 roomId, const QString &body, qint64 replyTo,
                                         const QString &filePath)
{
    Item it;
    it.filePath = filePath;
    it.clientMsgId = QUuid::createUuid().toString(QUuid::Id128);
    it.roomId = roomId;
    it.body = body;
    it.createdAt = QDateTime::currentMSecsSinceEpoch();
    it.replyTo = replyTo;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT INTO outbox (client_msg_id, room_id, body, state, created_at, reply_to,"
              u" file_path) VALUES (?, ?, ?, 0, ?, ?, ?)"_s);
    q.addBindValue(it.clientMsgId);
    q.addBindValue(roomId);
    q.addBindValue(body.isNull() ? QStringLiteral("") : body); // NOT NULL: a file may have no caption
    q.addBindValue(it.createdAt);
    q.addBindValue(replyTo);
    q.addBindValue(filePath.isNull() ? QStringLiteral("") : filePath);
    if (!q.exec())
        return makeError(ErrorCode::Internal,
                         u"cannot store the message: "_s + q.lastError().text());
    it.localId = q.lastInsertId().toLongLong();
    emit itemChanged(it);
    return it;
}

Result<Outbox::Item> Outbox::enqueueFile(qint64 roomId, const QString &filePath,
                                         const QString &caption)
{
    return enqueueItem(roomId, caption, 0, filePath);
}

void Outbox::setUploadId(qint64 localId, const QString &uploadId)
{
    setText(localId, u"upload_id"_s, uploadId);
}

void Outbox::setFileId(qint64 localId, const QString &fileId)
{
    setText(localId, u"file_id"_s, fileId);
}

void Outbox::setText(qint64 localId, const QString &column, const QString &value)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"UPDATE outbox SET "_s + column + u" = ? WHERE local_id = ?"_s);
    q.addBindValue(value);
    q.addBindValue(localId);
    q.exec();
}

QList<Outbox::Item> Outbox::items(qint64 roomId) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT "_s + kColumns + u" FROM outbox WHERE room_id = ? ORDER BY local_id"_s);
    q.addBindValue(roomId);
    QList<Item> out;
    if (q.exec()) {
        while (q.next())
            out.append(itemFromRow(q));
    }
    return out;
}

QList<Outbox::Item> Outbox::all() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    QList<Item> out;
    if (q.exec(u"SELECT "_s + kColumns + u" FROM outbox ORDER BY local_id"_s)) {
        while (q.next())
            out.append(itemFromRow(q));
    }
    return out;
}

std::optional<Outbox::Item> Outbox::head(qint64 roomId) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT "_s + kColumns
              + u" FROM outbox WHERE room_id = ? ORDER BY local_id LIMIT 1"_s);
    q.addBindValue(roomId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    Item it = itemFromRow(q);
    if (it.state != State::Pending)
        return std::nullopt; // in flight, or failed and holding the room's queue
    return it;
}

QList<qint64> Outbox::rooms() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    QList<qint64> out;
    if (q.exec(u"SELECT DISTINCT room_id FROM outbox ORDER BY room_id"_s)) {
        while (q.next())
            out.append(q.value(0).toLongLong());
    }
    return out;
}

std::optional<Outbox::Item> Outbox::item(qint64 localId) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT "_s + kColumns + u" FROM outbox WHERE local_id = ?"_s);
    q.addBindValue(localId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return itemFromRow(q);
}

void Outbox::setState(qint64 localId, State state, const QString &error, bool countAttempt)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(
        u"UPDATE outbox SET state = ?, error = ?, attempts = attempts + ? WHERE local_id = ?"_s);
    q.addBindValue(int(state));
    q.addBindValue(error.isNull() ? u""_s : error);
    q.addBindValue(countAttempt ? 1 : 0);
    q.addBindValue(localId);
    if (!q.exec())
        qCWarning(lcOutbox) << "cannot update outbox:" << q.lastError().text();
    if (const auto it = item(localId))
        emit itemChanged(*it);
}

void Outbox::markSending(qint64 localId)
{
    setState(localId, State::Sending, {}, true);
}
void Outbox::markPending(qint64 localId)
{
    setState(localId, State::Pending, {}, false);
}
void Outbox::markFailed(qint64 localId, const QString &reason)
{
    setState(localId, State::Failed, reason, false);
}
void Outbox::retry(qint64 localId)
{
    setState(localId, State::Pending, {}, false);
}

void Outbox::markAcknowledged(qint64 localId, const SendAck &ack)
{
    const auto it = item(localId);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"DELETE FROM outbox WHERE local_id = ?"_s);
    q.addBindValue(localId);
    q.exec();
    if (it)
        emit acknowledged(*it, ack);
}

void Outbox::discard(qint64 localId)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"DELETE FROM outbox WHERE local_id = ?"_s);
    q.addBindValue(localId);
    q.exec();
    emit discarded(localId);
}

OutboxPump::OutboxPump(Outbox *outbox, Transport transport, Backoff::Settings retry,
                       QObject *parent)
    : QObject(parent)
    , m_outbox(outbox)
    , m_transport(std::move(transport))
    , m_retry(retry)
{
    m_retry.maxElapsedTime = std::chrono::milliseconds(0); // never give up on a typed message
}

bool OutboxPump::isPermanent(const Error &error)
{
    return !isRetryableStatus(httpStatusFor(error.code)) && error.code != ErrorCode::Unavailable;
}

void OutboxPump::pump()
{
    for (qint64 roomId : m_outbox->rooms()) {
        if (!m_inFlight.contains(roomId))
            sendHead(roomId);
    }
}

void OutboxPump::sendHead(qint64 roomId)
{
    const auto head = m_outbox->head(roomId);
    if (!head)
        return;
    m_inFlight.insert(roomId);
    m_outbox->markSending(head->localId);
    QPointer<OutboxPump> self(this);
    m_transport(*head, [this, self, roomId, localId = head->localId](Result<SendAck> r) {
        if (!self)
            return;
        if (r) {
            m_outbox->markAcknowledged(localId, r.value());
            m_backoff.remove(roomId);
            m_inFlight.remove(roomId);
            return sendHead(roomId); // the next one in this room, now that this one is in
        }
        if (isPermanent(r.error())) {
            m_outbox->markFailed(localId, r.error().message);
            m_inFlight.remove(roomId);
            return;
        }
        m_outbox->markPending(localId);
        auto it = m_backoff.find(roomId);
        if (it == m_backoff.end())
            it = m_backoff.insert(roomId, Backoff(m_retry));
        const auto wait = it->next().value_or(m_retry.maxInterval);
        QTimer::singleShot(wait, this, [this, roomId] {
            m_inFlight.remove(roomId);
            sendHead(roomId);
        });
    });
}

} // namespace confab::client
