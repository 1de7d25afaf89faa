// MessageListModel under QAbstractItemModelTester: insertions at both ends, dedupe, edits and
// deletes, and pending messages turning into sent ones.
#include "messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QJsonArray>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace Qt::StringLiterals;
using State = MessageListModel::MessageState;

namespace {

constexpr qint64 kRoom = 3;

RoomEvent message(qint64 seq, const QString &body, const QString &clientMsgId = {},
                  qint64 sender = 2)
{
    return RoomEvent {
        1000 + seq, kRoom, seq, EventType::Message, sender, seq * 10, { { u"body"_s, body } },
        clientMsgId
    };
}

RoomEvent edit(qint64 seq, qint64 target, const QString &body)
{
    return RoomEvent { 1000 + seq,
                       kRoom,
                       seq,
                       EventType::Edit,
                       2,
                       seq * 10,
                       { { u"targetId"_s, target }, { u"body"_s, body } },
                       {} };
}

RoomEvent removal(qint64 seq, qint64 target)
{
    return RoomEvent {
        1000 + seq, kRoom, seq, EventType::Delete, 2, seq * 10, { { u"targetId"_s, target } }, {}
    };
}

QStringList bodies(const MessageListModel &m)
{
    QStringList out;
    for (int i = 0; i < m.rowCount(); ++i)
        out.append(m.index(i).data(MessageListModel::BodyRole).toString());
    return out;
}

State stateAt(const MessageListModel &m, int row)
{
    return m.index(row).data(MessageListModel::StateRole).value<State>();
}

Outbox::Item pending(qint64 localId, const QString &cid, const QString &body,
                     Outbox::State st = Outbox::State::Pending)
{
    Outbox::Item it;
    it.localId = localId;
    it.clientMsgId = cid;
    it.roomId = kRoom;
    it.body = body;
    it.state = st;
    return it;
}

} // namespace

class tst_MessageListModel : public QObject
{
    Q_OBJECT

private slots:
    void aReactionShowsAtOnceAndNeverCountsTwice();
    void liveEventsAppendInOrderOnce();
    void historyGoesOnTopWithoutDuplicates();
    void editsAndDeletesChangeTheirTarget();
    void anEditSeenBeforeItsMessageStillApplies();
    void pendingStaysBelowSentAndTheEchoReplacesIt();
    void anEchoBeforeTheOutboxUpdateLeavesNoGhost();
    void otherRoomsAndNonMessagesAreNotRows();
    void aWindowBoundsTheRowsAndLosesNothing();
};

void tst_MessageListModel::aReactionShowsAtOnceAndNeverCountsTwice()
{
    constexpr qint64 self = 1, bob = 2;
    MessageListModel m(kRoom);
    m.setSelfId(self);
    m.appendEvent(message(1, u"ship it?"_s));
    const auto reaction = [](qint64 seq, qint64 sender, const QString &key, bool add) {
        return RoomEvent { 1000 + seq, kRoom, seq,
                           add ? EventType::Reaction : EventType::ReactionRemove, sender, seq * 10,
                           { { u"targetId"_s, 1001 }, { u"key"_s, key } }, {} };
    };
    const auto chips = [&] {
        QStringList out;
        for (const QJsonValue &v : m.index(0).data(MessageListModel::ReactionsRole).toJsonArray())
            out << u"%1%2%3"_s.arg(v[u"key"_s].toString())
                       .arg(v[u"count"_s].toInt())
                       .arg(v[u"mine"_s].toBool() ? u"*"_s : QString());
        return out;
    };
    m.appendEvent(reaction(2, bob, u"👍"_s, true));
    QCOMPARE(chips(), QStringList { u"👍1"_s });
    // Clicked (offline, say): shown at once as the user's.
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.setReactionIntent(1001, u"👍"_s, true);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(chips(), QStringList { u"👍2*"_s });
    m.setReactionIntent(1001, u"🎉"_s, true);
    QCOMPARE(chips(), (QStringList { u"👍2*"_s, u"🎉1*"_s }));
    // The server's events arrive: the same counts, not one more.
    m.appendEvent(reaction(3, self, u"👍"_s, true));
    QCOMPARE(chips(), (QStringList { u"👍2*"_s, u"🎉1*"_s }));
    m.appendEvent(reaction(4, self, u"🎉"_s, true));
    QCOMPARE(chips(), (QStringList { u"👍2*"_s, u"🎉1*"_s }));
    // Taken back: shown at once; the server's removal settles it; a refused intent goes.
    m.setReactionIntent(1001, u"👍"_s, false);
    QCOMPARE(chips(), (QStringList { u"👍1"_s, u"🎉1*"_s }));
    m.appendEvent(reaction(5, self, u"👍"_s, false));
    QCOMPARE(chips(), (QStringList { u"👍1"_s, u"🎉1*"_s }));
    m.setReactionIntent(1001, u"🚀"_s, true);
    QCOMPARE(chips().size(), 3);
    m.clearReactionIntent(1001, u"🚀"_s);
    QCOMPARE(chips(), (QStringList { u"👍1"_s, u"🎉1*"_s }));
}

