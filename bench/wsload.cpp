#include "wsload.h"

#include <algorithm>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <queue>
#include <functional>
#include <future>
#include <sstream>

namespace confab::bench {

uint64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

namespace {

bool find(std::string_view hay, std::string_view needle, size_t *at = nullptr)
{
    // glibc's memmem: string_view::find compared at every '"' of a frame (a memcmp call each).
    const void *hit = ::memmem(hay.data(), hay.size(), needle.data(), needle.size());
    const size_t p = hit ? size_t(static_cast<const char *>(hit) - hay.data()) : std::string_view::npos;
    if (at)
        *at = p;
    return hit != nullptr;
}

// The unsigned integer right after `key` in `s` (e.g. key = "\"seq\":").
bool numberAfter(std::string_view s, std::string_view key, uint64_t *out)
{
    size_t p;
    if (!find(s, key, &p))
        return false;
    p += key.size();
    uint64_t v = 0;
    bool any = false;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        v = v * 10 + uint64_t(s[p] - '0');
        ++p;
        any = true;
    }
    *out = v;
    return any;
}

} // namespace

struct Conn
{
    enum class State { Connecting, Handshake, Open, Closed };
    int fd = -1;
    State state = State::Closed;
    ConnSpec spec;
    uint32_t index = 0;
    std::string in;
    std::string out;
    bool wantWrite = false;
    uint32_t mask = 0x1234567;
    bool resumed = false;
    int64_t lastSeq = 0; // newest seq of its room received
    bool resumeFromCursor = false;
    bool movedAway = false; // failover: reconnected after the server closed it
    bool caught = false; // failover: resumed and caught up since
    uint64_t sentInStep = 0;
    double phase = 0; // in [0, 1): senders' sends are spread over time, not synchronized
    int inFlight = 0;
    uint64_t nextId = 1;
    std::unordered_map<uint64_t, std::pair<uint64_t, int>> pending; // id → send ns, step
    uint64_t arrivedNs = 0; // kernel receive time of the newest data read (CLOCK_MONOTONIC)
    // TLS (WsLoad::setTls): `out` is plaintext, sealed into `wire` when flushed.
    SSL *ssl = nullptr;
    SSL_SESSION *session = nullptr; // the newest ticket, offered on the next connect
    bool tlsUp = false;
    std::string wire;
};

// CLOCK_REALTIME − CLOCK_MONOTONIC: socket receive timestamps are in real time.
int64_t realtimeOffsetNs()
{
    timespec r, m;
    clock_gettime(CLOCK_REALTIME, &r);
    clock_gettime(CLOCK_MONOTONIC, &m);
    return (int64_t(r.tv_sec) - int64_t(m.tv_sec)) * 1000000000ll + (r.tv_nsec - m.tv_nsec);
}

struct WsLoad::Worker
{
    int index = 0;
    int ep = -1;
    int wake = -1;
    std::thread thread;
    std::string host;
    uint16_t port = 0;
    int bodyBytes = 100;
    bool words = false;
    uint64_t wordState = 0x9E3779B97F4A7C15ull;
    std::vector<std::unique_ptr<Conn>> conns;
    std::mutex mutex;
    std::deque<std::function<void()>> commands;
    std::atomic<bool> stop { false };
    std::atomic<size_t> ready { 0 };
    std::atomic<size_t> closed { 0 };
    SSL_CTX *tls = nullptr;
    std::atomic<size_t> tlsResumed { 0 };
    // The current step (worker thread only, set by commands).
    int step = 0;
    bool sending = false;
    double perSenderRate = 0;
    uint64_t stepStart = 0;
    bool arrivalTimes = false;
    int64_t realtimeOffset = realtimeOffsetNs();
    int maxInFlight = 0;
    StepStats stats;
    // Rated senders by the time their next message is due (tick()), built at a step's start.
    using Due = std::pair<uint64_t, Conn *>;
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> schedule;
    int scheduledStep = -1;
    static constexpr uint64_t kRetryNs = 200'000;
    uint64_t runTag = nowNs();
    // Resume storm.
    std::map<int64_t, int64_t> target;
    std::atomic<size_t> caughtUp { 0 };
    // Failover: a connection the server closed reconnects at once (through the load balancer,
    // to another node) and resumes from its cursor.
    bool autoReconnect = false;
    std::atomic<size_t> reopened { 0 };
    std::atomic<uint64_t> lastCaughtUpNs { 0 };
    std::atomic<uint64_t> firstReopenNs { 0 };
    std::atomic<size_t> attempts { 0 }; // reconnections, counting repeats

