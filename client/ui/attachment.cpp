#include "attachment.h"

#include "messagelistmodel.h"

#include <QApplication>
#include <QIcon>
#include <QFileInfo>
#include <QFontMetrics>
#include <QLocale>
#include <QMimeDatabase>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>

using namespace Qt::StringLiterals;

namespace confab::client::attachment {

namespace {

constexpr int Pad = 8;
constexpr int IconSize = 32;
constexpr int CardWidthMax = 420;
constexpr int ImageHeightMax = 240;

QColor faded(QColor c, qreal alpha)
{
    c.setAlphaF(alpha);
    return c;
}

QFont smallOf(const QFont &base)
{
    QFont f = base;
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * 0.85);
    else
        f.setPixelSize(std::max(8, int(f.pixelSize() * 0.85)));
    return f;
}

QString kindText(const QString &mime)
{
    static const QMimeDatabase db;
    const QMimeType type = db.mimeTypeForName(mime);
    return type.isValid() && !type.comment().isEmpty() ? type.comment() : mime;
}

} // namespace

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString actionName(FileAction action)
{
    switch (action) {
    case FileAction::View:
        return QCoreApplication::translate("confab::client::attachment", "View");
    case FileAction::Open:
        return QCoreApplication::translate("confab::client::attachment", "Open");
    case FileAction::SaveAs:
        return QCoreApplication::translate("confab::client::attachment", "Save as…");
    case FileAction::Cancel:
        return QCoreApplication::translate("confab::client::attachment", "Cancel");
    }
    return {};
}

Info infoOf(const QModelIndex &index)
{
    Info info;
    const QJsonObject file = index.data(MessageListModel::FileRole).toJsonObject();
    if (!file.isEmpty()) {
        info.present = true;
        info.fileId = file.value(u"fileId"_s).toString();
        info.name = file.value(u"name"_s).toString();
        info.size = file.value(u"size"_s).toInteger();
        info.mime = file.value(u"mime"_s).toString();
        const QJsonObject t = file.value(u"thumbnail"_s).toObject();
        info.thumb = QSize(t.value(u"width"_s).toInt(), t.value(u"height"_s).toInt());
        return info;
    }
    const QString local = index.data(MessageListModel::LocalFileRole).toString();
    if (!local.isEmpty()) {
        const QFileInfo fi(local);
        info.present = true;
        info.pending = true;
        info.name = fi.fileName();
        info.size = fi.size();
        static const QMimeDatabase db;
        info.mime = db.mimeTypeForFile(fi).name();
        info.progress = index.data(MessageListModel::UploadProgressRole).toReal();
    }
    return info;
}

QSize sizeFor(const Info &info, int width, const QFont &font)
{
    if (!info.present)
        return {};
    if (info.showsImage()) {
        QSize s = info.thumb;
        if (s.width() > width || s.height() > ImageHeightMax)
            s = s.scaled(width, ImageHeightMax, Qt::KeepAspectRatio);
        return s.expandedTo(QSize(16, 16));
    }
    const int lines = QFontMetrics(font).height() + QFontMetrics(smallOf(font)).height();
    return { std::min(width, CardWidthMax), std::max(IconSize, lines) + 2 * Pad };
}

QList<std::pair<FileAction, QRect>> targets(const Info &info, const QRect &area,
                                            const QFont &font)
{
    QList<std::pair<FileAction, QRect>> out;
    if (!info.present || area.isNull())
        return out;
    if (info.showsImage()) {
        out.append({ FileAction::View, area });
        return out;
    }
    const QFont small = smallOf(font);
    const QFontMetrics fm(small);
    const int h = fm.height() + 8;
    int right = area.right() - Pad;
    const QList<FileAction> actions = info.pending
        ? QList<FileAction> { FileAction::Cancel }
        : QList<FileAction> { FileAction::Open, FileAction::SaveAs };
    for (auto it = actions.crbegin(); it != actions.crend(); ++it) {
        const int w = fm.horizontalAdvance(actionName(*it)) + 16;
        out.prepend({ *it, QRect(right - w + 1, area.top() + (area.height() - h) / 2, w, h) });
        right -= w + 4;
    }
    return out;
}

