// libFuzzer: the client's SSE parser (SseParser). Any stream, cut anywhere: the same messages
// as when it arrives whole, and never more buffered than its limit.
#include "sseparser.h"

#include <cstdint>
#include <cstdlib>

using namespace confab::client;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const int step = 1 + data[0] % 23;
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    SseParser whole(512);
    QList<SseMessage> a;
    const bool okWhole = whole.feed(stream, &a);
    SseParser pieces(512);
    QList<SseMessage> b;
    bool okPieces = true;
    for (qsizetype i = 0; i < stream.size() && okPieces; i += step)
        okPieces = pieces.feed(stream.sliced(i, qMin<qsizetype>(step, stream.size() - i)), &b);
    if (okWhole != okPieces)
        abort();
    if (okWhole && a != b)
        abort();
    for (const SseMessage &m : a) {
        if (m.data.size() > 512 || m.event.size() > 512)
            abort();
    }
    return 0;
}
