// confab-bench: load tests for confab-server that speak protocol v1 for real (REST to register,
// log in, create and join rooms; authenticated WebSockets to send and receive).
//
//   confab-bench fanout  [--members 100] [--rates 1000,2000,5000,10000,20000] [--seconds 5]
//   confab-bench rooms   [--clients 1000] [--room-size 100] [--rates 1000,3000]
//   confab-bench roomslarge (5000 clients in 50 rooms of 100 at 2000 msgs/s)
//   confab-bench ingest  [--senders 50] [--seconds 5]
//   confab-bench idle    [--connections 10000] [--hold 17] (seconds: past the first heartbeat)
//   confab-bench history [--events 1000000] [--pages 2000]
//   confab-bench resume  [--clients 1000] [--room-size 100] [--messages 1000]
//   confab-bench hello   [--rooms 1000] [--samples 200]   (plaintext)
//   confab-bench search  [--search-messages 1000000] [--queries 2000]
//   confab-bench files   [--megabytes 1024] [--members 100] [--rate 5000] [--seconds 5]
//                        [--paces 118,0] (MB/s of the upload beside the fan-out; 0: unpaced)
//                        [--pairs 3] (steps beside uploads, each between two steps alone;
//                        0: the transfers only)
//                        (upload and download MB/s against the disk's own, measured in the same
//                        run; fan-out p99 without and beside a running upload, and the MB/s
//                        the server let the upload in at while chat ran)
//   confab-bench cluster [--members 100] [--rates 500,1000,2000] (two nodes on a private
//                        PostgreSQL and Redis: send on node A, receive on node B; then
//                        history pages on two nodes that have not seen the rooms, one with
//                        the cluster's recent events in Redis, one reading PostgreSQL)
//   confab-bench failover [--clients 1000] (three nodes behind HAProxy: the time from a node's
//                        SIGKILL until the last of its clients has resumed on another)
//   confab-bench all     (the standard suite, `make bench`)
//   confab-bench fanout,rooms,...  (several, in the suite's order, against one server)
//   confab-bench smoke   (every scenario, small: CI asserts 0 losses)
//   confab-bench plot RESULTS.json OUT.png
// Common options: --json, --threads N (load threads), --server PATH (default: confab-server
// beside this binary or in ../server), --no-pin, --server-threads N (the server's
// --realtime-threads; default: its own choice, which is 0 when it is pinned to one CPU),
// --arrival (also send→arrival: the kernel's receive timestamp instead of the moment the
// generator read the frame, i.e. without the generator's own delay; column "arr p99"),
// --keep-data 1 (keep the server's data directory), --postgres (the server's history in a
// private PostgreSQL this bench starts, durable) or --database URL (one that runs). CONFAB_BENCH_LOG_RULES in the environment
// (QT_LOGGING_RULES syntax) makes the server log what those rules let through to server.log.
//
// By default it starts its own confab-server (127.0.0.1, port 0, fresh data directory,
// --password-cost minimal) pinned to CPU 0 with the load threads on the other CPUs, and reads
// both processes' CPU from /proc. A step where the generator itself was saturated (its CPU near
// 100% of its cores) is reported as such and its figures are not results.
#include "benchcontext.h"
#include "benchplot.h"
#include "benchserver.h"
#include "clusterbench.h"
#include "wsload.h"
#include "filetransfer.h"
#include "services.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QUrl>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

using namespace confab::bench;
using namespace Qt::StringLiterals;

