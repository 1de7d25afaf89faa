#include "tlsstream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

constexpr qint64 kReadChunk = 16 * 1024; // a TLS record's plaintext at most

BIO_METHOD *bioMethod(int (*write)(BIO *, const char *, int), int (*read)(BIO *, char *, int),
                      long (*ctrl)(BIO *, int, long, void *))
{
    static BIO_METHOD *method = [&] {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "confab-stream");
        BIO_meth_set_write(m, write);
        BIO_meth_set_read(m, read);
        BIO_meth_set_ctrl(m, ctrl);
        BIO_meth_set_create(m, [](BIO *b) {
            BIO_set_init(b, 1);
            return 1;
        });
        return m;
    }();
    return method;
}

} // namespace

TlsStream::TlsStream(SSL_CTX *ctx)
    : m_ssl(SSL_new(ctx))
{
    if (!m_ssl) {
        m_state = State::Failed;
        m_error = u"cannot start TLS"_s;
        return;
    }
    BIO *bio = newBio(this);
    SSL_set_bio(m_ssl, bio, bio); // one BIO both ways; SSL takes our reference (and adds one)
    SSL_set_accept_state(m_ssl);
}

TlsStream::~TlsStream()
{
    SSL_free(m_ssl);
}

BIO *TlsStream::newBio(TlsStream *owner)
{
    BIO *bio = BIO_new(bioMethod(&TlsStream::bioWrite, &TlsStream::bioRead, &TlsStream::bioCtrl));
    BIO_set_data(bio, owner);
    return bio;
}

int TlsStream::bioWrite(BIO *bio, const char *data, int size)
{
    auto *self = static_cast<TlsStream *>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (!self->m_out)
        return -1; // never: every call into OpenSSL sets where records go
    self->m_out->append(data, size);
    return size;
}

int TlsStream::bioRead(BIO *bio, char *data, int size)
{
    auto *self = static_cast<TlsStream *>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (self->m_inLeft <= 0) {
        BIO_set_retry_read(bio); // more later: not an end of stream
        return -1;
    }
    const int n = int(qMin<qint64>(size, self->m_inLeft));
    std::memcpy(data, self->m_in, size_t(n));
    self->m_in += n;
    self->m_inLeft -= n;
    return n;
}

long TlsStream::bioCtrl(BIO *, int cmd, long, void *)
{
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

bool TlsStream::wasResumed() const
{
    return m_ssl && SSL_session_reused(m_ssl) == 1;
}

void TlsStream::fail(int sslResult)
{
    const int kind = SSL_get_error(m_ssl, sslResult);
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    m_state = State::Failed;
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        m_error = QString::fromLatin1(buf);
    } else {
        m_error = kind == SSL_ERROR_SYSCALL ? u"the TLS stream ended"_s
                                            : u"TLS error %1"_s.arg(kind);
    }
}

TlsStream::State TlsStream::receive(const char *data, qint64 size, QByteArray *plain,
                                    QByteArray *records)
{
    if (m_state == State::Failed || m_state == State::Closed)
        return m_state;
    m_in = data;
    m_inLeft = size;
    m_out = records;
    if (m_state == State::Handshaking) {
        const int r = SSL_do_handshake(m_ssl);
        if (r == 1)
            m_state = State::Open;
        else if (SSL_get_error(m_ssl, r) != SSL_ERROR_WANT_READ)
            fail(r);
    }
    while (m_state == State::Open) {
        // Straight into the caller's buffer: no copy of ours in between.
        const qsizetype at = plain->size();
        plain->resize(at + kReadChunk);
        const int n = SSL_read(m_ssl, plain->data() + at, int(kReadChunk));
        plain->resize(at + qMax(n, 0));
        if (n > 0)
            continue;
        const int kind = SSL_get_error(m_ssl, n);
        if (kind == SSL_ERROR_WANT_READ)
            break;
        if (kind == SSL_ERROR_ZERO_RETURN)
            m_state = State::Closed;
        else
            fail(n);
    }
    m_in = nullptr;
    m_inLeft = 0;
    m_out = nullptr;
    return m_state;
}

bool TlsStream::send(const char *data, qint64 size, QByteArray *records)
{
    if (m_state != State::Open)
        return false;
    m_out = records;
    while (size > 0) {
        const int chunk = int(qMin<qint64>(size, 1 << 30));
        const int n = SSL_write(m_ssl, data, chunk); // all of it: our BIO never blocks
        if (n <= 0) {
            fail(n);
            break;
        }
        data += n;
        size -= n;
    }
    m_out = nullptr;
    return m_state == State::Open;
}

void TlsStream::close(QByteArray *records)
{
    if (m_closeSent || m_state != State::Open)
        return;
    m_closeSent = true;
    m_out = records;
    SSL_shutdown(m_ssl);
    m_out = nullptr;
    ERR_clear_error();
}

} // namespace confab::server