    void post(std::function<void()> f)
    {
        {
            std::lock_guard lock(mutex);
            commands.push_back(std::move(f));
        }
        const uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
    }

    template<typename T> T call(std::function<T()> f)
    {
        std::promise<T> p;
        auto future = p.get_future();
        post([&] { p.set_value(f()); });
        return future.get();
    }

    void open(Conn &c)
    {
        c.in.clear();
        c.out.clear();
        c.wire.clear();
        c.tlsUp = false;
        c.wantWrite = false;
        c.resumed = false;
        c.inFlight = 0;
        c.pending.clear();
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (arrivalTimes)
            setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(c.spec.port ? c.spec.port : port);
        inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
        const int r = ::connect(c.fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        if (r < 0 && errno != EINPROGRESS) {
            ::close(c.fd);
            c.fd = -1;
            c.state = Conn::State::Closed;
            ++closed;
            return;
        }
        c.state = Conn::State::Connecting;
        epoll_event ev {};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.ptr = &c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }

    // Resume storm and failover: `c` holds every event up to its room's target: counted once.
    void noteCaughtUp(Conn &c)
    {
        const auto it = target.find(c.spec.room);
        if (it == target.end() || c.lastSeq < it->second)
            return;
        if (autoReconnect) {
            if (!c.movedAway || c.caught)
                return;
            c.caught = true;
        } else {
            if (c.resumeFromCursor)
                return;
            c.resumeFromCursor = true; // counted once
        }
        ++caughtUp;
        lastCaughtUpNs = nowNs();
    }

    void close(Conn &c, bool countClosed = true)
    {
        if (c.fd < 0)
            return;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        linger l { 1, 0 }; // RST: a dropped network, not a polite close
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(c.fd);
        c.fd = -1;
        // Freed without a close_notify, OpenSSL would mark the session not resumable: a client
        // whose network dropped keeps its ticket and resumes with it (as Qt's clients do).
        if (c.ssl)
            SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c.ssl); // (and its BIOs); the session ticket is kept
        c.ssl = nullptr;
        if (c.resumed)
            --ready;
        c.resumed = false;
        c.state = Conn::State::Closed;
        if (countClosed)
            ++closed;
        if (countClosed && autoReconnect) {
            Conn *conn = &c;
            post([this, conn] {
                if (conn->state != Conn::State::Closed || !autoReconnect)
                    return;
                conn->resumeFromCursor = true;
                ++attempts;
                if (!firstReopenNs)
                    firstReopenNs = nowNs();
                if (!conn->movedAway) {
                    conn->movedAway = true;
                    ++reopened;
                }
                if (conn->caught) { // it caught up, then lost this node too
                    conn->caught = false;
                    --caughtUp;
                }
                open(*conn);
            });
        }
    }

    void setWantWrite(Conn &c, bool want)
    {
        if (c.wantWrite == want)
            return;
        c.wantWrite = want;
        epoll_event ev {};
        ev.events = EPOLLIN | (want ? uint32_t(EPOLLOUT) : 0u);
        ev.data.ptr = &c;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
    }

    // TLS: the plaintext queued in `out` is sealed (one SSL_write) and what OpenSSL wrote is
    // moved to `wire`.
    void seal(Conn &c)
    {
        if (c.tlsUp && !c.out.empty()) {
            SSL_write(c.ssl, c.out.data(), int(c.out.size()));
            c.out.clear();
        }
        BIO *w = SSL_get_wbio(c.ssl);
        char *data = nullptr;
        const long n = BIO_get_mem_data(w, &data);
        if (n > 0) {
            c.wire.append(data, size_t(n));
            (void)BIO_reset(w);
        }
    }

