// Upgrades (docs/operations.md): a database of every released schema version
// (tests/fixtures/schema-vN.db, written by tools/make_fixtures.cpp) opens in today's server,
// which first keeps a copy at the old version in DATA_DIR/backups, then migrates. Everything a
// user had is still there and still works: logins and sessions, rooms and membership, every
// message (edits, deletes), read state, mentions, reactions, search, and new messages go on from
// the old seq. A database newer than the server is refused with a clear message.
#include "admin/datatools.h"
#include "database.h"
#include "schema.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace confab;
using namespace confab::test;
using namespace Qt::StringLiterals;

namespace {

const QString kFixtures = QStringLiteral(CONFAB_SOURCE_DIR "/tests/fixtures/");

QString tokenOf(TestServer &s, const QString &user)
{
    return s.post(u"/api/v1/auth/login"_s,
                  { { u"username"_s, user }, { u"password"_s, u"password123"_s } })
        .json()[u"token"_s]
        .toString();
}

QList<RoomEvent> history(TestServer &s, qint64 room, const QString &token)
{
    const auto page
        = EventPage::fromJson(s.get(u"/api/v1/rooms/%1/events?after=0&limit=200"_s.arg(room), token)
                                  .json());
    return page ? page->events : QList<RoomEvent>();
}

} // namespace

class TestUpgrade : public QObject
{
    Q_OBJECT

private slots:
    void everyReleasedSchemaMigrates_data();
    void everyReleasedSchemaMigrates();
    void aNewerDatabaseIsRefused();
};

void TestUpgrade::everyReleasedSchemaMigrates_data()
{
    QTest::addColumn<int>("version");
    // Every released version has its fixture (a new migration needs one: make_fixtures).
    for (int v = 1; v <= server::schema::latestVersion(); ++v) {
        QVERIFY2(QFile::exists(kFixtures + u"schema-v%1.db"_s.arg(v)),
                 qPrintable(u"no fixture for schema %1: run confab_make_fixtures"_s.arg(v)));
        QTest::addRow("schema %d", v) << v;
    }
}

