// WebSocket frames of protocol v1. Every frame is one JSON object in one text message:
// {"type": "...", "id": "optional request id", ...fields}. docs/protocol.md is the contract.
#pragma once

#include "requests.h"
#include "types.h"

#include <QByteArray>
#include <variant>

namespace confab {

struct RoomCursor
{
    qint64 roomId = 0;
    qint64 lastSeq = 0; // the newest seq the client holds (0: none)
    friend bool operator==(const RoomCursor &, const RoomCursor &) = default;
};

// --- client → server --------------------------------------------------------------------------

struct AuthFrame
{
    QString token;
};
struct SendFrame
{
    qint64 roomId = 0;
    QString clientMsgId;
    QString body;
    QString traceparent; // W3C trace context, optional
    qint64 replyTo = 0; // the id of a message in the same room this one answers (0: none)
    QString fileId = {}; // a finished upload of the sender's to this room (body: a caption, may be "")
};
struct ResumeFrame
{
    QString epoch; // the epoch from the last hello the client saw; empty on first connect
    QList<RoomCursor> rooms;
};
struct TypingFrame
{
    qint64 roomId = 0;
    bool active = false;
};
struct PresenceFrame
{
    PresenceStatus status = PresenceStatus::Online; // online or away
};
struct PingFrame
{
    qint64 ts = 0;
};
// "I have read room `roomId` up to `seq`" (moves the marker forward only).
struct ReadFrame
{
    qint64 roomId = 0;
    qint64 seq = 0;
};

using ClientPayload = std::variant<AuthFrame, SendFrame, ResumeFrame, TypingFrame, PresenceFrame,
                                   PingFrame, ReadFrame>;

struct ClientFrame
{
    QString id; // request id, echoed in the ack/error that answers it
    ClientPayload payload;
};

QByteArray encodeClientFrame(const ClientFrame &frame);
// Strict parse. When the frame's `id` could be read it is stored in *requestId, also on failure,
// so the error frame can name the request it answers.
Result<ClientFrame> parseClientFrame(QByteArrayView data, QString *requestId = nullptr);

// --- server → client --------------------------------------------------------------------------

struct HelloFrame
{
    User user;
    QString serverVersion;
    int protocol = 1;
    QString epoch; // changes when the server's history was reset: resync from scratch
    int heartbeatMs = 0; // the server pings this often; a client may too
    QList<RoomCursor> rooms; // rooms the user is in, with their newest seq
    // The user's read state in those rooms: on the wire, readSeq/unread/mentions in each of
    // `rooms`' objects.
    QList<ReadState> read;
};
struct AckFrame
{
    SendAck ack;
};
struct EventFrame
{
    RoomEvent event;
};
enum class ResumeStatus {
    Replayed, // every missed event was sent before this frame, in order
    Reset, // too far behind (or unknown epoch): fetch history over REST
    Forbidden // not a member (any more): drop the room
};
struct ResumeResult
{
    qint64 roomId = 0;
    ResumeStatus status = ResumeStatus::Replayed;
    qint64 fromSeq = 0; // first replayed seq (0: none)
    qint64 toSeq = 0; // last replayed seq (0: none)
};
struct ResumedFrame
{
    QList<ResumeResult> rooms;
};
struct TypingNotice
{
    qint64 roomId = 0;
    qint64 userId = 0;
    bool active = false;
};
struct PresenceNotice
{
    qint64 userId = 0;
    PresenceStatus status = PresenceStatus::Offline;
};
struct PongFrame
{
    qint64 ts = 0;
};
struct ErrorFrame
{
    Error error;
};
// The user's read state in a room changed (sent to all of the user's connections).
struct ReadNotice
{
    ReadState state;
};

using ServerPayload = std::variant<HelloFrame, AckFrame, EventFrame, ResumedFrame, TypingNotice,
                                   PresenceNotice, PongFrame, ErrorFrame, ReadNotice>;

struct ServerFrame
{
    QString id;
    ServerPayload payload;
};

QByteArray encodeServerFrame(const ServerFrame &frame);
Result<ServerFrame> parseServerFrame(QByteArrayView data);

// The `type` name of a frame, as on the wire.
QString frameTypeName(const ClientPayload &p);
QString frameTypeName(const ServerPayload &p);

} // namespace confab