    void flush(Conn &c)
    {
        if (c.ssl)
            seal(c);
        std::string &out = c.ssl ? c.wire : c.out;
        while (!out.empty()) {
            const ssize_t n = ::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL);
            if (n > 0) {
                out.erase(0, size_t(n));
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                setWantWrite(c, true);
                return;
            }
            close(c);
            return;
        }
        if (c.state == Conn::State::Open || c.state == Conn::State::Handshake)
            setWantWrite(c, false);
    }

    void sendFrame(Conn &c, uint8_t opcode, std::string_view payload)
    {
        char header[14];
        size_t h = 0;
        header[h++] = char(0x80 | opcode);
        if (payload.size() < 126) {
            header[h++] = char(0x80 | payload.size());
        } else if (payload.size() < 65536) {
            header[h++] = char(0x80 | 126);
            header[h++] = char(payload.size() >> 8);
            header[h++] = char(payload.size() & 0xff);
        } else {
            header[h++] = char(0x80 | 127);
            for (int i = 7; i >= 0; --i)
                header[h++] = char((uint64_t(payload.size()) >> (8 * i)) & 0xff);
        }
        c.mask = c.mask * 1103515245u + 12345u;
        const uint8_t m[4] = { uint8_t(c.mask), uint8_t(c.mask >> 8), uint8_t(c.mask >> 16),
                               uint8_t(c.mask >> 24) };
        std::memcpy(header + h, m, 4);
        h += 4;
        const size_t at = c.out.size();
        c.out.append(header, h);
        c.out.append(payload);
        for (size_t i = 0; i < payload.size(); ++i)
            c.out[at + h + i] = char(c.out[at + h + i] ^ m[i & 3]);
    }

    // 3–15 words, word k with probability ∝ 1/(k+1) (Zipf, as word use in text).
    void appendWords(std::string &body)
    {
        static const std::vector<double> cumulative = [] {
            std::vector<double> c(20000);
            double sum = 0;
            for (size_t k = 0; k < c.size(); ++k)
                c[k] = sum += 1.0 / double(k + 1);
            for (double &v : c)
                v /= sum;
            return c;
        }();
        const auto next = [this] { // xorshift64*
            wordState ^= wordState >> 12;
            wordState ^= wordState << 25;
            wordState ^= wordState >> 27;
            return wordState * 2685821657736338717ull;
        };
        const int n = 3 + int(next() % 13);
        for (int i = 0; i < n; ++i) {
            const double u = double(next() >> 11) / double(1ull << 53);
            const size_t k = size_t(std::lower_bound(cumulative.begin(), cumulative.end(), u)
                                    - cumulative.begin());
            body += " w";
            body += std::to_string(std::min(k, cumulative.size() - 1));
        }
    }

    void sendMessage(Conn &c)
    {
        const uint64_t id = c.nextId++;
        const uint64_t t = nowNs();
        std::string body;
        body.reserve(size_t(bodyBytes) + 32);
        body += 'B';
        body += std::to_string(step);
        body += ':';
        body += std::to_string(t);
        body += ':';
        if (words)
            appendWords(body);
        else if (int(body.size()) < bodyBytes)
            body.append(size_t(bodyBytes) - body.size(), 'x');
        std::string frame;
        frame.reserve(body.size() + 160);
        frame += R"({"type":"send","id":")";
        frame += std::to_string(id);
        frame += R"(","roomId":)";
        frame += std::to_string(c.spec.room);
        frame += R"(,"clientMsgId":")";
        frame += std::to_string(runTag % 1000000000ull) + "-" + std::to_string(index) + "-"
            + std::to_string(c.index) + "-" + std::to_string(id);
        frame += R"(","body":")";
        frame += body;
        frame += R"("})";
        sendFrame(c, 1, frame);
        c.pending.emplace(id, std::make_pair(t, step));
        ++c.inFlight;
        ++c.sentInStep;
        ++stats.sent;
    }

    void onText(Conn &c, std::string_view s)
    {
        // The server writes its keys in order, so a frame's own "type" comes last: an event ends
        // so (looked at first, the general search after).
        if (s.ends_with(R"("type":"event"})") || find(s, R"("type":"event")")) {
            uint64_t seq = 0;
            if (numberAfter(s, R"("seq":)", &seq) && int64_t(seq) > c.lastSeq)
                c.lastSeq = int64_t(seq);
            size_t p;
            if (find(s, R"("body":"B)", &p)) {
                std::string_view rest = s.substr(p + 9);
                const size_t colon = rest.find(':');
                const int msgStep = std::atoi(std::string(rest.substr(0, colon)).c_str());
                const uint64_t sentAt
                    = std::strtoull(std::string(rest.substr(colon + 1, 20)).c_str(), nullptr, 10);
                if (msgStep == step && sentAt) {
                    ++stats.delivered;
                    stats.deliverUs.push_back(uint32_t((nowNs() - sentAt) / 1000));
                    if (c.arrivedNs > sentAt)
                        stats.arriveUs.push_back(uint32_t((c.arrivedNs - sentAt) / 1000));
                }
            }
            if (!target.empty() && c.resumed)
                noteCaughtUp(c);
            return;
        }
        if (find(s, R"("type":"ack")") || find(s, R"("type":"error")")) {
            const bool ack = find(s, R"("type":"ack")");
            if (!ack)
                ++stats.errors;
            size_t p;
            if (!find(s, R"("id":")", &p))
                return;
            const uint64_t id = std::strtoull(s.data() + p + 6, nullptr, 10);
            auto it = c.pending.find(id);
            if (it == c.pending.end())
                return;
            if (ack && it->second.second == step) {
                ++stats.acked;
                ++stats.ackedPerRoom[c.spec.room];
                stats.ackUs.push_back(uint32_t((nowNs() - it->second.first) / 1000));
            }
            c.pending.erase(it);
            --c.inFlight;
            return;
        }
        if (find(s, R"("type":"hello")")) {
            std::string resume = R"({"type":"resume","id":"r","rooms":[)";
            if (c.resumeFromCursor && c.spec.room)
                resume += R"({"roomId":)" + std::to_string(c.spec.room) + R"(,"lastSeq":)"
                    + std::to_string(c.lastSeq) + "}";
            resume += "]}";
            c.resumeFromCursor = false;
            sendFrame(c, 1, resume);
            flush(c);
            return;
        }
        if (find(s, R"("type":"resumed")")) {
            c.resumed = true;
            ++ready;
            if (!target.empty())
                noteCaughtUp(c);
        }
    }

    void onReadable(Conn &c)
    {
        char buf[65536];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
        for (;;) {
            iovec iov { buf, sizeof buf };
            msghdr msg {};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            const ssize_t n = ::recvmsg(c.fd, &msg, 0);
            if (n > 0) {
                if (c.ssl)
                    BIO_write(SSL_get_rbio(c.ssl), buf, int(n));
                else
                    c.in.append(buf, size_t(n));
                for (cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
                    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
                        timespec ts;
                        std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
                        c.arrivedNs = uint64_t(int64_t(ts.tv_sec) * 1000000000ll + ts.tv_nsec
                                               - realtimeOffset);
                    }
                }
                if (size_t(n) < sizeof buf)
                    break; // drained for now (level-triggered: epoll reports what comes next)
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            close(c); // EOF or error
            return;
        }
        if (c.ssl && !openTls(c))
            return;
        size_t off = 0;
        if (c.state == Conn::State::Handshake) {
            const size_t end = c.in.find("\r\n\r\n");
            if (end == std::string::npos)
                return;
            if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
                close(c);
                return;
            }
            c.state = Conn::State::Open;
            off = end + 4;
        }
        while (c.in.size() - off >= 2) {
            const uint8_t b0 = uint8_t(c.in[off]);
            const uint8_t b1 = uint8_t(c.in[off + 1]);
            size_t h = 2;
            uint64_t len = b1 & 0x7f;
            if (len == 126) {
                if (c.in.size() - off < 4)
                    break;
                len = (uint64_t(uint8_t(c.in[off + 2])) << 8) | uint8_t(c.in[off + 3]);
                h = 4;
            } else if (len == 127) {
                if (c.in.size() - off < 10)
                    break;
                len = 0;
                for (int i = 0; i < 8; ++i)
                    len = (len << 8) | uint8_t(c.in[off + 2 + size_t(i)]);
                h = 10;
            }
            if (c.in.size() - off < h + len)
                break;
            const std::string_view payload(c.in.data() + off + h, size_t(len));
            const uint8_t opcode = b0 & 0x0f;
            if (opcode == 1 || opcode == 0)
                onText(c, payload);
            else if (opcode == 9)
                sendFrame(c, 10, payload);
            else if (opcode == 8) {
                close(c);
                return;
            }
            off += h + size_t(len);
        }
        c.in.erase(0, off);
        if (!c.out.empty())
            flush(c);
    }

    // Advances the handshake, then decrypts into `in`. False when the connection was closed.
    bool openTls(Conn &c)
    {
        if (!c.tlsUp) {
            const int r = SSL_do_handshake(c.ssl);
            if (r != 1) {
                if (SSL_get_error(c.ssl, r) != SSL_ERROR_WANT_READ) {
                    ERR_clear_error();
                    close(c);
                    return false;
                }
                flush(c);
                return true;
            }
            c.tlsUp = true;
            if (SSL_session_reused(c.ssl))
                ++tlsResumed;
            flush(c); // the upgrade request, sealed now
        }
        char plain[65536];
        for (;;) {
            const int n = SSL_read(c.ssl, plain, sizeof plain);
            if (n > 0) {
                c.in.append(plain, size_t(n));
                continue;
            }
            const int e = SSL_get_error(c.ssl, n);
            if (e == SSL_ERROR_WANT_READ)
                break;
            ERR_clear_error();
            close(c);
            return false;
        }
        if (!c.wire.empty() || BIO_ctrl_pending(SSL_get_wbio(c.ssl)) > 0)
            flush(c); // (a key update's answer)
        return true;
    }

    void onEvent(Conn &c, uint32_t events)
    {
        if (c.state == Conn::State::Connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) {
                close(c);
                return;
            }
            if (!(events & EPOLLOUT))
                return;
            c.state = Conn::State::Handshake;
            c.out = "GET /api/v1/ws HTTP/1.1\r\nHost: " + host + ":"
                + std::to_string(c.spec.port ? c.spec.port : port)
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                  "Authorization: Bearer "
                + c.spec.token + "\r\n\r\n";
            c.wantWrite = true;
            if (tls) {
                c.ssl = SSL_new(tls);
                SSL_set_bio(c.ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
                SSL_set_app_data(c.ssl, &c);
                if (c.session)
                    SSL_set_session(c.ssl, c.session);
                SSL_set_connect_state(c.ssl);
                SSL_do_handshake(c.ssl); // the ClientHello; the request waits for the handshake
            }
            flush(c);
            return;
        }
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            onReadable(c);
        if (c.fd >= 0 && (events & EPOLLOUT))
            flush(c);
    }

    // When a rated sender's next message is due: the moment floor(t * rate + phase) reaches
    // sentInStep + 1 (t since the step began), as in sendDue().
    uint64_t nextDueNs(const Conn &c) const
    {
        const double k = double(c.sentInStep + 1) - c.phase;
        return stepStart + uint64_t(std::ceil(k / perSenderRate * 1e9));
    }

    // Sends what is due for one sender (a burst of at most 64 if it fell behind).
    void sendDue(Conn &c, uint64_t now)
    {
        uint64_t due;
        if (perSenderRate > 0)
            due = uint64_t(double(now - stepStart) / 1e9 * perSenderRate + c.phase);
        else
            due = c.sentInStep + uint64_t(std::max(0, maxInFlight - c.inFlight));
        int burst = 0;
        while (c.sentInStep < due && burst < 64
               && (maxInFlight <= 0 || c.inFlight < maxInFlight)) {
            sendMessage(c);
            ++burst;
        }
        if (burst)
            flush(c);
    }

    void tick()
    {
        if (!sending)
            return;
        const uint64_t now = nowNs();
        if (perSenderRate <= 0) {
            // In-flight bound (ingest): whoever has room sends; few senders, all looked at.
            for (auto &cp : conns) {
                if (cp->spec.sender && cp->resumed)
                    sendDue(*cp, now);
            }
            return;
        }
        // At a rate: senders wait in a queue by the time of their next message, so a pass
        // looks only at those due (looking at all 5000 on every pass was a tenth of the
        // generator's core).
        if (scheduledStep != step) {
            scheduledStep = step;
            schedule = {};
            for (auto &cp : conns) {
                if (cp->spec.sender)
                    schedule.push({ nextDueNs(*cp), cp.get() });
            }
        }
        while (!schedule.empty() && schedule.top().first <= now) {
            Conn *c = schedule.top().second;
            schedule.pop();
            if (c->resumed)
                sendDue(*c, now);
            // Not resumed, or held back by its in-flight bound: look again shortly.
            const uint64_t next = nextDueNs(*c);
            schedule.push({ next > now ? next : now + kRetryNs, c });
        }
    }

    void run()
    {
        epoll_event events[512];
        while (!stop.load(std::memory_order_relaxed)) {
            const int n = epoll_wait(ep, events, 512, 1);
            for (int i = 0; i < n; ++i) {
                if (events[i].data.ptr == nullptr) {
                    uint64_t v;
                    [[maybe_unused]] auto r = ::read(wake, &v, sizeof v);
                    std::deque<std::function<void()>> todo;
                    {
                        std::lock_guard lock(mutex);
                        todo.swap(commands);
                    }
                    for (auto &f : todo)
                        f();
                    continue;
                }
                Conn *c = static_cast<Conn *>(events[i].data.ptr);
                if (c->fd >= 0)
                    onEvent(*c, events[i].events);
            }
            tick();
        }
        for (auto &c : conns)
            close(*c, false);
    }
};

