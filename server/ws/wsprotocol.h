// The server's writing half of RFC 6455: the answer to a client's opening handshake (§4.2.2)
// and the frames a server sends (unmasked). WsFrameReader is the reading half.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace confab::server {

struct HttpRequest;

struct WsHandshake
{
    bool accepted = false;
    // What to write: "101 Switching Protocols" when accepted, else an HTTP error (then close).
    QByteArray response;
};

// Checks an upgrade request the connection guard has already parsed (a GET of the WebSocket
// path with "Upgrade: websocket") for the rest of §4.2.1: "Connection: Upgrade", a Host, a
// Sec-WebSocket-Key of 16 bytes in base64, and version 13 (426 names the version otherwise).
// No subprotocol or extension is offered.
WsHandshake answerWsHandshake(const HttpRequest &request);

// An HTTP refusal of a handshake (`extraHeaders` end in CRLF each); the connection closes after.
QByteArray wsRefusal(int status, const QByteArray &message, const QByteArray &extraHeaders = {});

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
QByteArray wsAcceptKey(QByteArrayView key);

// A control frame (close, ping, pong), at most 125 bytes of payload.
QByteArray wsControlFrame(quint8 opcode, QByteArrayView payload);
// A close frame: the code, then the reason cut to what fits (whole UTF-8 characters).
QByteArray wsCloseFrame(int code, const QString &reason);

} // namespace confab::server
