#include "icons.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

QPixmap canvas(int size)
{
    const qreal dpr = qApp ? qApp->devicePixelRatio() : 1.0;
    QPixmap pm(QSize(size, size) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    return pm;
}

void drawBubble(QPainter &p, int size)
{
    const QColor accent = QGuiApplication::palette().color(QPalette::Highlight);
    QPainterPath bubble;
    const qreal s = size;
    bubble.addRoundedRect(QRectF(s * 0.06, s * 0.1, s * 0.88, s * 0.62), s * 0.18, s * 0.18);
    QPainterPath tail;
    tail.moveTo(s * 0.28, s * 0.66);
    tail.lineTo(s * 0.22, s * 0.92);
    tail.lineTo(s * 0.5, s * 0.7);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(accent);
    p.drawPath(bubble.united(tail));
    p.setBrush(QGuiApplication::palette().color(QPalette::HighlightedText));
    for (int i = 0; i < 3; ++i)
        p.drawEllipse(QPointF(s * (0.3 + 0.2 * i), s * 0.41), s * 0.06, s * 0.06);
}

} // namespace

QIcon appIcon()
{
    QIcon icon;
    for (int size : { 16, 22, 32, 48, 64, 128 }) {
        QPixmap pm = canvas(size);
        QPainter p(&pm);
        drawBubble(p, size);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

QIcon badgeIcon(int unread)
{
    if (unread <= 0)
        return appIcon();
    QIcon icon;
    for (int size : { 16, 22, 32, 48, 64 }) {
        QPixmap pm = canvas(size);
        QPainter p(&pm);
        drawBubble(p, size);
        const QString text = unread > 99 ? u"99+"_s : QString::number(unread);
        const qreal d = size * 0.58;
        const QRectF badge(size - d, size - d, d, d);
        p.setBrush(QColor(0xd3, 0x2f, 0x2f));
        p.setPen(Qt::NoPen);
        p.drawEllipse(badge);
        QFont f = p.font();
        f.setBold(true);
        f.setPixelSize(std::max(6, int(d * (text.size() > 2 ? 0.42 : 0.6))));
        p.setFont(f);
        p.setPen(Qt::white);
        p.drawText(badge, Qt::AlignCenter, text);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

QIcon presenceIcon(PresenceStatus status)
{
    QIcon icon;
    for (int size : { 12, 16, 24, 32 }) {
        QPixmap pm = canvas(size);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const QRectF dot(size * 0.2, size * 0.2, size * 0.6, size * 0.6);
        switch (status) {
        case PresenceStatus::Online:
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(0x2e, 0xa0, 0x43));
            break;
        case PresenceStatus::Away:
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(0xe0, 0x9b, 0x12));
            break;
        case PresenceStatus::Offline:
            p.setPen(QPen(QColor(0x8a, 0x8a, 0x8a), std::max(1.0, size / 10.0)));
            p.setBrush(Qt::NoBrush);
            break;
        }
        p.drawEllipse(dot);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

QIcon mutedIcon()
{
    QIcon icon;
    for (int size : { 16, 24, 32 }) {
        QPixmap pm = canvas(size);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const QColor c = QGuiApplication::palette().color(QPalette::PlaceholderText);
        p.setPen(QPen(c, std::max(1.0, size / 12.0)));
        // A bell, struck through.
        QPainterPath bell;
        const qreal s = size;
        bell.moveTo(s * 0.25, s * 0.7);
        bell.cubicTo(s * 0.3, s * 0.2, s * 0.7, s * 0.2, s * 0.75, s * 0.7);
        bell.closeSubpath();
        p.drawPath(bell);
        p.drawLine(QPointF(s * 0.15, s * 0.85), QPointF(s * 0.85, s * 0.15));
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

} // namespace confab::client

namespace confab::client {

QIcon emojiIcon(const QColor &colour)
{
    // A smiley in the button text's colour, drawn rather than taken from the colour emoji font,
    // so that opening the window does not load that font.
    QIcon icon;
    for (int size : { 16, 20, 24, 32 }) {
        QPixmap pm = canvas(size);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const qreal s = size;
        p.setPen(QPen(colour, std::max(1.2, s / 14)));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(QRectF(s * 0.1, s * 0.1, s * 0.8, s * 0.8));
        p.setBrush(colour);
        p.setPen(Qt::NoPen);
        p.drawEllipse(QPointF(s * 0.37, s * 0.4), s * 0.06, s * 0.06);
        p.drawEllipse(QPointF(s * 0.63, s * 0.4), s * 0.06, s * 0.06);
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(colour, std::max(1.2, s / 14), Qt::SolidLine, Qt::RoundCap));
        p.drawArc(QRectF(s * 0.3, s * 0.35, s * 0.4, s * 0.35), 200 * 16, 140 * 16);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

QIcon attachIcon(const QColor &colour)
{
    // A paper clip: two nested rounded loops, open at the top, tilted.
    QIcon icon;
    for (int size : { 16, 20, 24, 32 }) {
        QPixmap pm = canvas(size);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const qreal s = size;
        p.translate(s / 2, s / 2);
        p.rotate(40);
        p.translate(-s / 2, -s / 2);
        p.setPen(QPen(colour, std::max(1.2, s / 14), Qt::SolidLine, Qt::RoundCap));
        p.setBrush(Qt::NoBrush);
        QPainterPath clip;
        const qreal w = s * 0.3;
        clip.moveTo(s * 0.5 + w / 2, s * 0.3);
        clip.lineTo(s * 0.5 + w / 2, s * 0.78);
        clip.arcTo(QRectF(s * 0.5 - w / 2, s * 0.78 - w / 2, w, w), 0, -180);
        clip.lineTo(s * 0.5 - w / 2, s * 0.2);
        clip.arcTo(QRectF(s * 0.5 - w * 0.35, s * 0.2 - w * 0.35, w * 0.7, w * 0.7), 180, -180);
        clip.lineTo(s * 0.5 + w * 0.35 - w * 0.35 + w * 0.35, s * 0.7);
        p.drawPath(clip);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

} // namespace confab::client
