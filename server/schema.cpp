#include "schema.h"

using namespace Qt::StringLiterals;

namespace confab::server::schema {

const QList<QStringList> &migrations()
{
    static const QList<QStringList> all {
        // 1: users, sessions, rooms, members, the per-room event log
        {
            u"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
            u"CREATE TABLE users ("
            "  id INTEGER PRIMARY KEY,"
            "  username TEXT NOT NULL UNIQUE,"
            "  password_hash TEXT NOT NULL,"
            "  display_name TEXT NOT NULL DEFAULT '',"
            "  status_text TEXT NOT NULL DEFAULT '',"
            "  created_at INTEGER NOT NULL)"_s,
            u"CREATE TABLE sessions ("
            "  token_hash BLOB PRIMARY KEY,"
            "  user_id INTEGER NOT NULL REFERENCES users(id),"
            "  device TEXT NOT NULL DEFAULT '',"
            "  created_at INTEGER NOT NULL,"
            "  expires_at INTEGER NOT NULL,"
            "  revoked INTEGER NOT NULL DEFAULT 0)"_s,
            u"CREATE INDEX sessions_user ON sessions(user_id)"_s,
            u"CREATE TABLE rooms ("
            "  id INTEGER PRIMARY KEY,"
            "  name TEXT NOT NULL,"
            "  topic TEXT NOT NULL DEFAULT '',"
            "  visibility TEXT NOT NULL,"
            "  owner_id INTEGER NOT NULL REFERENCES users(id),"
            "  created_at INTEGER NOT NULL,"
            "  last_seq INTEGER NOT NULL DEFAULT 0,"
            "  deleted INTEGER NOT NULL DEFAULT 0,"
            "  dm_key TEXT UNIQUE)"_s,
            u"CREATE TABLE members ("
            "  room_id INTEGER NOT NULL REFERENCES rooms(id),"
            "  user_id INTEGER NOT NULL REFERENCES users(id),"
            "  role TEXT NOT NULL,"
            "  joined_at INTEGER NOT NULL,"
            "  PRIMARY KEY (room_id, user_id)) WITHOUT ROWID"_s,
            u"CREATE INDEX members_user ON members(user_id)"_s,
            u"CREATE TABLE events ("
            "  id INTEGER PRIMARY KEY,"
            "  room_id INTEGER NOT NULL REFERENCES rooms(id),"
            "  seq INTEGER NOT NULL,"
            "  type TEXT NOT NULL,"
            "  sender_id INTEGER NOT NULL,"
            "  ts INTEGER NOT NULL,"
            "  content TEXT NOT NULL,"
            "  client_msg_id TEXT,"
            "  UNIQUE (room_id, seq))"_s,
            // Idempotent send: one event per (sender, clientMsgId), enforced by the database.
            u"CREATE UNIQUE INDEX events_client_msg ON events(sender_id, client_msg_id)"
            "  WHERE client_msg_id IS NOT NULL"_s,
        },
        // 2: accounts an admin controls (docs/security.md): the admin role, disabled accounts,
        // where and when each session was last seen, single-use invite codes (hashed).
        {
            u"ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0"_s,
            u"ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0"_s,
            // The first account of a server from before roles is its admin.
            u"UPDATE users SET is_admin = 1 WHERE id = (SELECT MIN(id) FROM users)"_s,
            u"ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0"_s,
            u"ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT ''"_s,
            u"CREATE TABLE invites ("
            "  code_hash BLOB PRIMARY KEY,"
            "  created_by INTEGER NOT NULL," // 0: the server itself (the setup code)
            "  created_at INTEGER NOT NULL,"
            "  expires_at INTEGER NOT NULL,"
            "  used_by INTEGER,"
            "  used_at INTEGER)"_s,
        },
    };
    return all;
}

} // namespace confab::server::schema
