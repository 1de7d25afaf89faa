// Writes tests/fixtures/schema-vN.db, one database per released schema version N, for
// tst_upgrade (docs/operations.md, "Upgrades"). Run it once when a migration is added:
//
//   build/tests/confab_make_fixtures tests/fixtures
//
// It replays the life of a server that went through every version: migration 1, then the rows a
// version-1 server wrote (with the columns it had), then migration 2 and what a version-2 server
// added, and so on, keeping a copy of the file after each step. Released migrations are never
// edited (schema.h), so migrations 1..N are exactly what a version-N server ran. The committed
// files, not this program, are the fixtures: a later change here does not rewrite history.
#include "passwordhasher.h"
#include "schema.h"
#include "userservice.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <cstdio>

using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

QSqlDatabase g_db;
constexpr qint64 kT0 = 1764547200000; // 2025-12-01 00:00 UTC: the fixtures' first day

void exec(const QString &sql, const QVariantList &args = {})
{
    QSqlQuery q(g_db);
    q.prepare(sql);
    for (const QVariant &a : args)
        q.addBindValue(a);
    if (!q.exec()) {
        std::fprintf(stderr, "%s\n  %s\n", qPrintable(sql), qPrintable(q.lastError().text()));
        std::exit(1);
    }
}

qint64 scalar(const QString &sql)
{
    QSqlQuery q(g_db);
    if (!q.exec(sql) || !q.next())
        std::exit(1);
    return q.value(0).toLongLong();
}

