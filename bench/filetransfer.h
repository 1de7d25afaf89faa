// File transfers for confab-bench's "files" scenario (docs/benchmarks.md, "Files"): the disk's
// own sequential speed, measured in the same run, and uploads and downloads over loopback
// through the server's real paths (PATCH uploads/{id}, GET files/{id}), timed from the first
// byte sent to the last byte answered.
#pragma once

#include "benchserver.h"

#include <atomic>

namespace confab::bench {

struct DiskSpeed
{
    double writeMBps = 0; // write + fdatasync, 1 MiB blocks (what an upload costs the server)
    double readMBps = 0; // read after the file's pages were dropped from the cache
};
DiskSpeed measureDisk(const QString &dir, qint64 bytes);

struct Transfer
{
    bool ok = false;
    double seconds = 0;
    double serverCpuSeconds = 0; // the server's CPU time (all threads) meanwhile
    QString fileId;
    QString sha256;
    QString error;
    double mbps(qint64 bytes) const { return seconds > 0 ? bytes / 1e6 / seconds : 0; }
};
// Declares and sends `bytes` (generated, never read from disk) in one PATCH; `paceMBps` > 0
// sends no faster than that (a client on a real network), 0 as fast as loopback takes it.
// `sent`, when given, counts the bytes as they go (the rate the server lets in).
Transfer upload(const Server &s, const User &u, qint64 room, qint64 bytes, const QString &name,
                double paceMBps = 0, std::atomic<qint64> *sent = nullptr);
// Downloads the file and throws the bytes away; `evictFrom`: the blob's path, whose pages are
// dropped from the cache first so that the disk is read, not memory.
Transfer download(const Server &s, const User &u, const QString &fileId, qint64 bytes,
                  const QString &evictFrom);

} // namespace confab::bench
