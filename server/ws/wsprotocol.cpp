#include "wsprotocol.h"

#include "httpmessage.h"

#include <QCryptographicHash>

namespace confab::server {

namespace {

// A header's value holds `token` as one of its comma-separated elements (case-insensitive).
bool hasToken(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &part : value.split(',')) {
        if (QByteArrayView(part).trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

QByteArray wsRefusal(int status, const QByteArray &message, const QByteArray &extraHeaders)
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusReason(status)
        + "\r\nContent-Type: text/plain\r\nContent-Length: " + QByteArray::number(message.size())
        + "\r\n" + extraHeaders + "Connection: close\r\n\r\n" + message;
}

QByteArray wsAcceptKey(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"); // RFC 6455 §1.3
    return sha1.result().toBase64();
}

WsHandshake answerWsHandshake(const HttpRequest &request)
{
    WsHandshake h;
    const QByteArray version = request.header("sec-websocket-version").trimmed();
    if (version != "13") {
        h.response = wsRefusal(426, "this server speaks WebSocket version 13\n",
                             "Sec-WebSocket-Version: 13\r\n");
        return h;
    }
    const QByteArray key = request.header("sec-websocket-key").trimmed();
    const auto decoded = QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != 16) {
        h.response = wsRefusal(400, "Sec-WebSocket-Key must be 16 bytes in base64\n");
        return h;
    }
    if (!hasToken(request.header("connection"), "upgrade")) {
        h.response = wsRefusal(400, "a WebSocket handshake needs \"Connection: Upgrade\"\n");
        return h;
    }
    if (request.header("host").trimmed().isEmpty()) {
        h.response = wsRefusal(400, "a WebSocket handshake needs a Host\n");
        return h;
    }
    h.accepted = true;
    h.response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: "
        + wsAcceptKey(key) + "\r\n\r\n";
    return h;
}

QByteArray wsControlFrame(quint8 opcode, QByteArrayView payload)
{
    const qsizetype n = qMin<qsizetype>(payload.size(), 125);
    QByteArray frame;
    frame.reserve(2 + n);
    frame.append(char(0x80 | (opcode & 0x0F)));
    frame.append(char(n));
    frame.append(payload.first(n));
    return frame;
}

QByteArray wsCloseFrame(int code, const QString &reason)
{
    QByteArray payload;
    payload.append(char((code >> 8) & 0xFF));
    payload.append(char(code & 0xFF));
    QByteArray text = reason.toUtf8();
    if (text.size() > 123) {
        qsizetype cut = 123;
        while (cut > 0 && (quint8(text[cut]) & 0xC0) == 0x80)
            --cut; // not inside a character
        text.truncate(cut);
    }
    payload.append(text);
    return wsControlFrame(0x8, payload);
}

} // namespace confab::server
