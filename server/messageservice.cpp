#include "messageservice.h"

#include "otlp/spanexporter.h"

#include "database.h"
#include "eventbus.h"
#include "files/filestore.h"
#include "mentions.h"
#include "metrics.h"
#include "reactionstore.h"
#include "roomstore.h"
#include "search/searchindexer.h"
#include "storage/backend.h"

#include <QJsonArray>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

struct SendOutcome
{
    SendAck ack;
    std::optional<RoomEvent> event; // empty for a duplicate
};

// The message `eventId` in `roomId`, if it exists and is not deleted.
Result<RoomEvent> liveMessage(QSqlDatabase &db, qint64 roomId, qint64 eventId)
{
    auto target = roomstore::event(db, roomId, eventId);
    if (!target)
        return target;
    if (target->type != EventType::Message || target->isRedacted())
        return makeError(ErrorCode::EventNotFound,
                         u"no message %1 in room %2"_s.arg(eventId).arg(roomId));
    return target;
}

// What a body mentions: usernames after '@' (lowercase, at most 20, each once) and @room.
struct MentionScan
{
    QStringList names;
    bool everyone = false;
    bool empty() const { return names.isEmpty() && !everyone; }
};

MentionScan scanMentions(const QString &body)
{
    MentionScan scan;
    for (const MentionToken &t : findMentions(body)) {
        if (t.name == u"room")
            scan.everyone = true;
        else if (!scan.names.contains(t.name) && scan.names.size() < 20)
            scan.names.append(t.name);
    }
    return scan;
}

// A member's message with no file, reply or mention (docs/architecture.md, "Storage").
struct PlainPost final : Database::Merged
{
    static constexpr char kind = 0; // its address names the kind
    roomstore::PlainPostIn in;
    std::function<Result<SendOutcome>(QSqlDatabase &)> single; // the whole send, alone
    std::optional<Result<SendOutcome>> out;

    Result<QVariant> alone(QSqlDatabase &db) override
    {
        out = single(db);
        if (!*out)
            return out->error();
        return QVariant(true);
    }
};

// Many PlainPosts, a statement per room and up to 64 of its messages (roomstore::postMessages):
// each stored one becomes its outcome here; the others (a retry, a refusal) run alone, which
// finds the first copy or says why, as one send would.
Result<bool> mergePlainPosts(QSqlDatabase &db, const std::vector<Database::Merged *> &items)
{
    std::vector<PlainPost *> posts;
    std::vector<roomstore::PlainPostIn> ins;
    posts.reserve(items.size());
    ins.reserve(items.size());
    for (Database::Merged *m : items) {
        posts.push_back(static_cast<PlainPost *>(m));
        ins.push_back(posts.back()->in);
    }
    auto stored = roomstore::postMessages(db, ins);
    if (!stored)
        return stored.error();
    for (size_t i = 0; i < posts.size(); ++i) {
        PlainPost *p = posts[i];
        if (const std::optional<roomstore::PlainPostOut> &o = stored.value()[i]) {
            const RoomEvent &e = o->event;
            roomstore::noteSenderRead(e.roomId, e.senderId, e.seq, o->msgNo);
            p->out
                = SendOutcome { SendAck { p->in.clientMsgId, e.id, e.roomId, e.seq, e.ts, false },
                                e };
            p->result = QVariant(true);
        } else {
            // A retry or a refusal, which writes nothing; a failed statement fails them all.
            p->result = p->alone(db);
            if (!*p->result
                && (p->result->error().code == ErrorCode::Internal
                    || p->result->error().code == ErrorCode::Unavailable))
                return p->result->error();
        }
    }
    return true;
}

} // namespace

MessageService::MessageService(const ServerContext &ctx, EventBus *bus, QObject *parent)
    : QObject(parent)
    , m_ctx(ctx)
    , m_bus(bus)
{
    m_ctx.metrics->defineCounter(u"confab_messages_total"_s,
                                 u"Messages accepted, by outcome (new or duplicate)"_s,
                                 { u"outcome"_s });
}

