#include "discoveryresponder.h"

#include "metrics.h"

#include <QLoggingCategory>
#include <QNetworkDatagram>
#include <QUdpSocket>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcDiscovery, "confab.discovery", QtInfoMsg)

namespace confab::server {

DiscoveryResponder::DiscoveryResponder(discovery::Announcement announcement, Metrics *metrics,
                                       QObject *parent)
    : QObject(parent)
    , m_announcement(std::move(announcement))
    , m_answer(discovery::encodeAnnouncement(m_announcement))
    , m_metrics(metrics)
    , m_socket(new QUdpSocket(this))
{
    m_metrics->defineCounter(u"confab_discovery_queries_total"_s,
                             u"LAN discovery datagrams: answered, ignored (not a valid query), "
                             u"limited (over the answer rate)"_s,
                             { u"outcome"_s });
    connect(m_socket, &QUdpSocket::readyRead, this, &DiscoveryResponder::readPending);
}

Result<quint16> DiscoveryResponder::start(const QHostAddress &address, quint16 port)
{
    // Several servers on one host may share the port: broadcasts reach each of them.
    if (!m_socket->bind(address, port, QUdpSocket::ShareAddress | QUdpSocket::ReuseAddressHint)) {
        return makeError(ErrorCode::Unavailable,
                         u"LAN discovery: cannot bind UDP %1:%2: %3"_s.arg(address.toString())
                             .arg(port)
                             .arg(m_socket->errorString()));
    }
    m_window.start();
    qCDebug(lcDiscovery) << "answering discovery on UDP" << m_socket->localPort();
    return m_socket->localPort();
}

quint16 DiscoveryResponder::port() const
{
    return m_socket->localPort();
}

void DiscoveryResponder::readPending()
{
    while (m_socket->hasPendingDatagrams()) {
        const QNetworkDatagram d = m_socket->receiveDatagram(discovery::QueryBytes * 2);
        if (!discovery::isQuery(d.data())) {
            m_metrics->inc(u"confab_discovery_queries_total"_s, { u"ignored"_s });
            continue;
        }
        if (m_window.elapsed() >= 1000) {
            m_window.restart();
            m_answersInWindow = 0;
        }
        if (++m_answersInWindow > maxAnswersPerSecond) {
            m_metrics->inc(u"confab_discovery_queries_total"_s, { u"limited"_s });
            continue;
        }
        m_metrics->inc(u"confab_discovery_queries_total"_s, { u"answered"_s });
        m_socket->writeDatagram(m_answer, d.senderAddress(), quint16(d.senderPort()));
    }
}

void DiscoveryResponder::setFingerprint(const QString &fingerprint)
{
    m_announcement.fingerprint = fingerprint;
    m_answer = discovery::encodeAnnouncement(m_announcement);
}

} // namespace confab::server
