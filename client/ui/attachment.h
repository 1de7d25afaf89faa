// Attachment: what a message's file looks like in the timeline (MessageDelegate draws it under
// the text):
//
//   ┌──────────────────────────┐
//   │    the image's preview   │  ← an image with a preview: the server's thumbnail (click: view)
//   └──────────────────────────┘
//   ┌─[icon] report.pdf ─────────────────── [Open] [Save as…]┐  ← any other file: a card
//   │        1.4 MB · PDF document                          │
//   └───────────────────────────────────────────────────────┘
//   ┌─[icon] holiday.mov ──────────────────────── [Cancel]──┐  ← the user's own, uploading:
//   │        ████████░░░░░░  62% of 80 MB                    │    progress, and cancel
//   └───────────────────────────────────────────────────────┘
//
// Names are drawn as plain text (never HTML), elided in the middle so the extension shows.
#pragma once

#include <QCoreApplication>
#include <QFont>
#include <QImage>
#include <QJsonObject>
#include <QModelIndex>
#include <QPalette>
#include <QRect>

class QPainter;

namespace confab::client::attachment {

enum class FileAction { View, Open, SaveAs, Cancel };

struct Info
{
    bool present = false;
    bool pending = false; // the user's own, not sent yet (uploading or waiting)
    QString fileId;
    QString name;
    qint64 size = 0;
    QString mime;
    QSize thumb; // > 0: a preview exists (drawn at this size, or smaller)
    qreal progress = -1; // uploading: 0..1

    bool showsImage() const { return !pending && thumb.isValid() && !thumb.isEmpty(); }
};

Info infoOf(const QModelIndex &index);
// The area the attachment takes at `width` (null: none).
QSize sizeFor(const Info &info, int width, const QFont &font);
// Its buttons, and for an image the picture itself (View).
QList<std::pair<FileAction, QRect>> targets(const Info &info, const QRect &area,
                                            const QFont &font);
// `image`: the decoded preview (null: not here yet, a placeholder is drawn); `download`:
// 0..1 while the file downloads, -1 otherwise.
void paint(QPainter *painter, const QRect &area, const Info &info, const QPalette &palette,
           const QFont &font, const QImage *image, qreal download);

// "1.4 MB", "820 KB", "12 bytes".
QString sizeText(qint64 bytes);
QString actionName(FileAction action);

} // namespace confab::client::attachment
