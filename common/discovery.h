// LAN discovery datagrams (docs/protocol.md, "LAN discovery").
//
// A client sends a query by UDP broadcast to port 7081; every Confab server on the network that
// has discovery on answers the sender with one announcement naming its HTTP port. The query is
// padded to QueryBytes and servers ignore shorter ones, so a spoofed query can never make a
// server send more bytes than it received (no amplification).
#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>

namespace confab::discovery {

inline constexpr quint16 DefaultPort = 7081;
inline constexpr qsizetype QueryBytes = 512;
inline constexpr int NameMax = 64;

struct Announcement
{
    QString name; // free text chosen by the operator (plain text)
    quint16 port = 0; // the server's HTTP/WebSocket port
    QString version; // server version
    int protocol = 0; // protocol version
    friend bool operator==(const Announcement &, const Announcement &) = default;
};

QByteArray encodeQuery();
bool isQuery(QByteArrayView datagram);
QByteArray encodeAnnouncement(const Announcement &a);
Result<Announcement> parseAnnouncement(QByteArrayView datagram);

} // namespace confab::discovery
