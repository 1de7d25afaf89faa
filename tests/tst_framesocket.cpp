// FrameSocket: gathered writes reach the peer whole and in order, also when the kernel's buffer
// fills and Qt's buffer takes over; a closing socket sends what it gathered first; a real
// QWebSocket client reads the frames textFrame() builds, at every length encoding.
#include "framesocket.h"
#include "sendring.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <memory>

using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

// Accepts into FrameSockets, as ConnectionGuard does.
class FrameServer : public QTcpServer
{
public:
    QList<FrameSocket *> accepted;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *s = new FrameSocket(this);
        s->setSocketDescriptor(descriptor);
        accepted.append(s);
        addPendingConnection(s);
    }
};

// Reads until `size` bytes have arrived (or the peer closed, or the time is up).
QByteArray receive(QTcpSocket *client, qsizetype size, int timeoutMs)
{
    QByteArray received;
    (void)QTest::qWaitFor( // the caller compares what came
        [&] {
            received += client->readAll();
            return received.size() >= size || client->state() == QAbstractSocket::UnconnectedState;
        },
        timeoutMs);
    return received + client->readAll();
}

QByteArray pattern(qsizetype n, char seed)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char(seed + i % 23);
    return b;
}

} // namespace

class tst_FrameSocket : public QObject
{
    Q_OBJECT

private slots:
    void textFrameHeaders_data();
    void textFrameHeaders();
    void gatheredWritesArriveInOrderInOneSendPerPass();
    void aFullKernelBufferHandsOverToQtAndKeepsOrder();
    void aBatchedSendTheKernelTakesInPartKeepsOrder();
    void closingSendsWhatWasGatheredFirst();
    void aClosedSocketsDescriptorIsNeverWrittenAgain();
    void aQWebSocketClientReadsEveryLengthEncoding();

private:
    struct Pair
    {
        std::unique_ptr<FrameServer> server = std::make_unique<FrameServer>();
        std::unique_ptr<QTcpSocket> client = std::make_unique<QTcpSocket>();
        FrameSocket *socket = nullptr;
    };
    static std::unique_ptr<Pair> connectedPair();
};

std::unique_ptr<tst_FrameSocket::Pair> tst_FrameSocket::connectedPair()
{
    auto p = std::make_unique<Pair>();
    if (!p->server->listen(QHostAddress::LocalHost, 0))
        return nullptr;
    p->client->connectToHost(QHostAddress::LocalHost, p->server->serverPort());
    if (!p->client->waitForConnected(5000))
        return nullptr;
    if (!QTest::qWaitFor([&] { return !p->server->accepted.isEmpty(); }, 5000))
        return nullptr;
    // Taken from the pending list: QTcpServer deletes what is still pending when it closes.
    p->socket = static_cast<FrameSocket *>(p->server->nextPendingConnection());
    p->socket->setGathering(true);
    return p;
}

void tst_FrameSocket::textFrameHeaders_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("header");
    QTest::newRow("0") << 0 << QByteArray::fromHex("8100");
    QTest::newRow("125") << 125 << QByteArray::fromHex("817d");
    QTest::newRow("126") << 126 << QByteArray::fromHex("817e007e");
    QTest::newRow("65535") << 65535 << QByteArray::fromHex("817effff");
    QTest::newRow("65536") << 65536 << QByteArray::fromHex("817f0000000000010000");
}

void tst_FrameSocket::textFrameHeaders()
{
    QFETCH(int, length);
    QFETCH(QByteArray, header);
    const QByteArray payload = pattern(length, 'a');
    const QByteArray frame = FrameSocket::textFrame(payload);
    QCOMPARE(frame.left(header.size()).toHex(), header.toHex());
    QCOMPARE(frame.size(), header.size() + length);
    QCOMPARE(frame.mid(header.size()), payload); // the payload right behind the header
}