void MessageService::send(qint64 userId, qint64 roomId, const QString &clientMsgId,
                          const QString &body, qint64 replyTo, const QString &fileId,
                          std::function<void(Result<SendAck>)> done,
                          const otlp::TraceContext &trace)
{
    const qint64 now = m_ctx.now();
    const qint64 queuedNs = m_ctx.tracer ? otlp::nowNs() : 0;
    const MentionScan scan = scanMentions(body);
    auto job = [=](QSqlDatabase &db) -> Result<SendOutcome> {
        // The usual case first: a member posting a new message. Where each statement is a
        // round trip (PostgreSQL) a message with nothing to look up first goes as one.
        Result<roomstore::PostPosition> at = roomstore::PostPosition {};
        std::optional<Result<std::optional<RoomEvent>>> posted;
        if (fileId.isEmpty() && !replyTo && scan.empty() && storage::foldsStatements(db)) {
            auto p = roomstore::postMessage(db, roomId, userId, { { u"body"_s, body } }, now,
                                            clientMsgId);
            if (!p)
                return p.error();
            at = p->at;
            posted.emplace(std::move(p->event));
        } else {
            at = roomstore::positionForPoster(db, roomId, userId);
        }
        // A file goes with one message: sent already, this is a retry (found below).
        std::optional<FileInfo> file;
        bool fileSent = false;
        if (at && !fileId.isEmpty()) {
            auto f = filestore::attachable(db, fileId, userId, roomId);
            if (!f)
                return f.error();
            file = *f;
            fileSent = !file;
        }
        if (at && !fileSent) {
            QJsonObject content { { u"body"_s, body } };
            if (file)
                content.insert(u"file"_s, file->toJson());
            QJsonObject preview;
            if (replyTo) {
                // A message of this room, not deleted: else nothing is stored.
                auto target = liveMessage(db, roomId, replyTo);
                if (!target)
                    return makeError(
                        ErrorCode::EventNotFound,
                        u"no message %1 in room %2 to reply to"_s.arg(replyTo).arg(roomId),
                        u"replyTo"_s);
                content.insert(u"replyTo"_s, replyTo);
                preview = roomstore::replyPreview(*target);
            }
            // Mentions resolved here, once, into ids of members (docs/protocol.md).
            QList<qint64> mentioned;
            if (!scan.empty()) {
                auto ids = roomstore::membersNamed(db, roomId, scan.names);
                if (!ids)
                    return ids.error();
                mentioned = ids.value();
                mentioned.removeAll(userId);
                QJsonArray list;
                for (qint64 id : std::as_const(mentioned))
                    list.append(id);
                if (!list.isEmpty())
                    content.insert(u"mentions"_s, list);
                if (scan.everyone)
                    content.insert(u"mentionsRoom"_s, true);
            }
            auto ev = posted
                ? std::move(*posted)
                : roomstore::appendAfter(db, roomId, at->lastSeq, EventType::Message, userId,
                                         content, now, clientMsgId, at->msgCount + 1);
            if (!ev)
                return ev.error();
            if (*ev && file) {
                if (auto r = filestore::attach(db, fileId, (*ev)->id); !r)
                    return r.error();
            }
            if (*ev) {
                // @room counts once for everyone; names then add nothing.
                const QList<qint64> rows = scan.everyone ? QList<qint64> { 0 } : mentioned;
                if (!rows.isEmpty()) {
                    if (auto err = roomstore::addMentions(db, roomId, (*ev)->seq, rows))
                        return *err;
                }
                // Last, when nothing in this job can fail any more (a failed job is rolled
                // back alone; what it noted would outlive it).
                roomstore::noteSenderRead(roomId, userId, (*ev)->seq, at->msgCount + 1);
                RoomEvent event = **ev;
                if (!preview.isEmpty()) // what live receivers show (not stored: read time)
                    event.content.insert(u"replyPreview"_s, preview);
                return SendOutcome { SendAck { clientMsgId, event.id, roomId, event.seq, event.ts,
                                               false },
                                     std::move(event) };
            }
        }
        // Not stored: a retry of a message that is (it gets the original ack, also after
        // its sender has left the room: the unique key (sender, clientMsgId) is the
        // authority, not memory, so this holds across restarts), or a refusal.
        CachedQuery q(db,
                      u"SELECT id, room_id, seq, ts FROM events WHERE sender_id = ?"
                      u" AND client_msg_id = ?"_s);
        if (auto r = execCached(q, { userId, clientMsgId }); !r)
            return r.error();
        if (q->next()) {
            if (q->value(1).toLongLong() != roomId)
                return makeError(ErrorCode::Conflict,
                                 u"clientMsgId was already used in another room"_s,
                                 u"clientMsgId"_s);
            return SendOutcome { SendAck { clientMsgId, q->value(0).toLongLong(), roomId,
                                           q->value(2).toLongLong(), q->value(3).toLongLong(),
                                           true },
                                 std::nullopt };
        }
        if (!at)
            return at.error();
        if (fileSent)
            return makeError(ErrorCode::Conflict, u"this file was shared already"_s, u"fileId"_s);
        return makeError(ErrorCode::Internal, u"the message was neither stored nor found"_s);
    };
    auto finished = [this, done, trace, queuedNs, roomId](Result<SendOutcome> r) {
        otlp::SpanExporter *tracer = m_ctx.tracer;
        if (tracer) {
            otlp::Span commit = otlp::Span::of(trace.child(), trace, u"confab.commit"_s,
                                               otlp::SpanKind::Internal, queuedNs);
            commit.endNs = otlp::nowNs();
            commit.error = !r;
            if (!r)
                commit.statusMessage = r.error().message;
            tracer->record(std::move(commit));
        }
        if (!r)
            return done(r.error());
        m_ctx.metrics->inc(u"confab_messages_total"_s, { r->event ? u"new"_s : u"duplicate"_s });
        if (r->event) {
            if (m_ctx.search)
                m_ctx.search->textChanged(r->event->id);
            const qint64 fanoutNs = tracer ? otlp::nowNs() : 0;
            m_bus->publish({ *r->event });
            if (tracer) {
                otlp::Span fanout = otlp::Span::of(trace.child(), trace, u"confab.fanout"_s,
                                                   otlp::SpanKind::Internal, fanoutNs);
                fanout.endNs = otlp::nowNs();
                fanout.attributes
                    = { { u"confab.room"_s, roomId }, { u"confab.seq"_s, r->event->seq } };
                tracer->record(std::move(fanout));
            }
        }
        done(r->ack);
    };
    if (!fileId.isEmpty() || replyTo || !scan.empty() || !m_ctx.database->mergesWrites())
        return m_ctx.database->writeTyped<SendOutcome>(std::move(job), this, std::move(finished));
    // A message with nothing to look up first, on PostgreSQL: into one statement with the
    // others queued beside it (mergePlainPosts); when its batch is tried again, `job` stores it
    // alone.
    auto post = std::make_shared<PlainPost>();
    post->in = { userId, roomId, clientMsgId, body, now };
    post->single = std::move(job);
    m_ctx.database->writeMerged(&PlainPost::kind, mergePlainPosts, post, this,
                                [post, finished = std::move(finished)](const Result<QVariant> &r) {
                                    if (!r && (!post->out || post->out->ok()))
                                        return finished(Result<SendOutcome>(r.error()));
                                    finished(std::move(*post->out));
                                });
}

