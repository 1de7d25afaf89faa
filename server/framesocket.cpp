#include "framesocket.h"

#include "clientframechecker.h"

#include <QCoreApplication>
#include <QEvent>
#include <QMetaMethod>

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {
const QEvent::Type kFlushEvent = QEvent::Type(QEvent::registerEventType());
constexpr int kMaxIov = 256; // frames per sendmsg(); more are sent by further calls
} // namespace

FrameSocket::~FrameSocket()
{
    // ~QAbstractSocket aborts and announces the state change: not to this part, gone by then.
    disconnect(this, &QAbstractSocket::stateChanged, this, &FrameSocket::onStateChanged);
}

QByteArray FrameSocket::textFrame(QByteArrayView utf8)
{
    const qsizetype n = utf8.size();
    QByteArray frame;
    frame.reserve(n + 10);
    frame.append(char(0x81)); // FIN, text
    if (n < 126) {
        frame.append(char(n));
    } else if (n <= 0xFFFF) {
        frame.append(char(126));
        frame.append(char((n >> 8) & 0xFF));
        frame.append(char(n & 0xFF));
    } else {
        frame.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(n) >> shift) & 0xFF));
    }
    frame.append(utf8);
    return frame;
}

const QByteArray &FrameSocket::pingFrame()
{
    static const QByteArray frame("\x89\x00", 2);
    return frame;
}

void FrameSocket::setGathering(bool on)
{
    if (!on)
        sendGathered();
    m_gathering = on;
    // The descriptor, read once: socketDescriptor() and state() per send were a cache miss
    // each. Qt closes the descriptor only on its way to UnconnectedState, which it announces
    // synchronously, so a stale descriptor (maybe another connection's by now) is never used.
    m_fd = on && state() == ConnectedState ? int(socketDescriptor()) : -1;
    if (on) {
        connect(this, &QAbstractSocket::stateChanged, this, &FrameSocket::onStateChanged,
                Qt::UniqueConnection);
        // Connected now, before the worker connects its own: on each arrival this slot runs
        // first. It does nothing until checkClientFrames() arms it (or TLS needs it).
        connect(this, &QIODevice::readyRead, this, &FrameSocket::takeArrivedBytes,
                Qt::UniqueConnection);
    }
}

void FrameSocket::checkClientFrames(std::function<void(const QString &)> onViolation)
{
    m_checking = true;
    m_onViolation = std::move(onViolation);
    // QIODevice must not refill its own buffer from readData() (it would put checked bytes
    // back in front of unchecked ones): reads go straight to readData(). Qt's socket layer
    // keeps buffering what the kernel delivers; takeArrivedBytes() moves it here.
    setOpenMode(openMode() | QIODevice::Unbuffered);
    takeArrivedBytes(); // what came right behind the handshake
}

void FrameSocket::startServerTls(SSL_CTX *ctx,
                                 std::function<void(bool, const QString &)> onFailure)
{
    m_tls = std::make_unique<TlsStream>(ctx);
    m_sealing = true;
    m_onTlsFailure = std::move(onFailure);
    // As for client frames: readers get plaintext from readData(), never ciphertext that
    // QIODevice put back in its own buffer. Connected first, so it runs before any reader.
    setOpenMode(openMode() | QIODevice::Unbuffered);
    connect(this, &QIODevice::readyRead, this, &FrameSocket::takeArrivedBytes,
            Qt::UniqueConnection);
}

