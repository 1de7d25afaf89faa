// FrameSocket: the QTcpSocket under every accepted connection. Until it is told to gather, it
// is a plain QTcpSocket (the HTTP front end, REST and SSE use it as such). Once a WebSocket
// worker adopts it, everything written to it (frames handed over by the hub, the handshake's
// answer, pongs and close frames) is gathered in order and sent with one sendmsg() when it is
// flushed: by the worker's queue for gathered frames, at the end of the pass for plain
// writes, whichever comes first:
//  - a room event's frame is encoded once and shared by all its recipients (appendFrame takes
//    a reference, not a copy): no per-recipient UTF-8 conversion, header or buffer copy;
//  - no 32 KiB QAbstractSocket write chunk kept per idle connection (RSS: about a page each);
//  - whatever the kernel does not take is handed to QAbstractSocket's own buffer, which then
//    carries every later byte until it has drained (order is kept; backpressure is Qt's).
//
// With TLS (startServerTls) the socket is the TLS endpoint itself, with no second socket or
// thread: what the peer sends is decrypted as it arrives (readers see plaintext only), every
// write is encrypted, and the frames gathered for a pass are sealed together (one SSL_write,
// so one record for a batch, not one per frame) just before they are sent.
#pragma once

#include "clientframechecker.h"
#include "tls/tlsstream.h"

#include <QByteArray>
#include <QTcpSocket>
#include <QVarLengthArray>

#include <functional>
#include <memory>

struct iovec;

namespace confab::server {

class FrameSocket : public QTcpSocket
{
    Q_OBJECT
public:
    using QTcpSocket::QTcpSocket;
    ~FrameSocket() override;

    // A complete unmasked text frame (FIN, opcode 1) carrying `utf8`: what a server sends.
    static QByteArray textFrame(QByteArrayView utf8);
    // An unmasked ping with no payload (FIN, opcode 9), shared: a control frame may go between
    // any two complete frames, so it is gathered like a text frame.
    static const QByteArray &pingFrame();

    // From now on writes are gathered and sent once per pass (call in the socket's thread).
    void setGathering(bool on);
    bool isGathering() const { return m_gathering; }

    // Queues a complete frame (shared, not copied). The caller keeps WebSocket framing whole
    // (frames are only ever appended between other complete writes).
    enum class Appended {
        First, // nothing was gathered before: the caller must see that sendGathered() is
               // called (no flush of the socket's own is coming; SocketWorker queues it)
        More, // behind others gathered and not yet sent
        Behind, // behind unsent bytes in Qt's buffer (the peer is not reading fast enough)
    };
    Appended appendFrame(const QByteArray &frame);

    // Sends what was gathered now (the worker's queue calls it; so do close and shutdown).
    void sendGathered();

    // The same in two halves, for a batch of sockets sent with one system call (SendRing):
    // prepareSend() points up to maxIov entries of `iov` at the gathered frames, sets *fd and
    // returns how many; 0 when this socket must use sendGathered() instead (nothing gathered,
    // Qt's buffer holds bytes, no descriptor, more frames than maxIov, or already in a batch).
    // finishSend() takes what the kernel answered (bytes sent or -errno) and does the rest as
    // sendGathered() does; nothing may touch the socket in between.
    int prepareSend(iovec *iov, int maxIov, int *fd);
    void finishSend(qint64 result);
    // Instead of finishSend() when the kernel's answer was lost: what reached the peer is
    // unknown, so nothing more may be written: the frames, and every later write, are dropped
    // (the caller aborts the socket).
    void abandonSend();
    bool inBatch() const { return m_inBatch; }

    // Called after sendGathered() left bytes unsent in Qt's buffer (and once more when it no
    // longer does), instead of emitting bytesWritten(): a signal per socket per pass was 12% of
    // the server's time at 200,000 deliveries/s. Without a handler, bytesWritten() is emitted.
    void setSentHandler(std::function<void(qint64 unsent)> handler);

    // Asks for the lines appendFrame() and sendGathered() touch, ahead of the call: with
    // thousands of sockets each is a cache miss, and a loop over many sockets can overlap them.
    void prefetch() const
    {
        // The flags, descriptor and byte count, then the list's header and its first frames.
        __builtin_prefetch(&m_gathering, 1);
        __builtin_prefetch(&m_gathered, 1);
        __builtin_prefetch(reinterpret_cast<const char *>(&m_gathered) + 48, 1);
    }

    // From now on every byte the peer sends passes a ClientFrameChecker before anyone reads it
    // (call once the WebSocket handshake has been read, before any frame is). On the first
    // frame a server must refuse (unmasked), that frame and everything after it are dropped
    // unread and `onViolation` is called: the caller fails the connection (1002).
    void checkClientFrames(std::function<void(const QString &reason)> onViolation);
    qint64 bytesAvailable() const override;

