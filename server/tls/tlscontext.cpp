#include "tlscontext.h"

#include <QDir>
#include <QFile>
#include <QNetworkInterface>
#include <QSaveFile>
#include <QSysInfo>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

template <typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

constexpr int kTicketKeyBytes = 80; // SSL_CTX_get_tlsext_ticket_keys: name, HMAC and AES keys

QString opensslError(const QString &what)
{
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0)
        return what;
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return what + u": "_s + QString::fromLatin1(buf);
}

QString fingerprintOf(X509 *cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
        return {};
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(md), int(n)).toHex(':').toUpper());
}

X509Ptr readCertificate(const QByteArray &pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool addExtension(X509 *cert, int nid, const QByteArray &value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.constData());
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// Writes `bytes` to `path` with `mode` from the first byte on (the key is never world-readable,
// not even for a moment), atomically (a crash leaves the old file or none, not half of one).
bool writePrivately(const QString &path, const QByteArray &bytes, mode_t mode)
{
    const QByteArray tmp = QFile::encodeName(path + u".tmp"_s);
    ::unlink(tmp.constData());
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return false;
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.constData());
            return false;
        }
        done += n;
    }
    const bool ok = ::fsync(fd) == 0 && ::close(fd) == 0
        && ::rename(tmp.constData(), QFile::encodeName(path).constData()) == 0;
    if (!ok)
        ::unlink(tmp.constData());
    return ok;
}

QByteArray pemOf(EVP_PKEY *key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, int(n));
}

QByteArray pemOf(X509 *cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return {};
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, int(n));
}

} // namespace

TlsContext::~TlsContext()
{
    SSL_CTX_free(m_ctx);
}

Result<std::shared_ptr<TlsContext>> TlsContext::fromFiles(const QString &certPath,
                                                           const QString &keyPath,
                                                           const TlsContext *previous)
{
    ERR_clear_error();
    std::shared_ptr<TlsContext> tls(new TlsContext);
    tls->m_ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *ctx = tls->m_ctx;
    if (!ctx)
        return makeError(ErrorCode::Internal, opensslError(u"cannot create a TLS context"_s));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // No renegotiation (a client could make the server do handshakes on an open connection);
    // the server's cipher order; buffers freed while a connection is idle (RSS per socket).
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    // AES-128-GCM first (TLS 1.3's mandatory suite, what browsers prefer): every delivery is
    // encrypted once per recipient, and it costs 10 AES rounds a block instead of 14; ChaCha20
    // for clients without AES instructions; AES-256 still accepted.
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"
                                  "TLS_AES_256_GCM_SHA384");
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                                 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384");
    // Resumption: stateless tickets (TLS 1.3 and 1.2), one per handshake, no server-side cache
    // to grow with a reconnect storm.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 1);
    static const unsigned char sid[] = "confab";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    if (previous && previous->m_ctx) {
        unsigned char keys[kTicketKeyBytes];
        if (SSL_CTX_get_tlsext_ticket_keys(previous->m_ctx, keys, sizeof keys) == 1)
            SSL_CTX_set_tlsext_ticket_keys(ctx, keys, sizeof keys);
        OPENSSL_cleanse(keys, sizeof keys);
    }

    const QByteArray cert = QFile::encodeName(certPath);
    const QByteArray key = QFile::encodeName(keyPath);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.constData()) != 1)
        return makeError(ErrorCode::Unavailable,
                         opensslError(u"cannot read the TLS certificate %1"_s.arg(certPath)));
    if (SSL_CTX_use_PrivateKey_file(ctx, key.constData(), SSL_FILETYPE_PEM) != 1)
        return makeError(ErrorCode::Unavailable,
                         opensslError(u"cannot read the TLS key %1"_s.arg(keyPath)));
    if (SSL_CTX_check_private_key(ctx) != 1)
        return makeError(ErrorCode::Unavailable,
                         opensslError(u"the TLS key %1 does not match the certificate %2"_s.arg(
                             keyPath, certPath)));
    X509 *leaf = SSL_CTX_get0_certificate(ctx);
    tls->m_fingerprint = fingerprintOf(leaf);
    char *subject = X509_NAME_oneline(X509_get_subject_name(leaf), nullptr, 0);
    tls->m_subject = QString::fromUtf8(subject);
    OPENSSL_free(subject);
    tls->m_certPem = pemOf(leaf);
    return tls;
}

QString TlsContext::fingerprintOfFile(const QString &certPath)
{
    QFile f(certPath);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const X509Ptr cert = readCertificate(f.readAll());
    return cert ? fingerprintOf(cert.get()) : QString();
}