void MessageService::markRead(qint64 userId, qint64 roomId, qint64 seq, const void *origin,
                              std::function<void(Result<ReadState>)> done)
{
    struct Outcome
    {
        ReadState state;
        bool moved = false;
    };
    m_ctx.database->writeTyped<Outcome>(
        [=](QSqlDatabase &db) -> Result<Outcome> {
            auto moved = roomstore::markRead(db, roomId, userId, seq);
            if (!moved)
                return moved.error();
            auto state = roomstore::readState(db, roomId, userId);
            if (!state)
                return state.error();
            return Outcome { state.value(), moved.value() };
        },
        this,
        [this, userId, origin, done](Result<Outcome> r) {
            if (!r)
                return done(r.error());
            if (r->moved)
                emit readChanged(userId, r->state, origin); // the user's other devices
            done(r->state);
        });
}

void MessageService::react(qint64 userId, qint64 roomId, qint64 eventId, const QString &key,
                           bool add, std::function<void(Result<ReactionResult>)> done)
{
    const qint64 now = m_ctx.now();
    m_ctx.database->writeTyped<ReactionResult>(
        [=](QSqlDatabase &db) -> Result<ReactionResult> {
            if (auto room = roomstore::room(db, roomId); !room)
                return room.error();
            if (auto err = roomstore::checkMember(db, roomId, userId))
                return *err;
            if (auto target = liveMessage(db, roomId, eventId); !target)
                return target.error();
            auto event = reactionstore::react(db, roomId, userId, eventId, key, add, now);
            if (!event)
                return event.error();
            return ReactionResult { event->has_value(), *event };
        },
        this,
        [this, done](Result<ReactionResult> r) {
            if (r && r->event)
                m_bus->publish({ *r->event });
            done(std::move(r));
        });
}

