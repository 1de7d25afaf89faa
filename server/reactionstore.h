// reactionstore: SQL for reactions (docs/protocol.md, "Reactions"). The log keeps every
// reaction and reaction_remove event; the `reactions` table (schema 4) is their current state,
// one row per (message, key, user). Write helpers run inside the writer's transaction.
#pragma once

#include "result.h"
#include "types.h"

#include <QSqlDatabase>

#include <optional>

namespace confab::server::reactionstore {

// react: adds (or with add false, removes) `userId`'s reaction `key` to the message
// `targetId` and appends the reaction (reaction_remove) event; empty, and nothing changed, when
// it was so already. A new key beyond ReactionKeysPerMessage on one message is invalid_value.
// The caller checks the target is a live message of the room and the user a member.
Result<std::optional<RoomEvent>> react(QSqlDatabase &db, qint64 roomId, qint64 userId,
                                       qint64 targetId, const QString &key, bool add, qint64 ts);
// A deleted message keeps no reactions.
std::optional<Error> clearReactions(QSqlDatabase &db, qint64 targetId);
// Puts each message's aggregate, as `viewerId` sees it, into its content: "reactions" [{key,
// count, mine, users (the first ReactionUsersShown ids)}] in the order the keys were first used,
// and "reactionsAsOf": the room's newest seq in the same snapshot (reaction events up to it are
// counted; a client applies later ones on top). One statement for the whole list.
void attachReactions(QSqlDatabase db, qint64 roomId, qint64 viewerId, QList<RoomEvent> &events);

} // namespace confab::server::reactionstore
