#include "memberlist.h"

#include "avatar.h"

using namespace Qt::StringLiterals;

namespace confab::client {

MemberList::MemberList(QWidget *parent)
    : QListWidget(parent)
{
    setAccessibleName(tr("Members"));
    setAccessibleDescription(tr("People in this room and whether they are online"));
    setMinimumWidth(120);
    setSpacing(1);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setTextElideMode(Qt::ElideRight);
    setIconSize(QSize(24, 24));
    setFrameShape(QFrame::NoFrame);
}

QString MemberList::presenceLabel(PresenceStatus presence)
{
    switch (presence) {
    case PresenceStatus::Online:
        return tr("online");
    case PresenceStatus::Away:
        return tr("away");
    case PresenceStatus::Offline:
        break;
    }
    return tr("offline");
}

QString MemberList::roleLabel(MemberRole role)
{
    switch (role) {
    case MemberRole::Owner:
        return tr("owner");
    case MemberRole::Admin:
        return tr("admin");
    case MemberRole::Member:
        break;
    }
    return tr("member");
}

void MemberList::setMembers(QList<Member> members, const QHash<qint64, PresenceStatus> &presence)
{
    clear();
    const auto rank = [&](const Member &m) {
        switch (presence.value(m.userId, PresenceStatus::Offline)) {
        case PresenceStatus::Online:
            return 0;
        case PresenceStatus::Away:
            return 1;
        case PresenceStatus::Offline:
            break;
        }
        return 2;
    };
    std::stable_sort(members.begin(), members.end(), [&](const Member &a, const Member &b) {
        return std::pair(rank(a), a.username) < std::pair(rank(b), b.username);
    });
    for (const Member &m : std::as_const(members)) {
        const PresenceStatus p = presence.value(m.userId, PresenceStatus::Offline);
        const QString name = m.displayName.isEmpty() ? m.username : m.displayName;
        QString text = name;
        if (m.role != MemberRole::Member)
            text += u" · "_s + roleLabel(m.role);
        auto *item = new QListWidgetItem(avatarIcon(m.userId, name, p), text, this);
        item->setData(UserIdRole, m.userId);
        item->setData(PresenceRole, presenceName(p));
        item->setToolTip(name + u"\n@"_s + m.username + u" — "_s + presenceLabel(p));
        item->setData(Qt::AccessibleTextRole, QString(text + u", "_s + presenceLabel(p)));
    }
}

} // namespace confab::client
