// ClusterPresence: what the other nodes of a cluster say of their users' presence (docs/scale.md).
//
// Each node tells the others when its own view of a user changes ({"t": "presence", "user",
// "status"}) and, every few seconds, everything it has ({"t": "node", "users": {id: status}}):
// the latter refreshes that node's entry and replaces what it said before, so a notice lost on
// the way is repaired by the next snapshot. A node not heard from for `ttlMs` (it crashed, or
// lost Redis) is dropped: its users go offline on every other node within one TTL.
#pragma once

#include "types.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace confab::server {

class ClusterPresence
{
public:
    explicit ClusterPresence(qint64 ttlMs) : m_ttlMs(ttlMs) { }

    // A notice from node `node` (its "presence" or "node" kind) at `nowMs`; the users whose
    // status on that node changed.
    QList<qint64> apply(const QString &node, const QJsonObject &notice, qint64 nowMs);
    // Drops the nodes silent since nowMs - ttl; the users they had.
    QList<qint64> expire(qint64 nowMs);
    // The best status any other node has for the user (Online over Away over Offline).
    PresenceStatus statusOf(qint64 userId) const;

    // The notices this node sends.
    static QJsonObject change(qint64 userId, PresenceStatus status);
    static QJsonObject snapshot(const QHash<qint64, PresenceStatus> &users);

private:
    struct Node
    {
        QHash<qint64, PresenceStatus> users; // Online or Away; absent is Offline
        qint64 seenMs = 0;
    };
    qint64 m_ttlMs;
    QHash<QString, Node> m_nodes;
};

} // namespace confab::server
