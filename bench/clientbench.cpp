// confab-client-bench: how the desktop client behaves with a big room (issue: "A room with
// 100,000 events opens and scrolls without stutter; startup to a usable window in well under a
// second from the local cache"). Not a test: it measures, prints a table (or --json), and
// docs/benchmarks.md records the figures.
//
//   confab-client-bench [--events 100000] [--runs 5] [--frames 2000] [--json]
//
// It starts a real server in-process (127.0.0.1, port 0, SQLite in a temporary directory),
// fills one room through the WebSocket protocol, then for each run opens the real ChatWindow
// (offscreen) with an empty local cache and measures:
//  - open:   openRoom() until the newest page is in the model and painted;
//  - page:   scrolled to the top, until the next older page is in and painted (all the way back
//            to the room's first event: every event ends up in the model);
//  - frame:  one repaint of the timeline at a random scroll position, over the whole room;
// and, in a child process with the server unreachable, startup from the local cache: from
// main() to the last room's messages painted in the shown window (and, seen from the parent,
// from process start, which adds loading the binary and Qt).
#include "apiclient.h"
#include "chatclient.h"
#include "chatwindow.h"
#include "clientsettings.h"
#include "confabserver.h"
#include "frames.h"
#include "messagelistmodel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListView>
#include <QLoggingCategory>
#include <QProcess>
#include <QRandomGenerator>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QThread>
#include <QWebSocket>

#include <cstdio>

using namespace Qt::StringLiterals;
using namespace confab;
using namespace confab::client;

namespace {

QElapsedTimer g_sinceMain;

template<typename T> T await(const std::function<void(std::function<void(T)>)> &start)
{
    std::optional<T> out;
    start([&](T v) { out = std::move(v); });
    while (!out)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return std::move(*out);
}

void waitUntil(const std::function<bool()> &done, int timeoutMs = 60000)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs) {
            std::fprintf(stderr, "timed out\n");
            std::exit(2);
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
}

struct Stats
{
    QList<double> values; // ms
    double pct(double p) const
    {
        if (values.isEmpty())
            return 0;
        QList<double> v = values;
        std::sort(v.begin(), v.end());
        return v[std::min<qsizetype>(v.size() - 1, qsizetype(p / 100.0 * double(v.size())))];
    }
    double median() const { return pct(50); }
    double max() const
    {
        return values.isEmpty() ? 0 : *std::max_element(values.begin(), values.end());
    }
};

