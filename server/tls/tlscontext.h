// TlsContext: the server's certificate, key and OpenSSL settings (one SSL_CTX), shared by every
// connection accepted while it is current. SIGHUP makes a new one from the same files; sockets
// already open keep the one they started with (each SSL holds a reference to its SSL_CTX).
//
// With no certificate configured the server makes its own on first start (selfSignedIn()):
// an ECDSA P-256 key (mode 0600) and a self-signed certificate whose subject alternative
// names are the host name and the listen addresses. Clients pin it by its SHA-256 fingerprint
// (trust on first use, docs/security.md).
#pragma once

#include "result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

typedef struct ssl_ctx_st SSL_CTX;

namespace confab::server {

class TlsContext
{
public:
    ~TlsContext();
    Q_DISABLE_COPY_MOVE(TlsContext)

    // Loads a PEM certificate (chain) and its PEM private key. `previous`, when given, hands
    // over its session ticket keys, so clients resume across a reload.
    static Result<std::shared_ptr<TlsContext>>
    fromFiles(const QString &certPath, const QString &keyPath,
              const TlsContext *previous = nullptr);

    // The self-signed pair in `dir` (tls/cert.pem, tls/key.pem), made there first if absent.
    struct Files
    {
        QString certPath;
        QString keyPath;
        bool created = false; // made just now
    };
    static Result<Files> selfSignedIn(const QString &dir, const QStringList &dnsNames,
                                      const QList<QHostAddress> &addresses);

    // The names and addresses a self-signed certificate for `listen` should carry.
    static QStringList dnsNamesFor(const QHostAddress &listen);
    static QList<QHostAddress> addressesFor(const QHostAddress &listen);

    SSL_CTX *sslContext() const { return m_ctx; }
    // SHA-256 of the leaf certificate (DER), as uppercase hex pairs joined by ':' (the form
    // QSslCertificate::digest(Sha256).toHex(':').toUpper() gives and `openssl x509
    // -fingerprint -sha256` prints).
    QString fingerprint() const { return m_fingerprint; }
    QString subject() const { return m_subject; }
    QByteArray certificatePem() const { return m_certPem; }

    // The fingerprint of the first certificate in a PEM file; empty when unreadable.
    static QString fingerprintOfFile(const QString &certPath);

private:
    TlsContext() = default;
    SSL_CTX *m_ctx = nullptr;
    QString m_fingerprint;
    QString m_subject;
    QByteArray m_certPem;
};

} // namespace confab::server
