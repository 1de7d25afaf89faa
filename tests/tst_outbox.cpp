// Outbox: typed messages are on disk first, leave in order, survive restarts, and reach the
// server exactly once, even when an ack was lost.
#include "apiclient.h"
#include "outbox.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QTimer>

using namespace confab;
using namespace confab::client;
using namespace confab::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

Backoff::Settings quick()
{
    Backoff::Settings s;
    s.initialInterval = 5ms;
    s.maxInterval = 20ms;
    return s;
}

// A transport for fault injection: records what it is asked to send and answers as told.
struct ScriptedTransport
{
    QList<QString> sent; // bodies, in the order handed to the transport
    QList<std::function<void(Result<SendAck>)>> pending;
    std::function<std::optional<Result<SendAck>>(const Outbox::Item &)> answer; // nullopt: hold
    OutboxPump::Transport fn()
    {
        return [this](const Outbox::Item &item, std::function<void(Result<SendAck>)> done) {
            sent.append(item.body);
            const auto a = answer ? answer(item) : std::nullopt;
            if (a)
                QTimer::singleShot(0, [done, r = *a] { done(r); });
            else
                pending.append(done);
        };
    }
};

SendAck ackFor(const Outbox::Item &item)
{
    return SendAck { item.clientMsgId, item.localId, item.roomId, item.localId, 0, false };
}

} // namespace

class tst_Outbox : public QObject
{
    Q_OBJECT

private slots:
    void aTypedMessageIsOnDiskBeforeEnqueueReturns();
    void roomsSendInTypedOrderOneAtATime();
    void transientFailuresAreRetriedUntilAcked();
    void permanentFailureHoldsTheRoomUntilRetryOrDiscard();
    void restartWithANonEmptyOutboxDeliversExactlyOnce();
    void aReplyWaitsAsAReplyAndOldOutboxesStillOpen();
};

void tst_Outbox::aTypedMessageIsOnDiskBeforeEnqueueReturns()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"outbox.db"_s);
    QString clientMsgId;
    {
        Outbox box(path);
        QVERIFY(box.open().ok());
        const auto item = box.enqueue(7, u"typed offline"_s);
        QVERIFY(item.ok());
        clientMsgId = item->clientMsgId;
        box.markSending(item->localId); // the app dies mid-send
    }
    Outbox reopened(path);
    QVERIFY(reopened.open().ok());
    const auto items = reopened.items(7);
    QCOMPARE(items.size(), 1);
    QCOMPARE(items[0].body, u"typed offline"_s);
    QCOMPARE(items[0].clientMsgId, clientMsgId); // same key: a resend cannot double it
    QCOMPARE(items[0].state, Outbox::State::Pending);
}

void tst_Outbox::roomsSendInTypedOrderOneAtATime()
{
    QTemporaryDir dir;
    Outbox box(dir.filePath(u"o.db"_s));
    QVERIFY(box.open().ok());
    ScriptedTransport t; // holds every send until the test answers it
    OutboxPump pump(&box, t.fn(), quick());
    for (const char *b : { "a1", "a2", "a3" })
        QVERIFY(box.enqueue(1, QString::fromLatin1(b)).ok());
    QVERIFY(box.enqueue(2, u"b1"_s).ok());
    pump.pump();
    QCOMPARE(t.sent, (QList<QString> { u"a1"_s, u"b1"_s })); // one per room in flight
    pump.pump();
    QCOMPARE(t.sent.size(), 2); // a2 waits for a1's ack, however often we pump
    auto first = box.items(1).first();
    t.pending.takeFirst()(ackFor(first));
    QTRY_COMPARE(t.sent, (QList<QString> { u"a1"_s, u"b1"_s, u"a2"_s }));
    while (!t.pending.isEmpty()) {
        const auto done = t.pending.takeFirst();
        const auto items = box.all();
        done(ackFor(items.first()));
        QTest::qWait(5);
    }
    QTRY_COMPARE(t.sent, (QList<QString> { u"a1"_s, u"b1"_s, u"a2"_s, u"a3"_s }));
}

void tst_Outbox::transientFailuresAreRetriedUntilAcked()
{
    QTemporaryDir dir;
    Outbox box(dir.filePath(u"o.db"_s));
    QVERIFY(box.open().ok());
    ScriptedTransport t;
    int calls = 0;
    t.answer = [&](const Outbox::Item &item) -> std::optional<Result<SendAck>> {
        if (++calls <= 3)
            return Result<SendAck>(makeError(ErrorCode::Unavailable, u"server away"_s));
        return Result<SendAck>(ackFor(item));
    };
    OutboxPump pump(&box, t.fn(), quick());
    QVERIFY(box.enqueue(1, u"eventually"_s).ok());
    QVERIFY(box.enqueue(1, u"after it"_s).ok());
    pump.pump();
    QTRY_VERIFY(box.all().isEmpty());
    QCOMPARE(t.sent,
             (QList<QString> { u"eventually"_s, u"eventually"_s, u"eventually"_s, u"eventually"_s,
                               u"after it"_s }));
}

