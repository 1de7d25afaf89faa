// LanDiscovery: finds Confab servers on the local network (common/discovery.h).
//
// While running it broadcasts a query every `interval` to each IPv4 interface's broadcast
// address and to this machine, and lists every server that answers, keyed by URL. A server
// not heard for three intervals is dropped from the list.
#pragma once

#include "discovery.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QTimer>
#include <QUrl>

class QUdpSocket;

namespace confab::client {

struct DiscoveredServer
{
    QUrl url; // https://address:port (http:// for a server with TLS off)
    QString name;
    QString version;
    // The certificate fingerprint the server announced: shown beside the one the connection
    // presents when the user is asked to trust it (a hint: anyone can answer a broadcast).
    QString fingerprint;
    // The nodes of a cluster (docs/scale.md), `url` first, when the server is one; each node
    // answers for itself, and servers() lists a cluster once.
    QString cluster = {};
    QList<QUrl> nodes = {};
    friend bool operator==(const DiscoveredServer &, const DiscoveredServer &) = default;
};

class LanDiscovery : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        quint16 port = discovery::DefaultPort;
        std::chrono::milliseconds interval { 3000 };
        bool broadcast = true; // false: ask only this machine (tests)
    };

    explicit LanDiscovery(QObject *parent = nullptr);
    LanDiscovery(Options options, QObject *parent = nullptr);

    void start();
    void stop();
    // The servers seen, a cluster's nodes as one entry (group()).
    static QList<DiscoveredServer> group(QList<DiscoveredServer> seen);
    QList<DiscoveredServer> servers() const;

signals:
    void serversChanged();

private:
    void query();
    void readPending();

    Options m_options;
    QUdpSocket *m_socket;
    QTimer m_timer;
    QElapsedTimer m_clock;
    struct Seen
    {
        DiscoveredServer server;
        qint64 lastHeardMs = 0;
    };
    QHash<QUrl, Seen> m_seen;
};

} // namespace confab::client
