// The server's own WebSocket endpoint (server/ws/): the opening handshake, the frame reader, and
// what a real server does with a client that splits, interleaves or breaks frames. Over TLS too
// (tst_websocket_tls).
#include "testsupport.h"
#include "ws/wsframereader.h"
#include "ws/wsprotocol.h"

#include "httpmessage.h"

#include <QTcpSocket>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

using Kind = WsFrameReader::Kind;
using Headers = QList<QPair<QByteArray, QByteArray>>;

// A frame's first byte: FIN and the opcode.
constexpr quint8 kFinText = 0x81;
constexpr quint8 kFinBinary = 0x82;
constexpr quint8 kText = 0x01; // a first fragment
constexpr quint8 kContinuation = 0x00;
constexpr quint8 kFinContinuation = 0x80;
constexpr quint8 kClose = 0x88;
constexpr quint8 kPing = 0x89;

QByteArray closePayload(int code, const QByteArray &reason = {})
{
    return QByteArray(1, char(code >> 8)) + char(code & 0xFF) + reason;
}

// The frames a server sent (unmasked), after the handshake's answer: opcode and payload each.
QList<QPair<int, QByteArray>> serverFrames(const QByteArray &bytes)
{
    QList<QPair<int, QByteArray>> frames;
    qsizetype i = bytes.indexOf("\r\n\r\n");
    i = i < 0 ? 0 : i + 4;
    while (i + 2 <= bytes.size()) {
        const int opcode = quint8(bytes[i]) & 0x0F;
        quint64 n = quint8(bytes[i + 1]) & 0x7F;
        qsizetype at = i + 2;
        if (n == 126) {
            if (at + 2 > bytes.size())
                break;
            n = (quint64(quint8(bytes[at])) << 8) | quint8(bytes[at + 1]);
            at += 2;
        } else if (n == 127) {
            if (at + 8 > bytes.size())
                break;
            n = 0;
            for (int k = 0; k < 8; ++k)
                n = (n << 8) | quint8(bytes[at + k]);
            at += 8;
        }
        if (at + qsizetype(n) > bytes.size())
            break;
        frames.append({ opcode, bytes.mid(at, qsizetype(n)) });
        i = at + qsizetype(n);
    }
    return frames;
}

HttpRequest upgradeRequest(const Headers &headers)
{
    HttpRequest r;
    r.method = "GET";
    r.path = u"/api/v1/ws"_s;
    r.headers = headers;
    return r;
}

const QByteArray kUpgradeHead = "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

// A raw WebSocket (TLS in the _tls run) that has done its handshake with `token` and read the
// server's hello; what it read so far is in *got.
std::unique_ptr<QTcpSocket> openRaw(quint16 port, const QString &token, QByteArray *got)
{
    std::unique_ptr<QTcpSocket> c = connectRaw(port);
    if (!c)
        return nullptr;
    c->write(kUpgradeHead + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
             + token.toLatin1() + "\r\n\r\n");
    *got = readUntil(*c, [](const QByteArray &b) { return b.contains("\"hello\""); });
    if (!got->startsWith("HTTP/1.1 101 Switching Protocols\r\n") || !got->contains("\"hello\""))
        return nullptr;
    return c;
}

// Reads until the server closes `c`; the last frame it sent, which must be a close frame:
// its payload (empty when it was not one, or the server did not close).
QByteArray closeFrameAtTheEnd(QTcpSocket &c, QByteArray got)
{
    got += readUntil(c, [](const QByteArray &) { return false; });
    const auto frames = serverFrames(got);
    if (c.state() != QAbstractSocket::UnconnectedState || frames.isEmpty()
        || frames.last().first != 0x8)
        return {};
    return frames.last().second;
}

} // namespace

