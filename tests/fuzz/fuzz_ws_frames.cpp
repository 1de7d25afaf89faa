// libFuzzer: what every WebSocket client byte passes: the check where bytes come in
// (ClientFrameChecker) and the frame reader (WsFrameReader). Neither's verdict, nor what the
// reader hands out, may depend on how the stream is cut into reads; what the checker refuses
// the reader refuses; and well-formed masked frames built from the input always
// pass, the reader giving back exactly their payloads.
#include "clientframechecker.h"
#include "ws/wsframereader.h"

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

    const auto same = [](const QList<WsFrameReader::Message> &a,
                         const QList<WsFrameReader::Message> &b) {
        if (a.size() != b.size())
            return false;
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (a[i].kind != b[i].kind || a[i].text != b[i].text || a[i].payload != b[i].payload
                || a[i].closeCode != b[i].closeCode)
                return false;
        }
        return true;
    };
    WsFrameReader reader(4096);
    QList<WsFrameReader::Message> read;
    const bool ok = reader.feed(stream, &read);
    WsFrameReader pieceReader(4096);
    QList<WsFrameReader::Message> pieceRead;
    bool pieceOk = true;
    for (qsizetype i = 0; i < stream.size() && pieceOk; i += step)
        pieceOk = pieceReader.feed(stream.sliced(i, qMin<qsizetype>(step, stream.size() - i)),
                                   &pieceRead);
    if (ok != pieceOk || reader.failCode() != pieceReader.failCode() || !same(read, pieceRead))
        abort();
    {
        // Whatever the checker refuses, the reader refuses too. (Completed with zero bytes
        // first: the checker judges a 64-bit length before the mask behind it has come.)
        const QByteArray completed = stream.toByteArray() + QByteArray(14, '\0');
        ClientFrameChecker checker;
        WsFrameReader strict(4096);
        QList<WsFrameReader::Message> ignored;
        if (checker.feed(completed) != ClientFrameChecker::Verdict::Ok
            && strict.feed(completed, &ignored))
            abort();
    }
    for (const auto &m : read) {
        if ((m.kind == WsFrameReader::Kind::Ping || m.kind == WsFrameReader::Kind::Pong)
            && m.payload.size() > 125)
            abort();
        if (m.kind == WsFrameReader::Kind::Binary && m.payload.size() > 4096)
            abort();
    }

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
    // The same frames as binary (any bytes): the reader gives back each payload as it was.
    for (qsizetype i = 0; i < frames.size();) {
        frames[i] = char(0x82);
        const quint8 len = quint8(frames[i + 1]) & 0x7F;
        const qsizetype header = 2 + (len == 126 ? 2 : 0) + 4;
        const qsizetype n = len == 126 ? (qsizetype(quint8(frames[i + 2])) << 8) | quint8(frames[i + 3])
                                       : len;
        i += header + n;
    }
    WsFrameReader goodReader(1 << 20);
    QList<WsFrameReader::Message> payloads;
    for (qsizetype i = 0; i < frames.size(); i += step) {
        if (!goodReader.feed(QByteArrayView(frames).sliced(i, qMin<qsizetype>(step, frames.size() - i)),
                             &payloads))
            abort();
    }
    qsizetype at = 0;
    for (const auto &m : payloads) {
        // On the wire each payload is the input's bytes under the key 01 02 03 04.
        const qsizetype n = m.payload.size();
        for (qsizetype k = 0; k < n; ++k) {
            const char sent = stream[at + k];
            if (char(sent ^ "\x01\x02\x03\x04"[k % 4]) != m.payload[k])
                abort();
        }
        at += n;
    }
    if (at != stream.size())
        abort();
    return 0;
}
