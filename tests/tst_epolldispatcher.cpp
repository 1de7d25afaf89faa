// EpollEventDispatcher: this whole test runs on it (main thread and worker threads), so QtTest's
// own waiting, QTcpSocket, QHttpServer and QWebSocket are exercised on it too.
#include "epolldispatcher.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

using namespace confab;
using namespace confab::server;
using namespace confab::test;
using namespace Qt::StringLiterals;

class tst_EpollDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void mainThreadRunsOnEpoll();
    void timersFireInDeadlineOrderRepeatAndStop();
    void manySocketsEchoWithoutLossOrMixUp();
    void aFullSocketResumesWritingWhenThePeerReads();
    void postsFromAnotherThreadWakeAWaitingLoop();
    void aRealServerDeliversMessagesOnIt();
};

void tst_EpollDispatcher::mainThreadRunsOnEpoll()
{
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
}

void tst_EpollDispatcher::timersFireInDeadlineOrderRepeatAndStop()
{
    QStringList fired;
    QTimer late, early, repeating;
    late.setSingleShot(true);
    early.setSingleShot(true);
    connect(&late, &QTimer::timeout, this, [&] { fired << u"late"_s; });
    connect(&early, &QTimer::timeout, this, [&] { fired << u"early"_s; });
    int ticks = 0;
    connect(&repeating, &QTimer::timeout, this, [&] {
        if (++ticks == 5)
            repeating.stop();
    });
    QElapsedTimer clock;
    clock.start();
    late.start(120);
    early.start(40);
    repeating.start(10);
    QVERIFY(late.remainingTime() > 60);
    QTRY_COMPARE(fired, (QStringList { u"early"_s, u"late"_s }));
    QVERIFY2(clock.elapsed() >= 119, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(ticks, 5); // repeated, then stopped for good
    QTest::qWait(50);
    QCOMPARE(ticks, 5);
    QCOMPARE(late.remainingTime(), -1);
}

void tst_EpollDispatcher::manySocketsEchoWithoutLossOrMixUp()
{
    QTcpServer server;
    server.setMaxPendingConnections(1000); // Qt's 30 and a backlog of 50 stall 300 connects
    server.setListenBacklogSize(1024);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *s = server.nextPendingConnection()) {
            connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
            connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
        }
    });
    constexpr int kClients = 300;
    std::vector<std::unique_ptr<QTcpSocket>> clients;
    std::vector<QByteArray> echoed(kClients);
    for (int i = 0; i < kClients; ++i) {
        auto s = std::make_unique<QTcpSocket>();
        QTcpSocket *raw = s.get();
        connect(raw, &QTcpSocket::readyRead, this,
                [raw, &echoed, i] { echoed[i] += raw->readAll(); });
        raw->connectToHost(QHostAddress::LocalHost, server.serverPort());
        clients.push_back(std::move(s));
    }
    // 64 KiB each: more than one socket buffer, so write notifiers are used as well.
    for (int i = 0; i < kClients; ++i)
        clients[i]->write(QByteArray(64 * 1024, char('a' + i % 26)) + QByteArray::number(i));
    for (int i = 0; i < kClients; ++i) {
        const QByteArray expected
            = QByteArray(64 * 1024, char('a' + i % 26)) + QByteArray::number(i);
        QTRY_COMPARE_WITH_TIMEOUT(echoed[i].size(), expected.size(), 20000);
        QCOMPARE(echoed[i], expected);
    }
    // Closing them all: the server side sees every disconnect and unregisters its notifiers.
    clients.clear();
    QTRY_COMPARE(server.findChildren<QTcpSocket *>().size(), 0);
}

// Write notifiers are probed rather than watched (see epolldispatcher.h); a socket that the
// peer does not drain fills up, and only epoll can then say when writing may resume.
void tst_EpollDispatcher::aFullSocketResumesWritingWhenThePeerReads()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QTcpSocket sender;
    sender.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QTRY_VERIFY(server.hasPendingConnections());
    std::unique_ptr<QTcpSocket> receiver(server.nextPendingConnection());
    receiver->setReadBufferSize(64 * 1024); // Qt stops reading when this is full
    QTRY_COMPARE(sender.state(), QAbstractSocket::ConnectedState);
    QByteArray data(32 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < data.size(); ++i)
        data[i] = char(i * 7 + i / 4096);
    sender.write(data);
    QTest::qWait(300); // nobody reads: the kernel buffers fill and the sender must wait
    QVERIFY2(sender.bytesToWrite() > 0, "the socket never filled up: the test proves nothing");
    QByteArray received;
    connect(receiver.get(), &QTcpSocket::readyRead, this, [&] { received += receiver->readAll(); });
    received += receiver->readAll();
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), data.size(), 20000);
    QVERIFY(received == data);
    QCOMPARE(sender.bytesToWrite(), 0);
}

void tst_EpollDispatcher::postsFromAnotherThreadWakeAWaitingLoop()
{
    QThread worker;
    worker.setEventDispatcher(new EpollEventDispatcher);
    worker.start();
    QObject inWorker;
    inWorker.moveToThread(&worker);
    // Nothing else happens in the worker: only the post can wake it, many times over.
    std::atomic<int> ran { 0 };
    for (int i = 0; i < 1000; ++i)
        QMetaObject::invokeMethod(
            &inWorker, [&] { ++ran; }, Qt::QueuedConnection);
    QTRY_COMPARE(ran.load(), 1000);
    QElapsedTimer clock;
    clock.start();
    bool timerFired = false;
    QMetaObject::invokeMethod(
        &inWorker, [&] { QTimer::singleShot(30, &inWorker, [&] { timerFired = true; }); },
        Qt::QueuedConnection);
    QTRY_VERIFY(timerFired);
    QVERIFY(clock.elapsed() >= 29);
    worker.quit(); // interrupt(): the blocked epoll_wait returns and the loop ends
    QVERIFY(worker.wait(5000));
}

void tst_EpollDispatcher::aRealServerDeliversMessagesOnIt()
{
    TestServer s([](ServerConfig &c) { c.realtimeThreads = 2; }); // workers on epoll too
    const auto ab = s.aliceAndBobInARoom();
    // Variables, not structured bindings: clang 14 cannot capture those in a lambda.
    const auto a = ab.alice, b = ab.bob;
    const qint64 room = ab.room;
    QVERIFY(room);
    WsClient wa(s.port()), wb(s.port());
    QVERIFY(wa.enter(a.token, room));
    QVERIFY(wb.enter(b.token, room));
    for (int i = 0; i < 50; ++i)
        wa.sendFrame({ u"s%1"_s.arg(i), SendFrame { room, u"c%1"_s.arg(i), u"m%1"_s.arg(i), {}, 0 } });
    const auto bodies = [&](const WsClient &c) {
        QStringList out;
        for (const auto &e : c.events()) {
            if (e.roomId == room && e.type == EventType::Message)
                out << e.body();
        }
        return out;
    };
    QStringList expected;
    for (int i = 0; i < 50; ++i)
        expected << u"m%1"_s.arg(i);
    // Each client's socket is written by its own worker, in its own time.
    QTRY_COMPARE(bodies(wb), expected);
    QTRY_COMPARE(bodies(wa), expected);
}

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    tst_EpollDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolldispatcher.moc"