void tst_FrameSocket::gatheredWritesArriveInOrderInOneSendPerPass()
{
    auto p = connectedPair();
    QVERIFY(p);
    QByteArray expected;
    const QByteArray shared = pattern(300, 'A');
    // Shared frames first: the caller is told to flush (nothing else will).
    QCOMPARE(p->socket->appendFrame(shared), FrameSocket::Appended::First);
    QCOMPARE(p->socket->appendFrame(shared), FrameSocket::Appended::More);
    expected += shared + shared;
    for (int i = 0; i < 50; ++i) {
        const QByteArray own = "write " + QByteArray::number(i) + ";";
        p->socket->write(own); // QWebSocket's own writes take this path and post a flush
        p->socket->appendFrame(shared); // the hub's shared frames this one
        expected += own + shared;
    }
    // Nothing has gone yet: it waits for the end of the pass, then goes out at once.
    QCOMPARE(p->socket->bytesToWrite(), qint64(expected.size()));
    QSignalSpy written(p->socket, &QIODevice::bytesWritten); // no sent handler: the signal
    QCOMPARE(receive(p->client.get(), expected.size(), 5000), expected);
    QCOMPARE(p->socket->bytesToWrite(), 0);
    QCOMPARE(written.size(), 1); // one sendmsg() for the whole pass
    QCOMPARE(written.first().first().toLongLong(), qint64(expected.size()));
}

void tst_FrameSocket::aFullKernelBufferHandsOverToQtAndKeepsOrder()
{
    auto p = connectedPair();
    QVERIFY(p);
    // 32 MiB in 1 MiB frames: far more than loopback's buffers take while the client is not
    // reading, so most of it lands in Qt's buffer; what is written after must follow it.
    QByteArray expected;
    for (int i = 0; i < 32; ++i) {
        const QByteArray frame = pattern(1 << 20, char('a' + i % 26));
        p->socket->appendFrame(frame);
        expected += frame;
    }
    qint64 unsent = -1;
    p->socket->setSentHandler([&](qint64 n) { unsent = n; });
    p->socket->sendGathered(); // the end-of-pass flush
    QVERIFY(p->socket->bytesToWrite() > 0); // the kernel did not take it all
    QCOMPARE(unsent, p->socket->bytesToWrite()); // told what Qt still holds
    const QByteArray later = "after the big ones";
    p->socket->write(later);
    QCOMPARE(p->socket->appendFrame("and a frame"), FrameSocket::Appended::Behind);
    expected += later + "and a frame";
    QByteArray received = receive(p->client.get(), expected.size(), 20000);
    QCOMPARE(received.size(), expected.size());
    QVERIFY(received == expected);
    QTRY_COMPARE(p->socket->bytesToWrite(), 0);
    // Once drained, the next pass tells the handler so (and only once).
    unsent = -1;
    QCOMPARE(p->socket->appendFrame("x"), FrameSocket::Appended::First);
    p->socket->sendGathered();
    QCOMPARE(unsent, 0);
    unsent = -1;
    QCOMPARE(p->socket->appendFrame("y"), FrameSocket::Appended::First);
    p->socket->sendGathered();
    QCOMPARE(unsent, -1);
    QTRY_COMPARE(received += p->client->readAll(), expected + "xy");
}

void tst_FrameSocket::aBatchedSendTheKernelTakesInPartKeepsOrder()
{
    // The two halves SocketWorker's io_uring batch uses (sendring.h): the kernel takes part of
    // the frames; the rest goes to Qt's buffer, in order, as with sendGathered().
    SendRing ring;
    if (!ring.ok())
        QSKIP("io_uring is not available here (or CONFAB_SEND_RING=off)");
    auto p = connectedPair();
    QVERIFY(p);
    QByteArray expected;
    for (int i = 0; i < SendRing::kIov; ++i) { // 8 x 4 MiB: more than loopback takes at once
        const QByteArray frame = pattern(4 << 20, char('a' + i));
        p->socket->appendFrame(frame);
        expected += frame;
    }
    int fd = -1;
    const int frames = p->socket->prepareSend(ring.iov(0), SendRing::kIov, &fd);
    QCOMPARE(frames, SendRing::kIov);
    QCOMPARE(fd, int(p->socket->socketDescriptor()));
    QVERIFY(p->socket->inBatch());
    // In a batch: not lined up twice, and its own flush waits for the batch's answer.
    QCOMPARE(p->socket->prepareSend(ring.iov(1), SendRing::kIov, &fd), 0);
    p->socket->sendGathered();
    QCOMPARE(p->socket->bytesToWrite(), expected.size());
    ring.set(0, fd, frames);
    qint64 result = 0;
    ring.submit(1, &result);
    QVERIFY2(result > 0 && result < expected.size(), qPrintable(QString::number(result)));
    p->socket->finishSend(result);
    QVERIFY(!p->socket->inBatch());
    QCOMPARE(p->socket->bytesToWrite(), expected.size() - result); // the rest is in Qt's buffer
    QCOMPARE(p->socket->appendFrame("then this"), FrameSocket::Appended::Behind);
    expected += "then this";
    const QByteArray received = receive(p->client.get(), expected.size(), 20000);
    QCOMPARE(received.size(), expected.size());
    QVERIFY(received == expected);

    // More frames than a batch slot holds: that socket is sent with sendGathered() instead.
    QTRY_COMPARE(p->socket->bytesToWrite(), 0);
    for (int i = 0; i <= SendRing::kIov; ++i)
        p->socket->appendFrame("f");
    QCOMPARE(p->socket->prepareSend(ring.iov(0), SendRing::kIov, &fd), 0);
    QVERIFY(!p->socket->inBatch());
}

