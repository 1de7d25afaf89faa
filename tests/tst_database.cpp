// Storage: migrations, refusal of a newer schema, group commit through the single writer,
// per-job rollback, durability across reopen.
#include "database.h"
#include "roomstore.h"
#include "metrics.h"
#include "schema.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace confab;
using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

Database::Job insertUser(const QString &name)
{
    return [name](QSqlDatabase &db) -> Result<QVariant> {
        QSqlQuery q(db);
        q.prepare(u"INSERT INTO users (username, password_hash, created_at) VALUES (?, 'x', 1)"_s);
        if (auto r = execPrepared(q, { name }); !r)
            return r.error();
        return q.lastInsertId();
    };
}

int countUsers(Database &db)
{
    QSqlQuery q(db.reader());
    q.exec(u"SELECT COUNT(*) FROM users"_s);
    q.next();
    return q.value(0).toInt();
}

} // namespace

class tst_Database : public QObject
{
    Q_OBJECT

private slots:
    void freshDatabaseIsWalAtLatestSchema();
    void refusesADatabaseFromANewerServer();
    void upgradeToReadMarkersNumbersMessagesAndReadsWhatWasThere();
    void writeCompletesAfterCommitAndSurvivesReopen();
    void failingJobRollsBackAloneInItsBatch();
    void concurrentWritesShareCommits();
    void epochIsStableAcrossRestarts();
    void doneIsSkippedWhenContextIsGone();
    void cachedStatementsSeeLaterCommitsAndNest();
};

void tst_Database::freshDatabaseIsWalAtLatestSchema()
{
    QTemporaryDir dir;
    Database db;
    QVERIFY(db.open(dir.path()).ok());
    QCOMPARE(db.schemaVersion(), schema::latestVersion());
    QSqlQuery q(db.reader());
    QVERIFY(q.exec(u"PRAGMA journal_mode"_s) && q.next());
    QCOMPARE(q.value(0).toString(), u"wal"_s);
    QVERIFY(db.isWritable());
}

void tst_Database::refusesADatabaseFromANewerServer()
{
    QTemporaryDir dir;
    {
        Database db;
        QVERIFY(db.open(dir.path()).ok());
        QSqlQuery q(db.reader());
        QVERIFY(q.exec(u"PRAGMA user_version=%1"_s.arg(schema::latestVersion() + 1)));
    }
    Database db;
    const auto opened = db.open(dir.path());
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.contains(u"newer confab-server"_s),
             qPrintable(opened.error().message));
}

