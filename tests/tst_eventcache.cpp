// EventCache answers only what it can answer exactly, stays bounded, and redacts like storage.
#include "eventcache.h"
#include "metrics.h"

#include <QTest>

using namespace confab;
using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

RoomEvent message(qint64 room, qint64 seq, const QString &body = u"hi"_s)
{
    return RoomEvent { room * 1000 + seq,       room, seq, EventType::Message, 1, seq,
                       { { u"body"_s, body } }, {} };
}

QList<qint64> seqs(const QList<RoomEvent> &events)
{
    QList<qint64> out;
    for (const auto &e : events)
        out.append(e.seq);
    return out;
}

// The tier behind: a fixed log (Redis in a cluster; tst_cluster runs the real one). Answers the
// run asked for when it holds all of it, and counts the questions.
struct SharedLog : SharedEvents
{
    QList<RoomEvent> log; // seq 1..n of room 1, deletes already applied
    int asked = 0;
    std::optional<QList<RoomEvent>> run(qint64 roomId, qint64 fromSeq, qint64 toSeq) override
    {
        ++asked;
        if (roomId != 1 || fromSeq < 1 || toSeq > log.size())
            return std::nullopt;
        return log.mid(fromSeq - 1, toSeq - fromSeq + 1);
    }
};

} // namespace

class tst_EventCache : public QObject
{
    Q_OBJECT

private slots:
    void servesContiguousRangesAndCountsHits();
    void missesWhatItDoesNotHold();
    void aGapRestartsTheRun();
    void staysBoundedPerRoomAndInRooms();
    void deleteRedactsMessageAndItsEdits();
    void pagesBackwardsOnlyWhenExact();
    void roomsWrittenElsewhereAreReadFromStorage();
    void whatTheSharedTierAnswersBecomesTheLocalRun();
};

void tst_EventCache::servesContiguousRangesAndCountsHits()
{
    Metrics m;
    EventCache c(&m);
    for (qint64 s = 1; s <= 10; ++s)
        c.apply({ message(1, s) });
    const auto r = c.range(1, 4, 7);
    QVERIFY(r);
    QCOMPARE(seqs(*r), (QList<qint64> { 5, 6, 7 }));
    QCOMPARE(m.counterValue(u"confab_cache_hits_total"_s, { u"range"_s }), 1.0);
}

void tst_EventCache::missesWhatItDoesNotHold()
{
    Metrics m;
    EventCache c(&m);
    for (qint64 s = 5; s <= 10; ++s)
        c.apply({ message(1, s) });
    QVERIFY(!c.range(1, 2, 8)); // starts before the cached run
    QVERIFY(!c.range(1, 8, 12)); // ends after it
    QVERIFY(!c.range(2, 0, 1)); // unknown room
    QCOMPARE(m.counterValue(u"confab_cache_misses_total"_s, { u"range"_s }), 3.0);
}

void tst_EventCache::aGapRestartsTheRun()
{
    EventCache c(nullptr);
    c.apply({ message(1, 1), message(1, 2) });
    c.apply({ message(1, 5) }); // 3 and 4 never reached the cache
    QVERIFY(!c.range(1, 0, 5));
    QVERIFY(!c.range(1, 2, 5));
    QCOMPARE(seqs(*c.range(1, 4, 5)), QList<qint64> { 5 });
}

void tst_EventCache::staysBoundedPerRoomAndInRooms()
{
    EventCache c(nullptr, 8, 3);
    for (qint64 s = 1; s <= 20; ++s)
        c.apply({ message(1, s) });
    QVERIFY(!c.range(1, 11, 20)); // only 8 kept: 13..20
    QCOMPARE(seqs(*c.range(1, 12, 20)).size(), 8);
    for (qint64 room = 2; room <= 4; ++room)
        c.apply({ message(room, 1) });
    QVERIFY(!c.range(1, 19, 20)); // room 1 was the least recently used of four
    QVERIFY(c.range(4, 0, 1));
}

void tst_EventCache::deleteRedactsMessageAndItsEdits()
{
    EventCache c(nullptr);
    const RoomEvent m = message(1, 1, u"secret"_s);
    RoomEvent edit { 2001,
                     1,
                     2,
                     EventType::Edit,
                     1,
                     2,
                     { { u"targetId"_s, m.id }, { u"body"_s, u"secret 2"_s } },
                     {} };
    RoomEvent del { 2002, 1, 3, EventType::Delete, 1, 3, { { u"targetId"_s, m.id } }, {} };
    c.apply({ m, edit });
    c.apply({ del });
    const auto r = c.range(1, 0, 3);
    QVERIFY(r);
    QVERIFY(r->at(0).isRedacted());
    QVERIFY(r->at(0).body().isEmpty());
    QVERIFY(r->at(1).isRedacted());
    QCOMPARE(r->at(1).targetId(), m.id);
    QVERIFY(!validateEventContent(EventType::Message, r->at(0).content).has_value());
    QVERIFY(!validateEventContent(EventType::Edit, r->at(1).content).has_value());
}

