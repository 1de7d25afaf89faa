// FileInspector: what the server learns from an upload's bytes, once, before they become a
// blob. Runs off the event loop (FileService uses a pool of one thread, so at most one image
// is decoded at a time).
//
//  - The MIME type comes from the content (QMimeDatabase, magic first), never from the client.
//  - Images (PNG, JPEG, GIF, WebP, BMP): the size is read from the header alone. An image over
//    ImagePixelsMax pixels (a decompression bomb, or a scan too large to preview) is never
//    decoded: it is shared as a file without preview. Otherwise a still thumbnail (the first
//    frame), at most ThumbnailEdgeMax px on its longer edge, oriented as the photo's EXIF says;
//    JPEG when opaque, PNG with transparency. JPEGs are decoded at a reduced scale.
#pragma once

#include "files/filestore.h"

namespace confab::server::fileinspector {

filestore::BlobFacts inspect(const QString &path, const QString &sha256, qint64 size);

// The MIME types a client may show inline (served with their type and "inline"); everything
// else is served as application/octet-stream, as an attachment.
bool isPreviewableImage(const QString &mime);

} // namespace confab::server::fileinspector
