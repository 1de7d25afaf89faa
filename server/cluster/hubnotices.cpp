// RealtimeHub in a cluster (docs/scale.md): what the other nodes tell this node's connections
// (typing, read state, revoked sessions, presence), and this node's presence snapshot. The
// notices are sent where things happen, in realtimehub.cpp; ClusterBus carries them.
#include "realtimehub.h"

#include "eventbus.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace confab::server {

void RealtimeHub::onNotice(const QJsonObject &notice)
{
    const QString kind = notice.value(u"t"_s).toString();
    if (kind == u"typing") {
        // Kept here too, with this node's own expiry: a node that dies typing stops in 6 s.
        const qint64 room = notice.value(u"room"_s).toInteger();
        const qint64 user = notice.value(u"user"_s).toInteger();
        const bool active = notice.value(u"active"_s).toBool();
        const auto key = qMakePair(room, user);
        if (room <= 0 || user <= 0)
            return;
        const bool was = m_typing.contains(key);
        if (active)
            m_typing.insert(key, m_ctx.now() + kTypingTimeoutMs);
        else
            m_typing.remove(key);
        if (active != was)
            broadcastTyping(room, user, active);
    } else if (kind == u"read") {
        const auto state = ReadState::fromJson(notice.value(u"state"_s).toObject());
        if (state)
            announceRead(notice.value(u"user"_s).toInteger(), state.value(), nullptr);
    } else if (kind == u"revoked") {
        const QByteArray hash = QByteArray::fromHex(notice.value(u"token"_s).toString().toLatin1());
        if (!hash.isEmpty())
            closeSessions(hash);
    } else if (kind == u"presence" || kind == u"node") {
        for (qint64 user :
             m_clusterPresence.apply(notice.value(u"node"_s).toString(), notice, m_ctx.now()))
            broadcastPresence(user);
    }
}

void RealtimeHub::clusterTick()
{
    QHash<qint64, PresenceStatus> mine;
    for (auto it = m_byUser.cbegin(); it != m_byUser.cend(); ++it) {
        const PresenceStatus s = localPresenceOf(it.key());
        if (s != PresenceStatus::Offline)
            mine.insert(it.key(), s);
    }
    m_bus->notify(ClusterPresence::snapshot(mine));
    for (qint64 user : m_clusterPresence.expire(m_ctx.now()))
        broadcastPresence(user);
}

} // namespace confab::server