namespace {
int keepTicket(SSL *ssl, SSL_SESSION *session)
{
    auto *c = static_cast<Conn *>(SSL_get_app_data(ssl));
    if (!c)
        return 0;
    if (c->session)
        SSL_SESSION_free(c->session);
    c->session = session;
    return 1; // ours now
}
} // namespace

void WsLoad::setTls(bool on)
{
    if (!on || m_tls)
        return;
    m_tls = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(m_tls, SSL_VERIFY_NONE, nullptr); // a benchmark: the server is ours
    SSL_CTX_set_session_cache_mode(m_tls, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(m_tls, keepTicket);
    for (auto &w : m_workers)
        w->tls = m_tls;
}

size_t WsLoad::tlsResumed() const
{
    size_t n = 0;
    for (const auto &w : m_workers)
        n += w->tlsResumed.load();
    return n;
}

void WsLoad::setArrivalTimes(bool on)
{
    for (auto &w : m_workers)
        w->call<int>([&w, on] {
            w->arrivalTimes = on;
            return 0;
        });
}

void WsLoad::setWords(bool on)
{
    for (auto &w : m_workers)
        w->call<int>([&w, on] {
            w->words = on;
            w->wordState ^= uint64_t(w->index + 1) * 0xD1B54A32D192ED03ull;
            return 0;
        });
}

WsLoad::WsLoad(std::string host, uint16_t port, int threads, int bodyBytes)
    : m_host(std::move(host))
    , m_port(port)
    , m_bodyBytes(bodyBytes)
{
    rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    for (int i = 0; i < threads; ++i) {
        auto w = std::make_unique<Worker>();
        w->index = i;
        w->host = m_host;
        w->port = m_port;
        w->bodyBytes = m_bodyBytes;
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;
        epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &ev);
        Worker *raw = w.get();
        w->thread = std::thread([raw] { raw->run(); });
        m_workers.push_back(std::move(w));
    }
}