void paint(QPainter *painter, const QRect &area, const Info &info, const QPalette &pal,
           const QFont &font, const QImage *image, qreal download)
{
    if (!info.present || area.isNull())
        return;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setRenderHint(QPainter::SmoothPixmapTransform);
    const QColor text = pal.color(QPalette::Text);
    const QColor dim = faded(text, 0.62);
    const QFont small = smallOf(font);
    if (info.showsImage()) {
        QPainterPath clip;
        clip.addRoundedRect(QRectF(area), 6, 6);
        painter->setClipPath(clip);
        if (image && !image->isNull()) {
            painter->drawImage(area, *image);
        } else {
            painter->fillRect(area, faded(text, 0.08));
            painter->setFont(small);
            painter->setPen(dim);
            painter->drawText(area, Qt::AlignCenter,
                              QCoreApplication::translate("confab::client::attachment",
                                                          "Loading preview…"));
        }
        painter->setClipping(false);
        if (download >= 0) {
            const QRect bar(area.left() + 4, area.bottom() - 8, area.width() - 8, 4);
            painter->fillRect(bar, faded(text, 0.3));
            painter->fillRect(QRect(bar.left(), bar.top(), int(bar.width() * download), 4),
                              pal.color(QPalette::Highlight));
        }
        painter->restore();
        return;
    }

    // The card.
    QPainterPath card;
    card.addRoundedRect(QRectF(area).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    painter->fillPath(card, faded(text, 0.04));
    painter->setPen(QPen(faded(text, 0.22), 1));
    painter->drawPath(card);
    // The type's icon from the desktop's theme, else the style's file icon.
    static const QMimeDatabase db;
    const QMimeType type = db.mimeTypeForName(info.mime);
    const QIcon icon = QIcon::fromTheme(
        type.iconName(),
        QIcon::fromTheme(type.genericIconName(),
                         QApplication::style()->standardIcon(QStyle::SP_FileIcon)));
    const QRect iconRect(area.left() + Pad, area.top() + (area.height() - IconSize) / 2, IconSize,
                         IconSize);
    icon.paint(painter, iconRect);
    const auto buttons = targets(info, area, font);
    const int textLeft = iconRect.right() + Pad;
    const int textRight = (buttons.isEmpty() ? area.right() : buttons.first().second.left()) - Pad;
    const QFontMetrics fm(font);
    const QFontMetrics sfm(small);
    const int top = area.top() + (area.height() - fm.height() - sfm.height()) / 2;
    painter->setFont(font);
    painter->setPen(text);
    const QRect nameRect(textLeft, top, std::max(10, textRight - textLeft), fm.height());
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                      fm.elidedText(info.name, Qt::ElideMiddle, nameRect.width()));
    const QRect line2(textLeft, top + fm.height(), nameRect.width(), sfm.height());
    painter->setFont(small);
    const qreal progress = info.pending ? info.progress : download;
    if (progress >= 0) {
        const QString pct = QCoreApplication::translate("confab::client::attachment",
                                                        "%1% of %2")
                                .arg(int(progress * 100))
                                .arg(sizeText(info.size));
        const int tw = sfm.horizontalAdvance(pct) + Pad;
        const QRect bar(line2.left(), line2.center().y() - 2, std::max(20, line2.width() - tw), 5);
        painter->fillRect(bar, faded(text, 0.18));
        painter->fillRect(QRect(bar.left(), bar.top(), int(bar.width() * std::clamp(progress, 0.0, 1.0)),
                                bar.height()),
                          pal.color(QPalette::Highlight));
        painter->setPen(dim);
        painter->drawText(QRect(bar.right() + Pad, line2.top(), tw, line2.height()),
                          Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine, pct);
    } else {
        painter->setPen(dim);
        const QString detail = info.pending
            ? QCoreApplication::translate("confab::client::attachment", "%1 · waiting to upload")
                  .arg(sizeText(info.size))
            : sizeText(info.size) + u" · "_s + kindText(info.mime);
        painter->drawText(line2, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                          sfm.elidedText(detail, Qt::ElideRight, line2.width()));
    }
    for (const auto &[action, rect] : buttons) {
        QPainterPath path;
        path.addRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
        painter->fillPath(path, pal.color(QPalette::Button));
        painter->setPen(faded(text, 0.3));
        painter->drawPath(path);
        painter->setPen(pal.color(QPalette::ButtonText));
        painter->drawText(rect, Qt::AlignCenter, actionName(action));
    }
    painter->restore();
}

} // namespace confab::client::attachment