QStringList TlsContext::dnsNamesFor(const QHostAddress &listen)
{
    QStringList names;
    const QString host = QSysInfo::machineHostName();
    if (!host.isEmpty())
        names << host;
    if (!host.isEmpty() && !host.contains(u'.'))
        names << host + u".local"_s; // mDNS, as LAN machines are often reached
    if (listen.isLoopback() || listen == QHostAddress::Any || listen == QHostAddress::AnyIPv4
        || listen == QHostAddress::AnyIPv6)
        names << u"localhost"_s;
    names.removeDuplicates();
    return names;
}

QList<QHostAddress> TlsContext::addressesFor(const QHostAddress &listen)
{
    if (listen != QHostAddress::Any && listen != QHostAddress::AnyIPv4
        && listen != QHostAddress::AnyIPv6)
        return { listen };
    QList<QHostAddress> all;
    for (const QHostAddress &a : QNetworkInterface::allAddresses()) {
        if (a.protocol() == QAbstractSocket::IPv6Protocol && !a.scopeId().isEmpty())
            continue; // link-local: no stable name a certificate can carry
        if (listen == QHostAddress::AnyIPv4 && a.protocol() != QAbstractSocket::IPv4Protocol)
            continue;
        all << a;
    }
    return all;
}

Result<TlsContext::Files> TlsContext::selfSignedIn(const QString &dir, const QStringList &dnsNames,
                                                   const QList<QHostAddress> &addresses)
{
    const QString tlsDir = dir + u"/tls"_s;
    Files files { tlsDir + u"/cert.pem"_s, tlsDir + u"/key.pem"_s, false };
    if (QFile::exists(files.certPath) && QFile::exists(files.keyPath))
        return files;
    if (!QDir().mkpath(tlsDir))
        return makeError(ErrorCode::Unavailable, u"cannot create %1"_s.arg(tlsDir));
    ::chmod(QFile::encodeName(tlsDir).constData(), 0700);

    ERR_clear_error();
    PKeyPtr key(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    if (!key || !cert)
        return makeError(ErrorCode::Internal, opensslError(u"cannot make a key pair"_s));
    X509_set_version(cert.get(), 2); // v3
    // A random 127-bit serial (RFC 5280: positive, at most 20 bytes, unique per issuer).
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7F;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600); // clocks on a LAN drift
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 20L * 365 * 24 * 3600); // pinned, not renewed
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    const QByteArray cn = (dnsNames.isEmpty() ? u"confab-server"_s : dnsNames.first()).toUtf8();
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>("Confab"), -1, -1, 0);
    // A name of its own per certificate: trust stores look issuers up by name, and two
    // self-signed certificates of one name (a reinstall, two servers on one host) would shadow
    // each other there.
    const QByteArray unit = "confab-server " + QByteArray(reinterpret_cast<const char *>(serial), 6).toHex();
    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(unit.constData()), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);

    QStringList alt;
    for (const QString &dns : dnsNames)
        alt << u"DNS:"_s + dns;
    for (const QHostAddress &a : addresses)
        alt << u"IP:"_s + QHostAddress(a.toString().section(u'%', 0, 0)).toString();
    alt.removeDuplicates();
    if (!alt.isEmpty() && !addExtension(cert.get(), NID_subject_alt_name, alt.join(u',').toUtf8()))
        return makeError(ErrorCode::Internal, opensslError(u"cannot name the certificate"_s));
    if (!addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature")
        || !addExtension(cert.get(), NID_ext_key_usage, "serverAuth")
        || !addExtension(cert.get(), NID_subject_key_identifier, "hash"))
        return makeError(ErrorCode::Internal, opensslError(u"cannot make the certificate"_s));
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
        return makeError(ErrorCode::Internal, opensslError(u"cannot sign the certificate"_s));

    const QByteArray keyPem = pemOf(key.get());
    const QByteArray certPem = pemOf(cert.get());
    if (keyPem.isEmpty() || certPem.isEmpty())
        return makeError(ErrorCode::Internal, opensslError(u"cannot encode the certificate"_s));
    // The key first: a certificate without its key would be kept, and never work.
    if (!writePrivately(files.keyPath, keyPem, 0600)
        || !writePrivately(files.certPath, certPem, 0644))
        return makeError(ErrorCode::Unavailable,
                         u"cannot write the TLS key and certificate to %1"_s.arg(tlsDir));
    files.created = true;
    return files;
}

} // namespace confab::server
