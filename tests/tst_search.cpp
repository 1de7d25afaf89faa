// Search on the server (docs/protocol.md, "Search"): GET search finds messages by their current
// text with SQLite FTS5, pages back in time, ranks within a page, highlights the words found in a
// snippet, and answers only from rooms the caller can read; deleted and pre-edit text is never
// found, and no query, however written, is FTS5 syntax. Real server, real sockets.
#include "testsupport.h"

#include "confabserver.h"
#include "database.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

struct Chat
{
    Chat()
        : alice(server.signUp(u"alice"_s))
        , bob(server.signUp(u"bob"_s))
        , room(server.createRoom(alice.token, u"general"_s))
    {
        server.request("POST", u"/api/v1/rooms/%1/join"_s.arg(room), {}, bob.token);
    }
    qint64 say(const TestServer::Account &who, const QString &body, qint64 in = 0)
    {
        return server
            .post(u"/api/v1/rooms/%1/messages"_s.arg(in ? in : room),
                  { { u"clientMsgId"_s, u"c%1"_s.arg(++m_cid) }, { u"body"_s, body } }, who.token)
            .json()
            .value(u"eventId"_s)
            .toInteger();
    }
    HttpResult find(const TestServer::Account &who, const QString &q,
                    const QList<QPair<QString, QString>> &more = {})
    {
        QUrlQuery query;
        query.addQueryItem(u"q"_s, QString::fromLatin1(QUrl::toPercentEncoding(q)));
        for (const auto &[k, v] : more)
            query.addQueryItem(k, v);
        return server.get(u"/api/v1/search?"_s + query.toString(QUrl::FullyEncoded), who.token);
    }
    // The results, parsed; QVERIFY-free: empty on any failure.
    QList<SearchHit> hits(const TestServer::Account &who, const QString &q,
                          const QList<QPair<QString, QString>> &more = {},
                          qint64 *nextBefore = nullptr)
    {
        const HttpResult r = find(who, q, more);
        const auto parsed = SearchResults::fromJson(r.json());
        if (r.status != 200 || !parsed)
            return {};
        if (nextBefore)
            *nextBefore = parsed->hasMore ? parsed->nextBefore : 0;
        return parsed->results;
    }
    QStringList bodies(const TestServer::Account &who, const QString &q,
                       const QList<QPair<QString, QString>> &more = {})
    {
        QStringList out;
        for (const SearchHit &h : hits(who, q, more))
            out << h.event.body();
        return out;
    }
    TestServer server;
    TestServer::Account alice, bob;
    qint64 room = 0;

private:
    int m_cid = 0;
};

// The highlighted words of a hit, as the client would bold them.
QStringList marked(const SearchHit &h)
{
    QStringList out;
    const QList<uint> cps = h.snippet.toUcs4();
    for (const SearchHit::Span &s : h.highlights) {
        QString word;
        for (int i = s.start; i < s.start + s.length; ++i)
            word += QString::fromUcs4(reinterpret_cast<const char32_t *>(&cps[i]), 1);
        out << word;
    }
    return out;
}

} // namespace

class tst_Search : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { setTrustNewServers(true); }
    void findsMessagesAndHighlightsTheWordsInASnippet();
    void pagesGoBackInTimeWithTheBestMatchFirstInEach();
    void answersOnlyFromRoomsTheCallerCanRead();
    void deletedAndPreEditTextIsNeverFound();
    void whatIsTypedIsNeverQuerySyntax();
    void badParametersAreRefused();
    void theIndexFollowsWhenQuietAndAfterACrash();
    void aBrokenIndexIsAnErrorNotAStaleAnswer();
};

