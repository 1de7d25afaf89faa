// FaultProxy: a TCP proxy on 127.0.0.1 for fault injection in tests. It forwards to a target
// port and can, at any moment, black-hole all traffic (connections stay open, nothing passes),
// stall it (held, delivered when passing again), reset every connection, or refuse WebSocket
// upgrades while letting plain HTTP through (a proxy that blocks upgrades).
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTcpServer>

#include <memory>

class QTcpSocket;

namespace confab::test {

class FaultProxy : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Pass, Drop, Stall, RefuseUpgrades };

    explicit FaultProxy(quint16 targetPort, QObject *parent = nullptr);
    ~FaultProxy() override;

    quint16 port() const { return m_server.serverPort(); }
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    void resetAll(); // abort every open connection (both sides see a reset)
    int openConnections() const { return int(m_pairs.size()); }

private:
    struct Pair;
    void onNewConnection();
    void forward(Pair *p, bool fromClient);
    void close(Pair *p);

    QTcpServer m_server;
    quint16 m_target;
    Mode m_mode = Mode::Pass;
    QList<std::shared_ptr<Pair>> m_pairs;
};

} // namespace confab::test