namespace {



// --- scenarios -----------------------------------------------------------------------------------

void fanout(Context &ctx, int members, const QList<double> &rates, double seconds)
{
    std::printf("\nfanout: %d members in one room, 100-byte bodies, every member sends\n", members);
    const auto users = makeUsers(ctx.server, members, u"fan"_s);
    const qint64 room = createRoom(ctx.server, users[0], u"fanout"_s);
    joinAll(ctx.server, room, users, 1, users.size());
    WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
    load.setTls(ctx.server.tls);
    load.setArrivalTimes(ctx.opt.arrival);
    if (!connectAll(ctx, load, specsFor(users, std::vector<qint64>(users.size(), room), true)))
        return;
    printHeader(ctx.opt.arrival);
    QJsonArray steps;
    for (double rate : rates) {
        const Measured m = measure(ctx, load, rate, seconds, uint64_t(members));
        printRow(m.row);
        steps.append(m.row);
        if (m.row[u"p99"_s].toDouble() > 50.0)
            break; // the ramp stops when p99 passes 50 ms
    }
    ctx.results[u"fanout"_s] = QJsonObject { { u"members"_s, members }, { u"steps"_s, steps } };
}


void rooms(Context &ctx, int clients, int roomSize, const QList<double> &rates, double seconds,
           const QString &key)
{
    const int nRooms = std::max(1, clients / roomSize);
    std::printf("\nrooms: %d clients in %d rooms of %d\n", clients, nRooms, roomSize);
    const auto users = makeUsers(ctx.server, clients, key + u"u"_s);
    std::vector<qint64> roomOf(users.size());
    for (int r = 0; r < nRooms; ++r) {
        const size_t first = size_t(r * roomSize);
        const qint64 id = createRoom(ctx.server, users[first], key + QString::number(r));
        joinAll(ctx.server, id, users, first + 1, first + size_t(roomSize));
        for (size_t i = first; i < first + size_t(roomSize); ++i)
            roomOf[i] = id;
    }
    WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
    load.setTls(ctx.server.tls);
    load.setArrivalTimes(ctx.opt.arrival);
    if (!connectAll(ctx, load, specsFor(users, roomOf, true)))
        return;
    printHeader(ctx.opt.arrival);
    QJsonArray steps;
    for (double rate : rates) {
        const Measured m = measure(ctx, load, rate, seconds, uint64_t(roomSize));
        printRow(m.row);
        steps.append(m.row);
    }
    ctx.results[key]
        = QJsonObject { { u"clients"_s, clients }, { u"rooms"_s, nRooms }, { u"steps"_s, steps } };
}

void filesScenario(Context &ctx, qint64 megabytes, int members, double rate, double seconds,
                   const QList<double> &paces, int pairs)
{
    const qint64 bytes = megabytes * 1024 * 1024;
    std::printf("\nfiles: %lld MiB up and down over loopback against the disk's own speed;"
                " fan-out p99 (%d members, %.0f msgs/s) without and beside an upload\n",
                static_cast<long long>(megabytes), members, rate);
    // The disk and the transfers, three times each, alternating: medians (this VM's disk
    // varies a lot from one second to the next).
    const auto users = makeUsers(ctx.server, members, u"file"_s);
    const qint64 room = createRoom(ctx.server, users[0], u"files"_s);
    joinAll(ctx.server, room, users, 1, users.size());
    std::vector<double> writes, reads, ups, downs, upCpu, downCpu;
    // A transfer may use the whole machine, as on a server of its own: the server's threads
    // (the upload's hasher beside its reader, server/files/hashpipe.h) get every CPU for these,
    // the generator stays off CPU 0; the fan-out steps below pin the server again.
    if (ctx.opt.pin)
        ctx.server.setCpus(true);
    for (int run = 0; run < 3; ++run) {
        const DiskSpeed disk = measureDisk(ctx.server.dataDir, bytes);
        writes.push_back(disk.writeMBps);
        reads.push_back(disk.readMBps);
        const Transfer up = upload(ctx.server, users[0], room, bytes,
                                   u"bench%1.bin"_s.arg(run));
        if (!up.ok) {
            std::fprintf(stderr, "files: %s\n", qPrintable(up.error));
            ctx.failed = true;
            return;
        }
        const QString blob = ctx.server.dataDir + u"/files/blobs/"_s + up.sha256.left(2) + u'/'
            + up.sha256;
        // (Not sent in a message: its uploader is the one who may fetch it.)
        const Transfer own = download(ctx.server, users[0], up.fileId, bytes, blob);
        if (!own.ok) {
            std::fprintf(stderr, "files: %s\n", qPrintable(own.error));
            ctx.failed = true;
            return;
        }
        ups.push_back(up.mbps(bytes));
        downs.push_back(own.mbps(bytes));
        const double gib = bytes / double(1 << 30);
        upCpu.push_back(up.serverCpuSeconds / gib);
        downCpu.push_back(own.serverCpuSeconds / gib);
    }
    const auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    if (ctx.opt.pin)
        ctx.server.setCpus(false);
    const double diskWrite = median(writes), diskRead = median(reads);
    const double upMBps = median(ups), downMBps = median(downs);
    std::printf("  disk: write+sync %.0f MB/s, read (uncached) %.0f MB/s (medians of 3)\n",
                diskWrite, diskRead);
    std::printf("  upload   %.0f MB/s = %.0f%% of the disk's write (server CPU %.2f s/GiB)\n",
                upMBps, 100 * upMBps / diskWrite, median(upCpu));
    std::printf("  download %.0f MB/s = %.0f%% of the disk's read (server CPU %.2f s/GiB)\n",
                downMBps, 100 * downMBps / diskRead, median(downCpu));
    QJsonObject results {
        { u"megabytes"_s, megabytes },
        { u"diskWriteMBps"_s, diskWrite },
        { u"diskReadMBps"_s, diskRead },
        { u"uploadMBps"_s, upMBps },
        { u"downloadMBps"_s, downMBps },
        { u"uploadServerCpuSecondsPerGiB"_s, median(upCpu) },
        { u"downloadServerCpuSecondsPerGiB"_s, median(downCpu) },
    };
    if (pairs <= 0 || paces.isEmpty()) { // --pairs 0: the transfers only
        ctx.results[u"files"_s] = results;
        return;
    }

    WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
    load.setTls(ctx.server.tls);
    if (!connectAll(ctx, load, specsFor(users, std::vector<qint64>(users.size(), room), true)))
        return;
    printHeader(ctx.opt.arrival);
    // Beside an upload, at each pace (MB/s; 0: as fast as loopback takes it): 118 MB/s is what
    // a client on a gigabit LAN can send at most. The p99 of one step on this host varies by
    // half from one run to the next, and it drifts up as the room's history grows, so every
    // step beside uploads sits between two steps alone (alone, beside, alone, ..., `pairs`
    // times beside) and is compared with their mean; the median of those changes is reported.
    QJsonArray beside;
    QJsonArray aloneRows;
    const auto measureAlone = [&](std::vector<double> &alone) {
        const Measured a = measure(ctx, load, rate, seconds, uint64_t(members));
        printRow(a.row);
        alone.push_back(a.row[u"p99"_s].toDouble());
        aloneRows.append(a.row);
    };
    for (double pace : paces) {
        std::vector<double> alone, with, uploadMBps, changes;
        int uploadsDone = 0;
        measureAlone(alone);
        for (int pair = 0; pair < pairs; ++pair) {
            std::atomic<bool> stop { false };
            std::atomic<int> uploads { 0 };
            std::atomic<qint64> sent { 0 };
            std::thread uploader([&] {
                while (!stop) {
                    if (upload(ctx.server, users[2], room, bytes, u"beside.bin"_s, pace, &sent).ok)
                        ++uploads;
                }
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(300)); // under way
            const qint64 sentBefore = sent.load();
            QElapsedTimer during;
            during.start();
            const Measured w = measure(ctx, load, rate, seconds, uint64_t(members));
            // What the server let in while chat ran (the uploads' own rate; it may hold them
            // back while messages commit, server/files/uploadgovernor.h).
            const double duringMBps = (sent.load() - sentBefore) / 1e6 / (during.nsecsElapsed() / 1e9);
            uploadMBps.push_back(duringMBps);
            stop = true;
            uploader.join();
            printRow(w.row);
            with.push_back(w.row[u"p99"_s].toDouble());
            // The uploads' aftermath (the last one's duplicate freed slice by slice, its
            // writeback) must not land in the next "alone" step.
            std::this_thread::sleep_for(std::chrono::seconds(4));
            uploadsDone += uploads.load();
            QJsonObject row = w.row;
            row.insert(u"uploadPaceMBps"_s, pace);
            row.insert(u"uploadsDone"_s, uploads.load());
            measureAlone(alone);
            const double around = (alone[alone.size() - 2] + alone.back()) / 2;
            const double change = around > 0 ? 100 * (with.back() - around) / around : 0;
            changes.push_back(change);
            row.insert(u"uploadMBpsDuring"_s, duringMBps);
            row.insert(u"p99ChangePercent"_s, change);
            beside.append(row);
        }
        std::printf("  fan-out p99 (medians) %.2f ms alone, %.2f ms beside uploads %s"
                    " (%d of %lld MiB done; %.0f MB/s while chat ran): median change against"
                    " the steps around each: %+.0f%% (of %d)\n",
                    median(alone), median(with),
                    pace > 0 ? qPrintable(u"paced at %1 MB/s"_s.arg(pace))
                             : "at full loopback speed",
                    uploadsDone, static_cast<long long>(megabytes), median(uploadMBps),
                    median(changes), pairs);
    }
    results.insert(u"fanoutAlone"_s, aloneRows);
    results.insert(u"fanoutBesideUpload"_s, beside);
    ctx.results[u"files"_s] = results;
}

void ingest(Context &ctx, int senders, double seconds)
{
    std::printf("\ningest: %d senders, each alone in its room (only its own echo), 64 in flight "
                "each\n",
                senders);
    const auto users = makeUsers(ctx.server, senders, u"ing"_s);
    std::vector<qint64> roomOf;
    for (int i = 0; i < senders; ++i)
        roomOf.push_back(createRoom(ctx.server, users[size_t(i)], u"ingest%1"_s.arg(i)));
    WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
    load.setTls(ctx.server.tls);
    load.setArrivalTimes(ctx.opt.arrival);
    if (!connectAll(ctx, load, specsFor(users, roomOf, true)))
        return;
    printHeader(ctx.opt.arrival);
    const Measured m = measure(ctx, load, 0, seconds, 1, 64);
    printRow(m.row);
    ctx.results[u"ingest"_s] = QJsonObject { { u"senders"_s, senders }, { u"result"_s, m.row } };
}

void idle(Context &ctx, int connections, int holdSeconds)
{
    std::printf("\nidle: %d authenticated idle WebSocket connections, held %d s\n", connections,
                holdSeconds);
    const int nUsers = std::min(connections, 200);
    const auto users = makeUsers(ctx.server, nUsers, u"idle"_s);
    const qint64 room = createRoom(ctx.server, users[0], u"idle"_s);
    joinAll(ctx.server, room, users, 1, users.size());
    std::vector<ConnSpec> specs;
    for (int i = 0; i < connections; ++i)
        specs.push_back({ users[size_t(i % nUsers)].token.toStdString(), room, false });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const uint64_t before = sampleCpu(ctx.server.pid).rssKiB;
    WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
    load.setTls(ctx.server.tls);
    if (!connectAll(ctx, load, specs))
        return;
    // Held past the server's first heartbeat (15 s): a connection that has answered a ping
    // holds a read buffer it did not have before. Measured after 2 s it was 10.6 KiB each, after
    // 20 s 14.5 KiB (docs/benchmarks.md): the steady state is the figure.
    std::this_thread::sleep_for(std::chrono::seconds(holdSeconds));
    const uint64_t after = sampleCpu(ctx.server.pid).rssKiB;
    const double perConn = double(after - before) / connections;
    std::printf("server RSS %.1f MiB before, %.1f MiB with %d connections: %.1f KiB each\n",
                double(before) / 1024, double(after) / 1024, connections, perConn);
    ctx.results[u"idle"_s] = QJsonObject { { u"connections"_s, connections },
                                           { u"holdSeconds"_s, holdSeconds },
                                           { u"rssBeforeMiB"_s, double(before) / 1024 },
                                           { u"rssAfterMiB"_s, double(after) / 1024 },
                                           { u"kibPerConnection"_s, perConn } };
}

// Microseconds from a WebSocket upgrade (token on the request) to the whole hello frame, over a
// plain socket (the handshake's cost is the resume scenario's); 0 on failure.
uint32_t timeHello(const Server &s, const QString &token)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s.port);
    ::inet_pton(AF_INET, s.host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return 0;
    }
    const QByteArray upgrade = "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer "
        + token.toLatin1() + "\r\n\r\n";
    const uint64_t t0 = nowNs();
    if (::send(fd, upgrade.constData(), size_t(upgrade.size()), 0) != upgrade.size()) {
        ::close(fd);
        return 0;
    }
    QByteArray in;
    char buf[65536];
    for (;;) {
        const qsizetype head = in.indexOf("\r\n\r\n");
        if (head >= 0 && in.size() >= head + 4 + 4) {
            // One unmasked text frame: 2-byte header, then 2 or 8 bytes of length.
            const auto *f = reinterpret_cast<const uint8_t *>(in.constData() + head + 4);
            uint64_t len = f[1] & 0x7f;
            size_t hdr = 2;
            if (len == 126) {
                len = (uint64_t(f[2]) << 8) | f[3];
                hdr = 4;
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | f[2 + i];
                hdr = 10;
            }
            if (uint64_t(in.size()) >= uint64_t(head) + 4 + hdr + len) {
                const uint64_t t1 = nowNs();
                ::close(fd);
                const bool hello
                    = in.mid(head + 4 + qsizetype(hdr), 40).contains("\"type\":\"hello\"")
                    || in.mid(head + 4 + qsizetype(hdr)).contains("\"type\":\"hello\"");
                return hello ? uint32_t(std::max<uint64_t>(1, (t1 - t0) / 1000)) : 0;
            }
        }
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            ::close(fd);
            return 0;
        }
        in.append(buf, n);
    }
}

