// TlsStream: the server side of one TLS connection, with no socket of its own. The socket's
// owner (FrameSocket) feeds it the bytes the peer sent and gets plaintext back; it hands it
// plaintext to send and gets the records to write. Nothing is copied into OpenSSL's memory BIOs:
// a BIO of our own reads straight from the caller's bytes and appends records straight to the
// caller's buffer, so an idle connection holds no buffer at all (with SSL_MODE_RELEASE_BUFFERS).
//
// This is what lets fan-out encrypt once per socket per batch, on the worker threads: the
// frames gathered for a socket go into one SSL_write (one record up to 16 KiB, not one per
// frame), and the records go out through the existing sendmsg()/io_uring path.
#pragma once

#include <QByteArray>
#include <QString>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct bio_st BIO;

namespace confab::server {

class TlsStream
{
public:
    explicit TlsStream(SSL_CTX *ctx);
    ~TlsStream();
    Q_DISABLE_COPY_MOVE(TlsStream)

    enum class State {
        Handshaking,
        Open, // the handshake is done: application data flows both ways
        Closed, // the peer sent close_notify
        Failed, // a TLS error (errorString() says which); the connection must be dropped
    };
    State state() const { return m_state; }
    bool isOpen() const { return m_state == State::Open; }
    QString errorString() const { return m_error; }
    // True when the session was resumed (a ticket), not a full handshake.
    bool wasResumed() const;

    // Takes the bytes the peer sent: handshake records advance the handshake (its answers go
    // to `records`), application data is appended to `plain`. Returns state().
    State receive(const char *data, qint64 size, QByteArray *plain, QByteArray *records);

    // Encrypts `size` bytes of plaintext, appending the records to `records`. False (and
    // Failed) on a TLS error; only valid once open.
    bool send(const char *data, qint64 size, QByteArray *records);

    // close_notify, appended to `records` (once; nothing after it).
    void close(QByteArray *records);

private:
    static int bioWrite(BIO *bio, const char *data, int size);
    static int bioRead(BIO *bio, char *data, int size);
    static long bioCtrl(BIO *bio, int cmd, long num, void *ptr);
    static BIO *newBio(TlsStream *owner);
    void fail(int sslResult);

    SSL *m_ssl = nullptr;
    State m_state = State::Handshaking;
    QString m_error;
    // Set only inside receive()/send()/close(): where the BIO reads from and writes to.
    const char *m_in = nullptr;
    qint64 m_inLeft = 0;
    QByteArray *m_out = nullptr;
    bool m_closeSent = false;
};

} // namespace confab::server