double msSince(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

struct Account
{
    qint64 id = 0;
    QString token;
};

Account signUp(const QUrl &server, const QString &name)
{
    ApiClient api(server);
    const auto registered = await<Result<User>>([&](auto done) {
        api.registerUser({ name, u"password123"_s, {}, {} }, done);
    });
    Q_UNUSED(registered);
    const auto login = await<Result<LoginResponse>>([&](auto done) {
        api.login({ name, u"password123"_s, u"bench"_s }, done);
    });
    if (!login) {
        std::fprintf(stderr, "login failed: %s\n", qPrintable(login.error().message));
        std::exit(2);
    }
    return { login->user.id, login->token };
}

// Sends `count` messages over one WebSocket, keeping `window` unacknowledged at most.
double seed(quint16 port, const QString &token, qint64 room, int count)
{
    QWebSocket ws;
    ws.setMaxAllowedIncomingMessageSize(1 << 20);
    QNetworkRequest req(QUrl(u"ws://127.0.0.1:%1/api/v1/ws"_s.arg(port)));
    req.setRawHeader("Authorization", "Bearer " + token.toLatin1());
    int acked = 0;
    bool hello = false;
    QObject::connect(&ws, &QWebSocket::textMessageReceived, [&](const QString &text) {
        const auto frame = parseServerFrame(text.toUtf8());
        if (!frame)
            return;
        if (std::holds_alternative<HelloFrame>(frame->payload))
            hello = true;
        if (std::holds_alternative<AckFrame>(frame->payload))
            ++acked;
    });
    QObject::connect(&ws, &QWebSocket::disconnected, [&] {
        std::fprintf(stderr, "seeding connection closed: %d %s\n", int(ws.closeCode()),
                     qPrintable(ws.closeReason()));
        std::exit(2);
    });
    ws.open(req);
    waitUntil([&] { return hello; });
    // Live events flow only after a resume (the server closes a socket that never sends one).
    ws.sendTextMessage(QString::fromUtf8(encodeClientFrame({ u"r"_s, ResumeFrame { {}, {} } })));
    QElapsedTimer t;
    t.start();
    constexpr int Window = 500;
    int sent = 0;
    while (acked < count) {
        while (sent < count && sent - acked < Window) {
            const QString body
                = u"message %1 · a line of ordinary chat text, about this long."_s.arg(sent);
            ws.sendTextMessage(QString::fromUtf8(encodeClientFrame(
                { u"s%1"_s.arg(sent), SendFrame { room, u"seed-%1"_s.arg(sent), body, {}, 0 } })));
            ++sent;
        }
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    const double rate = double(count) / (msSince(t) / 1000.0);
    ws.disconnect();
    return rate;
}

int runStartup(const QCommandLineParser &args)
{
    // Child process: the server is away; everything comes from the local cache.
    const QString dir = args.value(u"cache"_s);
    ClientSettings settings(dir + u"/confab.ini"_s);
    ChatClient::Options o;
    o.watchNetwork = false;
    ChatClient client(QUrl(u"http://127.0.0.1:9"_s), u"token"_s, dir + u"/account"_s, o);
    if (!client.start())
        return 2;
    ChatWindow::Options wo;
    wo.settings = &settings;
    wo.accountKey = u"bench"_s;
    wo.trayIcon = false;
    ChatWindow window(&client, wo);
    window.show();
    waitUntil([&] { return window.timeline() && window.timeline()->rowCount() > 0; }, 10000);
    window.messageView()->viewport()->repaint();
    std::printf("painted %.3f %d\n", msSince(g_sinceMain), window.timeline()->rowCount());
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    g_sinceMain.start();
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(u"confab-client-bench"_s);
    QCommandLineParser args;
    args.addPositionalArgument(u"mode"_s, u"(empty) or startup (internal)"_s);
    args.addOptions({
        { u"events"_s, u"Events in the room (default 100000)."_s, u"n"_s, u"100000"_s },
        { u"runs"_s, u"Runs (default 5)."_s, u"n"_s, u"5"_s },
        { u"frames"_s, u"Random-position repaints per run (default 2000)."_s, u"n"_s, u"2000"_s },
        { u"startups"_s, u"Startup measurements (default 10)."_s, u"n"_s, u"10"_s },
        { u"json"_s, u"Print JSON instead of a table."_s },
        { u"cache"_s, u"(internal) cache directory for startup."_s, u"dir"_s },
    });
    args.addHelpOption();
    args.process(app);
    if (args.positionalArguments().value(0) == u"startup"_s)
        return runStartup(args);
    QLoggingCategory::setFilterRules(u"confab.*.info=false\nqt.*=false"_s);

    const int events = args.value(u"events"_s).toInt();
    const int runs = args.value(u"runs"_s).toInt();
    const int frames = args.value(u"frames"_s).toInt();
    const int startups = args.value(u"startups"_s).toInt();

    QTemporaryDir data;
    server::ServerConfig cfg;
    cfg.port = 0;
    cfg.dataDir = data.path();
    cfg.passwordCost = u"minimal"_s;
    cfg.discovery = false;
    // Loopback in plain HTTP: this bench measures the client (models, layout, painting); what
    // TLS costs the server and the wire is measured by confab-bench --tls.
    cfg.tls = false;
    server::ConfabServer server(cfg);
    const auto port = server.start();
    if (!port)
        return 2;
    const QUrl url(u"http://127.0.0.1:%1"_s.arg(*port));
    const Account alice = signUp(url, u"alice"_s);
    const Account bob = signUp(url, u"bob"_s);
    ApiClient api(url);
    api.setToken(alice.token);
    const auto room = await<Result<Room>>([&](auto done) {
        api.createRoom({ u"big"_s, {}, RoomVisibility::Public }, done);
    });
    ApiClient bobApi(url);
    bobApi.setToken(bob.token);
    if (!await<Result<Room>>([&](auto done) { bobApi.join(room->id, done); }))
        return 2;
    std::fprintf(stderr, "seeding %d messages…\n", events);
    const double seedRate = seed(*port, bob.token, room->id, events);
    std::fprintf(stderr, "seeded at %.0f msgs/s\n", seedRate);
    const auto seeded = await<Result<Room>>([&](auto done) { api.room(room->id, done); });
    const qint64 lastSeq = seeded ? seeded->lastSeq : 0;

    Stats open, page, pageDown, frame, startupMain, startupProcess;
    int maxRows = 0;
    QTemporaryDir lastCache;
    for (int run = 0; run < runs; ++run) {
        QTemporaryDir cache;
        ClientSettings settings(cache.filePath(u"confab.ini"_s));
        ChatClient::Options o;
        o.watchNetwork = false;
        ChatClient client(url, alice.token, cache.filePath(u"account"_s), o);
        if (!client.start())
            return 2;
        ChatWindow::Options wo;
        wo.settings = &settings;
        wo.accountKey = u"bench"_s;
        wo.trayIcon = false;
        ChatWindow window(&client, wo);
        window.resize(1000, 700);
        window.show();
        waitUntil([&] { return client.connectionState().mode == ConnectionState::Mode::Online; });
        QElapsedTimer t;
        t.start();
        window.openRoom(room->id);
        MessageListModel *m = window.timeline();
        waitUntil([&] { return m->rowCount() >= 100; });
        window.messageView()->viewport()->repaint();
        open.values.append(msSince(t));

        // Scroll back through the whole room, a page at a time, as a user holding PgUp would;
        // then all the way down again to the live end.
        QScrollBar *bar = window.messageView()->verticalScrollBar();
        qint64 seen = m->rowCount();
        while (!m->reachedStart()) {
            const qint64 oldest = m->oldestSeq();
            t.restart();
            bar->setValue(0);
            waitUntil([&] { return m->oldestSeq() < oldest || m->reachedStart(); });
            window.messageView()->viewport()->repaint();
            page.values.append(msSince(t));
            seen += oldest - m->oldestSeq();
        }
        maxRows = std::max(maxRows, m->rowCount());
        if (seen != events) {
            std::fprintf(stderr, "expected %d messages, saw %lld\n", events, qlonglong(seen));
            return 3;
        }
        // Repaints at random positions in what is loaded.
        QRandomGenerator rng(42 + run);
        for (int i = 0; i < frames; ++i) {
            bar->blockSignals(true); // no page loads here: painting only
            bar->setValue(int(rng.bounded(bar->maximum() + 1)));
            bar->blockSignals(false);
            t.restart();
            window.messageView()->viewport()->repaint();
            frame.values.append(msSince(t));
        }
        while (!m->atLive()) {
            const qint64 newest = m->newestSeq();
            t.restart();
            bar->setValue(bar->maximum());
            waitUntil([&] { return m->newestSeq() > newest || m->atLive(); });
            window.messageView()->viewport()->repaint();
            pageDown.values.append(msSince(t));
        }
        if (m->newestSeq() != lastSeq) {
            std::fprintf(stderr, "back at the live end: newest seq %lld, expected %lld\n",
                         qlonglong(m->newestSeq()), qlonglong(lastSeq));
            return 3;
        }
        window.close(); // saves the last room
        settings.sync();
        if (run == runs - 1) {
            // Keep this run's cache for the startup measurements.
            QProcess::execute(u"cp"_s, { u"-a"_s, cache.path() + u"/."_s, lastCache.path() });
        }
    }

    for (int i = 0; i < startups; ++i) {
        QProcess child;
        QElapsedTimer t;
        t.start();
        child.start(QCoreApplication::applicationFilePath(),
                    { u"startup"_s, u"--cache"_s, lastCache.path() });
        child.waitForFinished(30000);
        const double total = msSince(t);
        const QList<QByteArray> parts = child.readAllStandardOutput().trimmed().split(' ');
        if (parts.size() != 3 || parts[0] != "painted") {
            std::fprintf(stderr, "startup run failed: %s\n",
                         child.readAllStandardError().constData());
            return 3;
        }
        startupMain.values.append(parts[1].toDouble());
        startupProcess.values.append(total);
    }

    const auto row = [](const char *name, const Stats &s) {
        std::printf("%-34s %8.2f %8.2f %8.2f %8.2f %7lld\n", name, s.median(), s.pct(95), s.pct(99),
                    s.max(), qlonglong(s.values.size()));
    };
    const auto json = [](const Stats &s) {
        return QJsonObject { { u"p50"_s, s.median() },
                             { u"p95"_s, s.pct(95) },
                             { u"p99"_s, s.pct(99) },
                             { u"max"_s, s.max() },
                             { u"n"_s, s.values.size() } };
    };
    if (args.isSet(u"json"_s)) {
        const QJsonObject o { { u"events"_s, events },
                              { u"runs"_s, runs },
                              { u"seedMsgsPerSecond"_s, seedRate },
                              { u"openMs"_s, json(open) },
                              { u"pageMs"_s, json(page) },
                              { u"pageDownMs"_s, json(pageDown) },
                              { u"maxRowsInModel"_s, maxRows },
                              { u"frameMs"_s, json(frame) },
                              { u"startupFromMainMs"_s, json(startupMain) },
                              { u"startupProcessMs"_s, json(startupProcess) } };
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    std::printf(
        "room of %d events, %d runs (seeded at %.0f msgs/s), at most %d rows in the model\n",
        events, runs, seedRate, maxRows);
    std::printf("%-34s %8s %8s %8s %8s %7s\n", "ms", "p50", "p95", "p99", "max", "n");
    row("open room (newest page, painted)", open);
    row("scroll up: older page, painted", page);
    row("scroll down: newer page, painted", pageDown);
    row("repaint at a random position", frame);
    row("startup from cache (from main)", startupMain);
    row("startup from cache (process)", startupProcess);
    return 0;
}