// hello for a user in `roomCount` rooms, each with an unread message (one in ten mentioning
// them): the read state of every room is in it (docs/protocol.md, "Read state").
void helloScenario(Context &ctx, int roomCount, int samples)
{
    std::printf("\nhello: a user in %d rooms, each with unread messages, %d connects\n", roomCount,
                samples);
    if (ctx.server.tls) {
        std::printf("  (plaintext only: the TLS handshake is the resume scenario's)\n");
        return;
    }
    const auto users = makeUsers(ctx.server, 2, u"hello"_s);
    for (int i = 0; i < roomCount; ++i) {
        const qint64 room = createRoom(ctx.server, users[0], u"h%1"_s.arg(i));
        joinAll(ctx.server, room, users, 1, 2);
        request(ctx.server, "POST", u"/api/v1/rooms/%1/messages"_s.arg(room),
                QJsonObject { { u"clientMsgId"_s, u"h%1"_s.arg(i) },
                              { u"body"_s, i % 10 ? u"news"_s : u"@hello0 look"_s } },
                users[1].token);
    }
    std::vector<uint32_t> us;
    for (int i = 0; i < samples; ++i) {
        if (const uint32_t t = timeHello(ctx.server, users[0].token))
            us.push_back(t);
        else
            ctx.failed = true;
    }
    const double p50 = pct(us, 50), p99 = pct(us, 99), mx = maxOf(us);
    std::printf("  hello in %zu/%d connects: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", us.size(),
                samples, p50, p99, mx);
    ctx.results[u"hello"_s] = QJsonObject { { u"rooms"_s, roomCount }, { u"samples"_s, samples },
                                            { u"p50Ms"_s, p50 }, { u"p99Ms"_s, p99 },
                                            { u"maxMs"_s, mx } };
}