    // TLS from now on (call before anything is read). The first bytes must be a TLS
    // handshake: a peer speaking plain HTTP, or failing the handshake, is reported to
    // `onFailure` (plaintext true for the former; nothing it sent is ever read) and the caller
    // answers or drops it. Every later TLS error aborts the connection.
    void startServerTls(SSL_CTX *ctx,
                        std::function<void(bool plaintext, const QString &why)> onFailure);
    // Replaces startServerTls()'s handler; empty: a TLS error just aborts (a socket handed to
    // another thread must not call back into the guard).
    void setTlsFailureHandler(std::function<void(bool plaintext, const QString &why)> onFailure)
    {
        m_onTlsFailure = std::move(onFailure);
    }
    bool isTls() const { return m_tls != nullptr; }
    bool tlsOpen() const { return m_tls && m_tls->isOpen(); }
    bool tlsResumed() const { return m_tls && m_tls->wasResumed(); }
    bool tlsSawPlaintext() const { return m_tls && m_plaintextPeer; }
    // Writes around TLS: the one answer a plain-HTTP peer on the TLS port gets.
    void writePlain(const QByteArray &bytes) { toQt(bytes.constData(), bytes.size()); }
    // While set (0: no limit), at most this many plaintext bytes wait to be read; beyond it
    // nothing more is taken from Qt's buffer, which then fills and stops reading (TCP pushes
    // back). Call takeArrived() after reading to take the rest.
    void setReadyLimit(qint64 bytes) { m_readyLimit = bytes; }
    // Takes what Qt's buffer holds (decrypting it with TLS), as on arrival.
    void takeArrived() { takeArrivedBytes(); }
    // The plaintext waiting to be read, not consumed (peek() would move it into QIODevice's
    // buffer, in front of ciphertext still arriving): the guard parses with this.
    QByteArray peekReady(qint64 maxlen) const;

signals:
    // The TLS handshake is done; `resumed`: by a session ticket, not a full handshake.
    void tlsEstablished(bool resumed);

public:
    // Keeps `ticket` until the socket is destroyed (the guard's per-address slot).
    void holdTicket(std::shared_ptr<void> ticket) { m_ticket = std::move(ticket); }

    qint64 bytesToWrite() const override;
    void disconnectFromHost() override;

protected:
    qint64 writeData(const char *data, qint64 len) override;
    qint64 readData(char *data, qint64 maxlen) override;
    qint64 skipData(qint64 maxSize) override;
    bool event(QEvent *e) override;

private:
    void gather(QByteArray bytes, bool postFlush);
    void onStateChanged(SocketState state);
    // To the kernel, or what it does not take into QAbstractSocket's own buffer
    qint64 toQt(const char *data, qint64 len);
    qint64 writeOut(const char *data, qint64 len); // toQt(), encrypted first with TLS
    bool qtHoldsBytes();
    // TLS: encrypts the gathered frames not yet sealed into one entry of records.
    bool sealGathered();
    void takeFromReady(char *data, qint64 n);
    // Points iov at up to `max` gathered frames from `from` on, adds their bytes to *bytes,
    // returns how many.
    qsizetype pointAt(iovec *iov, qsizetype from, qsizetype max, size_t *bytes) const;
    // Moves *next past the frames `bytes` sent covers whole; returns the bytes sent of the next.
    qint64 skipSent(qsizetype *next, qint64 bytes) const;
    // After a send: frames from `next` on (minus `partial` bytes of it) go to Qt's buffer, the
    // list is emptied, and the sent handler (or bytesWritten) hears of it.
    void afterSend(qint64 sent, qsizetype next, qint64 partial);

    // Hot state first: a delivery and a flush read the flags, the descriptor and the list's
    // header and first frames, which so start within the object's first two cache lines (after
    // QObject's two pointers); the sent handler, rarely called, comes last. In the object, not
    // behind a pointer: a list of its own was one more cache miss per frame (perf, 5000 sockets).
    bool m_gathering = false;
    bool m_flushPosted = false;
    bool m_qtHoldsBytes = false; // QAbstractSocket's buffer may hold bytes (toQt() was used)
    bool m_reportedUnsent = false; // the sent handler was last told of unsent bytes
    bool m_hasSentHandler = false; // m_sent is set (read here, not in its cold line)
    bool m_inBatch = false; // between prepareSend() and finishSend()
    bool m_abandoned = false; // abandonSend(): the stream's state is unknown, write nothing
    bool m_sealing = false; // TLS: gathered frames are encrypted before they are sent
    int m_fd = -1; // while gathering and connected (kept in step by stateChanged)
    qint64 m_gatheredBytes = 0;
    QVarLengthArray<QByteArray, 4> m_gathered;
    std::function<void(qint64)> m_sent;
    std::shared_ptr<void> m_ticket;
    // TLS and client frames (checkClientFrames): bytes taken from Qt's buffer as they arrive,
    // decrypted and checked, and read from here (readData) by the guard and the worker.
    void takeArrivedBytes();
    ClientFrameChecker m_checker;
    bool m_checking = false; // checkClientFrames() was called
    std::function<void(const QString &)> m_onViolation;
    QByteArray m_ready;
    qsizetype m_readyPos = 0; // bytes of m_ready already read
    qint64 m_readyLimit = 0;
    bool m_violated = false;
    bool m_taking = false; // inside takeArrivedBytes()'s read of Qt's buffer
    std::unique_ptr<TlsStream> m_tls;
    std::function<void(bool, const QString &)> m_onTlsFailure;
    bool m_tlsSawBytes = false; // the peer has sent something (is it a TLS handshake?)
    bool m_plaintextPeer = false; // ...and it was not
    qsizetype m_sealed = 0; // leading entries of m_gathered already encrypted
};

} // namespace confab::server