class tst_WebSocket : public QObject
{
    Q_OBJECT

private slots:
    // The handshake (RFC 6455 4.2).
    void theAcceptKeyIsTheRfcsExample();
    void aHandshakeIsCheckedHeaderByHeader_data();
    void aHandshakeIsCheckedHeaderByHeader();
    // The frame reader.
    void aFrameSplitAnywhereReadsTheSame();
    void fragmentsWithControlFramesBetweenThem();
    void everyLengthFormUnmasksRight();
    void whatAServerMustRefuse_data();
    void whatAServerMustRefuse();
    void aTooBigMessageIsRefusedAtItsHeader();
    void closeFramesAreRead();
    void aCloseReasonIsCutAtACharacter();
    // A real server.
    void anOldVersionGets426AndTheServerServesOn();
    void aFragmentedMessageWithAPingBetweenIsRead();
    void aBurstOfPingsIsAnsweredOncePerRead();
    void brokenFramesCloseWithTheirCode_data();
    void brokenFramesCloseWithTheirCode();
    void aClientsCloseIsEchoed();
};

void tst_WebSocket::theAcceptKeyIsTheRfcsExample()
{
    QCOMPARE(wsAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_WebSocket::aHandshakeIsCheckedHeaderByHeader_data()
{
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<int>("status");
    const QPair<QByteArray, QByteArray> host { "Host", "x" };
    const QPair<QByteArray, QByteArray> conn { "Connection", "keep-alive, Upgrade" };
    const QPair<QByteArray, QByteArray> key { "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==" };
    const QPair<QByteArray, QByteArray> v13 { "Sec-WebSocket-Version", "13" };
    QTest::newRow("complete") << QList { host, conn, key, v13 } << 101;
    QTest::newRow("version 8") << QList { host, conn, key, qMakePair("Sec-WebSocket-Version"_ba, "8"_ba) } << 426;
    QTest::newRow("no version") << QList { host, conn, key } << 426;
    QTest::newRow("no key") << QList { host, conn, v13 } << 400;
    QTest::newRow("key of 15 bytes")
        << QList { host, conn, v13, qMakePair("Sec-WebSocket-Key"_ba, QByteArray(15, 'k').toBase64()) }
        << 400;
    QTest::newRow("key not base64")
        << QList { host, conn, v13, qMakePair("Sec-WebSocket-Key"_ba, "!!!!dGhlIHNhbXBsZSBub25j"_ba) }
        << 400;
    QTest::newRow("no Connection: Upgrade")
        << QList { host, qMakePair("Connection"_ba, "keep-alive"_ba), key, v13 } << 400;
    QTest::newRow("no host") << QList { conn, key, v13 } << 400;
}

void tst_WebSocket::aHandshakeIsCheckedHeaderByHeader()
{
    QFETCH(Headers, headers);
    QFETCH(int, status);
    const WsHandshake h = answerWsHandshake(upgradeRequest(headers));
    QCOMPARE(rawStatus(h.response), status);
    QCOMPARE(h.accepted, status == 101);
    if (status == 101)
        QVERIFY(h.response.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    if (status == 426)
        QVERIFY(h.response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    QVERIFY(h.response.contains("\r\n\r\n"));
}

void tst_WebSocket::aFrameSplitAnywhereReadsTheSame()
{
    const QString text = u"héllo wörld, a message of some length: 🙂 and then some more"_s;
    const QByteArray stream = clientFrame(text.toUtf8()) + clientFrame("second");
    for (qsizetype cut1 = 0; cut1 <= stream.size(); ++cut1) {
        for (qsizetype cut2 = cut1; cut2 <= stream.size(); cut2 += 7) {
            WsFrameReader r;
            QList<WsFrameReader::Message> out;
            QVERIFY(r.feed(QByteArrayView(stream).first(cut1), &out));
            QVERIFY(r.feed(QByteArrayView(stream).sliced(cut1, cut2 - cut1), &out));
            QVERIFY(r.feed(QByteArrayView(stream).sliced(cut2), &out));
            QCOMPARE(out.size(), 2);
            QCOMPARE(out[0].kind, Kind::Text);
            QCOMPARE(out[0].text, text);
            QCOMPARE(out[1].text, u"second"_s);
        }
    }
}

void tst_WebSocket::fragmentsWithControlFramesBetweenThem()
{
    // "é" is split between two fragments: UTF-8 is checked on the whole message.
    const QByteArray e = u"é"_s.toUtf8();
    const QByteArray stream = clientFrame("ab" + e.first(1), true, kText)
        + clientFrame("p1", true, kPing) + clientFrame(e.sliced(1) + "cd", true, kContinuation)
        + clientFrame({}, true, 0x8A) // an empty pong
        + clientFrame("ef", true, kFinContinuation) + clientFrame("\x01\x02", true, kFinBinary);
    WsFrameReader r;
    QList<WsFrameReader::Message> out;
    QVERIFY(r.feed(stream, &out));
    QCOMPARE(out.size(), 4);
    QCOMPARE(out[0].kind, Kind::Ping);
    QCOMPARE(out[0].payload, QByteArray("p1"));
    QCOMPARE(out[1].kind, Kind::Pong);
    QVERIFY(out[1].payload.isEmpty());
    QCOMPARE(out[2].kind, Kind::Text);
    QCOMPARE(out[2].text, u"abécdef"_s);
    QCOMPARE(out[3].kind, Kind::Binary);
    QCOMPARE(out[3].payload, QByteArray("\x01\x02"));
}

void tst_WebSocket::everyLengthFormUnmasksRight()
{
    for (const qsizetype n : { 0, 1, 125, 126, 127, 1000, 65535, 65536, 100001 }) {
        QByteArray payload(n, Qt::Uninitialized);
        for (qsizetype i = 0; i < n; ++i)
            payload[i] = char((i * 7 + i / 256) & 0xFF);
        const QByteArray frame = clientFrame(payload, true, kFinBinary);
        // In pieces of 13 bytes: the mask's phase differs at each piece's start.
        WsFrameReader r(1 << 20);
        QList<WsFrameReader::Message> out;
        for (qsizetype at = 0; at < frame.size(); at += 13)
            QVERIFY(r.feed(QByteArrayView(frame).sliced(at, qMin<qsizetype>(13, frame.size() - at)),
                           &out));
        QCOMPARE(out.size(), 1);
        QVERIFY2(out[0].payload == payload, qPrintable(u"length %1"_s.arg(n)));
    }
}

void tst_WebSocket::whatAServerMustRefuse_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<int>("code");
    QTest::newRow("unmasked") << clientFrame("x", false) << 1002;
    QTest::newRow("RSV1 set") << clientFrame("x", true, 0xC1) << 1002;
    QTest::newRow("RSV3 set") << clientFrame("x", true, 0x91) << 1002;
    QTest::newRow("opcode 3") << clientFrame("x", true, 0x83) << 1002;
    QTest::newRow("opcode 11") << clientFrame("x", true, 0x8B) << 1002;
    QTest::newRow("fragmented ping") << clientFrame("x", true, 0x09) << 1002;
    QTest::newRow("ping of 126 bytes") << clientFrame(QByteArray(126, 'p'), true, kPing) << 1002;
    QTest::newRow("continuation first") << clientFrame("x", true, kFinContinuation) << 1002;
    QTest::newRow("text inside a fragmented text")
        << clientFrame("a", true, kText) + clientFrame("b", true, kFinText) << 1002;
    QTest::newRow("top bit of a 64-bit length")
        << QByteArray("\x82\xFF\x80\x00\x00\x00\x00\x00\x00\x01\x12\x34\x56\x78", 14) << 1002;
    QTest::newRow("text not UTF-8") << clientFrame("ab\xC3\x28") << 1007;
    QTest::newRow("text with a surrogate") << clientFrame("\xED\xA0\x80") << 1007;
    QTest::newRow("close of one byte") << clientFrame("\x03", true, kClose) << 1002;
    QTest::newRow("close code 1005") << clientFrame(closePayload(1005), true, kClose) << 1002;
    QTest::newRow("close code 999") << clientFrame(closePayload(999), true, kClose) << 1002;
    QTest::newRow("close code 2000") << clientFrame(closePayload(2000), true, kClose) << 1002;
    QTest::newRow("close reason not UTF-8")
        << clientFrame(closePayload(1000, "\xFF"), true, kClose) << 1007;
}

void tst_WebSocket::whatAServerMustRefuse()
{
    QFETCH(QByteArray, stream);
    QFETCH(int, code);
    WsFrameReader r;
    QList<WsFrameReader::Message> out;
    // A good message first: it is read; then the bad frame fails the stream.
    QVERIFY(r.feed(clientFrame("fine"), &out));
    QCOMPARE(out.size(), 1);
    QVERIFY(!r.feed(stream, &out));
    QCOMPARE(r.failCode(), code);
    QVERIFY(r.failReason() && *r.failReason());
    QCOMPARE(out.size(), 1);
    // Nothing more is read.
    QVERIFY(!r.feed(clientFrame("after"), &out));
    QCOMPARE(out.size(), 1);
}

void tst_WebSocket::aTooBigMessageIsRefusedAtItsHeader()
{
    WsFrameReader r(1000);
    QList<WsFrameReader::Message> out;
    QVERIFY(r.feed(clientFrame(QByteArray(1000, 'a')), &out)); // exactly the limit
    QCOMPARE(out.size(), 1);
    // 1001 bytes: refused on the header alone, before any payload came.
    const QByteArray frame = clientFrame(QByteArray(1001, 'a'));
    QVERIFY(!r.feed(QByteArrayView(frame).first(8), &out));
    QCOMPARE(r.failCode(), 1009);
    // The limit holds for the whole message, not each fragment.
    WsFrameReader f(1000);
    QVERIFY(f.feed(clientFrame(QByteArray(600, 'a'), true, kText), &out));
    QVERIFY(!f.feed(clientFrame(QByteArray(401, 'b'), true, kFinContinuation), &out));
    QCOMPARE(f.failCode(), 1009);
}

void tst_WebSocket::closeFramesAreRead()
{
    WsFrameReader r;
    QList<WsFrameReader::Message> out;
    QVERIFY(r.feed(clientFrame(closePayload(4401, "gone ✓"), true, kClose), &out));
    QVERIFY(r.feed(clientFrame({}, true, kClose), &out));
    QCOMPARE(out.size(), 2);
    QCOMPARE(out[0].kind, Kind::Close);
    QCOMPARE(out[0].closeCode, 4401);
    QCOMPARE(out[0].text, u"gone ✓"_s);
    QCOMPARE(out[1].closeCode, 0);
}

void tst_WebSocket::aCloseReasonIsCutAtACharacter()
{
    const QByteArray frame = wsCloseFrame(1000, QString(100, u'é')); // 200 bytes of UTF-8
    QCOMPARE(quint8(frame[0]), quint8(0x88));
    const int n = quint8(frame[1]);
    QVERIFY(n <= 125);
    QCOMPARE(frame.size(), 2 + n);
    QCOMPARE(frame.mid(2, 2), closePayload(1000));
    QCOMPARE(QString::fromUtf8(frame.mid(4)), QString((n - 2) / 2, u'é'));
    QCOMPARE((n - 2) % 2, 0);
}

void tst_WebSocket::anOldVersionGets426AndTheServerServesOn()
{
    TestServer s;
    const auto a = s.signUp(u"ann"_s);
    const QByteArray old = rawExchange(s.port(), kUpgradeHead + "Sec-WebSocket-Version: 8\r\n\r\n");
    QCOMPARE(rawStatus(old), 426);
    QVERIFY(old.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    QCOMPARE(rawStatus(rawExchange(s.port(), QByteArray(kUpgradeHead).replace("Sec-WebSocket-Key", "X-Key")
                                                 + "Sec-WebSocket-Version: 13\r\n\r\n")),
             400);
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
}

void tst_WebSocket::aFragmentedMessageWithAPingBetweenIsRead()
{
    TestServer s;
    const auto room = s.aliceAndBobInARoom();
    QByteArray got;
    const std::unique_ptr<QTcpSocket> c = openRaw(s.port(), room.alice.token, &got);
    QVERIFY2(c, got.constData());
    const QByteArray send = R"({"type":"send","id":"f1","roomId":)" + QByteArray::number(room.room)
        + R"(,"clientMsgId":"f1","body":"in three pieces ✓"})";
    // Three fragments in three writes, a ping between the first two, each let through alone.
    const QList<QByteArray> pieces {
        clientFrame(send.first(10), true, kText),
        clientFrame("are you there", true, kPing),
        clientFrame(send.sliced(10, 20), true, kContinuation),
        clientFrame(send.sliced(30), true, kFinContinuation),
    };
    for (const QByteArray &piece : pieces) {
        c->write(piece);
        got += readUntil(*c, [](const QByteArray &) { return false; }, 100);
    }
    got += readUntil(*c, [](const QByteArray &b) { return b.contains("\"ack\""); });
    const auto frames = serverFrames(got);
    const auto pong = std::find_if(frames.begin(), frames.end(),
                                   [](const auto &f) { return f.first == 0xA; });
    QVERIFY(pong != frames.end());
    QCOMPARE(pong->second, QByteArray("are you there"));
    QVERIFY2(got.contains("\"ack\""), got.constData());
    QCOMPARE(s.messageBodies(room.room, room.alice.token), QStringList { u"in three pieces ✓"_s });
}

void tst_WebSocket::aBurstOfPingsIsAnsweredOncePerRead()
{
    TestServer s;
    const auto a = s.signUp(u"ann"_s);
    QByteArray got;
    const std::unique_ptr<QTcpSocket> c = openRaw(s.port(), a.token, &got);
    QVERIFY2(c, got.constData());
    QByteArray burst;
    for (int i = 0; i < 2000; ++i)
        burst += clientFrame("p" + QByteArray::number(i), true, kPing);
    c->write(burst);
    got += readUntil(*c, [](const QByteArray &b) { return b.contains("p1999"); });
    QList<QByteArray> pongs;
    for (const auto &[opcode, payload] : serverFrames(got)) {
        if (opcode == 0xA)
            pongs.append(payload);
    }
    // The last ping is answered; not each of them (2000 frames arrive in a few reads).
    QVERIFY(!pongs.isEmpty());
    QCOMPARE(pongs.last(), QByteArray("p1999"));
    QVERIFY2(pongs.size() < 200, qPrintable(QString::number(pongs.size())));
    // The connection is fine.
    c->write(clientFrame(R"({"type":"ping","id":"x","ts":7})"));
    got += readUntil(*c, [](const QByteArray &b) { return b.contains("\"pong\""); });
    QVERIFY(got.contains("\"pong\""));
}

void tst_WebSocket::brokenFramesCloseWithTheirCode_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("code");
    QTest::newRow("RSV1 (no compression was agreed)") << clientFrame("{}", true, 0xC1) << 1002;
    QTest::newRow("unknown opcode") << clientFrame("{}", true, 0x83) << 1002;
    QTest::newRow("text not UTF-8") << clientFrame("{\"a\":\"\xC3\x28\"}") << 1007;
    QTest::newRow("a message over the limit") << clientFrame(QByteArray(70 * 1024, 'x')) << 1009;
}

void tst_WebSocket::brokenFramesCloseWithTheirCode()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, code);
    TestServer s;
    const auto a = s.signUp(u"ann"_s);
    QByteArray got;
    const std::unique_ptr<QTcpSocket> c = openRaw(s.port(), a.token, &got);
    QVERIFY2(c, got.constData());
    c->write(frame);
    // A close frame with the code, then the server closes the connection.
    QCOMPARE(closeFrameAtTheEnd(*c, got).first(2), closePayload(code));
    // The server serves on.
    WsClient w(s.port());
    QVERIFY(w.login(a.token));
}

void tst_WebSocket::aClientsCloseIsEchoed()
{
    TestServer s;
    const auto a = s.signUp(u"ann"_s);
    QByteArray got;
    const std::unique_ptr<QTcpSocket> c = openRaw(s.port(), a.token, &got);
    QVERIFY2(c, got.constData());
    c->write(clientFrame(closePayload(4000, "bye"), true, kClose));
    QCOMPARE(closeFrameAtTheEnd(*c, got), closePayload(4000));
}

QTEST_GUILESS_MAIN(tst_WebSocket)
#include "tst_websocket.moc"