void history(Context &ctx, int events, int pages, const QString &serverBinary)
{
    std::printf("\nhistory: a room of %d events, 50-event pages at random positions\n", events);
    const auto users = makeUsers(ctx.server, 20, u"hist"_s);
    const qint64 room = createRoom(ctx.server, users[0], u"history"_s);
    joinAll(ctx.server, room, users, 1, users.size());
    {
        // Seed through the protocol: 20 senders, 64 in flight each.
        WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
        load.setTls(ctx.server.tls);
        if (!connectAll(ctx, load, specsFor(users, std::vector<qint64>(users.size(), room), true)))
            return;
        int seeded = 0;
        const auto t0 = std::chrono::steady_clock::now();
        while (seeded < events) {
            const StepStats s = load.step(0, 1.0, 2000, 0, 64);
            seeded += int(s.acked);
        }
        const double secs
            = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("seeded %d messages in %.1f s (%.0f acked msgs/s)\n", seeded, secs,
                    seeded / secs);
    }
    const qint64 newest = lastSeq(ctx.server, room, users[0]);
    std::mt19937_64 rng(7);
    std::vector<uint32_t> us;
    int bad = 0;
    const auto newStart = std::chrono::steady_clock::now();
    for (int i = 0; i < pages; ++i) {
        const qint64 before = 2 + qint64(rng() % uint64_t(newest - 1));
        const auto t0 = std::chrono::steady_clock::now();
        const Http r
            = request(ctx.server, "GET",
                      u"/api/v1/rooms/%1/events?before=%2&limit=50"_s.arg(room).arg(before), {},
                      users[0].token);
        us.push_back(uint32_t(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count()));
        bad += r.status != 200;
    }
    const double newSecs
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - newStart).count();
    std::vector<uint32_t> copy = us;
    std::printf("page latency (request to last byte, new %s connection each): p50 %.2f ms, "
                "p95 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors; %.0f pages/s\n",
                ctx.server.tls ? "TLS" : "TCP", pct(copy, 50), pct(copy, 95), pct(copy, 99),
                maxOf(us), bad, pages / newSecs);
    // The same pages over one kept-alive connection (what a client scrolling history does).
    std::vector<uint32_t> kept;
    {
        rng.seed(7);
        Connection conn(ctx.server);
        const auto keptStart = std::chrono::steady_clock::now();
        for (int i = 0; i < pages && conn.ok(); ++i) {
            const qint64 before = 2 + qint64(rng() % uint64_t(newest - 1));
            const auto t0 = std::chrono::steady_clock::now();
            const Http r = conn.call(
                "GET", u"/api/v1/rooms/%1/events?before=%2&limit=50"_s.arg(room).arg(before), {},
                users[0].token);
            kept.push_back(uint32_t(
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count()));
            bad += r.status != 200;
        }
        const double keptSecs
            = std::chrono::duration<double>(std::chrono::steady_clock::now() - keptStart).count();
        std::vector<uint32_t> kc = kept;
        std::printf("page latency over one kept-alive %s connection: p50 %.2f ms, p99 %.2f ms;"
                    " %.0f pages/s (%d pages)\n",
                    ctx.server.tls ? "TLS" : "TCP", pct(kc, 50), pct(kc, 99),
                    kept.size() / keptSecs, int(kept.size()));
        ctx.results[u"historyKept"_s]
            = QJsonObject { { u"p50"_s, pct(kc, 50) },
                            { u"p99"_s, pct(kc, 99) },
                            { u"pagesPerSecond"_s, kept.size() / keptSecs },
                            { u"newConnectionPagesPerSecond"_s, pages / newSecs } };
    }
    if (bad)
        ctx.failed = true;
    // Restart on the big database: how long until it listens.
    ctx.server.stop();
    double startMs = 0;
    std::vector<uint32_t> starts;
    for (int i = 0; i < 3; ++i) {
        if (!ctx.server.start(serverBinary, ctx.server.dataDir, ctx.opt.pin, &startMs))
            break;
        starts.push_back(uint32_t(startMs * 1000));
        if (i < 2)
            ctx.server.stop();
    }
    std::vector<uint32_t> sc = starts;
    std::printf("server start on this database (exec to listening): median %.1f ms\n", pct(sc, 50));
    ctx.results[u"history"_s] = QJsonObject {
        { u"events"_s, qint64(newest) },
        { u"pages"_s, pages },
        { u"p50"_s, pct(copy, 50) },
        { u"p95"_s, pct(copy, 95) },
        { u"p99"_s, pct(copy, 99) },
        { u"max"_s, maxOf(us) },
        { u"errors"_s, bad },
        { u"serverStartMs"_s, pct(sc, 50) },
    };
}