void tst_Search::findsMessagesAndHighlightsTheWordsInASnippet()
{
    Chat c;
    c.say(c.bob, u"We deploy the release tonight after the review"_s);
    c.say(c.alice, u"Lunch?"_s);
    c.say(c.alice, u"Café au lait for everyone"_s);
    QList<SearchHit> found = c.hits(c.alice, u"Release"_s); // case does not matter
    QCOMPARE(found.size(), 1);
    QCOMPARE(found[0].event.senderId, c.bob.id);
    QCOMPARE(found[0].event.roomId, c.room);
    QCOMPARE(found[0].snippet, u"We deploy the release tonight after the review"_s);
    QCOMPARE(marked(found[0]), QStringList { u"release"_s });
    // Every word must occur; accents do not matter; a * asks for a prefix; "quotes" a phrase.
    QCOMPARE(c.bodies(c.alice, u"deploy tonight"_s).size(), 1);
    QCOMPARE(c.bodies(c.alice, u"deploy lunch"_s).size(), 0);
    QCOMPARE(c.bodies(c.alice, u"cafe"_s), QStringList { u"Café au lait for everyone"_s });
    QCOMPARE(c.bodies(c.alice, u"rev*"_s).size(), 1);
    QCOMPARE(c.bodies(c.alice, u"\"release tonight\""_s).size(), 1);
    QCOMPARE(c.bodies(c.alice, u"\"tonight release\""_s).size(), 0);
    found = c.hits(c.alice, u"deploy review"_s);
    QCOMPARE(marked(found.value(0)), (QStringList { u"deploy"_s, u"review"_s }));
    // A long message: the snippet is a window around the match, cut with "…".
    QString longBody;
    for (int i = 0; i < 200; ++i)
        longBody += u"filler%1 "_s.arg(i);
    longBody += u"needle at the end"_s;
    c.say(c.bob, longBody);
    found = c.hits(c.alice, u"needle"_s);
    QCOMPARE(found.size(), 1);
    QVERIFY(found[0].snippet.startsWith(u"…"_s));
    QVERIFY(found[0].snippet.size() < 300);
    QCOMPARE(marked(found[0]), QStringList { u"needle"_s });
    QCOMPARE(found[0].event.body(), longBody); // the whole message comes with it
    // Nothing found is an empty list, not an error.
    const HttpResult none = c.find(c.alice, u"zebra"_s);
    QCOMPARE(none.status, 200);
    QCOMPARE(none.json(), (QJsonObject { { u"results"_s, QJsonArray() }, { u"hasMore"_s, false } }));
}

void tst_Search::pagesGoBackInTimeWithTheBestMatchFirstInEach()
{
    Chat c;
    // Five matches, oldest first; m3 is only the word, so it is the best match of its page.
    const QStringList sent { u"m1 budget draft for the team meeting"_s,
                             u"m2 the budget is late again this quarter sadly"_s,
                             u"budget"_s,
                             u"m4 budget numbers for the offsite next month please"_s,
                             u"m5 who has the budget spreadsheet from last year"_s };
    QList<qint64> ids;
    for (const QString &b : sent)
        ids << c.say(c.alice, b);
    c.say(c.alice, u"unrelated"_s);
    qint64 next = 0;
    QList<SearchHit> page = c.hits(c.bob, u"budget"_s, { { u"limit"_s, u"3"_s } }, &next);
    QCOMPARE(page.size(), 3);
    // The newest three (m5, m4, budget), the bare word first; the next page starts below them.
    QCOMPARE(page[0].event.id, ids[2]);
    QCOMPARE((QSet<qint64> { page[1].event.id, page[2].event.id }), (QSet<qint64> { ids[3], ids[4] }));
    QCOMPARE(next, ids[2]);
    page = c.hits(c.bob, u"budget"_s,
                  { { u"limit"_s, u"3"_s }, { u"before"_s, QString::number(next) } }, &next);
    QCOMPARE(page.size(), 2);
    QCOMPARE(next, 0); // no more
    // Of two messages that both hold the word, the shorter one (the word weighs more) first.
    QCOMPARE(page[0].event.id, ids[0]);
    QCOMPARE((QSet<qint64> { page[0].event.id, page[1].event.id }), (QSet<qint64> { ids[0], ids[1] }));
}