void tst_EventCache::pagesBackwardsOnlyWhenExact()
{
    EventCache c(nullptr, 10, 10);
    for (qint64 s = 1; s <= 25; ++s)
        c.apply({ message(1, s) }); // holds 16..25
    bool more = false;
    const auto newest = c.before(1, 26, 5, &more);
    QVERIFY(newest);
    QCOMPARE(seqs(*newest), (QList<qint64> { 21, 22, 23, 24, 25 }));
    QVERIFY(more);
    QVERIFY(c.before(1, 21, 5, &more)); // 16..20, still inside
    QVERIFY(!c.before(1, 20, 5, &more)); // would need 15
    QVERIFY(!c.before(1, 27, 5, &more)); // past what it knows
}

void tst_EventCache::roomsWrittenElsewhereAreReadFromStorage()
{
    Metrics m;
    EventCache c(&m);
    Room r;
    r.id = 1;
    r.lastSeq = 10;
    c.putRoom(r);
    QVERIFY(c.room(1)); // one node: its own commits keep the metadata exact
    c.setRoomsWrittenElsewhere(true); // a cluster: another node may have written seq 11
    QVERIFY(!c.room(1));
    c.putRoom(r);
    QVERIFY(!c.room(1));
    // The event runs still answer what they hold.
    for (qint64 s = 1; s <= 10; ++s)
        c.apply({ message(1, s) });
    QVERIFY(c.range(1, 5, 10));
}

QTEST_GUILESS_MAIN(tst_EventCache)
#include "tst_eventcache.moc"

void tst_EventCache::whatTheSharedTierAnswersBecomesTheLocalRun()
{
    Metrics m;
    EventCache c(&m, 8);
    SharedLog shared;
    c.setShared(&shared);
    // This node delivered 1..5; other nodes wrote 6..8 since (8 deletes message 2), and its bus
    // has not brought them yet. Storage says the newest seq is 8.
    for (qint64 s = 1; s <= 8; ++s)
        shared.log.append(message(1, s, u"body %1"_s.arg(s)));
    shared.log[7] = { 1008, 1, 8, EventType::Delete, 1, 8, { { u"targetId"_s, 1002 } }, {} };
    RoomEvent redacted = shared.log[1];
    EventCache::redact(redacted, 1002);
    shared.log[1] = redacted;
    for (qint64 s = 1; s <= 5; ++s)
        c.apply({ message(1, s, u"body %1"_s.arg(s)) });

    // Without the newest seq the shared tier is not asked.
    QVERIFY(!c.range(1, 5, 8));
    QCOMPARE(shared.asked, 0);
    // With it: 6..8 from the shared tier, and this node's run is now 1..8, message 2 redacted by
    // the delete it has not seen itself.
    const auto r = c.range(1, 5, 8, 8);
    QVERIFY(r);
    QCOMPARE(seqs(*r), (QList<qint64> { 6, 7, 8 }));
    QCOMPARE(shared.asked, 1);
    QCOMPARE(m.counterValue(u"confab_shared_cache_hits_total"_s, { u"range"_s }), 1.0);
    const auto all = c.range(1, 0, 8, 8);
    QVERIFY(all);
    QCOMPARE(shared.asked, 1); // from memory
    QCOMPARE(seqs(*all), (QList<qint64> { 1, 2, 3, 4, 5, 6, 7, 8 }));
    QVERIFY(all->at(1).isRedacted());
    QVERIFY(!all->at(2).isRedacted());
    // The bus brings 6..8 late (dropped: held already), then 9: the run goes on.
    c.apply({ shared.log[5], shared.log[6], shared.log[7], message(1, 9) });
    const auto next = c.range(1, 1, 9, 9);
    QVERIFY(next);
    QCOMPARE(shared.asked, 1);
    QCOMPARE(seqs(*next), (QList<qint64> { 2, 3, 4, 5, 6, 7, 8, 9 })); // 8 per room
    QVERIFY(next->at(0).isRedacted());
    // A page older than the run: asked again; nothing there, so a miss for the database.
    bool more = false;
    QVERIFY(!c.before(1, 2, 5, &more, 9));
    QCOMPARE(m.counterValue(u"confab_shared_cache_misses_total"_s, { u"page"_s }), 1.0);
}