// Search (GET search) on a database of `messages` messages of Zipf-distributed words in 10
// rooms, seeded through the protocol; the searching user is in 5 of them. Queries over one
// kept-alive connection: single words from the most common to rare ones, two words, a phrase, a
// prefix, and the same in one room (roomId).
void searchScenario(Context &ctx, int messages, int queries)
{
    std::printf("\nsearch: %d messages of words in 10 rooms, %d queries\n", messages, queries);
    const auto users = makeUsers(ctx.server, 20, u"search"_s);
    std::vector<qint64> rooms, roomOf;
    for (int r = 0; r < 10; ++r) {
        rooms.push_back(createRoom(ctx.server, users[0], u"s%1"_s.arg(r)));
        joinAll(ctx.server, rooms.back(), users, 1, users.size());
    }
    for (size_t i = 0; i < users.size(); ++i)
        roomOf.push_back(rooms[i % rooms.size()]);
    {
        WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
        load.setTls(ctx.server.tls);
        if (!connectAll(ctx, load, specsFor(users, roomOf, true)))
            return;
        load.setWords(true);
        int seeded = 0;
        const auto t0 = std::chrono::steady_clock::now();
        while (seeded < messages)
            seeded += int(load.step(0, 1.0, 2000, 0, 64).acked);
        const double secs
            = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("seeded %d messages in %.1f s (%.0f acked msgs/s)\n", seeded, secs,
                    seeded / secs);
    }
    // The index follows when the server is quiet (200 ms without messages): the queries measure
    // that state. (A search during or right after a burst first waits for the backlog, at most
    // 100,000 events: docs/benchmarks.md.)
    std::this_thread::sleep_for(std::chrono::seconds(2));
    // users[0] owns every room; the searcher is a member of half of them.
    const auto searcher = makeUsers(ctx.server, 1, u"finder"_s);
    for (int r = 0; r < 5; ++r)
        joinAll(ctx.server, rooms[size_t(r)], searcher, 0, 1);
    const QStringList typed { u"w0"_s,      u"w1"_s,       u"w10"_s,        u"w100"_s,
                              u"w1000"_s,   u"w10000"_s,   u"w3 w7"_s,      u"\"w1 w2\""_s,
                              u"w12*"_s,    u"w5 w500"_s,  u"nothing"_s, u"w1*"_s };
    std::vector<uint32_t> us, inRoom;
    int bad = 0, found = 0;
    auto conn = std::make_unique<Connection>(ctx.server);
    for (int i = 0; i < queries && conn->ok(); ++i) {
        const QString q = typed[i % typed.size()];
        const bool oneRoom = (i / typed.size()) % 2 == 1;
        QString path = u"/api/v1/search?limit=20&q="_s + QString::fromLatin1(QUrl::toPercentEncoding(q));
        if (oneRoom)
            path += u"&roomId=%1"_s.arg(rooms[0]);
        if (i > 0 && i % 1000 == 0) // the server ends a kept connection after 1000 requests
            conn = std::make_unique<Connection>(ctx.server);
        const auto t0 = std::chrono::steady_clock::now();
        const Http r = conn->call("GET", path, {}, searcher[0].token);
        const auto t = uint32_t(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        (oneRoom ? inRoom : us).push_back(t);
        if (r.status != 200 && bad++ == 0)
            std::printf("  first error: %s → %d %s\n", qPrintable(path), r.status, r.body.constData());
        if (ctx.opt.values.contains(u"verbose"_s))
            std::printf("  %-40s %6.2f ms\n", qPrintable(path.mid(18)), t / 1000.0);
        found += r.status == 200 && r.json().value(u"results"_s).toArray().size() > 0;
    }
    std::vector<uint32_t> all = us;
    all.insert(all.end(), inRoom.begin(), inRoom.end());
    std::vector<uint32_t> a = all, o = inRoom;
    std::printf("  search (request to last byte, kept-alive): p50 %.2f ms, p99 %.2f ms, max %.2f ms"
                " (one room: p50 %.2f ms, p99 %.2f ms); %d errors, %d/%zu with results\n",
                pct(a, 50), pct(a, 99), maxOf(all), pct(o, 50), pct(o, 99), bad, found,
                all.size());
    if (bad || all.empty())
        ctx.failed = true;
    ctx.results[u"search"_s] = QJsonObject { { u"messages"_s, messages }, { u"queries"_s, int(all.size()) },
                                             { u"p50Ms"_s, pct(a, 50) }, { u"p99Ms"_s, pct(a, 99) },
                                             { u"maxMs"_s, maxOf(all) },
                                             { u"oneRoomP99Ms"_s, pct(o, 99) } };
}

void resumeStorm(Context &ctx, int clients, int roomSize, int messages)
{
    const int nRooms = std::max(1, clients / roomSize);
    std::printf("\nresume storm: %d clients in %d rooms drop, %d messages are sent, all resume at "
                "once\n",
                clients, nRooms, messages);
    const auto users = makeUsers(ctx.server, clients, u"rs"_s);
    auto rooms = cursorRooms(ctx, users, roomSize, u"storm"_s, ctx.server.port);
    if (!rooms)
        return;
    WsLoad &load = *rooms->load;
    WsLoad &writer = *rooms->writer;
    const std::vector<qint64> &roomIds = rooms->ids;
    const std::vector<User> &senders = rooms->owners;
    std::map<int64_t, int64_t> target;
    const double ms = load.dropAndResume(
        [&] {
            // While everyone is away: `messages` messages, spread over the rooms.
            int sent = 0;
            while (sent < messages) {
                const StepStats s = writer.step(0, 0.05, 3000, 0, 8);
                sent += int(s.acked);
            }
            for (size_t r = 0; r < roomIds.size(); ++r)
                target[roomIds[r]] = lastSeq(ctx.server, roomIds[r], senders[r]);
        },
        target, 60000);
    std::printf("every client caught up after %.1f ms%s\n", ms, ms < 0 ? " (TIMED OUT)" : "");
    const size_t resumedTls = load.tlsResumed();
    if (ctx.server.tls)
        std::printf("TLS sessions resumed from a ticket on reconnect: %zu of %d\n", resumedTls,
                    clients);
    if (ms < 0)
        ctx.failed = true;
    ctx.results[u"resume"_s] = QJsonObject { { u"clients"_s, clients },
                                             { u"messages"_s, messages },
                                             { u"caughtUpMs"_s, ms },
                                             { u"tlsResumed"_s, qint64(resumedTls) } };
}

QString findServer(const Options &opt)
{
    if (!opt.value(u"server"_s, {}).isEmpty())
        return opt.value(u"server"_s, {});
    const QString dir = QCoreApplication::applicationDirPath();
    for (const QString candidate :
         { dir + u"/confab-server"_s, dir + u"/../server/confab-server"_s }) {
        if (QFileInfo(candidate).isExecutable())
            return QFileInfo(candidate).canonicalFilePath();
    }
    return u"confab-server"_s;
}

} // namespace

