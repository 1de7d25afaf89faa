// SocketWorker's flush: sockets with frames to send are written oldest first, a slice at a time,
// with the event loop running between slices; nothing is lost, doubled or reordered, and a
// socket that gathers again waits behind those already waiting (none starves).
#include "framesocket.h"
#include "sendring.h"
#include "socketworker.h"

#include <QScopeGuard>
#include <QTcpServer>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace confab::server;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

// Accepts into FrameSockets and hands them to the worker, as ConnectionGuard and the hub do.
class Acceptor : public QTcpServer
{
public:
    explicit Acceptor(SocketWorker *worker)
        : m_worker(worker)
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *s = new FrameSocket;
        s->setSocketDescriptor(descriptor);
        m_worker->adopt(s);
    }

private:
    SocketWorker *m_worker;
};

} // namespace

class tst_SocketWorker : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void aBigFlushIsSlicedOldestFirst();
    void aSocketThatGathersAgainWaitsItsTurn();
    void everyFrameArrivesOnceInOrder();
    void aSocketQueuedTwiceSendsItsFramesOnce();
    void aRingThatGivesUpLosesAndDoublesNothing();
    void aSendWhoseAnswerIsLostDropsItsConnection();
    void shutdownSendsWhatIsStillQueued();

private:
    static constexpr int kClients = 100;
    void sendPass(); // runs the worker's posted flush once (one slice)
    qsizetype waitingSockets() const; // links whose socket still holds gathered frames
    QByteArray frame(int client, int n) const;

    std::unique_ptr<SocketWorker> m_worker;
    std::unique_ptr<Acceptor> m_acceptor;
    std::vector<std::unique_ptr<QWebSocket>> m_clients;
    std::vector<std::shared_ptr<WsLink>> m_links; // in the order they opened
    QList<QStringList> m_received; // by client
};

void tst_SocketWorker::init()
{
    m_worker = std::make_unique<SocketWorker>(0, 1 << 20);
    m_acceptor = std::make_unique<Acceptor>(m_worker.get());
    QVERIFY(m_acceptor->listen(QHostAddress::LocalHost, 0));
    connect(m_worker.get(), &SocketWorker::opened, this,
            [this](const std::shared_ptr<WsLink> &link, const QByteArray &) {
                m_links.push_back(link);
            });
    m_received = QList<QStringList>(kClients);
    // One client at a time, so link i is client i.
    for (int i = 0; i < kClients; ++i) {
        auto ws = std::make_unique<QWebSocket>();
        connect(ws.get(), &QWebSocket::textMessageReceived, this,
                [this, i](const QString &m) { m_received[i] << m; });
        ws->open(QUrl(u"ws://127.0.0.1:%1/"_s.arg(m_acceptor->serverPort())));
        QTRY_COMPARE(m_links.size(), size_t(i + 1));
        QTRY_COMPARE(ws->state(), QAbstractSocket::ConnectedState);
        m_clients.push_back(std::move(ws));
    }
    QCOMPARE(waitingSockets(), 0);
}

void tst_SocketWorker::cleanup()
{
    m_clients.clear();
    if (m_worker)
        m_worker->shutdown();
    m_links.clear();
    m_acceptor.reset();
    m_worker.reset();
}

void tst_SocketWorker::sendPass()
{
    QCoreApplication::sendPostedEvents(m_worker.get(), QEvent::MetaCall);
}

qsizetype tst_SocketWorker::waitingSockets() const
{
    qsizetype n = 0;
    for (const auto &link : m_links)
        n += link->tcp && link->tcp->bytesToWrite() > 0;
    return n;
}

QByteArray tst_SocketWorker::frame(int client, int n) const
{
    return FrameSocket::textFrame(u"client %1 frame %2"_s.arg(client).arg(n).toUtf8());
}

