// libFuzzer: the connection guard's request parser, fed whole byte streams as a peer sends
// them. Besides not crashing: a verdict never changes when more bytes arrive after a complete
// head (the parser looks only at the request at the start), the request it returns fits in the
// bytes it was given, and no limit is exceeded. PATCH requests under /u/ are streamed (as file
// uploads are): handed over after the head, with a larger body limit and the body unread.
#include "httprequestparser.h"

#include <cstdint>
#include <cstdlib>

using namespace confab::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    // Small, so that the fuzzer reaches them.
    const HttpLimits limits { 1024, 4096,
                              [](QByteArrayView method, QByteArrayView path) {
                                  return method == "PATCH" && path.startsWith("/u/");
                              },
                              1 << 20 };
    const HttpParse p = parseHttpRequest(bytes, limits);
    switch (p.status) {
    case HttpParse::Status::Streamed:
        // Only what the route says, as soon as the head is in, never past either limit.
        if (p.request.method != "PATCH" || !p.request.rawPath.startsWith("/u/")
            || p.headBytes > limits.headerBytes + 4 || p.headBytes > bytes.size()
            || p.contentLength > limits.streamBodyBytes || !p.request.body.isEmpty())
            abort();
        break;
    case HttpParse::Status::NeedHead:
        if (bytes.size() > limits.headerBytes + 4)
            abort(); // a head over the limit must be refused, not waited for
        break;
    case HttpParse::Status::Invalid:
        break;
    case HttpParse::Status::NeedBody:
    case HttpParse::Status::Complete: {
        if (p.headBytes > limits.headerBytes + 4 || p.totalBytes - p.headBytes > limits.bodyBytes)
            abort();
        if (p.request.method == "PATCH" && p.request.rawPath.startsWith("/u/"))
            abort(); // a streamed route is never read whole
        if (p.status == HttpParse::Status::Complete
            && (p.totalBytes > bytes.size() || p.request.body.size() != p.totalBytes - p.headBytes))
            abort();
        if (!p.request.path.startsWith(u'/') || p.request.method.isEmpty())
            abort();
        // The same head with more bytes behind it: the same verdict and the same request.
        QByteArray longer(bytes.data(), bytes.size());
        longer += "GET /x HTTP/1.1\r\n\r\n";
        const HttpParse q = parseHttpRequest(longer, limits);
        if (q.headBytes != p.headBytes || q.totalBytes != p.totalBytes
            || q.request.path != p.request.path || q.request.headers != p.request.headers)
            abort();
        break;
    }
    }
    return 0;
}
