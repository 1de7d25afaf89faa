// ClientFrameChecker: follows the frame boundaries of a WebSocket client's byte stream (RFC 6455
// §5.2) and reports the first frame a server must refuse before reading it: an unmasked one
// (§5.1: the server fails the connection, 1002), or one whose 64-bit length has its top bit
// set. FrameSocket runs every byte a client sends through this as it arrives, before the
// worker's WsFrameReader (which refuses the same frames) reads it: the first check sits where
// the bytes come in.
//
// It reads headers only and skips payloads by count, so it costs a few branches per frame.
#pragma once

#include <QByteArrayView>

namespace confab::server {

class ClientFrameChecker
{
public:
    enum class Verdict { Ok, Unmasked, BadLength };

    // The next bytes of the stream, in order; once a verdict other than Ok is returned, every
    // later call returns it too.
    Verdict feed(QByteArrayView bytes);

private:
    enum class State { Byte0, Byte1, Length, Mask, Payload };
    State m_state = State::Byte0;
    Verdict m_verdict = Verdict::Ok;
    int m_lengthBytes = 0; // extended length bytes still to read (2 or 8)
    quint64 m_length = 0;
    int m_maskBytes = 0; // mask bytes still to skip
    quint64 m_payload = 0; // payload bytes still to skip
};

} // namespace confab::server
