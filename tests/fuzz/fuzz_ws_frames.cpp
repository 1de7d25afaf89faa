// libFuzzer: the check every WebSocket client byte passes (ClientFrameChecker). The verdict on a
// stream must not depend on how the stream is cut into reads, and a stream of well-formed
// masked frames built from the input must always pass.
#include "clientframechecker.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace confab::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    // The first byte chooses how the rest is cut.
    const int step = 1 + data[0] % 17;
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    ClientFrameChecker whole;
    const auto verdict = whole.feed(stream);
    ClientFrameChecker pieces;
    auto pieceVerdict = ClientFrameChecker::Verdict::Ok;
    for (qsizetype i = 0; i < stream.size(); i += step)
        pieceVerdict = pieces.feed(stream.sliced(i, qMin<qsizetype>(step, stream.size() - i)));
    if (verdict != pieceVerdict)
        abort();

    // Masked frames whose payloads are the input cut in pieces: always fine.
    QByteArray frames;
    for (qsizetype i = 0; i < stream.size(); i += step * 13) {
        const QByteArrayView payload = stream.sliced(i, qMin<qsizetype>(step * 13, stream.size() - i));
        frames.append(char(0x81));
        if (payload.size() < 126) {
            frames.append(char(0x80 | payload.size()));
        } else {
            frames.append(char(0x80 | 126));
            frames.append(char(payload.size() >> 8));
            frames.append(char(payload.size() & 0xFF));
        }
        frames.append("\x01\x02\x03\x04", 4);
        frames.append(payload);
    }
    ClientFrameChecker good;
    for (qsizetype i = 0; i < frames.size(); i += step) {
        if (good.feed(QByteArrayView(frames).sliced(i, qMin<qsizetype>(step, frames.size() - i)))
            != ClientFrameChecker::Verdict::Ok)
            abort();
    }
    return 0;
}
