// MemberList: the right pane. The open room's members, online first, each with an avatar that
// carries a presence dot, the display name and a role other than member; names elide, with
// name, username and presence in the tooltip and for screen readers.
#pragma once

#include "types.h"

#include <QHash>
#include <QListWidget>

namespace confab::client {

class MemberList : public QListWidget
{
    Q_OBJECT
public:
    enum Role { UserIdRole = Qt::UserRole, PresenceRole }; // PresenceRole: "online", …
    explicit MemberList(QWidget *parent = nullptr);

    void setMembers(QList<Member> members, const QHash<qint64, PresenceStatus> &presence);
    static QString presenceLabel(PresenceStatus presence); // translated
    static QString roleLabel(MemberRole role); // translated
};

} // namespace confab::client
