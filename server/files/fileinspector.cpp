#include "fileinspector.h"

#include "protocollimits.h"

#include <QBuffer>
#include <QImage>
#include <QImageReader>
#include <QMimeDatabase>

using namespace Qt::StringLiterals;

namespace confab::server::fileinspector {

bool isPreviewableImage(const QString &mime)
{
    return mime == u"image/png" || mime == u"image/jpeg" || mime == u"image/gif"
        || mime == u"image/webp" || mime == u"image/bmp";
}

filestore::BlobFacts inspect(const QString &path, const QString &sha256, qint64 size)
{
    filestore::BlobFacts facts;
    facts.sha256 = sha256;
    facts.size = size;
    static const QMimeDatabase mimes; // thread-safe
    const QMimeType type = mimes.mimeTypeForFile(path, QMimeDatabase::MatchContent);
    facts.mime = type.isValid() ? type.name() : u"application/octet-stream"_s;
    if (!isPreviewableImage(facts.mime))
        return facts;

    QImageReader reader(path);
    reader.setDecideFormatFromContent(true);
    reader.setAutoTransform(true);
    const QSize raw = reader.size(); // from the header: nothing decoded yet
    if (!raw.isValid() || raw.isEmpty())
        return facts;
    if (qint64(raw.width()) * raw.height() > limits::ImagePixelsMax)
        return facts; // a bomb, or too large to preview: shared as a plain file
    const bool swapped = reader.transformation() & QImageIOHandler::TransformationRotate90;
    const QSize shown = swapped ? raw.transposed() : raw;
    QSize thumb = shown;
    if (std::max(thumb.width(), thumb.height()) > limits::ThumbnailEdgeMax)
        thumb = thumb.scaled(limits::ThumbnailEdgeMax, limits::ThumbnailEdgeMax,
                             Qt::KeepAspectRatio);
    thumb = thumb.expandedTo(QSize(1, 1));
    // JPEG decodes straight at (about) this scale; the others decode whole, within the limit.
    if (facts.mime == u"image/jpeg")
        reader.setScaledSize(swapped ? thumb.transposed() : thumb);
    QImage image = reader.read(); // the first frame of an animation
    if (image.isNull())
        return facts; // not decodable after all: a plain file
    if (image.size() != thumb)
        image = image.scaled(thumb, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    QByteArray bytes;
    QBuffer out(&bytes);
    out.open(QIODevice::WriteOnly);
    const bool alpha = image.hasAlphaChannel();
    if (!image.save(&out, alpha ? "PNG" : "JPEG", alpha ? -1 : 82))
        return facts;
    facts.width = shown.width();
    facts.height = shown.height();
    facts.thumbnail = bytes;
    facts.thumbnailMime = alpha ? "image/png" : "image/jpeg";
    facts.thumbWidth = image.width();
    facts.thumbHeight = image.height();
    return facts;
}

} // namespace confab::server::fileinspector
