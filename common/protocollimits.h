// Every limit of protocol v1, in one place. docs/protocol.md ("Limits") mirrors this file;
// the codecs enforce it, the server's connection guard enforces the transport limits.
#pragma once

#include <QtGlobal>

namespace confab::limits {

inline constexpr int ProtocolVersion = 1;

// Text lengths are counted in Unicode code points.
inline constexpr int UsernameMin = 3;
inline constexpr int UsernameMax = 32;
inline constexpr int PasswordMin = 8;
inline constexpr int PasswordMax = 256;
inline constexpr int DisplayNameMax = 64;
inline constexpr int StatusTextMax = 140;
inline constexpr int RoomNameMax = 64;
inline constexpr int TopicMax = 512;
inline constexpr int MessageBodyMax = 4000;
inline constexpr int ClientMsgIdMax = 64;
inline constexpr int RequestIdMax = 64;
inline constexpr int DeviceNameMax = 64;
inline constexpr int TokenMax = 128;
inline constexpr int TraceparentMax = 55;
inline constexpr int ReactionKeyMax = 16;
inline constexpr int SearchQueryMax = 256;
inline constexpr int SearchPageDefault = 20;
inline constexpr int SearchPageMax = 50;
inline constexpr int SearchSnippetMax = 400; // code points, highlights included

// Reactions: different keys on one message, and users named per key in an aggregate.
inline constexpr int ReactionKeysPerMessage = 20;
inline constexpr int ReactionUsersShown = 5;

// Paging.
inline constexpr int PageSizeDefault = 50;
inline constexpr int PageSizeMax = 200;

// A `resume` frame may name at most this many rooms.
inline constexpr int ResumeRoomsMax = 1000;
// A resume further back than this many events per room answers "reset": fetch by REST.
inline constexpr int ResumeReplayMax = 1000;

// Transport.
inline constexpr qint64 FrameBytesMax = 64 * 1024; // one WebSocket message
inline constexpr qint64 HttpHeaderBytesMax = 16 * 1024; // request line + headers
inline constexpr qint64 HttpBodyBytesMax = 64 * 1024; // Content-Length cap

// Files (docs/protocol.md, "Files"). The upload size limit itself is the server's
// --max-upload-mb (default 100), told to clients in upload answers.
inline constexpr int FileNameMax = 255; // code points, after the server made the name safe
inline constexpr int FileIdLength = 32; // lowercase hex
inline constexpr int ThumbnailEdgeMax = 320; // px, the longer edge
inline constexpr qint64 ImagePixelsMax = 50'000'000; // larger images get no preview (no decode)
inline constexpr qint64 UploadChunkBytesMax = qint64(1) << 40; // one PATCH body (1 TiB)

// JSON numbers are IEEE doubles: ids and seqs stay within the exactly representable range.
inline constexpr qint64 MaxSafeInteger = (qint64(1) << 53) - 1;

} // namespace confab::limits