void tst_Database::upgradeToReadMarkersNumbersMessagesAndReadsWhatWasThere()
{
    // A database of schema 2 with a room of three messages and an edit, as an older server
    // left it; opening it migrates to the latest schema.
    QTemporaryDir dir;
    {
        auto raw = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"v2"_s);
        raw.setDatabaseName(dir.filePath(u"confab.db"_s));
        QVERIFY(raw.open());
        QSqlQuery q(raw);
        for (int v = 0; v < 2; ++v) {
            for (const QString &statement : schema::migrations().at(v))
                QVERIFY2(q.exec(statement), qPrintable(q.lastError().text()));
        }
        QVERIFY(q.exec(u"PRAGMA user_version=2"_s));
        const QStringList rows {
            u"INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'a', 'x', 0),"
            " (2, 'b', 'x', 0)"_s,
            u"INSERT INTO rooms (id, name, visibility, owner_id, created_at, last_seq)"
            " VALUES (1, 'r', 'public', 1, 0, 5)"_s,
            u"INSERT INTO members (room_id, user_id, role, joined_at) VALUES (1, 1, 'owner', 0),"
            " (1, 2, 'member', 0)"_s,
            u"INSERT INTO events (room_id, seq, type, sender_id, ts, content) VALUES"
            " (1, 1, 'room_create', 1, 0, '{}'), (1, 2, 'message', 1, 0, '{\"body\":\"x\"}'),"
            " (1, 3, 'message', 2, 0, '{\"body\":\"y\"}'),"
            " (1, 4, 'edit', 2, 0, '{\"targetId\":3,\"body\":\"z\"}'),"
            " (1, 5, 'message', 1, 0, '{\"body\":\"w\"}')"_s,
        };
        for (const QString &row : rows)
            QVERIFY2(q.exec(row), qPrintable(q.lastError().text()));
        raw.close();
    }
    QSqlDatabase::removeDatabase(u"v2"_s);
    Database db;
    QVERIFY(db.open(dir.path()).ok());
    QCOMPARE(db.schemaVersion(), schema::latestVersion());
    QSqlQuery q(db.reader());
    QVERIFY(q.exec(u"SELECT seq, msg_no FROM events WHERE room_id = 1 ORDER BY seq"_s));
    QList<QPair<qint64, QVariant>> numbered;
    while (q.next())
        numbered.append({ q.value(0).toLongLong(), q.value(1) });
    QCOMPARE(numbered.size(), 5);
    QVERIFY(numbered[0].second.isNull() && numbered[3].second.isNull()); // not messages
    QCOMPARE(numbered[1].second.toLongLong(), 1);
    QCOMPARE(numbered[2].second.toLongLong(), 2);
    QCOMPARE(numbered[4].second.toLongLong(), 3);
    QVERIFY(q.exec(u"SELECT msg_count FROM rooms WHERE id = 1"_s) && q.next());
    QCOMPARE(q.value(0).toLongLong(), 3);
    // Everyone had read what was there: nothing is unread after the upgrade.
    const auto states = roomstore::readStates(db.reader(), 2);
    QCOMPARE(states.value(1), (ReadState { 1, 5, 0, 0 }));
    // The search index is built by the migration: every message with its current text (the
    // edited one as edited).
    QVERIFY(q.exec(u"SELECT e.seq, s.body FROM message_search s"
                   " JOIN events e ON e.id = s.rowid ORDER BY e.seq"_s));
    QStringList indexed;
    while (q.next())
        indexed << u"%1:%2"_s.arg(q.value(0).toString(), q.value(1).toString());
    QCOMPARE(indexed, (QStringList { u"2:x"_s, u"3:z"_s, u"5:w"_s }));
}