void tst_Search::answersOnlyFromRoomsTheCallerCanRead()
{
    Chat c;
    const TestServer::Account eve = c.server.signUp(u"eve"_s); // in no room
    const qint64 secret = c.server.createRoom(c.alice.token, u"secret"_s, u"private"_s);
    c.say(c.alice, u"the secret launch date is friday"_s, secret);
    c.say(c.alice, u"public launch party"_s);
    // Alice is in both rooms.
    QCOMPARE(c.bodies(c.alice, u"launch"_s).size(), 2);
    QCOMPARE(c.bodies(c.alice, u"launch"_s, { { u"roomId"_s, QString::number(c.room) } }),
             QStringList { u"public launch party"_s });
    // Bob is not in the private room: nothing of it, not even through its token or by asking.
    QCOMPARE(c.bodies(c.bob, u"launch"_s), QStringList { u"public launch party"_s });
    QCOMPARE(c.bodies(c.bob, u"friday"_s), QStringList());
    QCOMPARE(c.bodies(c.bob, u"r%1"_s.arg(secret)), QStringList());
    QCOMPARE(c.bodies(c.bob, u"room : r%1"_s.arg(secret)), QStringList());
    QCOMPARE(c.find(c.bob, u"friday"_s, { { u"roomId"_s, QString::number(secret) } }).errorCode(),
             u"not_member"_s);
    // Eve has joined nothing: no results unless she names a public room, which anyone may read.
    QCOMPARE(c.bodies(eve, u"launch"_s), QStringList());
    QCOMPARE(c.bodies(eve, u"launch"_s, { { u"roomId"_s, QString::number(c.room) } }),
             QStringList { u"public launch party"_s });
    QCOMPARE(c.find(eve, u"x"_s, { { u"roomId"_s, u"424242"_s } }).errorCode(),
             u"room_not_found"_s);
    // Leaving a room leaves its search too; a deleted room is nowhere.
    QCOMPARE(c.server.request("POST", u"/api/v1/rooms/%1/leave"_s.arg(c.room), {}, c.bob.token).status,
             204);
    QCOMPARE(c.bodies(c.bob, u"launch"_s), QStringList());
    QCOMPARE(c.server.request("DELETE", u"/api/v1/rooms/%1"_s.arg(secret), {}, c.alice.token).status,
             204);
    QCOMPARE(c.bodies(c.alice, u"launch"_s), QStringList { u"public launch party"_s });
    // No token.
    QCOMPARE(c.find({}, u"launch"_s).status, 401);
}

void tst_Search::deletedAndPreEditTextIsNeverFound()
{
    Chat c;
    const qint64 msg = c.say(c.bob, u"the wifi password is hunter2"_s);
    QCOMPARE(c.bodies(c.alice, u"hunter2"_s).size(), 1);
    QCOMPARE(c.server
                 .patch(u"/api/v1/rooms/%1/messages/%2"_s.arg(c.room).arg(msg),
                        { { u"body"_s, u"the wifi password is on the whiteboard"_s } }, c.bob.token)
                 .status,
             200);
    // The old text is gone from search; the new one is found, and the hit shows it.
    QCOMPARE(c.bodies(c.alice, u"hunter2"_s), QStringList());
    const QList<SearchHit> found = c.hits(c.alice, u"whiteboard"_s);
    QCOMPARE(found.size(), 1);
    QCOMPARE(found[0].event.id, msg);
    QCOMPARE(found[0].event.body(), u"the wifi password is on the whiteboard"_s);
    QVERIFY(!found[0].snippet.contains(u"hunter2"_s));
    // Deleted: neither text is found.
    QCOMPARE(c.server
                 .request("DELETE", u"/api/v1/rooms/%1/messages/%2"_s.arg(c.room).arg(msg), {},
                          c.alice.token)
                 .status,
             200);
    QCOMPARE(c.bodies(c.alice, u"whiteboard"_s), QStringList());
    QCOMPARE(c.bodies(c.alice, u"wifi"_s), QStringList());
}

void tst_Search::whatIsTypedIsNeverQuerySyntax()
{
    Chat c;
    c.say(c.alice, u"AND OR NOT NEAR are words too: body room * ^ \" ( )"_s);
    c.say(c.alice, u"don't panic"_s);
    // FTS5 operators, column filters, unbalanced quotes and brackets: all plain words, no 500.
    const QStringList typed { u"AND"_s,      u"NOT"_s,          u"\"unclosed"_s, u"body:"_s,
                              u"room : r1"_s, u"NEAR(a b)"_s,   u"("_s,          u"*"_s,
                              u"^words"_s,   u"a OR b"_s,       u"\"\""_s,       u"-"_s,
                              u"'"_s,        u"x\"y"_s,         u"{body}"_s,     u"don't"_s };
    for (const QString &q : typed) {
        const HttpResult r = c.find(c.alice, q);
        QVERIFY2(r.status == 200, qPrintable(q + u" → "_s + QString::fromUtf8(r.body)));
    }
    QCOMPARE(c.bodies(c.alice, u"NEAR"_s).size(), 1);
    QCOMPARE(c.bodies(c.alice, u"don't"_s), QStringList { u"don't panic"_s });
    QCOMPARE(c.bodies(c.alice, u"a OR b"_s), QStringList()); // "or" is a word that must occur
    QCOMPARE(c.bodies(c.alice, u"words OR"_s).size(), 1);
}