WsLoad::~WsLoad()
{
    for (auto &w : m_workers) {
        w->stop = true;
        w->post([] {});
        w->thread.join();
        ::close(w->ep);
        ::close(w->wake);
        for (auto &c : w->conns) {
            if (c->session)
                SSL_SESSION_free(c->session);
        }
    }
    SSL_CTX_free(m_tls);
}

size_t WsLoad::connect(const std::vector<ConnSpec> &specs, int timeoutMs)
{
    const size_t before = readyCount();
    // Open in batches so the server's accept queue is not the thing measured here.
    const size_t batch = 200;
    for (size_t from = 0; from < specs.size(); from += batch) {
        for (size_t i = from; i < std::min(specs.size(), from + batch); ++i) {
            Worker &w = *m_workers[i % m_workers.size()];
            w.post([&w, spec = specs[i]] {
                auto c = std::make_unique<Conn>();
                c->spec = spec;
                c->index = uint32_t(w.conns.size());
                c->mask = uint32_t(nowNs()) ^ (c->index * 2654435761u);
                // Golden-ratio spacing: evenly spread phases whatever the number of senders.
                c->phase = std::fmod(double(c->index) * 0.6180339887 + w.index * 0.3, 1.0);
                w.conns.push_back(std::move(c));
                w.open(*w.conns.back());
            });
        }
        const auto deadline
            = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
        while (readyCount() + closedCount() < before + std::min(specs.size(), from + batch)
               && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return readyCount() - before;
}

size_t WsLoad::readyCount() const
{
    size_t n = 0;
    for (const auto &w : m_workers)
        n += w->ready.load();
    return n;
}

size_t WsLoad::closedCount() const
{
    size_t n = 0;
    for (const auto &w : m_workers)
        n += w->closed.load();
    return n;
}

StepStats WsLoad::step(double totalRate, double seconds, int drainMs, uint64_t expectPerMessage,
                       int maxInFlight)
{
    static int stepNo = 0;
    const int step = ++stepNo;
    size_t senders = 0;
    for (auto &w : m_workers) {
        senders += w->call<size_t>([&w] {
            size_t n = 0;
            for (auto &c : w->conns)
                n += c->spec.sender && c->resumed;
            return n;
        });
    }
    const uint64_t start = nowNs();
    for (auto &w : m_workers) {
        w->call<int>([&, start] {
            w->step = step;
            w->stats = StepStats {};
            w->perSenderRate = senders && totalRate > 0 ? totalRate / double(senders) : 0;
            w->maxInFlight = maxInFlight;
            w->stepStart = start;
            w->realtimeOffset = realtimeOffsetNs();
            for (auto &c : w->conns)
                c->sentInStep = 0;
            w->sending = true;
            return 0;
        });
    }
    std::this_thread::sleep_for(std::chrono::microseconds(int64_t(seconds * 1e6)));
    for (auto &w : m_workers)
        w->call<int>([&w] {
            w->sending = false;
            return 0;
        });
    // Drain: until every acked message reached everyone expected, or the time is up.
    const auto collect = [&] {
        StepStats total;
        for (auto &w : m_workers) {
            const StepStats s = w->call<StepStats>([&w] { return w->stats; });
            total.sent += s.sent;
            total.acked += s.acked;
            total.errors += s.errors;
            total.delivered += s.delivered;
            total.deliverUs.insert(total.deliverUs.end(), s.deliverUs.begin(), s.deliverUs.end());
            total.arriveUs.insert(total.arriveUs.end(), s.arriveUs.begin(), s.arriveUs.end());
            total.ackUs.insert(total.ackUs.end(), s.ackUs.begin(), s.ackUs.end());
            for (auto [room, n] : s.ackedPerRoom)
                total.ackedPerRoom[room] += n;
        }
        return total;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drainMs);
    StepStats total;
    for (;;) {
        uint64_t delivered = 0, acked = 0, sent = 0;
        for (auto &w : m_workers) {
            auto t = w->call<std::tuple<uint64_t, uint64_t, uint64_t>>([&w] {
                return std::make_tuple(w->stats.delivered, w->stats.acked, w->stats.sent);
            });
            delivered += std::get<0>(t);
            acked += std::get<1>(t);
            sent += std::get<2>(t);
        }
        const bool done = acked >= sent && delivered >= acked * expectPerMessage;
        if (done || std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    total = collect();
    return total;
}

double WsLoad::dropAndResume(const std::function<void()> &between,
                             const std::map<int64_t, int64_t> &targetSeq, int timeoutMs)
{
    size_t total = 0;
    for (auto &w : m_workers) {
        total += w->call<size_t>([&w] {
            for (auto &c : w->conns) {
                w->close(*c, false);
                c->resumeFromCursor = true;
            }
            return w->conns.size();
        });
    }
    between();
    const uint64_t start = nowNs();
    for (auto &w : m_workers) {
        w->call<int>([&w, targetSeq] {
            w->target = targetSeq;
            w->caughtUp = 0;
            for (auto &c : w->conns)
                w->open(*c);
            return 0;
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        size_t done = 0;
        for (auto &w : m_workers)
            done += w->caughtUp.load();
        if (done >= total)
            break;
        if (std::chrono::steady_clock::now() >= deadline)
            return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double ms = double(nowNs() - start) / 1e6;
    for (auto &w : m_workers)
        w->call<int>([&w] {
            w->target.clear();
            for (auto &c : w->conns)
                c->resumeFromCursor = false;
            return 0;
        });
    return ms;
}

double WsLoad::failover(const std::function<void()> &kill, const std::map<int64_t, int64_t> &targetSeq,
                        int quietMs, int timeoutMs, size_t *moved)
{
    for (auto &w : m_workers)
        w->call<int>([&w, targetSeq] {
            w->target = targetSeq;
            w->caughtUp = 0;
            w->reopened = 0;
            w->lastCaughtUpNs = 0;
            w->firstReopenNs = 0;
            w->attempts = 0;
            w->autoReconnect = true;
            return 0;
        });
    const uint64_t start = nowNs();
    kill();
    // Done when every reopened connection caught up and nothing else closed for `quietMs`.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    size_t reopened = 0, caught = 0;
    auto quietSince = std::chrono::steady_clock::now();
    for (;;) {
        size_t r = 0, c = 0;
        for (auto &w : m_workers) {
            r += w->reopened.load();
            c += w->caughtUp.load();
        }
        if (r != reopened || c != caught)
            quietSince = std::chrono::steady_clock::now();
        reopened = r;
        caught = c;
        if (r > 0 && c >= r
            && std::chrono::steady_clock::now() - quietSince >= std::chrono::milliseconds(quietMs))
            break;
        if (std::chrono::steady_clock::now() >= deadline) {
            *moved = reopened;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    uint64_t last = 0, first = 0;
    size_t attempts = 0;
    for (auto &w : m_workers)
        w->call<int>([&w, &last, &first, &attempts] {
            if (w->firstReopenNs && (!first || w->firstReopenNs < first))
                first = w->firstReopenNs;
            attempts += w->attempts;
            w->autoReconnect = false;
            w->target.clear();
            for (auto &c : w->conns) {
                c->resumeFromCursor = false;
                c->movedAway = false;
                c->caught = false;
            }
            last = std::max(last, w->lastCaughtUpNs.load());
            return 0;
        });
    *moved = reopened;
    m_failoverDetectMs = first ? double(first - start) / 1e6 : -1;
    m_failoverAttempts = attempts;
    return double(last - start) / 1e6;
}

double WsLoad::cpuSeconds() const
{
    return sampleCpu(getpid()).processSeconds;
}

CpuSample sampleCpu(int pid)
{
    CpuSample s;
    const double hz = double(sysconf(_SC_CLK_TCK));
    {
        std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        std::getline(f, line);
        const size_t close = line.rfind(')');
        if (close != std::string::npos) {
            std::istringstream rest(line.substr(close + 2));
            std::string field;
            unsigned long long utime = 0, stime = 0;
            for (int i = 3; i <= 15 && rest >> field; ++i) {
                if (i == 14)
                    utime = std::stoull(field);
                if (i == 15)
                    stime = std::stoull(field);
            }
            s.processSeconds = double(utime + stime) / hz;
        }
    }
    {
        std::ifstream f("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        while (std::getline(f, line)) {
            if (line.rfind("VmRSS:", 0) == 0)
                s.rssKiB = std::stoull(line.substr(6));
        }
    }
    std::ifstream f("/proc/stat");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("cpu", 0) != 0 || line.size() < 4 || !isdigit(uint8_t(line[3])))
            continue;
        std::istringstream in(line);
        std::string name;
        in >> name;
        uint64_t v[10] = {};
        for (auto &x : v)
            in >> x;
        const uint64_t idle = v[3] + v[4];
        uint64_t total = 0;
        for (int i = 0; i < 8; ++i)
            total += v[i];
        s.cores.emplace_back(total - idle, total);
    }
    return s;
}

std::vector<double> coreBusy(const CpuSample &a, const CpuSample &b)
{
    std::vector<double> out;
    for (size_t i = 0; i < std::min(a.cores.size(), b.cores.size()); ++i) {
        const double busy = double(b.cores[i].first - a.cores[i].first);
        const double total = double(b.cores[i].second - a.cores[i].second);
        out.push_back(total > 0 ? 100.0 * busy / total : 0);
    }
    return out;
}

} // namespace confab::bench