void tst_Database::writeCompletesAfterCommitAndSurvivesReopen()
{
    QTemporaryDir dir;
    {
        Database db;
        QVERIFY(db.open(dir.path()).ok());
        QVariant id;
        bool done = false;
        db.write(insertUser(u"alice"_s), this, [&](const Result<QVariant> &r) {
            QVERIFY(r.ok());
            id = r.value();
            // Already committed: the reader (another connection) sees it.
            QCOMPARE(countUsers(db), 1);
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY(id.toLongLong() > 0);
    }
    Database again;
    QVERIFY(again.open(dir.path()).ok());
    QCOMPARE(countUsers(again), 1);
}

void tst_Database::failingJobRollsBackAloneInItsBatch()
{
    QTemporaryDir dir;
    Database db;
    QVERIFY(db.open(dir.path()).ok());
    QList<bool> outcomes;
    // A job that writes, then fails: its own write must not survive.
    auto halfThenFail = [](QSqlDatabase &d) -> Result<QVariant> {
        QSqlQuery q(d);
        q.exec(u"INSERT INTO users (username, password_hash, created_at) VALUES ('ghost','x',1)"_s);
        return makeError(ErrorCode::Conflict, u"changed my mind"_s);
    };
    const auto record = [&](const Result<QVariant> &r) { outcomes.append(r.ok()); };
    db.write(insertUser(u"bob"_s), this, record);
    db.write(insertUser(u"bob"_s), this, record); // unique violation
    db.write(halfThenFail, this, record);
    db.write(insertUser(u"carol"_s), this, record);
    db.flush();
    QCOMPARE(outcomes, (QList<bool> { true, false, false, true }));
    QCOMPARE(countUsers(db), 2);
    QSqlQuery q(db.reader());
    q.exec(u"SELECT COUNT(*) FROM users WHERE username = 'ghost'"_s);
    q.next();
    QCOMPARE(q.value(0).toInt(), 0);
}

void tst_Database::concurrentWritesShareCommits()
{
    QTemporaryDir dir;
    Metrics metrics;
    Database db(&metrics);
    QVERIFY(db.open(dir.path()).ok());
    int completed = 0;
    const int n = 300;
    for (int i = 0; i < n; ++i)
        db.write(insertUser(u"user%1"_s.arg(i)), this, [&](const Result<QVariant> &r) {
            if (r.ok())
                ++completed;
        });
    db.flush();
    QCOMPARE(completed, n);
    QCOMPARE(countUsers(db), n);
    // Queued faster than one fsync each: the writer must have grouped them.
    const double commits = metrics.counterValue(u"confab_storage_commits_total"_s);
    QVERIFY2(commits < n, qPrintable(u"%1 commits for %2 writes"_s.arg(commits).arg(n)));
}

void tst_Database::epochIsStableAcrossRestarts()
{
    QTemporaryDir dir;
    QString first;
    {
        Database db;
        QVERIFY(db.open(dir.path()).ok());
        first = db.epoch();
    }
    QVERIFY(!first.isEmpty());
    Database db;
    QVERIFY(db.open(dir.path()).ok());
    QCOMPARE(db.epoch(), first);
    QTemporaryDir other;
    Database fresh;
    QVERIFY(fresh.open(other.path()).ok());
    QVERIFY(fresh.epoch() != first);
}

void tst_Database::doneIsSkippedWhenContextIsGone()
{
    QTemporaryDir dir;
    Database db;
    QVERIFY(db.open(dir.path()).ok());
    bool called = false;
    auto *context = new QObject;
    db.write(insertUser(u"dave"_s), context, [&](const Result<QVariant> &) { called = true; });
    delete context;
    db.flush();
    QCoreApplication::processEvents();
    QVERIFY(!called);
    QCOMPARE(countUsers(db), 1); // the write itself still happened
}

// CachedQuery keeps statements prepared across uses: a cached read must still see every commit
// made after it last ran (its snapshot is released after each use), and a statement used again
// while a first use is still open must not disturb that first use.
void tst_Database::cachedStatementsSeeLaterCommitsAndNest()
{
    QTemporaryDir dir;
    Database db;
    QVERIFY(db.open(dir.path()).ok());
    const QString sql = u"SELECT username FROM users ORDER BY id"_s;
    const auto names = [&] {
        QStringList out;
        CachedQuery q(db.reader(), sql);
        if (execCached(q))
            while (q->next())
                out << q->value(0).toString();
        return out;
    };
    QCOMPARE(names(), QStringList());
    bool done = false;
    db.write(insertUser(u"alice"_s), this, [&](const Result<QVariant> &r) { done = r.ok(); });
    QTRY_VERIFY(done);
    QCOMPARE(names(), QStringList { u"alice"_s });
    done = false;
    db.write(insertUser(u"bob"_s), this, [&](const Result<QVariant> &r) { done = r.ok(); });
    QTRY_VERIFY(done);
    QCOMPARE(names(), (QStringList { u"alice"_s, u"bob"_s }));

    CachedQuery outer(db.reader(), sql);
    QVERIFY(execCached(outer).ok() && outer->next());
    QCOMPARE(outer->value(0).toString(), u"alice"_s);
    QCOMPARE(names(), (QStringList { u"alice"_s, u"bob"_s })); // same SQL, while outer is open
    QVERIFY(outer->next());
    QCOMPARE(outer->value(0).toString(), u"bob"_s);

    CachedQuery broken(db.reader(), u"SELECT nope FROM nowhere"_s);
    QVERIFY(!execCached(broken).ok());
}

QTEST_GUILESS_MAIN(tst_Database)
#include "tst_database.moc"
