// The client's SSE parser: what the server's stream means, however it is cut, and a bound on
// what a hostile stream can make the client buffer.
#include "sseparser.h"

#include <QTest>

using namespace confab::client;

class tst_SseParser : public QObject
{
    Q_OBJECT

private slots:
    void messagesFromTheServersStream()
    {
        const QByteArray stream = ": keep-alive\n\n"
                                  "id: 7\nevent: event\ndata: {\"type\":\"event\"}\n\n"
                                  "event: reset\r\ndata: x\r\n\r\n"
                                  "data: a\rdata:b\r\r";
        const QList<SseMessage> expected {
            { "event", "{\"type\":\"event\"}", "7" },
            { "reset", "x", {} },
            { {}, "a\nb", {} },
        };
        // Whole, and one byte at a time (a CRLF cut between its CR and its LF included).
        SseParser whole;
        QList<SseMessage> got;
        QVERIFY(whole.feed(stream, &got));
        QCOMPARE(got, expected);
        SseParser bytewise;
        got.clear();
        for (char c : stream)
            QVERIFY(bytewise.feed(QByteArrayView(&c, 1), &got));
        QCOMPARE(got, expected);
    }

    void aMessageThatNeverEndsIsRefused()
    {
        SseParser p(1024);
        QList<SseMessage> got;
        QVERIFY(p.feed(QByteArray(QByteArray("data: ") + QByteArray(1000, 'x')), &got));
        QVERIFY(!p.feed(QByteArray(100, 'x'), &got)); // past 1 KiB without a blank line
        QVERIFY(!p.feed("\n\n", &got)); // and it stays refused
        QVERIFY(got.isEmpty());
        p.reset();
        QVERIFY(p.feed("data: ok\n\n", &got));
        QCOMPARE(got.size(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_SseParser)
#include "tst_sseparser.moc"
