#include "benchcontext.h"

#include <QJsonArray>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

using namespace Qt::StringLiterals;

namespace confab::bench {

double pct(std::vector<uint32_t> &v, double p)
{
    if (v.empty())
        return 0;
    const size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())));
    std::nth_element(v.begin(), v.begin() + long(i), v.end());
    return double(v[i]) / 1000.0; // ms
}

double maxOf(const std::vector<uint32_t> &v)
{
    return v.empty() ? 0 : double(*std::max_element(v.begin(), v.end())) / 1000.0;
}

Measured measure(Context &ctx, WsLoad &load, double rate, double seconds, uint64_t expectPer,
                 int maxInFlight)
{
    const CpuSample sb = sampleCpu(ctx.server.pid), mb = sampleCpu(getpid());
    const auto t0 = std::chrono::steady_clock::now();
    StepStats s = load.step(rate, seconds, 5000, expectPer, maxInFlight);
    const double wall
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const CpuSample sa = sampleCpu(ctx.server.pid), ma = sampleCpu(getpid());
    Measured m;
    const uint64_t expected = s.acked * expectPer;
    m.losses = expected > s.delivered ? expected - s.delivered : 0;
    const double benchCpu = 100.0 * (ma.processSeconds - mb.processSeconds) / wall;
    const double serverCpu = 100.0 * (sa.processSeconds - sb.processSeconds) / wall;
    m.saturated = benchCpu > 90.0 * ctx.threads;
    QJsonArray cores;
    for (double c : coreBusy(mb, ma))
        cores.append(std::round(c));
    m.row = QJsonObject {
        { u"rate"_s, rate },
        { u"seconds"_s, seconds },
        { u"sent"_s, qint64(s.sent) },
        { u"acked"_s, qint64(s.acked) },
        { u"ackedPerSecond"_s, double(s.acked) / seconds },
        { u"delivered"_s, qint64(s.delivered) },
        { u"deliveriesPerSecond"_s, double(s.delivered) / seconds },
        { u"p50"_s, pct(s.deliverUs, 50) },
        { u"p95"_s, pct(s.deliverUs, 95) },
        { u"p99"_s, pct(s.deliverUs, 99) },
        { u"max"_s, maxOf(s.deliverUs) },
        { u"ackP50"_s, pct(s.ackUs, 50) },
        { u"ackP99"_s, pct(s.ackUs, 99) },
        { u"losses"_s, qint64(m.losses) },
        { u"errors"_s, qint64(s.errors) },
        { u"serverCpu"_s, std::round(serverCpu) },
        { u"serverRssMiB"_s, double(sa.rssKiB) / 1024.0 },
        { u"benchCpu"_s, std::round(benchCpu) },
        { u"cores"_s, cores },
        { u"saturated"_s, m.saturated },
    };
    if (ctx.opt.arrival) {
        m.row[u"arriveP50"_s] = pct(s.arriveUs, 50);
        m.row[u"arriveP99"_s] = pct(s.arriveUs, 99);
    }
    if (m.losses || s.errors)
        ctx.failed = true;
    return m;
}

void printHeader(bool arrival)
{
    std::printf("%9s %11s %11s %8s %8s %8s %8s %8s %7s %6s %6s %7s", "msgs/s", "acked/s", "deliv/s",
                "p50 ms", "p95 ms", "p99 ms", "max ms", "ack p99", "losses", "srv%", "gen%",
                "RSS MiB");
    std::printf(arrival ? " %8s\n" : "\n", "arr p99");
}

void printRow(const QJsonObject &r)
{
    std::printf("%9.0f %11.0f %11.0f %8.2f %8.2f %8.2f %8.2f %8.2f %7lld %6.0f %6.0f %7.1f",
                r[u"rate"_s].toDouble(), r[u"ackedPerSecond"_s].toDouble(),
                r[u"deliveriesPerSecond"_s].toDouble(), r[u"p50"_s].toDouble(),
                r[u"p95"_s].toDouble(), r[u"p99"_s].toDouble(), r[u"max"_s].toDouble(),
                r[u"ackP99"_s].toDouble(), r[u"losses"_s].toInteger(), r[u"serverCpu"_s].toDouble(),
                r[u"benchCpu"_s].toDouble(), r[u"serverRssMiB"_s].toDouble());
    if (r.contains(u"arriveP99"_s))
        std::printf(" %8.2f", r[u"arriveP99"_s].toDouble());
    std::printf("%s\n", r[u"saturated"_s].toBool() ? "  (generator saturated: not a result)" : "");
    std::fflush(stdout);
}

std::vector<ConnSpec> specsFor(const std::vector<User> &users, const std::vector<qint64> &roomOf,
                               bool senders)
{
    std::vector<ConnSpec> specs;
    for (size_t i = 0; i < users.size(); ++i)
        specs.push_back({ users[i].token.toStdString(), roomOf[i], senders });
    return specs;
}

bool connectAll(Context &ctx, WsLoad &load, const std::vector<ConnSpec> &specs)
{
    const size_t ready = load.connect(specs, 30000);
    if (ready != specs.size()) {
        std::fprintf(stderr, "only %zu of %zu connections came up (%zu closed)\n", ready,
                     specs.size(), load.closedCount());
        ctx.failed = true;
        return false;
    }
    return true;
}

std::optional<CursorRooms> cursorRooms(Context &ctx, const std::vector<User> &users, int roomSize,
                                       const QString &prefix, uint16_t port)
{
    CursorRooms out;
    out.roomOf.resize(users.size());
    for (size_t first = 0; first < users.size(); first += size_t(roomSize)) {
        const size_t end = std::min(users.size(), first + size_t(roomSize));
        const qint64 id = createRoom(ctx.server, users[first], prefix + QString::number(first));
        joinAll(ctx.server, id, users, first + 1, end);
        for (size_t i = first; i < end; ++i)
            out.roomOf[i] = id;
        out.ids.push_back(id);
        out.owners.push_back(users[first]);
    }
    out.load = std::make_unique<WsLoad>(ctx.server.host, port, ctx.threads);
    out.load->setTls(ctx.server.tls);
    if (!connectAll(ctx, *out.load, specsFor(users, out.roomOf, false)))
        return std::nullopt;
    out.writer = std::make_unique<WsLoad>(ctx.server.host, ctx.server.port, 1);
    out.writer->setTls(ctx.server.tls);
    std::vector<ConnSpec> wspecs;
    for (size_t r = 0; r < out.owners.size(); ++r)
        wspecs.push_back({ out.owners[r].token.toStdString(), out.ids[r], true, 0 });
    if (!connectAll(ctx, *out.writer, wspecs))
        return std::nullopt;
    out.writer->step(0, 0.2, 3000, 0, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return out;
}


} // namespace confab::bench
