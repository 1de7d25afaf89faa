// MessageService: send (idempotent per user and clientMsgId), edit and delete. Each is
// validated and committed with its event; the answer comes only after commit; the event is
// then published on the EventBus for delivery ("persist synchronously, broadcast async").
#pragma once

#include "otlp/tracecontext.h"

#include "requests.h"
#include "servercontext.h"

#include <QObject>
#include <QSqlDatabase>

namespace confab::server {

class EventBus;

class MessageService : public QObject
{
    Q_OBJECT
public:
    MessageService(const ServerContext &ctx, EventBus *bus, QObject *parent = nullptr);

    // `replyTo`: the id of a message in the same room this one answers (0: none). With
    // tracing, `trace` is the caller's span: the wait for the commit ("confab.commit") and the
    // hand-over to every member's connection ("confab.fanout") become its children.
    // `fileId`: a finished upload of the user's to this room, shared by this message
    // (content.file); the body is then its caption and may be empty.
    void send(qint64 userId, qint64 roomId, const QString &clientMsgId, const QString &body,
              qint64 replyTo, const QString &fileId, std::function<void(Result<SendAck>)> done,
              const otlp::TraceContext &trace = {});
    void edit(qint64 userId, qint64 roomId, qint64 eventId, const QString &body,
              std::function<void(Result<RoomEvent>)> done);
    void remove(qint64 userId, qint64 roomId, qint64 eventId,
                std::function<void(Result<RoomEvent>)> done);
    // Adds (add) or removes the user's reaction `key` to message `eventId`: members only, on a
    // message of the room that is not deleted. Doing what is already so changes nothing.
    void react(qint64 userId, qint64 roomId, qint64 eventId, const QString &key, bool add,
               std::function<void(Result<ReactionResult>)> done);
    // Moves the user's read marker in the room forward to `seq`; answers the read state after
    // it. When it moved, readChanged tells the user's connections (all but `origin`, the one
    // that asked, which gets the answer).
    void markRead(qint64 userId, qint64 roomId, qint64 seq, const void *origin,
                  std::function<void(Result<ReadState>)> done);

signals:
    void readChanged(qint64 userId, const confab::ReadState &state, const void *origin);

private:
    void commitEvent(std::function<Result<RoomEvent>(QSqlDatabase &)> job,
                     std::function<void(Result<RoomEvent>)> done);
    ServerContext m_ctx;
    EventBus *m_bus;
};

} // namespace confab::server