void tst_MessageListModel::liveEventsAppendInOrderOnce()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.appendEvent(message(1, u"a"_s));
    m.appendEvent(message(2, u"b"_s));
    m.appendEvent(message(2, u"b"_s)); // delivered twice: shown once
    m.appendEvent(message(4, u"d"_s));
    m.appendEvent(message(3, u"c"_s)); // late: still in seq order
    QCOMPARE(bodies(m), (QStringList { u"a"_s, u"b"_s, u"c"_s, u"d"_s }));
}

void tst_MessageListModel::historyGoesOnTopWithoutDuplicates()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.appendEvent(message(10, u"ten"_s));
    m.appendEvent(message(11, u"eleven"_s));
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    m.prependHistory({ message(7, u"seven"_s), message(8, u"eight"_s), message(9, u"nine"_s),
                       message(10, u"ten"_s) });
    QCOMPARE(bodies(m), (QStringList { u"seven"_s, u"eight"_s, u"nine"_s, u"ten"_s, u"eleven"_s }));
    QCOMPARE(inserted.size(), 1); // one insertion of three rows at the top
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 2);
    QCOMPARE(m.oldestSeq(), 7);
}

void tst_MessageListModel::editsAndDeletesChangeTheirTarget()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const RoomEvent first = message(1, u"helo"_s);
    m.appendEvent(first);
    m.appendEvent(message(2, u"other"_s));
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.appendEvent(edit(3, first.id, u"hello"_s));
    QCOMPARE(m.rowCount(), 2); // an edit is not a row
    QCOMPARE(bodies(m).first(), u"hello"_s);
    QVERIFY(m.index(0).data(MessageListModel::EditedRole).toBool());
    QCOMPARE(changed.size(), 1);
    m.appendEvent(removal(4, first.id));
    QVERIFY(m.index(0).data(MessageListModel::DeletedRole).toBool());
    QCOMPARE(bodies(m).first(), QString()); // nothing of a deleted message is shown
}

void tst_MessageListModel::anEditSeenBeforeItsMessageStillApplies()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.appendEvent(message(20, u"newest"_s));
    m.appendEvent(edit(21, 1005, u"fixed typo"_s)); // targets seq 5, not loaded yet
    m.prependHistory({ message(5, u"fixd typo"_s), message(6, u"six"_s) });
    QCOMPARE(bodies(m), (QStringList { u"fixed typo"_s, u"six"_s, u"newest"_s }));
    QVERIFY(m.index(0).data(MessageListModel::EditedRole).toBool());
}