void tst_SocketWorker::aBigFlushIsSlicedOldestFirst()
{
    m_worker->setFlushSlice(0ns); // a slice ends at the first clock check
    const int perSlice = SocketWorker::kSocketsPerClockCheck;
    // Gathered in reverse order of connection: the oldest gathered is the last client.
    for (int i = kClients - 1; i >= 0; --i)
        QVERIFY(m_worker->sendFrame(*m_links[size_t(i)], frame(i, 0)));
    QCOMPARE(waitingSockets(), kClients); // nothing goes before the flush runs
    sendPass();
    QCOMPARE(waitingSockets(), kClients - perSlice); // one slice, then the loop's turn
    for (int i = 0; i < kClients; ++i) {
        const bool sent = m_links[size_t(i)]->tcp->bytesToWrite() == 0;
        QVERIFY2(sent == (i >= kClients - perSlice), qPrintable(u"client %1"_s.arg(i)));
    }
    sendPass();
    QCOMPARE(waitingSockets(), kClients - 2 * perSlice);
    // The rest goes on later passes by itself (the slice re-posts itself).
    QTRY_COMPARE(waitingSockets(), 0);
    for (int i = 0; i < kClients; ++i)
        QTRY_COMPARE(m_received[i], QStringList { u"client %1 frame 0"_s.arg(i) });
}

void tst_SocketWorker::aSocketThatGathersAgainWaitsItsTurn()
{
    m_worker->setFlushSlice(0ns);
    const int perSlice = SocketWorker::kSocketsPerClockCheck;
    for (int i = 0; i < kClients; ++i)
        QVERIFY(m_worker->sendFrame(*m_links[size_t(i)], frame(i, 0)));
    sendPass(); // clients 0..31 sent
    QCOMPARE(m_links[0]->tcp->bytesToWrite(), 0);
    // Client 0 gathers again; client 40 (still waiting) gathers a second frame.
    QVERIFY(m_worker->sendFrame(*m_links[0], frame(0, 1)));
    QVERIFY(m_worker->sendFrame(*m_links[40], frame(40, 1)));
    // Every socket that waited before client 0 gathered again goes first.
    int passes = 0;
    while (m_links[0]->tcp->bytesToWrite() > 0) {
        for (int i = perSlice; i < kClients; ++i) {
            if (m_links[size_t(i)]->tcp->bytesToWrite() > 0)
                QVERIFY2(m_links[0]->tcp->bytesToWrite() > 0, "client 0 went ahead of the queue");
        }
        sendPass();
        QVERIFY(++passes < 10);
    }
    QCOMPARE(waitingSockets(), 0);
    QCOMPARE(passes, 3); // the 68 still waiting, then client 0: three slices of 32
    QTRY_COMPARE(m_received[0], QStringList({ u"client 0 frame 0"_s, u"client 0 frame 1"_s }));
    // Client 40's second frame joined its first: one write, both in order.
    QTRY_COMPARE(m_received[40], QStringList({ u"client 40 frame 0"_s, u"client 40 frame 1"_s }));
}

void tst_SocketWorker::everyFrameArrivesOnceInOrder()
{
    // Frames gathered while earlier slices are still being written, the loop running freely
    // between them (default slice): each client gets each of its frames once, in order.
    constexpr int kRounds = 50;
    QList<QStringList> expected(kClients);
    for (int n = 0; n < kRounds; ++n) {
        for (int i = 0; i < kClients; ++i) {
            if ((i + n) % 3 == 0)
                continue; // not every client in every round
            QVERIFY(m_worker->sendFrame(*m_links[size_t(i)], frame(i, n)));
            expected[i] << u"client %1 frame %2"_s.arg(i).arg(n);
        }
        if (n % 7 == 0)
            QCoreApplication::processEvents(); // some rounds land between slices
    }
    for (int i = 0; i < kClients; ++i)
        QTRY_COMPARE(m_received[i], expected[i]);
    QCOMPARE(waitingSockets(), 0);
}

void tst_SocketWorker::aSocketQueuedTwiceSendsItsFramesOnce()
{
    // A socket that flushed on its own (QWebSocket's pong, say) and gathered again is in the
    // queue twice; with io_uring both entries fall in one batch of sends. Each frame once.
    QVERIFY(m_worker->sendFrame(*m_links[0], frame(0, 0)));
    m_links[0]->tcp->sendGathered(); // its own flush, before the worker's
    QVERIFY(m_worker->sendFrame(*m_links[0], frame(0, 1)));
    QVERIFY(m_worker->sendFrame(*m_links[1], frame(1, 0)));
    QVERIFY(m_worker->sendFrame(*m_links[0], frame(0, 2)));
    sendPass();
    QCOMPARE(waitingSockets(), 0);
    QTRY_COMPARE(m_received[1], QStringList { u"client 1 frame 0"_s });
    QTRY_COMPARE(m_received[0].size(), 3);
    QTest::qWait(50); // a doubled frame would come right behind
    QCOMPARE(m_received[0],
             QStringList({ u"client 0 frame 0"_s, u"client 0 frame 1"_s, u"client 0 frame 2"_s }));
}

