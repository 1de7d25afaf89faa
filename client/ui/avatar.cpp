#include "avatar.h"

#include <QFont>
#include <QPainter>
#include <QPixmap>

#include <cmath>

using namespace Qt::StringLiterals;

namespace confab::client {

QColor avatarColor(qint64 userId)
{
    // The golden angle spreads consecutive ids (the people of a small team) far apart on the
    // colour wheel; saturation and lightness keep white initials readable on every hue.
    const int hue = int(std::fmod(double(quint64(userId) % 100000) * 137.508, 360.0));
    return QColor::fromHsl(hue, 140, 92);
}

QString avatarInitials(const QString &name)
{
    QString initials;
    const QStringList words = name.simplified().split(u' ', Qt::SkipEmptyParts);
    for (const QString &w : words) {
        for (const QChar c : w) {
            if (c.isLetterOrNumber()) {
                initials += c.toUpper();
                break;
            }
        }
        if (initials.size() == 2)
            break;
    }
    return initials.isEmpty() ? u"?"_s : initials;
}

void paintAvatar(QPainter *painter, const QRectF &rect, qint64 userId, const QString &name)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(avatarColor(userId));
    painter->drawEllipse(rect);
    QFont font = painter->font();
    font.setBold(true);
    font.setPixelSize(std::max(6, int(rect.height() * 0.4)));
    painter->setFont(font);
    painter->setPen(Qt::white);
    painter->drawText(rect, Qt::AlignCenter, avatarInitials(name));
    painter->restore();
}

QIcon avatarIcon(qint64 userId, const QString &name, PresenceStatus presence)
{
    QIcon icon;
    for (int size : { 16, 24, 32, 48, 64 }) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        paintAvatar(&p, QRectF(0, 0, size, size), userId, name);
        p.setRenderHint(QPainter::Antialiasing);
        const qreal d = size * 0.38;
        const QRectF dot(size - d, size - d, d, d);
        p.setPen(QPen(Qt::white, std::max(1.0, size / 16.0)));
        switch (presence) {
        case PresenceStatus::Online:
            p.setBrush(QColor(0x2e, 0xa0, 0x43));
            break;
        case PresenceStatus::Away:
            p.setBrush(QColor(0xe0, 0x9b, 0x12));
            break;
        case PresenceStatus::Offline:
            p.setBrush(QColor(0x9a, 0x9a, 0x9a));
            break;
        }
        p.drawEllipse(dot.adjusted(0.5, 0.5, -0.5, -0.5));
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

} // namespace confab::client