void tst_Outbox::permanentFailureHoldsTheRoomUntilRetryOrDiscard()
{
    QTemporaryDir dir;
    Outbox box(dir.filePath(u"o.db"_s));
    QVERIFY(box.open().ok());
    ScriptedTransport t;
    bool allowed = false;
    t.answer = [&](const Outbox::Item &item) -> std::optional<Result<SendAck>> {
        if (!allowed)
            return Result<SendAck>(makeError(ErrorCode::NotMember, u"you are not in room 1"_s));
        return Result<SendAck>(ackFor(item));
    };
    OutboxPump pump(&box, t.fn(), quick());
    const auto first = box.enqueue(1, u"first"_s);
    QVERIFY(box.enqueue(1, u"second"_s).ok());
    pump.pump();
    QTRY_COMPARE(box.items(1).first().state, Outbox::State::Failed);
    QCOMPARE(box.items(1).first().error, u"you are not in room 1"_s);
    QTest::qWait(50);
    QCOMPARE(t.sent, QList<QString> { u"first"_s }); // "second" is held back, not sent past it
    allowed = true;
    box.retry(first->localId);
    pump.pump();
    QTRY_VERIFY(box.all().isEmpty());
    QCOMPARE(t.sent, (QList<QString> { u"first"_s, u"first"_s, u"second"_s }));

    allowed = false;
    const auto doomed = box.enqueue(1, u"doomed"_s);
    QVERIFY(box.enqueue(1, u"next"_s).ok());
    pump.pump();
    QTRY_COMPARE(box.items(1).first().state, Outbox::State::Failed);
    allowed = true;
    box.discard(doomed->localId);
    pump.pump();
    QTRY_VERIFY(box.all().isEmpty());
    QCOMPARE(t.sent.last(), u"next"_s);
    QCOMPARE(t.sent.count(u"doomed"_s), 1); // its failed attempt, never again after discard
}

void tst_Outbox::restartWithANonEmptyOutboxDeliversExactlyOnce()
{
    TestServer s;
    const auto a = s.signUp(u"ora"_s);
    const qint64 room = s.createRoom(a.token, u"r"_s);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"outbox.db"_s);
    {
        Outbox box(path);
        QVERIFY(box.open().ok());
        for (int i = 0; i < 3; ++i)
            QVERIFY(box.enqueue(room, u"m%1"_s.arg(i)).ok());
        // The first one reached the server, but its ack was lost when the app died.
        const auto first = box.items(room).first();
        QCOMPARE(s.post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                        { { u"clientMsgId"_s, first.clientMsgId }, { u"body"_s, first.body } },
                        a.token)
                     .status,
                 201);
    }
    Outbox box(path);
    QVERIFY(box.open().ok());
    QCOMPARE(box.items(room).size(), 3);
    ApiClient api(s.url({}));
    api.setToken(a.token);
    OutboxPump pump(
        &box,
        [&](const Outbox::Item &item, std::function<void(Result<SendAck>)> done) {
            api.sendMessage(item.roomId, { item.clientMsgId, item.body }, std::move(done));
        },
        quick());
    pump.pump();
    QTRY_VERIFY(box.all().isEmpty());
    const auto events = s.get(u"/api/v1/rooms/%1/events?after=2"_s.arg(room), a.token)
                            .json()[u"events"_s]
                            .toArray();
    QStringList bodies;
    for (const auto &e : events)
        bodies.append(e.toObject()[u"content"_s][u"body"_s].toString());
    QCOMPARE(bodies, (QStringList { u"m0"_s, u"m1"_s, u"m2"_s })); // once each, in order
}

void tst_Outbox::aReplyWaitsAsAReplyAndOldOutboxesStillOpen()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"outbox.db"_s);
    {
        // An outbox written before replies: no reply_to column, one message waiting.
        auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"old-outbox"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"CREATE TABLE outbox (local_id INTEGER PRIMARY KEY,"
                       u" client_msg_id TEXT NOT NULL UNIQUE, room_id INTEGER NOT NULL,"
                       u" body TEXT NOT NULL, state INTEGER NOT NULL,"
                       u" error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
                       u" attempts INTEGER NOT NULL DEFAULT 0)"_s));
        QVERIFY(q.exec(u"INSERT INTO outbox (client_msg_id, room_id, body, state, created_at)"
                       u" VALUES ('old-1', 3, 'typed last week', 0, 1)"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"old-outbox"_s);
    {
        Outbox box(path);
        QVERIFY(box.open().ok());
        QCOMPARE(box.all().size(), 1);
        QCOMPARE(box.all().first().replyTo, 0);
        QVERIFY(box.enqueue(3, u"yes, that one"_s, 42).ok());
    }
    Outbox again(path); // the app restarted
    QVERIFY(again.open().ok());
    QCOMPARE(again.all().size(), 2);
    QCOMPARE(again.all().last().body, u"yes, that one"_s);
    QCOMPARE(again.all().last().replyTo, 42);
}

QTEST_GUILESS_MAIN(tst_Outbox)
#include "tst_outbox.moc"
