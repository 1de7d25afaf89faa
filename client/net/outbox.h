// Outbox: messages the user typed, on disk before any network I/O, until the server
// acknowledges them. Survives client restarts (a local SQLite file per account).
//
//  - enqueue() commits the message (with a fresh clientMsgId) before it returns;
//  - per room, messages are sent strictly in the order typed, one at a time: the next is not
//    sent before the previous is acknowledged (a timed-out send cannot be overtaken);
//  - a transient failure leaves the message pending (OutboxPump retries it with backoff); a
//    permanent one (e.g. not_member, too_long) marks it failed with the reason and holds the
//    room's later messages back until the user retries or discards it;
//  - an acknowledged message leaves the outbox (the server's clientMsgId key makes a resend after
//    a lost ack harmless: it answers "duplicate").
#pragma once

#include "resilience/backoff.h"
#include "requests.h"

#include <QObject>
#include <QSqlDatabase>

#include <functional>
#include <optional>

namespace confab::client {

class Outbox : public QObject
{
    Q_OBJECT
public:
    enum class State { Pending, Sending, Failed };
    Q_ENUM(State)

    struct Item
    {
        qint64 localId = 0;
        QString clientMsgId;
        qint64 roomId = 0;
        QString body;
        State state = State::Pending;
        QString error; // why it failed (Failed only)
        qint64 createdAt = 0;
        int attempts = 0;
        qint64 replyTo = 0; // the message this one answers (0: none)
        // A file to share (its body is the caption): the local file, then the server's upload
        // (resumed after a restart), then the finished file the message carries.
        QString filePath;
        QString uploadId;
        QString fileId;
        bool hasFile() const { return !filePath.isEmpty(); }
    };

    explicit Outbox(QString path, QObject *parent = nullptr);
    ~Outbox() override;

    Result<bool> open();
    // Stores the message durably and returns it (state Pending).
    Result<Item> enqueue(qint64 roomId, const QString &body, qint64 replyTo = 0);
    // A file at `filePath` with a caption (may be empty): uploaded, then sent, in typed order.
    Result<Item> enqueueFile(qint64 roomId, const QString &filePath, const QString &caption);
    // The upload's progress, kept so that it resumes after a restart.
    void setUploadId(qint64 localId, const QString &uploadId);
    void setFileId(qint64 localId, const QString &fileId);

    QList<Item> items(qint64 roomId) const; // in typed order
    QList<Item> all() const;
    // The message to send next in `roomId`: its oldest, if it is Pending.
    std::optional<Item> head(qint64 roomId) const;
    QList<qint64> rooms() const; // rooms with messages waiting

    void markSending(qint64 localId);
    void markPending(qint64 localId); // transient failure: try again
    void markFailed(qint64 localId, const QString &reason); // permanent failure
    void markAcknowledged(qint64 localId, const SendAck &ack);
    void retry(qint64 localId); // a failed message goes back to pending
    void discard(qint64 localId); // the user gives up on it

signals:
    void itemChanged(const confab::client::Outbox::Item &item);
    void acknowledged(const confab::client::Outbox::Item &item, const confab::SendAck &ack);
    void discarded(qint64 localId);

private:
    Result<Item> enqueueItem(qint64 roomId, const QString &body, qint64 replyTo,
                             const QString &filePath);
    void setText(qint64 localId, const QString &column, const QString &value); // (ours only)
    void setState(qint64 localId, State state, const QString &error, bool countAttempt);
    std::optional<Item> item(qint64 localId) const;
    QString m_path;
    QString m_connection;
};

// OutboxPump: sends what the outbox holds through a transport (the WebSocket when online, REST
// otherwise), one message per room at a time, retrying transient failures with backoff.
class OutboxPump : public QObject
{
    Q_OBJECT
public:
    using Transport
        = std::function<void(const Outbox::Item &, std::function<void(Result<SendAck>)>)>;

    OutboxPump(Outbox *outbox, Transport transport, Backoff::Settings retry = {},
               QObject *parent = nullptr);

    // Looks for work now (after enqueue, after reconnect, after retry()).
    void pump();
    // Permanent errors: the message cannot be sent as it is.
    static bool isPermanent(const Error &error);

private:
    void sendHead(qint64 roomId);
    Outbox *m_outbox;
    Transport m_transport;
    Backoff::Settings m_retry;
    QHash<qint64, Backoff> m_backoff; // per room
    QSet<qint64> m_inFlight; // rooms with a send under way or scheduled
};

} // namespace confab::client