void FrameSocket::takeArrivedBytes()
{
    if ((!m_checking && !m_tls) || !isOpen())
        return;
    qint64 arrived = QTcpSocket::bytesAvailable();
    if (arrived <= 0)
        return;
    if (m_violated) {
        QTcpSocket::skip(arrived);
        return;
    }
    if (m_readyLimit > 0) {
        const qint64 room = m_readyLimit - (m_ready.size() - m_readyPos);
        if (room <= 0)
            return; // read on when the reader has caught up (takeArrived())
        arrived = qMin(arrived, room);
    }
    // Only Qt's buffer is read here: readData() hands out nothing while m_taking is set.
    m_taking = true;
    QByteArray fresh = QIODevice::read(arrived);
    m_taking = false;
    // Qt stops reading from the kernel when its buffer is full and restarts only from
    // readData(): let it read on.
    QTcpSocket::readData(nullptr, 0);
    if (m_tls) {
        if (!m_tlsSawBytes) {
            m_tlsSawBytes = true;
            if (fresh.at(0) != 0x16) { // not a TLS handshake record: plain HTTP, most likely
                m_violated = true;
                m_plaintextPeer = true;
                if (m_onTlsFailure)
                    m_onTlsFailure(true, u"this port speaks TLS: use https:// or wss://"_s);
                return;
            }
        }
        QByteArray plain;
        QByteArray records;
        const bool wasOpen = m_tls->isOpen();
        const TlsStream::State state
            = m_tls->receive(fresh.constData(), fresh.size(), &plain, &records);
        if (!wasOpen && m_tls->isOpen())
            emit tlsEstablished(m_tls->wasResumed());
        if (!records.isEmpty()) {
            sendGathered(); // sealed before these were made: they go out first
            toQt(records.constData(), records.size());
        }
        if (state == TlsStream::State::Failed) {
            m_violated = true;
            m_ready.clear();
            m_readyPos = 0;
            if (m_onTlsFailure)
                m_onTlsFailure(false, m_tls->errorString());
            else
                abort();
            return;
        }
        fresh = std::move(plain);
        if (fresh.isEmpty())
            return;
    }
    if (m_checking && m_checker.feed(fresh) != ClientFrameChecker::Verdict::Ok) {
        // The offending frame was never read: drop it and all that is still unread, and read
        // nothing more from this peer.
        m_violated = true;
        m_ready.clear();
        m_readyPos = 0;
        if (m_onViolation)
            m_onViolation(u"client frames must be masked (RFC 6455 5.1)"_s);
        return;
    }
    if (m_readyPos == m_ready.size()) {
        m_ready = std::move(fresh);
        m_readyPos = 0;
    } else {
        m_ready.append(fresh);
    }
}

qint64 FrameSocket::bytesAvailable() const
{
    // Once closed nothing more can be read (QIODevice::read() would refuse and warn).
    if (!isOpen())
        return QTcpSocket::bytesAvailable();
    // With TLS, what Qt's buffer holds is ciphertext not yet taken: not readable as such.
    return (m_tls ? 0 : QTcpSocket::bytesAvailable()) + (m_ready.size() - m_readyPos);
}

QByteArray FrameSocket::peekReady(qint64 maxlen) const
{
    if (!m_tls && !m_checking)
        return const_cast<FrameSocket *>(this)->peek(maxlen);
    return m_ready.mid(m_readyPos, qMin<qint64>(maxlen, m_ready.size() - m_readyPos));
}

void FrameSocket::takeFromReady(char *data, qint64 n)
{
    if (data)
        std::memcpy(data, m_ready.constData() + m_readyPos, size_t(n));
    m_readyPos += n;
    if (m_readyPos == m_ready.size()) { // all read: an idle connection keeps no buffer
        m_ready = QByteArray();
        m_readyPos = 0;
    }
}

qint64 FrameSocket::readData(char *data, qint64 maxlen)
{
    if (!m_taking && m_readyPos < m_ready.size()) {
        const qint64 n = qMin<qint64>(maxlen, m_ready.size() - m_readyPos);
        takeFromReady(data, n);
        return n;
    }
    if (m_checking || m_tls) // nothing ready; raw bytes are never handed out here
        return QTcpSocket::readData(data, 0); // (re-enables Qt's read notification)
    return QTcpSocket::readData(data, maxlen);
}

qint64 FrameSocket::skipData(qint64 maxSize)
{
    if (!m_checking && !m_tls)
        return QTcpSocket::skipData(maxSize);
    const qint64 n = qMin<qint64>(maxSize, m_ready.size() - m_readyPos);
    if (n > 0)
        takeFromReady(nullptr, n);
    return n;
}

void FrameSocket::onStateChanged(SocketState state)
{
    if (state != ConnectedState)
        m_fd = -1;
}

FrameSocket::Appended FrameSocket::appendFrame(const QByteArray &frame)
{
    if (m_abandoned)
        return Appended::More; // dropped: nothing to queue
    if (!m_gathering || qtHoldsBytes()) {
        // Not gathering, or Qt's buffer holds older bytes: behind them, in order.
        sendGathered();
        writeOut(frame.constData(), frame.size());
        return Appended::Behind;
    }
    const bool first = m_gathered.isEmpty();
    gather(frame, false);
    return first ? Appended::First : Appended::More;
}

void FrameSocket::setSentHandler(std::function<void(qint64)> handler)
{
    m_sent = std::move(handler);
    m_hasSentHandler = bool(m_sent);
}

qint64 FrameSocket::writeData(const char *data, qint64 len)
{
    if (len <= 0)
        return 0; // nothing to keep in order, and no empty entry in the gathered list
    if (m_abandoned)
        return len; // dropped (abandonSend)
    if (m_sealing && !m_tls->isOpen())
        return len; // nothing is written to a peer before the handshake (the guard drops it)
    if (!m_gathering || qtHoldsBytes()) {
        sendGathered();
        return writeOut(data, len);
    }
    gather(QByteArray(data, len), true);
    return len;
}