void tst_FrameSocket::closingSendsWhatWasGatheredFirst()
{
    auto p = connectedPair();
    QVERIFY(p);
    const QByteArray last = pattern(5000, 'x');
    p->socket->appendFrame(last);
    p->socket->disconnectFromHost(); // before the pass ends
    const QByteArray received = receive(p->client.get(), last.size(), 5000);
    QCOMPARE(received, last);
    QTRY_COMPARE(p->client->state(), QAbstractSocket::UnconnectedState); // then the close
}

void tst_FrameSocket::aClosedSocketsDescriptorIsNeverWrittenAgain()
{
    // The descriptor is cached for sendmsg(); once Qt has closed it, the number may already
    // belong to the next connection, which must not receive the old socket's frames.
    auto a = connectedPair();
    QVERIFY(a);
    FrameSocket *old = a->socket;
    old->setParent(nullptr); // kept alive past its server, as a QWebSocket keeps its socket
    std::unique_ptr<FrameSocket> keep(old);
    const int fd = int(old->socketDescriptor());
    a->client->abort();
    QTRY_COMPARE(old->state(), QAbstractSocket::UnconnectedState);
    a.reset();

    std::unique_ptr<Pair> b;
    for (int i = 0; i < 20 && (!b || int(b->socket->socketDescriptor()) != fd); ++i)
        b = connectedPair(); // try to land on the same descriptor number
    QVERIFY(b);
    old->appendFrame("stale");
    old->sendGathered();
    QTest::qWait(100);
    QCOMPARE(b->client->readAll(), QByteArray());
}

void tst_FrameSocket::aQWebSocketClientReadsEveryLengthEncoding()
{
    // The server side as SocketWorker runs it: QWebSocketServer handshakes on a FrameSocket,
    // then frames are appended to that socket directly, between QWebSocket's own writes.
    FrameServer tcp;
    QVERIFY(tcp.listen(QHostAddress::LocalHost, 0));
    QWebSocketServer ws(u"t"_s, QWebSocketServer::NonSecureMode);
    connect(&tcp, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *s = tcp.nextPendingConnection()) {
            static_cast<FrameSocket *>(s)->setGathering(true);
            ws.handleConnection(s);
        }
    });
    std::unique_ptr<QWebSocket> server;
    connect(&ws, &QWebSocketServer::newConnection, this,
            [&] { server.reset(ws.nextPendingConnection()); });
    QWebSocket client;
    client.setMaxAllowedIncomingMessageSize(1 << 20);
    QStringList received;
    connect(&client, &QWebSocket::textMessageReceived, this,
            [&](const QString &m) { received << m; });
    client.open(QUrl(u"ws://127.0.0.1:%1/"_s.arg(tcp.serverPort())));
    QTRY_VERIFY(server && client.state() == QAbstractSocket::ConnectedState);

    QStringList sent;
    FrameSocket *socket = tcp.accepted.first();
    for (int n : { 1, 125, 126, 4000, 65535, 65536, 200000 }) {
        const QString text = QString::fromLatin1(pattern(n, 'k')) + u"é"_s; // UTF-8 too
        socket->appendFrame(FrameSocket::textFrame(text.toUtf8()));
        sent << text;
        if (n == 126) { // QWebSocket's own frame in the middle
            server->sendTextMessage(u"from QWebSocket"_s);
            sent << u"from QWebSocket"_s;
        }
    }
    socket->sendGathered(); // what SocketWorker does at the end of its batch
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), sent.size(), 10000);
    QCOMPARE(received, sent);
}

QTEST_GUILESS_MAIN(tst_FrameSocket)
#include "tst_framesocket.moc"