QString json(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// Appends an event to a room's log as a server of `version` did: the next seq, rooms.last_seq,
// and from version 3 on the message ordinal and rooms.msg_count. Returns the event id.
qint64 append(int version, qint64 room, const QString &type, qint64 sender, const QJsonObject &c,
              const QString &clientMsgId = {}, qint64 minute = 0)
{
    const qint64 seq = scalar(u"SELECT last_seq FROM rooms WHERE id = %1"_s.arg(room)) + 1;
    const qint64 ts = kT0 + minute * 60000;
    const QVariant cmid = clientMsgId.isEmpty() ? QVariant() : QVariant(clientMsgId);
    if (version >= 3) {
        QVariant msgNo;
        if (type == u"message") {
            const qint64 n = scalar(u"SELECT msg_count FROM rooms WHERE id = %1"_s.arg(room)) + 1;
            msgNo = n;
            exec(u"UPDATE rooms SET msg_count = ? WHERE id = ?"_s, { n, room });
        }
        exec(u"INSERT INTO events (room_id, seq, type, sender_id, ts, content, client_msg_id,"
             u" msg_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"_s,
             { room, seq, type, sender, ts, json(c), cmid, msgNo });
    } else {
        exec(u"INSERT INTO events (room_id, seq, type, sender_id, ts, content, client_msg_id)"
             u" VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
             { room, seq, type, sender, ts, json(c), cmid });
    }
    exec(u"UPDATE rooms SET last_seq = ? WHERE id = ?"_s, { seq, room });
    return scalar(u"SELECT MAX(id) FROM events"_s);
}

void migrate(int to)
{
    exec(u"BEGIN IMMEDIATE"_s);
    for (const QString &statement : schema::migrations().at(to - 1))
        exec(statement);
    exec(u"PRAGMA user_version=%1"_s.arg(to));
    exec(u"COMMIT"_s);
}

// What a server of each version wrote while it ran (with the columns it had).
void era(int version)
{
    exec(u"BEGIN"_s);
    switch (version) {
    case 1: {
        exec(u"INSERT INTO meta (key, value) VALUES ('epoch', 'fixture-epoch')"_s);
        PasswordHasher hasher(PasswordHasher::Cost::Minimal);
        const QString hash = QString::fromLatin1(hasher.hashBlocking(u"password123"_s));
        for (const auto &[name, display] : { std::pair { u"alice"_s, u"Alice"_s },
                                             std::pair { u"bob"_s, u""_s },
                                             std::pair { u"carol"_s, u"Carol C."_s } })
            exec(u"INSERT INTO users (username, password_hash, display_name, created_at)"
                 u" VALUES (?, ?, ?, ?)"_s,
                 { name, hash, display, kT0 });
        exec(u"INSERT INTO sessions (token_hash, user_id, device, created_at, expires_at)"
             u" VALUES (?, 1, 'fixture laptop', ?, 4102444800000)"_s,
             { UserService::hashToken(u"fixture-token-alice"_s), kT0 });
        exec(u"INSERT INTO rooms (id, name, topic, visibility, owner_id, created_at) VALUES"
             u" (1, 'general', 'Everything', 'public', 1, ?),"
             u" (2, 'secret', '', 'private', 2, ?)"_s,
             { kT0, kT0 });
        exec(u"INSERT INTO members (room_id, user_id, role, joined_at) VALUES"
             u" (1, 1, 'owner', ?), (1, 2, 'member', ?), (2, 2, 'owner', ?), (2, 3, 'member', ?)"_s,
             { kT0, kT0, kT0, kT0 });
        append(1, 1, u"room_create"_s, 1,
               { { u"name"_s, u"general"_s }, { u"topic"_s, u"Everything"_s },
                 { u"visibility"_s, u"public"_s } });
        append(1, 1, u"member_join"_s, 1, { { u"userId"_s, 1 } });
        append(1, 1, u"member_join"_s, 2, { { u"userId"_s, 2 } });
        append(1, 1, u"message"_s, 1, { { u"body"_s, u"hello from version 1"_s } }, u"f1"_s, 1);
        const qint64 second
            = append(1, 1, u"message"_s, 2, { { u"body"_s, u"second"_s } }, u"f2"_s, 2);
        append(1, 1, u"edit"_s, 2, { { u"targetId"_s, second }, { u"body"_s, u"second, edited"_s } },
               {}, 3);
        const qint64 gone
            = append(1, 1, u"message"_s, 1, { { u"body"_s, u"to be deleted"_s } }, u"f3"_s, 4);
        exec(u"UPDATE events SET content = '{\"redacted\":true}' WHERE id = ?"_s, { gone });
        append(1, 1, u"delete"_s, 1, { { u"targetId"_s, gone } }, {}, 5);
        append(1, 2, u"room_create"_s, 2,
               { { u"name"_s, u"secret"_s }, { u"topic"_s, u""_s },
                 { u"visibility"_s, u"private"_s } });
        append(1, 2, u"member_join"_s, 2, { { u"userId"_s, 2 } });
        append(1, 2, u"member_join"_s, 3, { { u"userId"_s, 3 }, { u"invitedBy"_s, 2 } });
        append(1, 2, u"message"_s, 3, { { u"body"_s, u"psst"_s } }, u"f4"_s, 6);
        break;
    }
    case 2:
        exec(u"UPDATE sessions SET last_seen = ?, address = '192.168.1.20'"_s, { kT0 + 600000 });
        exec(u"INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES"
             u" (?, 1, ?, 4102444800000)"_s,
             { UserService::hashToken(u"FIXTR-INVIT-EC0DE-AAAAA"_s), kT0 });
        append(2, 1, u"message"_s, 2, { { u"body"_s, u"written by version 2"_s } }, u"f5"_s, 10);
        break;
    case 3: {
        // Bob reads up to here, then alice mentions him.
        const qint64 readSeq = scalar(u"SELECT last_seq FROM rooms WHERE id = 1"_s);
        const qint64 readNo = scalar(u"SELECT msg_count FROM rooms WHERE id = 1"_s);
        exec(u"UPDATE members SET read_seq = ?, read_no = ? WHERE room_id = 1 AND user_id = 2"_s,
             { readSeq, readNo });
        append(3, 1, u"message"_s, 1, { { u"body"_s, u"@bob version 3 is here"_s } }, u"f6"_s, 20);
        const qint64 seq = scalar(u"SELECT last_seq FROM rooms WHERE id = 1"_s);
        exec(u"INSERT INTO mentions (room_id, user_id, seq) VALUES (1, 2, ?)"_s, { seq });
        break;
    }
    case 4: {
        const qint64 first = scalar(u"SELECT id FROM events WHERE client_msg_id = 'f1'"_s);
        append(4, 1, u"reaction"_s, 2, { { u"targetId"_s, first }, { u"key"_s, u"👍"_s } }, {},
               30);
        const qint64 seq = scalar(u"SELECT last_seq FROM rooms WHERE id = 1"_s);
        exec(u"INSERT INTO reactions (target_id, key, user_id, room_id, seq)"
             u" VALUES (?, '👍', 2, 1, ?)"_s,
             { first, seq });
        break;
    }
    case 5: {
        const qint64 id = append(5, 1, u"message"_s, 3,
                                 { { u"body"_s, u"version 5 searches everything"_s } }, u"f7"_s, 40);
        exec(u"INSERT INTO message_search (rowid, body) VALUES (?, ?)"_s,
             { id, u"version 5 searches everything"_s });
        exec(u"UPDATE meta SET value = ? WHERE key = 'search_indexed'"_s, { id });
        break;
    }
    case 6: {
        // A shared file: its blob row, its file row, the message carrying it. (The bytes are
        // not in the fixture: a download answers that they are gone.)
        const QString sha = u"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"_s;
        const QString fileId = u"00112233445566778899aabbccddeeff"_s;
        exec(u"INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?, 4, 'text/plain', 50)"_s,
             { sha });
        const QJsonObject file { { u"fileId"_s, fileId }, { u"name"_s, u"notes.txt"_s },
                                 { u"size"_s, 4 },         { u"mime"_s, u"text/plain"_s },
                                 { u"sha256"_s, sha } };
        const qint64 id = append(6, 1, u"message"_s, 3,
                                 { { u"body"_s, u"version 6 shares files"_s }, { u"file"_s, file } },
                                 u"f8"_s, 50);
        exec(u"INSERT INTO files (id, sha256, name, user_id, room_id, created_at, event_id,"
             u" upload_id) VALUES (?, ?, 'notes.txt', 3, 1, 50, ?, NULL)"_s,
             { fileId, sha, id });
        exec(u"INSERT INTO message_search (rowid, body) VALUES (?, ?)"_s,
             { id, u"version 6 shares files"_s });
        exec(u"UPDATE meta SET value = ? WHERE key = 'search_indexed'"_s, { id });
        break;
    }
    case 7:
        // Version 7's migration indexes the names of files shared before it (tst_upgrade
        // searches for version 6's). Bob signs in on his phone: a session whose rowid (2) must
        // stay its id when schema 8 gives sessions an id column.
        exec(u"INSERT INTO sessions (token_hash, user_id, device, created_at, expires_at,"
             u" last_seen, address) VALUES (?, 2, 'fixture phone', ?, 4102444800000, ?,"
             u" '192.168.1.21')"_s,
             { UserService::hashToken(u"fixture-token-bob-phone"_s), kT0 + 700000,
               kT0 + 700000 });
        break;
    case 8:
        // Version 8 wrote nothing new of its own.
        break;
    default:
        std::fprintf(stderr, "no era for schema version %d: add one (and its checks in"
                             " tst_upgrade)\n",
                     version);
        std::exit(1);
    }
    exec(u"COMMIT"_s);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    const QDir out(QString::fromLocal8Bit(argv[1]));
    const QString work = out.filePath(u"fixture-work.db"_s);
    QFile::remove(work);
    g_db = QSqlDatabase::addDatabase(u"QSQLITE"_s);
    g_db.setDatabaseName(work);
    if (!g_db.open())
        return 1;
    for (int v = 1; v <= schema::latestVersion(); ++v) {
        migrate(v);
        era(v);
        const QString file = out.filePath(u"schema-v%1.db"_s.arg(v));
        QFile::remove(file);
        exec(u"VACUUM INTO ?"_s, { file });
        std::printf("%s\n", qPrintable(file));
    }
    g_db.close();
    QFile::remove(work);
    return 0;
}
