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
        // 3: read state (docs/protocol.md, "Read state"). Each message gets its room's message
        // ordinal (msg_no); a member's marker keeps the seq read and the ordinal at it (read_no),
        // so unread = rooms.msg_count - read_no without counting rows. Mentions of a user (or of
        // everyone, user_id 0) are indexed by seq: the unread ones are a range of that index.
        {
            u"ALTER TABLE rooms ADD COLUMN msg_count INTEGER NOT NULL DEFAULT 0"_s,
            u"ALTER TABLE events ADD COLUMN msg_no INTEGER"_s,
            u"ALTER TABLE members ADD COLUMN read_seq INTEGER NOT NULL DEFAULT 0"_s,
            u"ALTER TABLE members ADD COLUMN read_no INTEGER NOT NULL DEFAULT 0"_s,
            u"WITH numbered AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY seq)"
            "  AS n FROM events WHERE type = 'message')"
            " UPDATE events SET msg_no = numbered.n FROM numbered WHERE numbered.id = events.id"_s,
            u"UPDATE rooms SET msg_count = (SELECT COUNT(*) FROM events e"
            "  WHERE e.room_id = rooms.id AND e.type = 'message')"_s,
            // Members from before read markers have read what was there: an upgrade must not
            // turn every room's whole history into unread messages.
            u"UPDATE members SET"
            "  read_seq = (SELECT r.last_seq FROM rooms r WHERE r.id = members.room_id),"
            "  read_no = (SELECT r.msg_count FROM rooms r WHERE r.id = members.room_id)"_s,
            u"CREATE TABLE mentions ("
            "  room_id INTEGER NOT NULL,"
            "  user_id INTEGER NOT NULL," // 0: @room, everyone in it
            "  seq INTEGER NOT NULL,"
            "  PRIMARY KEY (room_id, user_id, seq)) WITHOUT ROWID"_s,
        },
        // 4: reactions (docs/protocol.md, "Reactions"). The log keeps every reaction and
        // reaction_remove event; this table is their current state, one row per (message, key,
        // user), so aggregates are read, not replayed, and a second identical reaction is a
        // primary-key hit. `seq` is that of the reaction event that added the row.
        {
            u"CREATE TABLE reactions ("
            "  target_id INTEGER NOT NULL,"
            "  key TEXT NOT NULL,"
            "  user_id INTEGER NOT NULL,"
            "  room_id INTEGER NOT NULL,"
            "  seq INTEGER NOT NULL,"
            "  PRIMARY KEY (target_id, key, user_id)) WITHOUT ROWID"_s,
        },
        // 5: full-text search (server/search/). One row per message that is not deleted, rowid =
        // its event id, `body` its current text (the newest edit). Built here once from the log;
        // kept current after by SearchIndexer, up to the event id in meta 'search_indexed'. The
        // 3-character prefix index answers "dep*" with one doclist instead of merging those of
        // every word it starts.
        {
            u"CREATE VIRTUAL TABLE message_search USING fts5("
            "  body, tokenize = 'unicode61 remove_diacritics 2', prefix = '3')"_s,
            u"WITH latest AS ("
            "  SELECT json_extract(content, '$.targetId') AS target,"
            "         json_extract(content, '$.body') AS body, MAX(seq)"
            "  FROM events WHERE type = 'edit' AND json_extract(content, '$.redacted') IS NULL"
            "  GROUP BY room_id, target)"
            " INSERT INTO message_search (rowid, body)"
            " SELECT m.id, COALESCE(latest.body, json_extract(m.content, '$.body'))"
            " FROM events m LEFT JOIN latest ON latest.target = m.id"
            " WHERE m.type = 'message' AND json_extract(m.content, '$.redacted') IS NULL"
            " ORDER BY m.id"_s,
            u"INSERT INTO meta (key, value)"
            " SELECT 'search_indexed', COALESCE(MAX(id), 0) FROM events"_s,
        },
        // 6: files (server/files/filestore.h, docs/protocol.md "Files"). Content-addressed blobs
        // (the bytes under DATA_DIR/files/blobs), the files people shared (a name, a room, the
        // message carrying it) and uploads in progress (bytes under DATA_DIR/files/uploads).
        {
            u"CREATE TABLE blobs ("
            "  sha256 TEXT PRIMARY KEY,"
            "  size INTEGER NOT NULL,"
            "  mime TEXT NOT NULL,"
            "  width INTEGER NOT NULL DEFAULT 0,"
            "  height INTEGER NOT NULL DEFAULT 0,"
            "  thumbnail BLOB,"
            "  thumb_mime TEXT NOT NULL DEFAULT '',"
            "  thumb_width INTEGER NOT NULL DEFAULT 0,"
            "  thumb_height INTEGER NOT NULL DEFAULT 0,"
            "  created_at INTEGER NOT NULL) WITHOUT ROWID"_s,
            u"CREATE TABLE files ("
            "  id TEXT PRIMARY KEY,"
            "  sha256 TEXT NOT NULL,"
            "  name TEXT NOT NULL,"
            "  user_id INTEGER NOT NULL,"
            "  room_id INTEGER NOT NULL,"
            "  created_at INTEGER NOT NULL,"
            "  event_id INTEGER,"
            "  upload_id TEXT)"_s,
            u"CREATE INDEX files_upload ON files(upload_id)"_s,
            u"CREATE INDEX files_sha256 ON files(sha256)"_s,
            u"CREATE INDEX files_event ON files(event_id)"_s,
            u"CREATE INDEX files_user ON files(user_id)"_s,
            u"CREATE INDEX files_room ON files(room_id)"_s,
            u"CREATE TABLE uploads ("
            "  id TEXT PRIMARY KEY,"
            "  user_id INTEGER NOT NULL,"
            "  room_id INTEGER NOT NULL,"
            "  name TEXT NOT NULL,"
            "  size INTEGER NOT NULL,"
            "  sha256 TEXT,"
            "  created_at INTEGER NOT NULL,"
            "  expires_at INTEGER NOT NULL)"_s,
            u"CREATE INDEX uploads_user ON uploads(user_id)"_s,
        },
        // 7: file names are searched too. message_search gets a second column, `name` (the
        // shared file's name; empty for a plain message), so "budget" finds budget-2027.xlsx
        // while a hit's text stays the message's own. FTS5 tables take no new column: built
        // again, as in 5, from the log and its newest edits.
        {
            u"DROP TABLE message_search"_s,
            u"CREATE VIRTUAL TABLE message_search USING fts5("
            "  body, name, tokenize = 'unicode61 remove_diacritics 2', prefix = '3')"_s,
            u"WITH latest AS ("
            "  SELECT json_extract(content, '$.targetId') AS target,"
            "         json_extract(content, '$.body') AS body, MAX(seq)"
            "  FROM events WHERE type = 'edit' AND json_extract(content, '$.redacted') IS NULL"
            "  GROUP BY room_id, target)"
            " INSERT INTO message_search (rowid, body, name)"
            " SELECT m.id, COALESCE(latest.body, json_extract(m.content, '$.body')),"
            "        COALESCE(json_extract(m.content, '$.file.name'), '')"
            " FROM events m LEFT JOIN latest ON latest.target = m.id"
            " WHERE m.type = 'message' AND json_extract(m.content, '$.redacted') IS NULL"
            " ORDER BY m.id"_s,
            u"INSERT INTO meta (key, value)"
            " SELECT 'search_indexed', COALESCE(MAX(id), 0) FROM events WHERE true"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s,
        },
        // 8: a session gets an id column of its own (it was SQLite's implicit rowid, which
        // PostgreSQL has not): the table is built again with id = the old rowid, so the ids
        // clients hold for their sessions stay the same.
        {
            u"CREATE TABLE sessions_new ("
            "  id INTEGER PRIMARY KEY,"
            "  token_hash BLOB NOT NULL UNIQUE,"
            "  user_id INTEGER NOT NULL REFERENCES users(id),"
            "  device TEXT NOT NULL DEFAULT '',"
            "  created_at INTEGER NOT NULL,"
            "  expires_at INTEGER NOT NULL,"
            "  revoked INTEGER NOT NULL DEFAULT 0,"
            "  last_seen INTEGER NOT NULL DEFAULT 0,"
            "  address TEXT NOT NULL DEFAULT '')"_s,
            u"INSERT INTO sessions_new (id, token_hash, user_id, device, created_at, expires_at,"
            "  revoked, last_seen, address)"
            " SELECT rowid, token_hash, user_id, device, created_at, expires_at, revoked,"
            "  last_seen, address FROM sessions ORDER BY rowid"_s,
            u"DROP TABLE sessions"_s,
            u"ALTER TABLE sessions_new RENAME TO sessions"_s,
            u"CREATE INDEX sessions_user ON sessions(user_id)"_s,
        },
    };
    return all;
}

} // namespace confab::server::schema