void tst_SocketWorker::aRingThatGivesUpLosesAndDoublesNothing()
{
    // The io_uring ring takes 5 sends of its first batch and gives up (fault injection): the
    // other 27 of that batch go through Qt's buffer, every later socket through sendmsg().
    // (Without io_uring, as in tst_socketworker_sendmsg, this is the plain sendmsg() flush.)
    SendRing::s_takeAtMostForTest = 5;
    const auto restore = qScopeGuard([] { SendRing::s_takeAtMostForTest = -1; });
    QList<QStringList> expected(kClients);
    for (int n = 0; n < 3; ++n) {
        for (int i = 0; i < kClients; ++i) {
            QVERIFY(m_worker->sendFrame(*m_links[size_t(i)], frame(i, n)));
            expected[i] << u"client %1 frame %2"_s.arg(i).arg(n);
        }
        sendPass();
    }
    for (int i = 0; i < kClients; ++i)
        QTRY_COMPARE(m_received[i], expected[i]);
    QTRY_COMPARE(waitingSockets(), 0);
    QTest::qWait(50); // a doubled frame would come right behind
    for (int i = 0; i < kClients; ++i)
        QCOMPARE(m_received[i], expected[i]);
}

void tst_SocketWorker::aSendWhoseAnswerIsLostDropsItsConnection()
{
    SendRing ring;
    if (!ring.ok())
        QSKIP("io_uring is not available here (or CONFAB_SEND_RING=off)");
    // The ring's answers for its first batch (clients 0-31) are lost (fault injection): what
    // reached those clients is unknown, so their connections are dropped (they resume from their
    // last seq) and nothing more is written to them; the others are served by sendmsg().
    SendRing::s_loseAnswersForTest = true;
    const auto restore = qScopeGuard([] { SendRing::s_loseAnswersForTest = false; });
    const int perBatch = SendRing::kBatch;
    for (int i = 0; i < kClients; ++i)
        QVERIFY(m_worker->sendFrame(*m_links[size_t(i)], frame(i, 0)));
    sendPass();
    SendRing::s_loseAnswersForTest = false;
    for (int i = 0; i < perBatch; ++i) // written after the loss: dropped, not sent
        m_worker->sendFrame(*m_links[size_t(i)], frame(i, 1));
    for (int i = 0; i < kClients; ++i) {
        if (i < perBatch) {
            QTRY_COMPARE(m_clients[size_t(i)]->state(), QAbstractSocket::UnconnectedState);
            QVERIFY2(m_received[i].size() <= 1, qPrintable(m_received[i].join(u", "_s)));
        } else {
            QTRY_COMPARE(m_received[i], QStringList { u"client %1 frame 0"_s.arg(i) });
            QCOMPARE(m_clients[size_t(i)]->state(), QAbstractSocket::ConnectedState);
        }
    }
}

void tst_SocketWorker::shutdownSendsWhatIsStillQueued()
{
    m_worker->setFlushSlice(0ns);
    for (int i = 0; i < kClients; ++i)
        QVERIFY(m_worker->sendFrame(*m_links[size_t(i)], frame(i, 0)));
    sendPass(); // one slice went; the rest waits, and a flush is posted
    QCOMPARE(waitingSockets(), kClients - SocketWorker::kSocketsPerClockCheck);
    m_worker->shutdown(); // the server stopping: everything gathered goes out first
    for (const auto &link : m_links)
        QVERIFY(!link->tcp); // the sockets are gone; the posted flush must not touch them
    QCoreApplication::sendPostedEvents(m_worker.get(), QEvent::MetaCall);
    for (int i = 0; i < kClients; ++i)
        QTRY_COMPARE(m_received[i], QStringList { u"client %1 frame 0"_s.arg(i) });
}

QTEST_GUILESS_MAIN(tst_SocketWorker)
#include "tst_socketworker.moc"
