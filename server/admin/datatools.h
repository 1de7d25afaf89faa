// What confab-admin does on the database file itself rather than through the server
// (docs/operations.md): online backup, restore, export of a room's log, vacuum. Each answers a
// JSON summary for `--json` and the human output.
#pragma once

#include "result.h"

#include <QJsonObject>
#include <QString>

class QIODevice;

namespace confab::server::datatools {

// A consistent copy of DATA_DIR/confab.db in `target`, made with SQLite's online backup API
// while the server may go on writing: one read transaction, so the copy is the database at one
// moment, every committed (acknowledged) message in it or none after it. Written to
// TARGET.partial, checked, synced, then renamed: a failed backup leaves nothing that looks whole.
// `target` must not exist.
Result<QJsonObject> backup(const QString &dataDir, const QString &target);

// Is `file` a Confab database this build can serve? integrity_check, a known schema version, the
// meta, users, rooms and events tables. Answers {schemaVersion, epoch, users, rooms, events}.
Result<QJsonObject> inspect(const QString &file);

// The server must be stopped (the data directory's lock is taken here). Checks `file`, keeps
// the current database (and its WAL) aside as confab.db.before-restore-<UTC time>, puts a copy
// of `file` in its place and gives it a new epoch: clients that saw events after the backup
// are told to reload their history (docs/protocol.md, "epoch") instead of missing new ones.
Result<QJsonObject> restore(const QString &dataDir, const QString &file);

// The server must be stopped. VACUUM (gives freed pages back to the file system), merges the
// search index's segments, truncates the WAL. Answers the sizes before and after.
Result<QJsonObject> vacuum(const QString &dataDir);

// The whole log of one room, read from the database (a reader: the server may run), written to
// `out` as it is read. "json": {room, members, events: [every event, as in the protocol]};
// "html": one self-contained page of the conversation as it reads now (edits applied, deleted
// messages marked), all user text escaped.
Result<QJsonObject> exportRoom(const QString &dataDir, const QString &databaseUrl, qint64 roomId,
                               const QString &format, QIODevice *out);

// Run as root on a directory owned by the service user: gives files this process made in it
// (the lock, a restored database, WAL files) back to that user, so the server can open them.
void giveBackToOwner(const QString &dataDir);

} // namespace confab::server::datatools
