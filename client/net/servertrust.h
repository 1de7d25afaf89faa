// ServerTrust: which TLS certificate the client accepts from one server. Trust on first use,
// as SSH and Mumble do:
//  - a certificate that chains to a CA the system trusts and names the host passes Qt's own
//    verification and is accepted without a word (Qt reports no error for it);
//  - any other is accepted only when its SHA-256 fingerprint is the one pinned for this
//    server (remembered from an earlier explicit decision, or handed over on the command line);
//  - otherwise the handshake is refused: nothing (no password, no token) has been sent, and
//    decisionNeeded() says what was seen: a first meeting, or a certificate that CHANGED from
//    the pinned one. Only pin() (an explicit user action) accepts a new certificate.
//
// Every connection the client makes to the server (REST, WebSocket, SSE) is watched by the same
// ServerTrust, so one decision covers them all. It also carries the server's latest TLS session
// ticket from one connection to the next (prepare()): a WebSocket reconnect resumes the session
// a REST call got (a TLS 1.3 ticket is the server's, not the connection's) instead of paying a
// full handshake. Resumption shows the same certificate as the session it resumes, which
// accept() checks as always; a ticket is only ever made after an accepted handshake, and pin()
// forgets it.
#pragma once

#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslError>
#include <QString>

#include <optional>

class QNetworkReply;
class QNetworkRequest;
class QSslConfiguration;
class QWebSocket;

namespace confab::client {

class ServerTrust : public QObject
{
    Q_OBJECT
public:
    explicit ServerTrust(QObject *parent = nullptr);

    enum class Seen { FirstUse, Changed };
    struct Pending
    {
        Seen seen = Seen::FirstUse;
        QString fingerprint; // what the server presented
        QString pinned; // what was trusted before (Changed)
        QSslCertificate certificate;
        QString problems; // why Qt's own verification refused it, for the curious
    };

    QString pinned() const { return m_pinned; }
    // Trusts `fingerprint` from now on (the user's decision, or --trust-fingerprint).
    void pin(const QString &fingerprint);
    // The certificate last refused and not yet decided on.
    std::optional<Pending> pending() const { return m_pending; }
    // The fingerprint of the certificate the last encrypted connection presented (empty before
    // one, and for plain http).
    QString connectedFingerprint() const { return m_connected; }

    // Decides on a certificate Qt's verification refused: true to go on (the caller ignores
    // `errors`), false to refuse (and decisionNeeded() is emitted).
    bool accept(const QSslCertificate &peer, const QList<QSslError> &errors);

    // Applies the decision to every handshake of `reply` / `socket` (and keeps a reply's session
    // ticket for the next connection).
    void watch(QNetworkReply *reply);
    void watch(QWebSocket *socket);
    // Before a connection is made: keep the session's ticket, and offer the last one.
    void prepare(QNetworkRequest &request) const;
    void prepare(QWebSocket *socket) const;
    QByteArray sessionTicket() const { return m_ticket; }

    static QString fingerprintOf(const QSslCertificate &certificate);

signals:
    void decisionNeeded(const confab::client::ServerTrust::Pending &pending);
    void pinChanged(const QString &fingerprint);
    void connectedChanged(const QString &fingerprint);

private:
    void noteConnected(const QSslCertificate &peer);

    QString m_pinned;
    QString m_connected;
    QByteArray m_ticket; // the server's last TLS session ticket
    std::optional<Pending> m_pending;
};

} // namespace confab::client