void TestUpgrade::everyReleasedSchemaMigrates()
{
    QFETCH(int, version);
    QTemporaryDir data;
    QVERIFY(QFile::copy(kFixtures + u"schema-v%1.db"_s.arg(version),
                        data.filePath(u"confab.db"_s)));
    QFile(data.filePath(u"confab.db"_s)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);

    TestServer s([&](server::ServerConfig &c) { c.dataDir = data.path(); });
    QVERIFY(s.ok());
    QCOMPARE(s.server().database().schemaVersion(), server::schema::latestVersion());
    QCOMPARE(s.server().database().epoch(), u"fixture-epoch"_s); // clients resume, no reset

    // The copy made before migrating, at the old version.
    const QStringList saved = QDir(data.filePath(u"backups"_s)).entryList(QDir::Files);
    if (version < server::schema::latestVersion()) {
        QCOMPARE(saved.size(), 1);
        const auto inspected = server::datatools::inspect(data.filePath(u"backups/"_s + saved[0]));
        QVERIFY2(inspected, qPrintable(inspected ? QString() : inspected.error().message));
        QCOMPARE(inspected.value()[u"schemaVersion"_s].toInt(), version);
    } else {
        QVERIFY(saved.isEmpty()); // nothing to migrate, nothing copied
    }

    // Logins and an old session.
    const QString alice = tokenOf(s, u"alice"_s);
    const QString bob = tokenOf(s, u"bob"_s);
    const QString carol = tokenOf(s, u"carol"_s);
    QVERIFY(!alice.isEmpty() && !bob.isEmpty() && !carol.isEmpty());
    const auto me = s.get(u"/api/v1/users/me"_s, u"fixture-token-alice"_s);
    QCOMPARE(me.status, 200);
    QCOMPARE(me.json()[u"username"_s].toString(), u"alice"_s);
    QVERIFY(me.json()[u"admin"_s].toBool()); // the first account is the admin

    // The log: every message, the edit, the delete, in gap-free seq order.
    const QList<RoomEvent> events = history(s, 1, alice);
    QVERIFY(!events.isEmpty());
    for (int i = 0; i < events.size(); ++i)
        QCOMPARE(events[i].seq, i + 1);
    QStringList bodies;
    bool redacted = false;
    QString edited;
    for (const RoomEvent &e : events) {
        if (e.type == EventType::Message && e.isRedacted())
            redacted = true;
        else if (e.type == EventType::Message)
            bodies << e.body();
        else if (e.type == EventType::Edit)
            edited = e.body();
    }
    QVERIFY(redacted);
    QCOMPARE(edited, u"second, edited"_s);
    QStringList expected { u"hello from version 1"_s, u"second"_s };
    if (version >= 2)
        expected << u"written by version 2"_s;
    if (version >= 3)
        expected << u"@bob version 3 is here"_s;
    if (version >= 5)
        expected << u"version 5 searches everything"_s;
    if (version >= 6)
        expected << u"version 6 shares files"_s;
    QCOMPARE(bodies, expected);
    // Files (from schema 6): the message still carries its file, which members may ask for.
    if (version >= 6) {
        const RoomEvent &shared = events.last();
        const auto file = FileInfo::fromJson(shared.content[u"file"_s].toObject());
        QVERIFY(file);
        QCOMPARE(file->name, u"notes.txt"_s);
        QCOMPARE(file->size, 4);
        // Its bytes were not part of the fixture: gone, said so, not a crash.
        QCOMPARE(s.get(u"/api/v1/files/"_s + file->fileId, alice).status, 404);
        QCOMPARE(s.get(u"/api/v1/files/"_s + file->fileId, u"nope"_s).status, 401);
    }

    // Sessions keep their ids (schema 8 made SQLite's implicit rowid a column of its own).
    if (version >= 7) {
        const auto mine = s.get(u"/api/v1/auth/sessions"_s, u"fixture-token-bob-phone"_s);
        QCOMPARE(mine.status, 200);
        bool found = false;
        for (const QJsonValue &v : mine.json()[u"sessions"_s].toArray()) {
            if (v[u"device"_s].toString() == u"fixture phone"_s) {
                QCOMPARE(v[u"id"_s].toInteger(), 2);
                QVERIFY(v[u"current"_s].toBool());
                found = true;
            }
        }
        QVERIFY(found);
        const auto alices = s.get(u"/api/v1/auth/sessions"_s, u"fixture-token-alice"_s);
        QCOMPARE(alices.json()[u"sessions"_s].toArray().first()[u"id"_s].toInteger(), 1);
    }

    // Membership: the private room is its members' only.
    QCOMPARE(s.get(u"/api/v1/rooms/2/events?after=0"_s, carol).status, 200);
    QVERIFY(s.get(u"/api/v1/rooms/2/events?after=0"_s, alice).status >= 403);

    // Read state: from before read markers, bob has read everything; after, what he left.
    const auto rooms = s.get(u"/api/v1/rooms"_s, bob).json()[u"rooms"_s].toArray();
    QJsonObject general;
    for (const QJsonValue &r : rooms) {
        if (r[u"id"_s].toInt() == 1)
            general = r.toObject();
    }
    QCOMPARE(general[u"unread"_s].toInt(), version < 3 ? 0 : version < 5 ? 1 : version < 6 ? 2 : 3);
    QCOMPARE(general[u"mentions"_s].toInt(), version < 3 ? 0 : 1);

    // Reactions (from schema 4).
    const RoomEvent &first = events[3];
    QCOMPARE(first.body(), u"hello from version 1"_s);
    const QJsonArray reactions = first.content[u"reactions"_s].toArray();
    if (version >= 4) {
        QCOMPARE(reactions.size(), 1);
        QCOMPARE(reactions[0][u"key"_s].toString(), u"👍"_s);
        QCOMPARE(reactions[0][u"count"_s].toInt(), 1);
    } else {
        QVERIFY(reactions.isEmpty());
    }

    // Search covers the old history (the index is built by migration 5, kept after).
    const auto hello = s.get(u"/api/v1/search?q=hello"_s, alice);
    QCOMPARE(hello.status, 200);
    QCOMPARE(hello.json()[u"results"_s].toArray().size(), 1);
    QCOMPARE(s.get(u"/api/v1/search?q=deleted"_s, alice).json()[u"results"_s].toArray().size(), 0);
    QCOMPARE(s.get(u"/api/v1/search?q=everything"_s, alice).json()[u"results"_s].toArray().size(),
             version >= 5 ? 1 : 0);
    // ... and the names of files shared before version 7 (its migration indexes them).
    const auto notes = s.get(u"/api/v1/search?q=notes"_s, alice).json()[u"results"_s].toArray();
    QCOMPARE(notes.size(), version >= 6 ? 1 : 0);
    if (version >= 6)
        QCOMPARE(notes[0][u"event"_s][u"content"_s][u"body"_s].toString(),
                 u"version 6 shares files"_s); // the message's text, not its file's name

    // New messages go on from the old seq; an old clientMsgId is still a duplicate.
    WsClient ws(s.port());
    QVERIFY(ws.login(alice));
    const auto fresh = ws.send(1, u"after-upgrade"_s, u"after the upgrade"_s);
    QVERIFY(fresh);
    QCOMPARE(fresh->seq, events.last().seq + 1);
    const auto again = ws.send(1, u"f1"_s, u"hello from version 1"_s);
    QVERIFY(again);
    QCOMPARE(again->seq, 4);
}

void TestUpgrade::aNewerDatabaseIsRefused()
{
    QTemporaryDir data;
    const QString db = data.filePath(u"confab.db"_s);
    QVERIFY(QFile::copy(kFixtures + u"schema-v%1.db"_s.arg(server::schema::latestVersion()), db));
    QFile(db).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    {
        auto conn = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"bump"_s);
        conn.setDatabaseName(db);
        QVERIFY(conn.open());
        QSqlQuery q(conn);
        QVERIFY(q.exec(u"PRAGMA user_version=%1"_s.arg(server::schema::latestVersion() + 1)));
        conn.close();
    }
    QSqlDatabase::removeDatabase(u"bump"_s);
    server::ServerConfig c;
    c.dataDir = data.path();
    c.port = 0;
    c.tls = false;
    c.discovery = false;
    server::ConfabServer srv(c);
    const auto started = srv.start();
    QVERIFY(!started);
    QVERIFY2(started.error().message.contains(u"run a newer confab-server"_s),
             qPrintable(started.error().message));
    // Nothing was touched: no backup, no migration.
    QVERIFY(!QDir(data.filePath(u"backups"_s)).exists());
}

QTEST_MAIN(TestUpgrade)
#include "tst_upgrade.moc"
