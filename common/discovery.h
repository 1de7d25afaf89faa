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
    bool tls = false; // the port speaks TLS (https, wss)
    // SHA-256 of the server's certificate, "AB:CD:..." (32 pairs); empty without TLS. A hint
    // shown beside the certificate a client is asked to trust, never a trust decision itself
    // (anyone on the LAN can answer a broadcast).
    QString fingerprint;
    // Multi-node mode (docs/scale.md): the cluster's id, the same on every node of it (the
    // epoch of their shared history); empty for a single server. Clients list the nodes of one
    // cluster as one server with several addresses.
    QString cluster = {};
    friend bool operator==(const Announcement &, const Announcement &) = default;
};

// "AB:CD:..." with 32 uppercase hex pairs: how fingerprints are written everywhere.
bool isFingerprint(const QString &s);

QByteArray encodeQuery();
bool isQuery(QByteArrayView datagram);
QByteArray encodeAnnouncement(const Announcement &a);
Result<Announcement> parseAnnouncement(QByteArrayView datagram);

} // namespace confab::discovery