int main(int argc, char *argv[])
{
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const QString a = QString::fromLocal8Bit(argv[i]);
        if (a == u"--json")
            opt.json = true;
        else if (a == u"--no-pin")
            opt.pin = false;
        else if (a == u"--arrival")
            opt.arrival = true;
        else if (a == u"--tls")
            opt.tls = true;
        else if (a == u"--postgres")
            opt.postgres = true;
        else if (a.startsWith(u"--") && i + 1 < argc)
            opt.values[a.mid(2)] = QString::fromLocal8Bit(argv[++i]);
        else if (opt.mode.isEmpty())
            opt.mode = a;
        else
            opt.positional.append(a);
    }
    if (opt.mode == u"plot") {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        QGuiApplication app(argc, argv);
        return plotFanout(opt.positional.value(0), opt.positional.value(1));
    }
    QCoreApplication app(argc, argv);
    static const QStringList modes { u"fanout"_s, u"rooms"_s, u"roomslarge"_s,
                                     u"ingest"_s, u"idle"_s,  u"history"_s,
                                     u"resume"_s, u"hello"_s, u"search"_s, u"files"_s,
                                     u"cluster"_s, u"failover"_s,
                                     u"all"_s, u"smoke"_s };
    // Several scenarios against one server: "fanout,rooms" (in the suite's order).
    const QStringList chosen = opt.mode.split(u',');
    const auto runs = [&](const QString &scenario) {
        return chosen.contains(scenario) || chosen.contains(u"all"_s);
    };
    for (const QString &m : chosen) {
        if (!modes.contains(m) || (chosen.size() > 1 && (m == u"smoke" || m == u"all"))) {
            std::fprintf(
                stderr,
                "usage: confab-bench fanout|rooms|roomslarge|ingest|idle|history|resume|hello|search|files[,...]"
                " | all | smoke [options] | plot RESULTS.json OUT.png (see "
                "bench/confabbench.cpp)\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    Context ctx;
    ctx.opt = opt;
    const int cpus = int(std::thread::hardware_concurrency());
    ctx.threads = opt.integer(u"threads"_s, std::max(1, cpus - 1));
    if (opt.pin && cpus >= 2) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int c = 1; c < cpus; ++c)
            CPU_SET(c, &set);
        sched_setaffinity(0, sizeof set, &set); // the server gets CPU 0
    }
    const QString serverBinary = findServer(opt);
    ctx.server.threadsFlag = opt.value(u"server-threads"_s, {}).toLocal8Bit();
    ctx.server.tls = opt.tls;
    // --postgres: the server keeps its history in a private PostgreSQL with its durable defaults
    // (fsync on), on this machine (its processes are not pinned: they share the generator's
    // CPUs). --database URL: one that runs already.
    confab::test::PostgresServer postgres;
    confab::test::RedisServer redis;
    ctx.server.database = opt.value(u"database"_s, {}).toLocal8Bit();
    if (chosen.contains(u"cluster"_s) || chosen.contains(u"failover"_s)) { // several nodes
        opt.postgres = ctx.server.database.isEmpty();
        QString error;
        if (!redis.start(&error)) {
            std::fprintf(stderr, "cluster: %s\n", qPrintable(error));
            return 2;
        }
        ctx.server.redis = "127.0.0.1:" + QByteArray::number(redis.port());
    }
    if (opt.postgres) {
        QString error;
        if (!postgres.start(&error, true)) {
            std::fprintf(stderr, "--postgres: %s\n", qPrintable(error));
            return 2;
        }
        ctx.server.database = postgres.url().toLocal8Bit();
        std::printf("confab-bench: history in PostgreSQL %s\n", qPrintable(postgres.url()));
    }
    QTemporaryDir data;
    if (opt.values.contains(u"keep-data"_s)) { // --keep-data 1: look at the database afterwards
        data.setAutoRemove(false);
        std::printf("data directory kept: %s\n", qPrintable(data.path()));
    }
    if (!ctx.server.start(serverBinary, data.path(), opt.pin && cpus >= 2)) {
        std::fprintf(stderr, "could not start %s\n", qPrintable(serverBinary));
        return 2;
    }
    std::printf("confab-bench: server pid %d on 127.0.0.1:%u, %d load thread(s), %d CPUs%s\n",
                ctx.server.pid, ctx.server.port, ctx.threads, cpus,
                opt.pin && cpus >= 2 ? " (server on CPU 0, generator on the others)" : "");
    const double secs = opt.number(u"seconds"_s, 5);
    const QString m = opt.mode;
    if (m == u"smoke") {
        // Every scenario, small and short: for CI, which asserts no loss and no error (speed is
        // not judged on a shared CI machine).
        const double s = opt.number(u"seconds"_s, 3);
        fanout(ctx, 20, { 500, 1000 }, s);
        rooms(ctx, 100, 20, { 500 }, s, u"rooms"_s);
        ingest(ctx, 5, s);
        idle(ctx, 200, 2);
        resumeStorm(ctx, 100, 20, 100);
        helloScenario(ctx, 20, 20);
        searchScenario(ctx, 2000, 44);
        history(ctx, 2000, 100, serverBinary);
        filesScenario(ctx, 16, 20, 500, s, { 0 }, 1);
    } else {
        // Idle first: its RSS per connection is measured on a fresh heap, not on memory that
        // earlier scenarios freed and the allocator kept.
        if (runs(u"idle"_s))
            idle(ctx, opt.integer(u"connections"_s, 10000), opt.integer(u"hold"_s, 17));
        if (runs(u"fanout"_s))
            fanout(ctx, opt.integer(u"members"_s, 100),
                   opt.list(u"rates"_s,
                            u"1000,2000,3000,5000,6000,7000,8000,9000,10000,15000,20000"_s),
                   secs);
        if (runs(u"rooms"_s))
            rooms(ctx, opt.integer(u"clients"_s, 1000), opt.integer(u"room-size"_s, 100),
                  opt.list(u"rates"_s, u"1000,3000"_s), secs, u"rooms"_s);
        if (runs(u"roomslarge"_s))
            rooms(ctx, 5000, 100, { 2000 }, secs, u"roomslarge"_s);
        if (runs(u"ingest"_s))
            ingest(ctx, opt.integer(u"senders"_s, 50), secs);
        if (runs(u"resume"_s))
            resumeStorm(ctx, opt.integer(u"clients"_s, 1000), opt.integer(u"room-size"_s, 100),
                        opt.integer(u"messages"_s, 1000));
        if (runs(u"hello"_s))
            helloScenario(ctx, opt.integer(u"rooms"_s, 1000), opt.integer(u"samples"_s, 200));
        if (runs(u"search"_s))
            searchScenario(ctx, opt.integer(u"search-messages"_s, 1000000), opt.integer(u"queries"_s, 2000));
        if (runs(u"history"_s))
            history(ctx, opt.integer(u"events"_s, 1000000), opt.integer(u"pages"_s, 2000),
                    serverBinary);
        if (chosen.contains(u"cluster"_s)) // not in "all": it needs PostgreSQL and Redis
            clusterScenario(ctx, serverBinary, opt.integer(u"members"_s, 100),
                            opt.list(u"rates"_s, u"500,1000,2000"_s), secs);
        if (chosen.contains(u"failover"_s)) // not in "all": PostgreSQL, Redis and HAProxy
            failoverScenario(ctx, serverBinary, opt.integer(u"clients"_s, 1000));
        if (chosen.contains(u"files"_s)) // not in "all": it writes gigabytes
            filesScenario(ctx, opt.integer(u"megabytes"_s, 1024), opt.integer(u"members"_s, 100),
                          opt.number(u"rate"_s, 5000), secs, opt.list(u"paces"_s, u"118,0"_s),
                          opt.integer(u"pairs"_s, 3));
    }
    // Before the data directory goes (it is removed when `data` goes out of scope): a server
    // still running would keep files open and write new ones, and the directory would stay
    // behind, gigabytes of it after "files".
    ctx.server.stop();
    if (opt.json)
        std::printf("%s\n", QJsonDocument(ctx.results).toJson(QJsonDocument::Indented).constData());
    if (ctx.failed) {
        std::fprintf(stderr, "confab-bench: FAILED (losses, errors, or a scenario did not run)\n");
        return 1;
    }
    return 0;
}
