#include "servertrust.h"

#include <QCryptographicHash>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QWebSocket>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTrust, "confab.client.trust", QtInfoMsg)

namespace confab::client {

ServerTrust::ServerTrust(QObject *parent)
    : QObject(parent)
{
}

QString ServerTrust::fingerprintOf(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    return QString::fromLatin1(
        certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

void ServerTrust::pin(const QString &fingerprint)
{
    const QString fp = fingerprint.trimmed().toUpper();
    if (m_pending && m_pending->fingerprint == fp)
        m_pending.reset();
    if (fp == m_pinned)
        return;
    m_ticket.clear(); // a new decision starts from a full handshake
    m_pinned = fp;
    emit pinChanged(fp);
}

bool ServerTrust::accept(const QSslCertificate &peer, const QList<QSslError> &errors)
{
    const QString fp = fingerprintOf(peer);
    if (!fp.isEmpty() && fp == m_pinned)
        return true;
    Pending p;
    p.seen = m_pinned.isEmpty() ? Seen::FirstUse : Seen::Changed;
    p.fingerprint = fp;
    p.pinned = m_pinned;
    p.certificate = peer;
    QStringList problems;
    for (const QSslError &e : errors)
        problems << e.errorString();
    problems.removeDuplicates();
    p.problems = problems.join(u"; "_s);
    qCWarning(lcTrust).noquote() << "refused a certificate:"
                                 << (p.seen == Seen::Changed ? u"CHANGED from "_s + m_pinned
                                                             : u"not trusted yet"_s)
                                 << "presented" << fp << '(' << p.problems << ')';
    const bool news = !m_pending || m_pending->fingerprint != fp || m_pending->seen != p.seen;
    m_pending = p;
    if (news)
        emit decisionNeeded(p);
    return false;
}

void ServerTrust::noteConnected(const QSslCertificate &peer)
{
    const QString fp = fingerprintOf(peer);
    if (fp == m_connected)
        return;
    m_connected = fp;
    emit connectedChanged(fp);
}

void ServerTrust::watch(QNetworkReply *reply)
{
    connect(reply, &QNetworkReply::sslErrors, this, [this, reply](const QList<QSslError> &errors) {
        if (accept(reply->sslConfiguration().peerCertificate(), errors))
            reply->ignoreSslErrors(errors);
    });
    connect(reply, &QNetworkReply::encrypted, this,
            [this, reply] { noteConnected(reply->sslConfiguration().peerCertificate()); });
    // The ticket comes after the handshake (TLS 1.3): by the end of the answer it is there.
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        const QByteArray ticket = reply->sslConfiguration().sessionTicket();
        if (!ticket.isEmpty() && reply->error() == QNetworkReply::NoError)
            m_ticket = ticket;
    });
}

namespace {

QSslConfiguration withTicket(QSslConfiguration c, const QByteArray &ticket)
{
    c.setSslOption(QSsl::SslOptionDisableSessionPersistence, false); // keep the ticket
    if (!ticket.isEmpty())
        c.setSessionTicket(ticket);
    return c;
}

} // namespace

void ServerTrust::prepare(QNetworkRequest &request) const
{
    request.setSslConfiguration(withTicket(request.sslConfiguration(), m_ticket));
}

void ServerTrust::prepare(QWebSocket *socket) const
{
    socket->setSslConfiguration(withTicket(socket->sslConfiguration(), m_ticket));
}

void ServerTrust::watch(QWebSocket *socket)
{
    connect(socket, &QWebSocket::sslErrors, this, [this, socket](const QList<QSslError> &errors) {
        if (accept(socket->sslConfiguration().peerCertificate(), errors))
            socket->ignoreSslErrors(errors);
    });
    connect(socket, &QWebSocket::connected, this, [this, socket] {
        if (!socket->sslConfiguration().peerCertificate().isNull())
            noteConnected(socket->sslConfiguration().peerCertificate());
    });
}

} // namespace confab::client
