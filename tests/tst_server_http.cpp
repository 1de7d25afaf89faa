// The server's HTTP surface that every deployment relies on: health, readiness, metrics, and
// JSON errors for unknown routes and methods.
#include "testsupport.h"

#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

class tst_ServerHttp : public QObject
{
    Q_OBJECT

private slots:
    void healthzAnswersWithVersion();
    void readyzIsReadyWhenListening();
    void unknownPathIsJson404();
    void wrongMethodIsJson405();
    void metricsCountRequestsByRouteAndStatus();
    void pipelinedRequestsAreAnsweredInOrderUntilClose();
};

void tst_ServerHttp::healthzAnswersWithVersion()
{
    TestServer s;
    QVERIFY(s.ok());
    const auto r = s.get(u"/healthz"_s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(u"status"_s).toString(), u"ok"_s);
    QCOMPARE(r.json().value(u"protocol"_s).toInt(), 1);
    QCOMPARE(r.header("content-type"), "application/json"_ba);
}

void tst_ServerHttp::readyzIsReadyWhenListening()
{
    TestServer s;
    const auto r = s.get(u"/readyz"_s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(u"status"_s).toString(), u"ready"_s);
}

void tst_ServerHttp::unknownPathIsJson404()
{
    TestServer s;
    const auto r = s.get(u"/api/v1/nothing-here"_s);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), u"not_found"_s);
    QVERIFY(!r.json().value(u"error"_s).toObject().value(u"message"_s).toString().isEmpty());
}

void tst_ServerHttp::wrongMethodIsJson405()
{
    TestServer s;
    const auto r = s.request("DELETE", u"/healthz"_s);
    QCOMPARE(r.status, 405);
    QCOMPARE(r.errorCode(), u"method_not_allowed"_s);
}

void tst_ServerHttp::metricsCountRequestsByRouteAndStatus()
{
    TestServer s;
    s.get(u"/healthz"_s);
    s.get(u"/healthz"_s);
    s.get(u"/nope"_s);
    const auto r = s.get(u"/metrics"_s);
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("text/plain"));
    QVERIFY2(r.body.contains(
                 R"(confab_http_requests_total{route="/healthz",method="GET",status="200"} 2)"),
             r.body.constData());
    QVERIFY(r.body.contains(
        R"(confab_http_requests_total{route="unmatched",method="GET",status="404"} 1)"));
    QVERIFY(r.body.contains("# TYPE confab_http_request_duration_seconds histogram"));
}

void tst_ServerHttp::pipelinedRequestsAreAnsweredInOrderUntilClose()
{
    TestServer s;
    // Three pipelined requests: answered in order, each whole; the third asks to close, so the
    // server closes after it (and reads nothing after it).
    const QByteArray resp = rawExchange(
        s.port(),
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(rawStatus(resp), 200);
    const qsizetype notFound = resp.indexOf("HTTP/1.1 404");
    const qsizetype ready = resp.indexOf("\"ready\"");
    QVERIFY2(resp.indexOf("\"ok\"") < notFound && notFound < ready, resp.constData());
    QCOMPARE(resp.count("HTTP/1.1 "), 3);
    QCOMPARE(resp.count("Connection: close"), 1); // the last answer says so
    // HTTP/1.0 closes after one answer.
    const QByteArray old = rawExchange(
        s.port(), "GET /healthz HTTP/1.0\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n");
    QCOMPARE(old.count("HTTP/1.1 200"), 1);
    QVERIFY(old.contains("Connection: close"));
}

QTEST_GUILESS_MAIN(tst_ServerHttp)
#include "tst_server_http.moc"
