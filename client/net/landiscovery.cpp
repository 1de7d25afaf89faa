#include "landiscovery.h"

#include <QLoggingCategory>
#include <QHostAddress>
#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QUdpSocket>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcLan, "confab.client.discovery", QtInfoMsg)

namespace confab::client {

LanDiscovery::LanDiscovery(QObject *parent)
    : LanDiscovery(Options {}, parent)
{
}

LanDiscovery::LanDiscovery(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_socket(new QUdpSocket(this))
{
    m_timer.setInterval(m_options.interval);
    connect(&m_timer, &QTimer::timeout, this, &LanDiscovery::query);
    connect(m_socket, &QUdpSocket::readyRead, this, &LanDiscovery::readPending);
    m_clock.start();
}

void LanDiscovery::start()
{
    if (m_socket->state() != QAbstractSocket::BoundState
        && !m_socket->bind(QHostAddress::AnyIPv4, 0)) {
        qCWarning(lcLan) << "cannot bind a UDP socket:" << m_socket->errorString();
        return;
    }
    query();
    m_timer.start();
}

void LanDiscovery::stop()
{
    m_timer.stop();
}

QList<DiscoveredServer> LanDiscovery::servers() const
{
    QList<DiscoveredServer> seen;
    for (const Seen &s : m_seen)
        seen.append(s.server);
    return group(seen);
}

QList<DiscoveredServer> LanDiscovery::group(QList<DiscoveredServer> seen)
{
    QList<DiscoveredServer> out;
    QHash<QString, qsizetype> clusters; // cluster id → its entry in `out`
    std::sort(seen.begin(), seen.end(), [](const DiscoveredServer &a, const DiscoveredServer &b) {
        return a.url.toString() < b.url.toString();
    });
    for (const DiscoveredServer &s : std::as_const(seen)) {
        if (s.cluster.isEmpty()) {
            out.append(s);
            continue;
        }
        if (const auto it = clusters.constFind(s.cluster); it != clusters.cend()) {
            out[*it].nodes.append(s.url);
            continue;
        }
        DiscoveredServer first = s;
        first.nodes = { first.url };
        clusters.insert(first.cluster, out.size());
        out.append(first);
    }
    // A node on this machine answers from loopback and from its LAN address: one node, kept
    // under the address others on the LAN reach it by.
    for (DiscoveredServer &d : out) {
        if (d.nodes.size() < 2)
            continue;
        const QList<QUrl> all = d.nodes;
        d.nodes.removeIf([&](const QUrl &u) {
            return QHostAddress(u.host()).isLoopback()
                && std::any_of(all.begin(), all.end(), [&](const QUrl &v) {
                       return v.port() == u.port() && !QHostAddress(v.host()).isLoopback();
                   });
        });
        d.url = d.nodes.first();
    }
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
        return std::pair(a.name.toLower(), a.url.toString())
            < std::pair(b.name.toLower(), b.url.toString());
    });
    return out;
}

void LanDiscovery::query()
{
    // Forget servers that stopped answering.
    const qint64 now = m_clock.elapsed();
    const qint64 expiry = 3 * m_options.interval.count();
    bool changed = false;
    for (auto it = m_seen.begin(); it != m_seen.end();) {
        if (now - it->lastHeardMs > expiry) {
            it = m_seen.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (changed)
        emit serversChanged();

    const QByteArray q = discovery::encodeQuery();
    QList<QHostAddress> targets { QHostAddress(QHostAddress::LocalHost) };
    if (m_options.broadcast) {
        targets.append(QHostAddress(QHostAddress::Broadcast));
        const auto interfaces = QNetworkInterface::allInterfaces();
        for (const QNetworkInterface &i : interfaces) {
            if (!(i.flags() & QNetworkInterface::IsUp)
                || !(i.flags() & QNetworkInterface::CanBroadcast))
                continue;
            for (const QNetworkAddressEntry &e : i.addressEntries()) {
                if (!e.broadcast().isNull() && !targets.contains(e.broadcast()))
                    targets.append(e.broadcast());
            }
        }
    }
    for (const QHostAddress &to : std::as_const(targets))
        m_socket->writeDatagram(q, to, m_options.port);
}

void LanDiscovery::readPending()
{
    bool changed = false;
    while (m_socket->hasPendingDatagrams()) {
        const QNetworkDatagram d = m_socket->receiveDatagram(discovery::QueryBytes);
        const auto a = discovery::parseAnnouncement(d.data());
        if (!a) {
            qCDebug(lcLan) << "ignored a datagram from" << d.senderAddress() << a.error().message;
            continue;
        }
        QHostAddress from = d.senderAddress();
        if (from.protocol() == QAbstractSocket::IPv6Protocol) {
            bool ok = false;
            const quint32 v4 = from.toIPv4Address(&ok); // ::ffff:a.b.c.d
            if (ok)
                from = QHostAddress(v4);
        }
        QUrl url;
        url.setScheme(a->tls ? u"https"_s : u"http"_s);
        url.setHost(from.toString());
        url.setPort(a->port);
        Seen &seen = m_seen[url];
        const DiscoveredServer server { url, a->name, a->version, a->fingerprint, a->cluster };
        if (!(seen.server == server)) {
            seen.server = server;
            changed = true;
        }
        seen.lastHeardMs = m_clock.elapsed();
    }
    if (changed)
        emit serversChanged();
}

} // namespace confab::client
