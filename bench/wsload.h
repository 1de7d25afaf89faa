// WsLoad: a lean WebSocket load generator for protocol v1, on raw non-blocking sockets and
// epoll, one event loop per worker thread (no Qt in the hot path: one QWebSocket per connection
// on one thread cannot keep up with the server).
//
// Each connection authenticates with a bearer token on the upgrade, waits for `hello`, sends
// `resume`, and then, when it is a sender, sends `send` frames at its share of the step's rate.
// Message bodies carry the step number and the send time (CLOCK_MONOTONIC, same host), so every
// receiver measures send→deliver latency; acks are timed too. Counting is per step, so late
// deliveries of an earlier step never count as this step's.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct ssl_ctx_st;

namespace confab::bench {

uint64_t nowNs(); // CLOCK_MONOTONIC

struct ConnSpec
{
    std::string token;
    int64_t room = 0; // the room this connection sends to (0: none)
    bool sender = false;
    uint16_t port = 0; // another server's port on the same host (0: the load's)
};

// What one step measured (merged over all workers).
struct StepStats
{
    std::vector<uint32_t> deliverUs; // send→deliver, per delivery
    // send→arrival in the receiver's socket (the kernel's receive timestamp; only with
    // setArrivalTimes): the server's part without the generator's own delay in reading.
    std::vector<uint32_t> arriveUs;
    std::vector<uint32_t> ackUs; // send→ack, per acknowledged message
    uint64_t sent = 0;
    uint64_t acked = 0;
    uint64_t errors = 0; // error frames
    uint64_t delivered = 0;
    std::map<int64_t, uint64_t> ackedPerRoom;
};

class WsLoad
{
public:
    WsLoad(std::string host, uint16_t port, int threads, int bodyBytes = 100);
    ~WsLoad();

    // Before connect(): also measure send→arrival from the sockets' receive timestamps
    // (SO_TIMESTAMPNS, which turns on timestamping of every packet on the host).
    void setArrivalTimes(bool on);
    // Before connect(): speak TLS (wss) to the server. Reconnects offer the session ticket the
    // server gave the connection before (resumption); tlsResumed() counts those it accepted.
    void setTls(bool on);
    // Bodies of words (w0, w1, …, Zipf-distributed over 20,000 of them) instead of filler:
    // text a search index sees in a real chat.
    void setWords(bool on);
    size_t tlsResumed() const;

    // Opens every connection (spread over the workers) and waits until each has been resumed.
    // Returns how many are ready.
    size_t connect(const std::vector<ConnSpec> &specs, int timeoutMs);
    size_t readyCount() const;
    size_t closedCount() const; // closed by the server or failed

    // Runs one step: every sender sends at totalRate / senders msgs/s for `seconds`, then up to
    // `drainMs` is waited for deliveries. `maxInFlight` > 0: a sender never has more unacked
    // messages than that (ingest: as fast as acks allow, rate ignored when totalRate <= 0).
    StepStats step(double totalRate, double seconds, int drainMs, uint64_t expectPerMessage,
                   int maxInFlight = 0);

    // Resume storm: every connection drops (abort) and, once `between` has run, reconnects and
    // resumes from the newest seq it held. Returns ms from reconnect start until every
    // connection reported its resumed frame and received every event up to `targetSeq` of its
    // room (or -1 on timeout).
    double dropAndResume(const std::function<void()> &between,
                         const std::map<int64_t, int64_t> &targetSeq, int timeoutMs);

    // Failover: runs `kill` (a node dies behind the load balancer this load connects to); every
    // connection the server then closes reconnects at once and resumes from its cursor. Returns
    // ms from `kill` until the last of them received every event up to `targetSeq` of its room
    // (-1 on timeout); *moved: how many reconnected.
    double failover(const std::function<void()> &kill, const std::map<int64_t, int64_t> &targetSeq,
                    int quietMs, int timeoutMs, size_t *moved);
    // Of the last failover(): ms until the first connection was seen closed, and how many
    // reconnections it took (a reconnection sent to the dead node before the balancer's check
    // took it out fails and is made again).
    double failoverDetectMs() const { return m_failoverDetectMs; }
    size_t failoverAttempts() const { return m_failoverAttempts; }

    double cpuSeconds() const; // this process, user + system

private:
    struct Worker;
    std::vector<std::unique_ptr<Worker>> m_workers;
    std::string m_host;
    uint16_t m_port;
    int m_bodyBytes;
    ::ssl_ctx_st *m_tls = nullptr;
    double m_failoverDetectMs = -1;
    size_t m_failoverAttempts = 0;
};

// CPU accounting from /proc.
struct CpuSample
{
    double processSeconds = 0; // utime + stime of the process
    std::vector<std::pair<uint64_t, uint64_t>> cores; // per core: busy, total jiffies
    uint64_t rssKiB = 0;
};
CpuSample sampleCpu(int pid);
// Per-core busy % between two samples, and the process's CPU % of one core.
std::vector<double> coreBusy(const CpuSample &a, const CpuSample &b);

} // namespace confab::bench
