#include "clusterpresence.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

int rank(PresenceStatus s)
{
    return s == PresenceStatus::Online ? 2 : s == PresenceStatus::Away ? 1 : 0;
}

} // namespace

QJsonObject ClusterPresence::change(qint64 userId, PresenceStatus status)
{
    return { { u"t"_s, u"presence"_s }, { u"user"_s, userId }, { u"status"_s, presenceName(status) } };
}

QJsonObject ClusterPresence::snapshot(const QHash<qint64, PresenceStatus> &users)
{
    QJsonObject list;
    for (auto it = users.cbegin(); it != users.cend(); ++it)
        list.insert(QString::number(it.key()), presenceName(it.value()));
    return { { u"t"_s, u"node"_s }, { u"users"_s, list } };
}

QList<qint64> ClusterPresence::apply(const QString &node, const QJsonObject &notice, qint64 nowMs)
{
    if (node.isEmpty())
        return {};
    Node &n = m_nodes[node];
    n.seenMs = nowMs;
    const QString kind = notice.value(u"t"_s).toString();
    QList<qint64> changed;
    if (kind == u"presence") {
        const qint64 user = notice.value(u"user"_s).toInteger();
        PresenceStatus status;
        if (user <= 0 || !presenceFromName(notice.value(u"status"_s).toString(), &status))
            return {};
        const PresenceStatus before = n.users.value(user, PresenceStatus::Offline);
        if (status == PresenceStatus::Offline)
            n.users.remove(user);
        else
            n.users.insert(user, status);
        if (before != status)
            changed.append(user);
    } else if (kind == u"node") {
        QHash<qint64, PresenceStatus> now;
        const QJsonObject users = notice.value(u"users"_s).toObject();
        for (auto it = users.begin(); it != users.end(); ++it) {
            bool ok = false;
            const qint64 user = it.key().toLongLong(&ok);
            PresenceStatus status;
            if (ok && user > 0 && presenceFromName(it.value().toString(), &status)
                && status != PresenceStatus::Offline)
                now.insert(user, status);
        }
        QSet<qint64> all;
        for (auto it = n.users.cbegin(); it != n.users.cend(); ++it)
            all.insert(it.key());
        for (auto it = now.cbegin(); it != now.cend(); ++it)
            all.insert(it.key());
        for (qint64 user : std::as_const(all)) {
            if (n.users.value(user, PresenceStatus::Offline)
                != now.value(user, PresenceStatus::Offline))
                changed.append(user);
        }
        n.users = std::move(now);
    }
    return changed;
}

QList<qint64> ClusterPresence::expire(qint64 nowMs)
{
    QList<qint64> changed;
    for (auto it = m_nodes.begin(); it != m_nodes.end();) {
        if (nowMs - it->seenMs > m_ttlMs) {
            for (auto u = it->users.cbegin(); u != it->users.cend(); ++u)
                changed.append(u.key());
            it = m_nodes.erase(it);
        } else {
            ++it;
        }
    }
    return changed;
}

PresenceStatus ClusterPresence::statusOf(qint64 userId) const
{
    PresenceStatus best = PresenceStatus::Offline;
    for (const Node &n : m_nodes) {
        const PresenceStatus s = n.users.value(userId, PresenceStatus::Offline);
        if (rank(s) > rank(best))
            best = s;
    }
    return best;
}

} // namespace confab::server