void tst_Search::badParametersAreRefused()
{
    Chat c;
    QCOMPARE(c.server.get(u"/api/v1/search"_s, c.alice.token).errorCode(), u"missing_field"_s);
    QCOMPARE(c.find(c.alice, u""_s).errorCode(), u"invalid_value"_s);
    QCOMPARE(c.find(c.alice, QString(257, u'x')).errorCode(), u"too_long"_s);
    QCOMPARE(c.find(c.alice, u"a\u0001b"_s).errorCode(), u"invalid_value"_s);
    QCOMPARE(c.find(c.alice, u"x"_s, { { u"limit"_s, u"0"_s } }).errorCode(), u"invalid_value"_s);
    QCOMPARE(c.find(c.alice, u"x"_s, { { u"limit"_s, u"51"_s } }).errorCode(), u"invalid_value"_s);
    QCOMPARE(c.find(c.alice, u"x"_s, { { u"before"_s, u"abc"_s } }).errorCode(),
             u"invalid_value"_s);
    QCOMPARE(c.find(c.alice, u"x"_s, { { u"roomId"_s, u"-1"_s } }).errorCode(), u"invalid_value"_s);
}

void tst_Search::theIndexFollowsWhenQuietAndAfterACrash()
{
    if (testPostgres())
        QSKIP("SQLite's index follows the log by a high-water mark; PostgreSQL's is kept by a"
              " trigger in the inserting transaction (every other case finds a message right"
              " after its send)");
    QTemporaryDir data;
    const auto tweak = [&](server::ServerConfig &cfg) { cfg.dataDir = data.path(); };
    const auto indexedThrough = [](TestServer &s) {
        QSqlQuery q(s.server().database().reader());
        q.exec(u"SELECT value FROM meta WHERE key = 'search_indexed'"_s);
        return q.next() ? q.value(0).toLongLong() : -1;
    };
    TestServer::Account alice;
    qint64 room = 0, last = 0;
    {
        TestServer server(tweak);
        alice = server.signUp(u"alice"_s);
        room = server.createRoom(alice.token, u"general"_s);
        const auto say = [&](const QString &cid, const QString &body) {
            return server
                .post(u"/api/v1/rooms/%1/messages"_s.arg(room),
                      { { u"clientMsgId"_s, cid }, { u"body"_s, body } }, alice.token)
                .json()
                .value(u"eventId"_s)
                .toInteger();
        };
        // Sending does not index; a quiet moment (200 ms) does, without any search.
        last = say(u"a"_s, u"first words"_s);
        QVERIFY(indexedThrough(server) < last);
        QVERIFY(spinUntil([&] { return indexedThrough(server) >= last; }, 3000));
        // Then the server stops before it is quiet again (as if it crashed there).
        last = say(u"b"_s, u"second words"_s);
        QVERIFY(indexedThrough(server) < last);
    }
    TestServer again(tweak); // catches up at start
    QVERIFY(spinUntil([&] { return indexedThrough(again) >= last; }, 3000));
    QUrlQuery query;
    query.addQueryItem(u"q"_s, u"second"_s);
    const auto found = SearchResults::fromJson(
        again.get(u"/api/v1/search?"_s + query.toString(QUrl::FullyEncoded), alice.token).json());
    QVERIFY(found);
    QCOMPARE(found->results.size(), 1);
    QCOMPARE(found->results[0].event.id, last);
}

void tst_Search::aBrokenIndexIsAnErrorNotAStaleAnswer()
{
    if (testPostgres())
        QSKIP("fault injection into SQLite's file; on PostgreSQL the index is part of each"
              " send's transaction, kept or failed with it");
    Chat c;
    c.say(c.alice, u"indexed words"_s);
    QCOMPARE(c.bodies(c.alice, u"indexed"_s).size(), 1);
    // Fault injection: the index table disappears under the server (a damaged file, say).
    {
        auto raw = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"vandal"_s);
        raw.setDatabaseName(c.server.dataDir() + u"/confab.db"_s);
        QVERIFY(raw.open());
        QSqlQuery q(raw);
        QVERIFY(q.exec(u"DROP TABLE message_search"_s));
        raw.close();
    }
    QSqlDatabase::removeDatabase(u"vandal"_s);
    c.say(c.alice, u"newer words"_s); // the index cannot follow this one
    const HttpResult r = c.find(c.alice, u"words"_s);
    QCOMPARE(r.status, 503);
    QCOMPARE(r.errorCode(), u"unavailable"_s);
    // Sending is unaffected: the index is not on the send path.
    QVERIFY(c.say(c.alice, u"still sending"_s) > 0);
}

QTEST_MAIN(tst_Search)
#include "tst_search.moc"
