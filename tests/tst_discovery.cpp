// LAN discovery: a real server's responder and the client's LanDiscovery over real UDP sockets.
#include "discovery.h"
#include "landiscovery.h"
#include "metrics.h"
#include "testsupport.h"

#include <QNetworkDatagram>
#include <QSignalSpy>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUdpSocket>

using namespace Qt::StringLiterals;
using namespace confab;
using namespace confab::client;
using namespace confab::test;

class TestDiscovery : public QObject
{
    Q_OBJECT

private:
    // Sends `datagram` to the server's discovery port; returns what came back within `waitMs`.
    static QList<QByteArray> ask(quint16 port, const QByteArray &datagram, int waitMs = 300)
    {
        QUdpSocket s;
        s.bind(QHostAddress::LocalHost, 0);
        s.writeDatagram(datagram, QHostAddress::LocalHost, port);
        QList<QByteArray> answers;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < waitMs) {
            QTest::qWait(20); // the server runs on this thread: let it work
            while (s.hasPendingDatagrams())
                answers.append(s.receiveDatagram().data());
        }
        return answers;
    }

private slots:
    void codecRoundTrip()
    {
        const QByteArray q = discovery::encodeQuery();
        QCOMPARE(q.size(), discovery::QueryBytes);
        QVERIFY(discovery::isQuery(q));
        const discovery::Announcement a { u"Büro <b>chat</b>"_s, 7080, u"0.1.0"_s, 1, true,
                                          u"88:C3:CD:7E:59:B6:54:E9:5F:01:3A:49:0E:B2:70:C4:49:AC:6C:FA:B4:76:7E:F9:9F:9D:15:F7:C9:50:B1:7C"_s };
        const QByteArray bytes = discovery::encodeAnnouncement(a);
        QVERIFY(bytes.size() < discovery::QueryBytes); // never more than the query
        const auto parsed = discovery::parseAnnouncement(bytes);
        QVERIFY(parsed);
        QCOMPARE(*parsed, a);
        // Hostile answers are refused, not half-read.
        QVERIFY(!discovery::parseAnnouncement("{\"type\":\"confab.server\",\"v\":1}"));
        QVERIFY(!discovery::parseAnnouncement(
            R"({"type":"confab.server","v":1,"name":"x","port":70000,"version":"1","protocol":1})"));
        QVERIFY(!discovery::parseAnnouncement("not json"));
        // A fingerprint that is not 32 uppercase hex pairs, or one without TLS, is refused.
        QJsonObject o = QJsonDocument::fromJson(bytes).object();
        o.insert(u"fingerprint"_s, u"not a fingerprint"_s);
        QVERIFY(!discovery::parseAnnouncement(QJsonDocument(o).toJson()));
        o.insert(u"fingerprint"_s, a.fingerprint);
        QVERIFY(discovery::parseAnnouncement(QJsonDocument(o).toJson()));
        o.insert(u"tls"_s, false);
        QVERIFY(!discovery::parseAnnouncement(QJsonDocument(o).toJson()));
        // A node of a cluster says which (its history's epoch: lower-case letters and digits).
        discovery::Announcement node = a;
        node.cluster = u"3kq8z1x0c7"_s;
        const auto parsedNode = discovery::parseAnnouncement(discovery::encodeAnnouncement(node));
        QVERIFY(parsedNode);
        QCOMPARE(parsedNode->cluster, node.cluster);
        o = QJsonDocument::fromJson(bytes).object();
        for (const QString &bad : { u"Not an id"_s, u"<b>x</b>"_s, QString(40, u'a') }) {
            o.insert(u"cluster"_s, bad);
            QVERIFY(!discovery::parseAnnouncement(QJsonDocument(o).toJson()));
        }
    }

    void nodesOfOneClusterAreListedAsOneServer()
    {
        // A LAN in a socket: two nodes of one cluster and a single server answer every query.
        QUdpSocket lanSide;
        QVERIFY(lanSide.bind(QHostAddress::LocalHost, 0));
        connect(&lanSide, &QUdpSocket::readyRead, &lanSide, [&] {
            while (lanSide.hasPendingDatagrams()) {
                const QNetworkDatagram q = lanSide.receiveDatagram();
                if (!discovery::isQuery(q.data()))
                    continue;
                for (const auto &[port, cluster] :
                     { std::pair<quint16, QString> { 7102, u"k7x"_s }, { 7101, u"k7x"_s },
                       { 7200, QString() } }) {
                    discovery::Announcement a { u"Office"_s, port, u"0.1.0"_s, 1, false, {},
                                                cluster };
                    lanSide.writeDatagram(discovery::encodeAnnouncement(a), q.senderAddress(),
                                          q.senderPort());
                }
            }
        });
        LanDiscovery lan({ lanSide.localPort(), std::chrono::milliseconds(100), false });
        lan.start();
        QTRY_COMPARE(lan.servers().size(), 2);
        const auto servers = lan.servers();
        const auto cluster = std::find_if(servers.begin(), servers.end(),
                                          [](const DiscoveredServer &s) { return !s.cluster.isEmpty(); });
        QVERIFY(cluster != servers.end());
        QCOMPARE(cluster->nodes, (QList<QUrl> { QUrl(u"http://127.0.0.1:7101"_s),
                                                QUrl(u"http://127.0.0.1:7102"_s) }));
        QCOMPARE(cluster->url, cluster->nodes.first());
        const auto single = std::find_if(servers.begin(), servers.end(),
                                         [](const DiscoveredServer &s) { return s.cluster.isEmpty(); });
        QVERIFY(single != servers.end());
        QVERIFY(single->nodes.isEmpty());
        QCOMPARE(single->url, QUrl(u"http://127.0.0.1:7200"_s));

        // The same nodes answering from this machine's LAN address too (as nodes on the
        // client's own machine do): still two nodes, under the address the LAN reaches.
        const auto grouped = LanDiscovery::group(
            { { QUrl(u"http://127.0.0.1:7101"_s), u"Office"_s, u"0.1.0"_s, {}, u"k7x"_s },
              { QUrl(u"http://192.168.1.20:7101"_s), u"Office"_s, u"0.1.0"_s, {}, u"k7x"_s },
              { QUrl(u"http://192.168.1.21:7102"_s), u"Office"_s, u"0.1.0"_s, {}, u"k7x"_s },
              { QUrl(u"http://127.0.0.1:7200"_s), u"Solo"_s, u"0.1.0"_s, {}, {} } });
        QCOMPARE(grouped.size(), 2);
        const auto office = std::find_if(grouped.begin(), grouped.end(),
                                         [](const DiscoveredServer &s) { return s.name == u"Office"; });
        QCOMPARE(office->nodes, (QList<QUrl> { QUrl(u"http://192.168.1.20:7101"_s),
                                               QUrl(u"http://192.168.1.21:7102"_s) }));
        QCOMPARE(office->url, QUrl(u"http://192.168.1.20:7101"_s));
    }

    void clientFindsServer()
    {
        TestServer server([](server::ServerConfig &c) { c.name = u"Team room"_s; });
        QVERIFY(server.ok());
        const quint16 port = server.server().discoveryPort();
        QVERIFY(port != 0);
        LanDiscovery lan({ port, std::chrono::milliseconds(200), false });
        QSignalSpy changed(&lan, &LanDiscovery::serversChanged);
        lan.start();
        QTRY_COMPARE(lan.servers().size(), 1);
        const DiscoveredServer found = lan.servers().first();
        QCOMPARE(found.name, u"Team room"_s);
        QCOMPARE(found.url, QUrl(QString(httpScheme() + u"://127.0.0.1:%1"_s).arg(server.port())));
        QCOMPARE(found.version, QStringLiteral(CONFAB_VERSION));
        // The URL it found really is the server.
        QCOMPARE(server.get(u"/healthz"_s).status, 200);
        // Repeated answers do not repeat the entry or re-announce an unchanged list.
        QTest::qWait(500);
        QCOMPARE(lan.servers().size(), 1);
        QCOMPARE(changed.size(), 1);
    }

    void vanishedServerIsDropped()
    {
        auto server = std::make_unique<TestServer>();
        const quint16 port = server->server().discoveryPort();
        LanDiscovery lan({ port, std::chrono::milliseconds(100), false });
        lan.start();
        QTRY_COMPARE(lan.servers().size(), 1);
        server.reset();
        QTRY_COMPARE_WITH_TIMEOUT(lan.servers().size(), 0, 3000);
    }

    void shortOrForeignDatagramsGetNoAnswer()
    {
        TestServer server;
        const quint16 port = server.server().discoveryPort();
        // A valid query gets exactly one answer, no larger than the query.
        auto answers = ask(port, discovery::encodeQuery());
        QCOMPARE(answers.size(), 1);
        QVERIFY(answers.first().size() <= discovery::QueryBytes);
        // Short (amplification bait), malformed, or other protocols: silence.
        QVERIFY(ask(port, R"({"type":"confab.discover","v":1})").isEmpty());
        QVERIFY(ask(port, QByteArray(600, 'x')).isEmpty());
        QByteArray other = discovery::encodeQuery();
        other.replace("confab.discover", "confab.discovex");
        QVERIFY(ask(port, other).isEmpty());
        const auto metrics = server.get(u"/metrics"_s).body;
        QVERIFY(metrics.contains("confab_discovery_queries_total{outcome=\"ignored\"} 3"));
        QVERIFY(metrics.contains("confab_discovery_queries_total{outcome=\"answered\"} 1"));
    }

    void answersAreRateLimited()
    {
        TestServer server;
        const quint16 port = server.server().discoveryPort();
        QUdpSocket s;
        s.bind(QHostAddress::LocalHost, 0);
        const QByteArray q = discovery::encodeQuery();
        for (int i = 0; i < 200; ++i)
            s.writeDatagram(q, QHostAddress::LocalHost, port);
        int answers = 0;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 500) {
            QTest::qWait(20); // the server runs on this thread: let it work
            while (s.hasPendingDatagrams()) {
                s.receiveDatagram();
                ++answers;
            }
        }
        QVERIFY2(answers > 0 && answers <= 50 * 2, qPrintable(QString::number(answers)));
    }

    void discoveryOff()
    {
        TestServer server([](server::ServerConfig &c) { c.discovery = false; });
        QVERIFY(server.ok());
        QCOMPARE(server.server().discoveryPort(), quint16(0));
    }
};

QTEST_GUILESS_MAIN(TestDiscovery)
#include "tst_discovery.moc"
