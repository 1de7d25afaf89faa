#include "faultproxy.h"

#include <QTcpSocket>

namespace confab::test {

struct FaultProxy::Pair
{
    QTcpSocket *client = nullptr;
    QTcpSocket *upstream = nullptr;
    QByteArray toUpstream; // client bytes waiting for the upstream connection or for Pass
    QByteArray toClient; // upstream bytes held while stalled
    bool firstRequestSeen = false;
};

FaultProxy::FaultProxy(quint16 targetPort, QObject *parent)
    : QObject(parent)
    , m_target(targetPort)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FaultProxy::onNewConnection);
    m_server.listen(QHostAddress::LocalHost, 0);
}

FaultProxy::~FaultProxy()
{
    resetAll();
}

void FaultProxy::setMode(Mode mode)
{
    m_mode = mode;
    if (mode == Mode::Pass || mode == Mode::RefuseUpgrades) {
        const auto pairs = m_pairs;
        for (const auto &p : pairs) {
            forward(p.get(), true);
            forward(p.get(), false);
        }
    }
}

void FaultProxy::resetAll()
{
    const auto pairs = m_pairs;
    for (const auto &p : pairs) {
        p->client->abort();
        p->upstream->abort();
        close(p.get());
    }
}

void FaultProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        auto p = std::make_shared<Pair>();
        p->client = client;
        p->upstream = new QTcpSocket(this);
        client->setParent(this);
        Pair *raw = p.get();
        m_pairs.append(p);
        connect(client, &QTcpSocket::readyRead, this, [this, raw] { forward(raw, true); });
        connect(p->upstream, &QTcpSocket::readyRead, this, [this, raw] { forward(raw, false); });
        connect(p->upstream, &QTcpSocket::connected, this, [this, raw] { forward(raw, true); });
        connect(client, &QTcpSocket::disconnected, this, [this, raw] { close(raw); });
        connect(p->upstream, &QTcpSocket::disconnected, this, [this, raw] { close(raw); });
        connect(p->upstream, &QTcpSocket::errorOccurred, this, [this, raw] { close(raw); });
        p->upstream->connectToHost(QHostAddress::LocalHost, m_target);
    }
}

void FaultProxy::forward(Pair *p, bool fromClient)
{
    QTcpSocket *from = fromClient ? p->client : p->upstream;
    QTcpSocket *to = fromClient ? p->upstream : p->client;
    QByteArray &held = fromClient ? p->toUpstream : p->toClient;
    if (m_mode == Mode::Drop) {
        from->readAll(); // into the void: the connection stays up, nothing arrives
        return;
    }
    held += from->readAll();
    if (m_mode == Mode::Stall || held.isEmpty())
        return;
    // Only a proxy that refuses upgrades reads the request, and only plain HTTP can be read
    // (inside TLS it is ciphertext: such a proxy cannot exist there, and passes bytes on).
    if (fromClient && !p->firstRequestSeen && m_mode == Mode::RefuseUpgrades
        && held.front() != '\x16') {
        if (!held.contains("\r\n\r\n"))
            return; // the request head is not complete yet
        p->firstRequestSeen = true;
        if (m_mode == Mode::RefuseUpgrades && held.toLower().contains("upgrade: websocket")) {
            p->client->write(
                "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            p->client->disconnectFromHost();
            held.clear();
            return;
        }
    }
    if (to->state() != QAbstractSocket::ConnectedState)
        return; // the upstream is still connecting: sent on `connected`
    to->write(held);
    held.clear();
}

void FaultProxy::close(Pair *p)
{
    for (qsizetype i = 0; i < m_pairs.size(); ++i) {
        if (m_pairs[i].get() != p)
            continue;
        auto keep = m_pairs.takeAt(i);
        keep->client->disconnect(this);
        keep->upstream->disconnect(this);
        keep->client->disconnectFromHost();
        keep->upstream->disconnectFromHost();
        keep->client->deleteLater();
        keep->upstream->deleteLater();
        return;
    }
}

} // namespace confab::test