void MessageService::commitEvent(std::function<Result<RoomEvent>(QSqlDatabase &)> job,
                                 std::function<void(Result<RoomEvent>)> done)
{
    m_ctx.database->writeTyped<RoomEvent>(std::move(job), this, [this, done](Result<RoomEvent> r) {
        if (r && m_ctx.search) // an edit or a delete
            m_ctx.search->textChanged(r->id);
        if (r)
            m_bus->publish({ r.value() });
        done(std::move(r));
    });
}

void MessageService::edit(qint64 userId, qint64 roomId, qint64 eventId, const QString &body,
                          std::function<void(Result<RoomEvent>)> done)
{
    const qint64 now = m_ctx.now();
    commitEvent(
        [=](QSqlDatabase &db) -> Result<RoomEvent> {
            if (auto room = roomstore::room(db, roomId); !room)
                return room.error();
            if (auto err = roomstore::checkMember(db, roomId, userId))
                return *err;
            auto target = liveMessage(db, roomId, eventId);
            if (!target)
                return target.error();
            if (target->senderId != userId)
                return makeError(ErrorCode::Forbidden, u"only the author can edit a message"_s);
            return roomstore::append(db, roomId, EventType::Edit, userId,
                                     { { u"targetId"_s, eventId }, { u"body"_s, body } }, now);
        },
        std::move(done));
}

void MessageService::remove(qint64 userId, qint64 roomId, qint64 eventId,
                            std::function<void(Result<RoomEvent>)> done)
{
    const qint64 now = m_ctx.now();
    commitEvent(
        [=](QSqlDatabase &db) -> Result<RoomEvent> {
            if (auto room = roomstore::room(db, roomId); !room)
                return room.error();
            const auto role = roomstore::role(db, roomId, userId);
            if (!role)
                return makeError(ErrorCode::NotMember, u"you are not in this room"_s);
            auto target = liveMessage(db, roomId, eventId);
            if (!target)
                return target.error();
            if (target->senderId != userId && *role == MemberRole::Member)
                return makeError(ErrorCode::Forbidden,
                                 u"only the author, the owner or an admin can delete a message"_s);
            // Redact: erase the body of the message and of every edit of it.
            QSqlQuery q(db);
            q.prepare(u"UPDATE events SET content = '{\"redacted\":true}' WHERE id = ?"_s);
            if (auto r = execPrepared(q, { eventId }); !r)
                return r.error();
            q.prepare(u"UPDATE events SET content = ? WHERE room_id = ? AND type = 'edit' AND "_s
                      + storage::jsonInt(db, u"content"_s, u"targetId"_s) + u" = ?"_s);
            const QString redactedEdit = u"{\"targetId\":%1,\"redacted\":true}"_s.arg(eventId);
            if (auto r = execPrepared(q, { redactedEdit, roomId, eventId }); !r)
                return r.error();
            if (auto err = reactionstore::clearReactions(db, eventId))
                return *err;
            // Its file goes with it (the blob when nothing else refers to it: FileService).
            if (auto r = filestore::dropForEvent(db, eventId); !r)
                return r.error();
            return roomstore::append(db, roomId, EventType::Delete, userId,
                                     { { u"targetId"_s, eventId } }, now);
        },
        std::move(done));
}

} // namespace confab::server
