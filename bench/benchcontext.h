// What confab-bench's scenarios share (confabbench.cpp, clusterbench.cpp): the options, the
// server under test and the results (Context), one measured step of a load and how it prints,
// and rooms whose members all hold a cursor (the resume storm, failover).
#pragma once

#include "benchserver.h"
#include "wsload.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace confab::bench {

struct Options
{
    QString mode;
    QStringList positional;
    std::map<QString, QString> values;
    bool json = false;
    bool pin = true;
    bool arrival = false; // --arrival: send→arrival too (kernel receive timestamps)
    bool tls = false; // --tls: the server serves TLS, every client speaks it (wss, https)
    bool postgres = false; // --postgres: the history in a private PostgreSQL (services.h)

    QString value(const QString &k, const QString &def) const
    {
        auto it = values.find(k);
        return it == values.end() ? def : it->second;
    }
    int integer(const QString &k, int def) const { return value(k, QString::number(def)).toInt(); }
    double number(const QString &k, double def) const
    {
        return value(k, QString::number(def)).toDouble();
    }
    QList<double> list(const QString &k, const QString &def) const
    {
        QList<double> out;
        for (const QString &s : value(k, def).split(u','))
            out.append(s.toDouble());
        return out;
    }
};

// Percentiles and maximum of microsecond samples, in milliseconds (pct reorders `v`).
double pct(std::vector<uint32_t> &v, double p);
double maxOf(const std::vector<uint32_t> &v);

struct Context
{
    Options opt;
    Server server;
    int threads = 1;
    QJsonObject results;
    bool failed = false; // a loss, or a scenario that could not run
};

struct Measured
{
    QJsonObject row;
    bool saturated = false;
    uint64_t losses = 0;
};

// One step of `load` at `rate` messages a second for `seconds`, with both processes' CPU; a
// loss or an error marks the run failed.
Measured measure(Context &ctx, WsLoad &load, double rate, double seconds, uint64_t expectPer,
                 int maxInFlight = 0);
// The "arr p99" column only with --arrival (the rows carry arriveP99 then).
void printHeader(bool arrival);
void printRow(const QJsonObject &r);

std::vector<ConnSpec> specsFor(const std::vector<User> &users, const std::vector<qint64> &roomOf,
                               bool senders);
// Connects every spec; false (and the run failed) when not all came up.
bool connectAll(Context &ctx, WsLoad &load, const std::vector<ConnSpec> &specs);

// Users in rooms of `roomSize` (the first of each its owner), every member connected through
// `port`, and one message in every room (through the first node), so that every client holds a
// cursor: the start of the resume storm and of failover.
struct CursorRooms
{
    std::vector<qint64> roomOf, ids;
    std::vector<User> owners;
    std::unique_ptr<WsLoad> load; // every member, through `port`
    std::unique_ptr<WsLoad> writer; // the owners, on ctx.server
};
std::optional<CursorRooms> cursorRooms(Context &ctx, const std::vector<User> &users, int roomSize,
                                       const QString &prefix, uint16_t port);

} // namespace confab::bench
