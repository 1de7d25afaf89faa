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