void tst_MessageListModel::pendingStaysBelowSentAndTheEchoReplacesIt()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.appendEvent(message(1, u"hi"_s));
    m.upsertPending(pending(1, u"c1"_s, u"mine 1"_s));
    m.upsertPending(pending(2, u"c2"_s, u"mine 2"_s));
    m.appendEvent(message(2, u"theirs"_s)); // arrives while mine are pending: above them
    QCOMPARE(bodies(m), (QStringList { u"hi"_s, u"theirs"_s, u"mine 1"_s, u"mine 2"_s }));
    QCOMPARE(stateAt(m, 2), State::Pending);

    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.upsertPending(pending(1, u"c1"_s, u"mine 1"_s, Outbox::State::Sending));
    QCOMPARE(stateAt(m, 2), State::Sending);
    Outbox::Item failed = pending(2, u"c2"_s, u"mine 2"_s, Outbox::State::Failed);
    failed.error = u"you are not in room 3"_s;
    m.upsertPending(failed);
    QCOMPARE(stateAt(m, 3), State::Failed);
    QCOMPARE(m.index(3).data(MessageListModel::ErrorRole).toString(), u"you are not in room 3"_s);
    QCOMPARE(changed.size(), 2);

    m.appendEvent(message(3, u"mine 1"_s, u"c1"_s, 7)); // the echo
    QCOMPARE(bodies(m), (QStringList { u"hi"_s, u"theirs"_s, u"mine 1"_s, u"mine 2"_s }));
    QCOMPARE(stateAt(m, 2), State::Sent);
    QCOMPARE(m.index(2).data(MessageListModel::SeqRole).toLongLong(), 3);
    m.removePending(1); // the outbox's ack after the echo: nothing left to remove
    QCOMPARE(m.rowCount(), 4);
    m.removePending(2); // discarded by the user
    QCOMPARE(bodies(m), (QStringList { u"hi"_s, u"theirs"_s, u"mine 1"_s }));
}

void tst_MessageListModel::anEchoBeforeTheOutboxUpdateLeavesNoGhost()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.appendEvent(message(1, u"fast"_s, u"c9"_s, 7));
    m.upsertPending(pending(9, u"c9"_s, u"fast"_s, Outbox::State::Sending)); // late update
    QCOMPARE(m.rowCount(), 1);
    QCOMPARE(stateAt(m, 0), State::Sent);
}

void tst_MessageListModel::otherRoomsAndNonMessagesAreNotRows()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RoomEvent elsewhere = message(1, u"x"_s);
    elsewhere.roomId = 99;
    m.appendEvent(elsewhere);
    m.appendEvent(
        RoomEvent { 5000, kRoom, 1, EventType::MemberJoin, 2, 0, { { u"userId"_s, 2 } }, {} });
    QCOMPARE(m.rowCount(), 0);
}

QTEST_GUILESS_MAIN(tst_MessageListModel)
#include "tst_messagelistmodel.moc"

void tst_MessageListModel::aWindowBoundsTheRowsAndLosesNothing()
{
    MessageListModel m(kRoom);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setWindow(4);
    for (int s = 7; s <= 10; ++s)
        m.appendEvent(message(s, u"m%1"_s.arg(s)));
    QVERIFY(m.atLive());
    // Scrolling up past the window: the newest rows leave, live appends stop.
    m.prependHistory({ message(5, u"m5"_s), message(6, u"m6"_s) });
    QCOMPARE(bodies(m), (QStringList { u"m5"_s, u"m6"_s, u"m7"_s, u"m8"_s }));
    QVERIFY(!m.atLive());
    QCOMPARE(m.newestSeq(), 8);
    m.appendEvent(message(11, u"m11 arrives while reading history"_s));
    QCOMPARE(m.rowCount(), 4);
    // An edit of a row that is not loaded still applies when it comes back.
    m.appendEvent(edit(12, message(10, {}).id, u"m10 edited"_s));
    // Scrolling down: newer pages come back below, the oldest leave; nothing lost or doubled.
    m.appendHistory({ message(9, u"m9"_s), message(10, u"m10"_s) }, false);
    QCOMPARE(bodies(m), (QStringList { u"m7"_s, u"m8"_s, u"m9"_s, u"m10 edited"_s }));
    QVERIFY(!m.reachedStart());
    QVERIFY(!m.atLive());
    m.appendHistory({ message(10, u"m10"_s), message(11, u"m11 arrives while reading history"_s) },
                    true);
    QCOMPARE(bodies(m),
             (QStringList { u"m8"_s, u"m9"_s, u"m10 edited"_s,
                            u"m11 arrives while reading history"_s }));
    QVERIFY(m.atLive());
    // Live again: new messages append.
    m.appendEvent(message(13, u"m13"_s));
    QCOMPARE(bodies(m).last(), u"m13"_s);
    QCOMPARE(m.rowCount(), 5); // live appends may pass the window until the next page load
    // Scrolling up again reloads what left the window, once.
    m.prependHistory({ message(6, u"m6"_s), message(7, u"m7"_s) });
    QCOMPARE(bodies(m), (QStringList { u"m6"_s, u"m7"_s, u"m8"_s, u"m9"_s }));
}
