// DiscoveryResponder: answers LAN discovery queries (common/discovery.h) with this server's name
// and port, so clients list it without anyone typing an address.
//
// It listens where the HTTP server listens: a loopback-only server answers only queries from
// this machine; a server on 0.0.0.0 answers the LAN. Queries shorter than the padded size are
// ignored (no amplification) and answers are capped at `maxAnswersPerSecond`.
#pragma once

#include "discovery.h"
#include "result.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>

class QUdpSocket;

namespace confab::server {

class Metrics;

class DiscoveryResponder : public QObject
{
    Q_OBJECT
public:
    DiscoveryResponder(discovery::Announcement announcement, Metrics *metrics,
                       QObject *parent = nullptr);

    // Binds `address`:`port` (port 0: any free port, for tests).
    Result<quint16> start(const QHostAddress &address, quint16 port);
    quint16 port() const;
    void setFingerprint(const QString &fingerprint); // after a certificate reload
    int maxAnswersPerSecond = 50;

private:
    void readPending();

    discovery::Announcement m_announcement;
    QByteArray m_answer;
    Metrics *m_metrics;
    QUdpSocket *m_socket;
    QElapsedTimer m_window;
    int m_answersInWindow = 0;
};

} // namespace confab::server