qint64 FrameSocket::writeOut(const char *data, qint64 len)
{
    if (!m_sealing)
        return toQt(data, len);
    QByteArray records;
    if (!m_tls->send(data, len, &records)) {
        m_abandoned = true;
        QMetaObject::invokeMethod(this, &QAbstractSocket::abort, Qt::QueuedConnection);
        return len;
    }
    toQt(records.constData(), records.size());
    return len;
}

void FrameSocket::gather(QByteArray bytes, bool postFlush)
{
    m_gatheredBytes += bytes.size();
    m_gathered.append(std::move(bytes));
    if (postFlush && !m_flushPosted) {
        m_flushPosted = true;
        QCoreApplication::postEvent(this, new QEvent(kFlushEvent));
    }
}

bool FrameSocket::event(QEvent *e)
{
    if (e->type() == kFlushEvent) {
        m_flushPosted = false;
        sendGathered();
        return true;
    }
    return QTcpSocket::event(e);
}

bool FrameSocket::sealGathered()
{
    const qsizetype n = m_gathered.size();
    if (m_sealed == n)
        return true;
    qint64 plainBytes = 0;
    for (qsizetype i = m_sealed; i < n; ++i)
        plainBytes += m_gathered.at(i).size();
    // Room for every record at once (5 bytes of header, 16 of tag, 1 of type per 16 KiB): the
    // records are appended as OpenSSL writes them, without a reallocation.
    QByteArray records;
    records.reserve(plainBytes + 32 * (plainBytes / 16384 + 1));
    bool ok;
    if (n - m_sealed == 1) {
        const QByteArray &b = m_gathered.at(m_sealed);
        ok = m_tls->send(b.constData(), b.size(), &records);
    } else {
        // One SSL_write for the pass: records of up to 16 KiB, not one (and its 22 bytes of
        // header, tag and padding) per frame. The frames are put together in a buffer of the
        // worker thread's, kept from pass to pass (no allocation per socket).
        thread_local QByteArray plain;
        plain.resize(0);
        plain.reserve(plainBytes);
        for (qsizetype i = m_sealed; i < n; ++i)
            plain.append(m_gathered.at(i));
        ok = m_tls->send(plain.constData(), plain.size(), &records);
        if (plain.capacity() > 256 * 1024)
            plain = QByteArray(); // a burst's buffer is not kept for ever
    }
    m_gathered.resize(m_sealed);
    m_gatheredBytes = 0;
    for (const QByteArray &b : std::as_const(m_gathered))
        m_gatheredBytes += b.size();
    if (!ok) { // the stream is broken: nothing more may be written
        m_abandoned = true;
        m_gathered.clear();
        m_gatheredBytes = 0;
        m_sealed = 0;
        QMetaObject::invokeMethod(this, &QAbstractSocket::abort, Qt::QueuedConnection);
        return false;
    }
    m_gatheredBytes += records.size();
    m_gathered.append(std::move(records));
    m_sealed = m_gathered.size();
    return true;
}

void FrameSocket::sendGathered()
{
    if (m_gathered.isEmpty() || m_inBatch) // in a batch: finishSend() is coming
        return;
    if (m_sealing && !sealGathered())
        return;
    qint64 sent = 0; // bytes the kernel took
    qsizetype next = 0; // first frame not (wholly) sent
    qint64 partial = 0; // bytes of m_gathered[next] already sent
    const int fd = m_fd;
    if (!qtHoldsBytes() && fd >= 0) {
        iovec iov[kMaxIov];
        while (next < m_gathered.size()) {
            size_t want = 0;
            const qsizetype n = pointAt(iov, next, kMaxIov, &want);
            msghdr msg {};
            msg.msg_iov = iov;
            msg.msg_iovlen = size_t(n);
            ssize_t r;
            do {
                r = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
            } while (r < 0 && errno == EINTR);
            if (r <= 0)
                break; // EAGAIN or an error: Qt's engine meets it again and reports it
            sent += r;
            partial = skipSent(&next, r);
            if (size_t(r) < want)
                break; // the kernel's buffer is full
        }
    }
    afterSend(sent, next, partial);
}

int FrameSocket::prepareSend(iovec *iov, int maxIov, int *fd)
{
    if (m_sealing && !m_inBatch && !sealGathered())
        return 0;
    const qsizetype n = m_gathered.size();
    if (n == 0 || n > maxIov || m_inBatch || m_fd < 0 || qtHoldsBytes())
        return 0;
    size_t bytes = 0;
    pointAt(iov, 0, n, &bytes);
    *fd = m_fd;
    m_inBatch = true;
    return int(n);
}

void FrameSocket::finishSend(qint64 result)
{
    m_inBatch = false;
    // As in sendGathered(): EAGAIN or an error leaves everything to Qt's buffer (its engine
    // meets the error again and reports it); a short send leaves the rest.
    const qint64 sent = std::max<qint64>(result, 0);
    qsizetype next = 0;
    const qint64 partial = skipSent(&next, sent);
    afterSend(sent, next, partial);
}

