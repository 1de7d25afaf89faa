// The real PostgreSQL and Redis the multi-node mode runs on (tests/services.h), started and
// crashed the way the multi-node tests will: what those tests rely on is checked here first.
// Through the same client libraries the server uses: Qt's QPSQL driver and hiredis.
#include "services.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QMap>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <hiredis/hiredis.h>

#include <memory>

using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct RedisFree
{
    void operator()(redisContext *c) const { redisFree(c); }
    void operator()(redisReply *r) const { freeReplyObject(r); }
};
using RedisConnection = std::unique_ptr<redisContext, RedisFree>;
using Reply = std::unique_ptr<redisReply, RedisFree>;

RedisConnection connectRedis(quint16 port)
{
    const timeval timeout { 2, 0 };
    RedisConnection c(redisConnectWithTimeout("127.0.0.1", port, timeout));
    if (c && !c->err)
        redisSetTimeout(c.get(), timeout);
    return c;
}

Reply command(redisContext *c, const char *format, const char *arg = nullptr)
{
    return Reply(static_cast<redisReply *>(arg ? redisCommand(c, format, arg) : redisCommand(c, format)));
}

QSqlDatabase connectPostgres(const PostgresServer &pg, const QString &name)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
    db.setHostName(u"127.0.0.1"_s);
    db.setPort(pg.port());
    db.setDatabaseName(pg.database());
    db.setUserName(pg.user());
    db.open();
    return db;
}

} // namespace

class TestServices : public QObject
{
    Q_OBJECT
    std::vector<std::unique_ptr<QTcpSocket>> kept; // client connections a test holds open
private slots:
    void postgresCommitsSurviveACrash();
    void redisAnswersAndComesBackEmptyAfterACrash();
    void haproxySpreadsConnectionsAndSkipsADeadNode();
};

void TestServices::postgresCommitsSurviveACrash()
{
    PostgresServer pg;
    QString error;
    QVERIFY2(pg.start(&error), qPrintable(error));
    QVERIFY(pg.running());
    QVERIFY(pg.url().startsWith(u"postgres://confab@127.0.0.1:"_s));
    {
        QSqlDatabase db = connectPostgres(pg, u"first"_s);
        QVERIFY2(db.isOpen(), qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        QVERIFY(q.exec(u"SHOW server_version_num"_s) && q.next());
        QVERIFY2(q.value(0).toInt() >= 150000, qPrintable(q.value(0).toString()));
        QVERIFY2(q.exec(u"CREATE TABLE events (room bigint, seq bigint, body text,"
                        u" PRIMARY KEY (room, seq))"_s),
                 qPrintable(q.lastError().text()));
        QVERIFY(q.exec(u"INSERT INTO events VALUES (1, 1, 'committed before the crash')"_s));
        // A crash: every connection is cut, and what was committed stays.
        pg.kill();
        QVERIFY(!pg.running());
        QVERIFY(!q.exec(u"INSERT INTO events VALUES (1, 2, 'never')"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"first"_s);
    QVERIFY2(pg.start(&error), qPrintable(error)); // the same port, the same data
    {
        QSqlDatabase db = connectPostgres(pg, u"second"_s);
        QVERIFY2(db.isOpen(), qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        QVERIFY(q.exec(u"SELECT seq, body FROM events ORDER BY seq"_s));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toLongLong(), 1);
        QCOMPARE(q.value(1).toString(), u"committed before the crash"_s);
        QVERIFY(!q.next());
        db.close();
    }
    QSqlDatabase::removeDatabase(u"second"_s);
    QVERIFY2(pg.stop(&error), qPrintable(error));
    QVERIFY(!pg.running());
}

void TestServices::redisAnswersAndComesBackEmptyAfterACrash()
{
    RedisServer redis;
    QString error;
    QVERIFY2(redis.start(&error), qPrintable(error));
    RedisConnection c = connectRedis(redis.port());
    QVERIFY(c && !c->err);
    Reply pong = command(c.get(), "PING");
    QVERIFY(pong && pong->type == REDIS_REPLY_STATUS);
    QCOMPARE(QByteArray(pong->str), QByteArray("PONG"));
    Reply set = command(c.get(), "SET presence:alice %s", "online");
    QVERIFY(set && set->type == REDIS_REPLY_STATUS);
    Reply get = command(c.get(), "GET presence:alice");
    QVERIFY(get && get->type == REDIS_REPLY_STRING);
    QCOMPARE(QByteArray(get->str, int(get->len)), QByteArray("online"));

    // A crash: the connection fails (it does not hang), and a restarted Redis is empty.
    const quint16 port = redis.port();
    redis.kill();
    QVERIFY(!redis.running());
    Reply lost = command(c.get(), "GET presence:alice");
    QVERIFY(!lost);
    QVERIFY(c->err != 0);
    QVERIFY2(redis.start(&error), qPrintable(error));
    QCOMPARE(redis.port(), port);
    RedisConnection again = connectRedis(port);
    QVERIFY(again && !again->err);
    Reply gone = command(again.get(), "GET presence:alice");
    QVERIFY(gone && gone->type == REDIS_REPLY_NIL);
}

void TestServices::haproxySpreadsConnectionsAndSkipsADeadNode()
{
    // Two nodes (plain listeners here; the multi-node tests put servers there) that say who
    // they are to whoever connects.
    struct Node
    {
        QTcpServer server;
        QList<QTcpSocket *> peers;
    } nodes[2];
    QList<quint16> ports;
    for (int i = 0; i < 2; ++i) {
        QVERIFY(nodes[i].server.listen(QHostAddress::LocalHost, 0));
        ports << nodes[i].server.serverPort();
        QObject::connect(&nodes[i].server, &QTcpServer::newConnection, &nodes[i].server,
                         [&node = nodes[i], i] {
                             while (QTcpSocket *s = node.server.nextPendingConnection()) {
                                 s->write(QByteArray::number(i + 1));
                                 node.peers << s;
                             }
                         });
    }
    HaproxyServer lb;
    QString error;
    QVERIFY2(lb.start(ports, &error), qPrintable(error));
    QVERIFY(lb.config().contains(u"balance leastconn"_s));
    const auto connectThrough = [&] {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QHostAddress::LocalHost, lb.port());
        if (!s->waitForConnected(2000))
            return QByteArray();
        if (!QTest::qWaitFor([&] { return s->bytesAvailable() > 0; }, 5000))
            return QByteArray();
        const QByteArray who = s->readAll();
        kept.push_back(std::move(s));
        return who;
    };
    // Long-lived connections go to the node with the fewest: two each.
    QMap<QByteArray, int> count;
    for (int i = 0; i < 4; ++i)
        ++count[connectThrough()];
    QCOMPARE(count.value("1"), 2);
    QCOMPARE(count.value("2"), 2);
    // Node 1 dies: its connections drop, and within a check or two every new one goes to 2.
    nodes[0].server.close();
    for (QTcpSocket *s : nodes[0].peers)
        s->abort();
    QTest::qWait(600);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(connectThrough(), QByteArray("2"));
}

QTEST_GUILESS_MAIN(TestServices)
#include "tst_services.moc"
