#include "clusterbench.h"

#include "services.h"

#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

using namespace Qt::StringLiterals;

namespace confab::bench {

namespace {

// Rows PostgreSQL has read for the database of `url` so far (pg_stat_database; a backend reports
// its counts within a second, so this waits that long first). -1 when psql cannot say.
double postgresRowsRead(const QByteArray &url)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    QProcess psql;
    psql.start(confab::test::PostgresServer::binDir() + u"/psql"_s,
               { QString::fromUtf8(url), u"-Atc"_s,
                 u"SELECT tup_returned + tup_fetched FROM pg_stat_database"
                 u" WHERE datname = current_database()"_s });
    if (!psql.waitForFinished(10000) || psql.exitCode() != 0)
        return -1;
    return psql.readAllStandardOutput().trimmed().toDouble();
}

// History pages on two nodes started after the rooms were written, so that neither node's own
// cache holds any of them: C with Redis (the cluster's recent events; what they answer becomes
// C's own run), D without (PostgreSQL answers every page). 100 rooms of 60 messages written
// through node A; then each room's newest 50 events once on C and once on D (the first page of
// a room a node has not seen), then 1000 pages at random rooms and positions on each
// (alternated, one kept-alive connection each).
QJsonObject coldNodePages(Context &ctx, const QString &serverBinary, const User &owner)
{
    constexpr int Rooms = 100, PerRoom = 60, Pages = 1000;
    std::vector<qint64> rooms;
    {
        std::unique_ptr<Connection> conn;
        int n = 0;
        for (int r = 0; r < Rooms; ++r) {
            rooms.push_back(createRoom(ctx.server, owner, u"pages %1"_s.arg(r)));
            for (int i = 0; i < PerRoom; ++i, ++n) {
                if (n % 900 == 0) // a kept-alive connection serves 1000 requests
                    conn = std::make_unique<Connection>(ctx.server);
                conn->call("POST", u"/api/v1/rooms/%1/messages"_s.arg(rooms.back()),
                           { { u"clientMsgId"_s, u"p%1-%2"_s.arg(r).arg(i) },
                             { u"body"_s, u"message %1 of room %2, long enough to look like one"_s
                                              .arg(i)
                                              .arg(r) } },
                           owner.token);
            }
        }
    }
    Server c, d;
    c.database = d.database = ctx.server.database;
    c.redis = ctx.server.redis;
    c.tls = d.tls = ctx.server.tls;
    QTemporaryDir dirC, dirD;
    if (!c.start(serverBinary, dirC.path(), false) || !d.start(serverBinary, dirD.path(), false)) {
        std::fprintf(stderr, "cluster: nodes C and D did not start\n");
        ctx.failed = true;
        return {};
    }
    int bad = 0;
    const auto page = [&](Connection &conn, qint64 room, qint64 before) {
        const QString path = before ? u"/api/v1/rooms/%1/events?before=%2&limit=50"_s.arg(room).arg(before)
                                    : u"/api/v1/rooms/%1/events?limit=50"_s.arg(room);
        const auto t0 = std::chrono::steady_clock::now();
        const Http r = conn.call("GET", path, {}, owner.token);
        const auto us = uint32_t(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        if (r.status != 200 || r.json()[u"events"_s].toArray().size() != 50) {
            if (!bad++)
                std::fprintf(stderr, "cluster: page of room %lld before %lld: %d %s\n", room,
                             before, r.status, r.body.left(300).constData());
        }
        return us;
    };
    std::vector<uint32_t> first[2], later[2];
    Connection toC(c), toD(d), laterC(c), laterD(d); // (a connection serves 1000 requests)
    for (qint64 room : rooms) {
        first[0].push_back(page(toC, room, 0));
        first[1].push_back(page(toD, room, 0));
    }
    std::mt19937_64 pick(11);
    for (int i = 0; i < Pages; ++i) {
        const qint64 room = rooms[size_t(pick() % rooms.size())];
        const qint64 before = 2 + PerRoom + 1 - qint64(pick() % 10); // the room's newest 60 or so
        later[0].push_back(page(laterC, room, before));
        later[1].push_back(page(laterD, room, before));
    }
    // What each costs PostgreSQL: rows it read for 200 more pages of C alone, then of D alone
    // (minus what the idle nodes read meanwhile: every node polls `rooms` every 2 s).
    const auto rowsPerPage = [&](Connection *conn) {
        const double before = postgresRowsRead(ctx.server.database);
        std::mt19937_64 again(13);
        for (int i = 0; i < 200 && conn; ++i)
            page(*conn, rooms[size_t(again() % rooms.size())], 2 + PerRoom + 1 - qint64(again() % 10));
        return (postgresRowsRead(ctx.server.database) - before) / 200.0;
    };
    Connection toC2(c), toD2(d);
    const double idleRows = rowsPerPage(nullptr);
    const double rowsC = rowsPerPage(&toC2) - idleRows;
    const double rowsD = rowsPerPage(&toD2) - idleRows;
    const Http metrics = request(c, "GET", u"/metrics"_s);
    double hits = 0;
    for (const QByteArray &line : metrics.body.split('\n'))
        if (line.startsWith("confab_shared_cache_hits_total{kind=\"page\"} "))
            hits = line.mid(line.indexOf(' ') + 1).toDouble();
    std::printf("pages on nodes that did not see the rooms (%d rooms, 50-event pages):\n"
                "  first page of a room: C (Redis) p50 %.3f ms, p99 %.3f ms;"
                " D (PostgreSQL) p50 %.3f ms, p99 %.3f ms\n"
                "  then %d more each:    C (its memory) p50 %.3f ms, p99 %.3f ms;"
                " D (PostgreSQL) p50 %.3f ms, p99 %.3f ms\n"
                "  C's pages answered by Redis: %.0f; %d bad\n"
                "  rows PostgreSQL read per page: C %.1f, D %.1f\n",
                Rooms, pct(first[0], 50), pct(first[0], 99), pct(first[1], 50), pct(first[1], 99),
                Pages, pct(later[0], 50), pct(later[0], 99), pct(later[1], 50), pct(later[1], 99),
                hits, bad, rowsC, rowsD);
    if (bad)
        ctx.failed = true;
    return QJsonObject { { u"firstRedisP50"_s, pct(first[0], 50) },
                         { u"firstPostgresP50"_s, pct(first[1], 50) },
                         { u"laterLocalP50"_s, pct(later[0], 50) },
                         { u"laterPostgresP50"_s, pct(later[1], 50) },
                         { u"redisHits"_s, hits },
                         { u"postgresRowsPerPageC"_s, rowsC },
                         { u"postgresRowsPerPageD"_s, rowsD } };
}

} // namespace

// Two nodes on one PostgreSQL and one Redis (docs/scale.md): 10 members send through node A,
// every member also listens on node B; a delivery on B has crossed from A through Redis (the
// senders' own echoes on A are 10 of every members + 10 deliveries).
void clusterScenario(Context &ctx, const QString &serverBinary, int members,
                     const QList<double> &rates, double seconds)
{
    std::printf("\ncluster: %d members in one room; 10 send on node A, all %d receive on node B\n",
                members, members);
    Server b;
    b.database = ctx.server.database;
    b.redis = ctx.server.redis;
    b.tls = ctx.server.tls;
    b.threadsFlag = ctx.server.threadsFlag;
    QTemporaryDir dir;
    if (!b.start(serverBinary, dir.path(), ctx.opt.pin && std::thread::hardware_concurrency() >= 2)) {
        std::fprintf(stderr, "cluster: node B did not start\n");
        ctx.failed = true;
        return;
    }
    const auto users = makeUsers(ctx.server, members, u"cl"_s);
    const qint64 room = createRoom(ctx.server, users[0], u"cluster"_s);
    joinAll(ctx.server, room, users, 1, users.size());
    std::vector<ConnSpec> specs;
    const int senders = std::min(10, members);
    for (int i = 0; i < senders; ++i)
        specs.push_back({ users[size_t(i)].token.toStdString(), room, true, 0 });
    for (const User &u : users)
        specs.push_back({ u.token.toStdString(), 0, false, b.port });
    WsLoad load(ctx.server.host, ctx.server.port, ctx.threads);
    load.setTls(ctx.server.tls);
    load.setArrivalTimes(ctx.opt.arrival);
    if (!connectAll(ctx, load, specs))
        return;
    printHeader(ctx.opt.arrival);
    QJsonArray steps;
    for (double rate : rates) {
        const Measured m = measure(ctx, load, rate, seconds, uint64_t(members + senders));
        printRow(m.row);
        steps.append(m.row);
        if (m.row[u"p99"_s].toDouble() > 50.0)
            break;
    }
    b.stop();
    QJsonObject result { { u"members"_s, members }, { u"steps"_s, steps } };
    result.insert(u"pages"_s, coldNodePages(ctx, serverBinary, users[0]));
    ctx.results[u"cluster"_s] = result;
}

// Three nodes behind HAProxy (leastconn, checks every 200 ms) on one PostgreSQL and one Redis:
// `clients` connections in rooms of 100, node C killed with SIGKILL; its clients reconnect at
// once through HAProxy and resume. The time from the kill until the last of them has resumed
// (the generator reconnects without a backoff: a client's own backoff adds 100 ms to ~5 s).
void failoverScenario(Context &ctx, const QString &serverBinary, int clients)
{
    std::printf("\nfailover: %d clients behind HAProxy on 3 nodes; one node killed\n", clients);
    Server b, c;
    QTemporaryDir dirB, dirC;
    for (Server *s : { &b, &c }) {
        s->database = ctx.server.database;
        s->redis = ctx.server.redis;
        s->tls = ctx.server.tls;
        s->threadsFlag = ctx.server.threadsFlag;
    }
    const bool pin = ctx.opt.pin && std::thread::hardware_concurrency() >= 2;
    if (!b.start(serverBinary, dirB.path(), pin) || !c.start(serverBinary, dirC.path(), pin)) {
        std::fprintf(stderr, "failover: a node did not start\n");
        ctx.failed = true;
        return;
    }
    confab::test::HaproxyServer haproxy;
    QString error;
    if (!haproxy.start({ ctx.server.port, b.port, c.port }, &error)) {
        std::fprintf(stderr, "failover: %s\n", qPrintable(error));
        ctx.failed = true;
        return;
    }
    const auto users = makeUsers(ctx.server, clients, u"fo"_s);
    auto rooms = cursorRooms(ctx, users, 100, u"fo"_s, haproxy.port());
    if (!rooms)
        return;
    WsLoad &load = *rooms->load;
    std::map<int64_t, int64_t> target;
    for (size_t r = 0; r < rooms->ids.size(); ++r)
        target[rooms->ids[r]] = lastSeq(ctx.server, rooms->ids[r], rooms->owners[r]);
    size_t moved = 0;
    const double ms = load.failover([&] { ::kill(c.pid, SIGKILL); }, target, 500, 60000, &moved);
    std::printf("node C killed: %zu of %d clients were on it; the last of them resumed through"
                " HAProxy %.0f ms after the kill%s (the first saw its connection close after"
                " %.0f ms; %zu reconnections)\n",
                moved, clients, ms, ms < 0 ? " (TIMED OUT)" : "", load.failoverDetectMs(),
                load.failoverAttempts());
    if (ms < 0 || moved == 0)
        ctx.failed = true;
    haproxy.stop();
    b.stop();
    c.stop();
    ctx.results[u"failover"_s] = QJsonObject { { u"clients"_s, clients },
                                               { u"moved"_s, qint64(moved) },
                                               { u"resumedMs"_s, ms } };
}

} // namespace confab::bench