qsizetype FrameSocket::pointAt(iovec *iov, qsizetype from, qsizetype max, size_t *bytes) const
{
    const qsizetype n = std::min<qsizetype>(max, m_gathered.size() - from);
    for (qsizetype i = 0; i < n; ++i) {
        const QByteArray &b = m_gathered.at(from + i);
        iov[i].iov_base = const_cast<char *>(b.constData());
        iov[i].iov_len = size_t(b.size());
        *bytes += iov[i].iov_len;
    }
    return n;
}

qint64 FrameSocket::skipSent(qsizetype *next, qint64 bytes) const
{
    while (*next < m_gathered.size() && bytes >= m_gathered.at(*next).size()) {
        bytes -= m_gathered.at(*next).size();
        ++*next;
    }
    return bytes;
}

void FrameSocket::abandonSend()
{
    m_inBatch = false;
    m_abandoned = true; // from now on every write is dropped until the abort closes the socket
    m_gathered.clear();
    m_gatheredBytes = 0;
    if (m_sealing)
        m_sealed = 0;
}

void FrameSocket::afterSend(qint64 sent, qsizetype next, qint64 partial)
{
    // The rest goes to Qt's buffer; its write notifier sends it when the peer reads.
    for (qsizetype i = next; i < m_gathered.size(); ++i) {
        const QByteArray &b = m_gathered.at(i);
        const qint64 skip = i == next ? partial : 0;
        toQt(b.constData() + skip, b.size() - skip);
    }
    // Keep a small list's storage for the next pass; let a big one go (memory per connection).
    m_gathered.clear();
    if (m_sealing) // (m_sealed is in a cold line: a plain socket never touches it)
        m_sealed = 0;
    if (m_gathered.capacity() > 64)
        m_gathered.squeeze();
    m_gatheredBytes = 0;
    if (m_hasSentHandler) {
        const qint64 unsent = qtHoldsBytes() ? QTcpSocket::bytesToWrite() : 0;
        if (unsent > 0 || m_reportedUnsent)
            m_sent(unsent);
        m_reportedUnsent = unsent > 0;
    } else if (sent > 0) {
        emit bytesWritten(sent);
    }
}

qint64 FrameSocket::toQt(const char *data, qint64 len)
{
    // TLS: straight to the kernel while Qt's buffer is empty (the order stays). QAbstractSocket
    // keeps a 16 KiB block in its write buffer for good once anything went through it: the
    // handshake's records made that a quarter of an idle TLS connection's memory. Only what the
    // kernel does not take now goes to Qt; bytesWritten comes from the event loop, as Qt's.
    // (Plaintext keeps Qt's buffer: its first write is later and smaller, and Qt coalesces.)
    if (m_tls && len > 0 && !qtHoldsBytes() && state() == ConnectedState) {
        const ssize_t n = ::send(int(socketDescriptor()), data, size_t(len),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            static const QMetaMethod written = QMetaMethod::fromSignal(&QIODevice::bytesWritten);
            if (isSignalConnected(written)) // (a download waits for it; most sockets do not)
                QMetaObject::invokeMethod(
                    this, [this, n] { emit bytesWritten(n); }, Qt::QueuedConnection);
            if (n == len)
                return len;
            data += n;
            len -= n;
        }
        // (EAGAIN, or an error: Qt's write meets it too and reports it)
        m_qtHoldsBytes = true;
        const qint64 rest = QTcpSocket::writeData(data, len);
        return rest < 0 ? rest : qMax<qint64>(n, 0) + rest;
    }
    m_qtHoldsBytes = true;
    return QTcpSocket::writeData(data, len);
}

bool FrameSocket::qtHoldsBytes()
{
    // Only what toQt() handed over can be there: look (a cache miss per socket) only then.
    if (m_qtHoldsBytes)
        m_qtHoldsBytes = QTcpSocket::bytesToWrite() > 0;
    return m_qtHoldsBytes;
}

qint64 FrameSocket::bytesToWrite() const
{
    return QTcpSocket::bytesToWrite() + m_gatheredBytes;
}

void FrameSocket::disconnectFromHost()
{
    // Qt closes once its buffer has drained: put what was gathered in front of the close.
    m_gathering = false;
    sendGathered();
    if (m_tls && !m_abandoned && state() == ConnectedState && isWritable()) {
        QByteArray records; // close_notify: the peer can tell our close from a cut
        m_tls->close(&records);
        if (!records.isEmpty())
            toQt(records.constData(), records.size());
    }
    QTcpSocket::disconnectFromHost();
}

} // namespace confab::server
