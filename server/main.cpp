// confab-server: thin executable around confab_server_lib.
#include "confabserver.h"
#include "epolldispatcher.h"
#include "logging.h"
#include "serverconfig.h"
#include "tls/tlscontext.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

#ifdef CONFAB_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

using namespace confab::server;
using namespace Qt::StringLiterals;

namespace {

int g_signalFd[2];

// systemd's service protocol (Type=notify): READY once the port is bound, STOPPING on the way
// out, and a watchdog ping from the event loop (a loop stuck for WatchdogSec gets restarted).
void notifySystemd(const char *state)
{
#ifdef CONFAB_HAVE_SYSTEMD
    sd_notify(0, state);
#else
    Q_UNUSED(state)
#endif
}

void startWatchdog(QObject *parent)
{
#ifdef CONFAB_HAVE_SYSTEMD
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return;
    auto *timer = new QTimer(parent);
    QObject::connect(timer, &QTimer::timeout, [] { sd_notify(0, "WATCHDOG=1"); });
    timer->start(int(std::max<uint64_t>(usec / 2000, 100)));
#else
    Q_UNUSED(parent)
#endif
}

void onSignal(int signal)
{
    const char c = signal == SIGHUP ? 'h' : 'q';
    [[maybe_unused]] auto n = ::write(g_signalFd[0], &c, 1);
}

// SIGINT/SIGTERM (stop) and SIGHUP (reload the TLS certificate) reach the event loop through a
// socketpair (the async-signal-safe way).
void installSignalHandlers(ConfabServer *server)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFd) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_signalFd[1], QSocketNotifier::Read, server);
    QObject::connect(notifier, &QSocketNotifier::activated, server, [server, notifier] {
        char c = 0;
        [[maybe_unused]] auto n = ::read(g_signalFd[1], &c, 1);
        if (c == 'h') {
            if (!server->tls()) {
                std::fprintf(stderr, "confab-server: SIGHUP: TLS is off, nothing to reload\n");
            } else if (const auto reloaded = server->reloadTls(); !reloaded) {
                std::fprintf(stderr, "confab-server: SIGHUP: %s (the old certificate stays)\n",
                             qPrintable(reloaded.error().message));
            } else {
                std::fprintf(stderr, "confab-server: TLS certificate reloaded; SHA-256 %s\n",
                             qPrintable(reloaded.value()));
            }
            return;
        }
        notifier->setEnabled(false);
        notifySystemd("STOPPING=1");
        server->stop();
        QCoreApplication::quit();
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
}

} // namespace

int main(int argc, char *argv[])
{
    // Qt's dispatchers (glib's and its own) poll every socket on each loop iteration: with
    // thousands of connections that dominates (docs/benchmarks.md). The main thread runs on
    // epoll, as do the realtime workers; CONFAB_EVENT_DISPATCHER=qt keeps Qt's own, and then
    // QT_NO_GLIB=1 (unless set otherwise) at least avoids glib's extra pass.
    if (QAbstractEventDispatcher *dispatcher
        = confab::server::EpollEventDispatcher::createDefault())
        QCoreApplication::setEventDispatcher(dispatcher);
    else if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("confab-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONFAB_VERSION));

    auto config = ServerConfig::load(QCoreApplication::arguments());
    if (!config) {
        std::fprintf(stderr, "confab-server: %s\n", qPrintable(config.error().message));
        return 2;
    }
    applyLogLevel(config->logLevel);
    logging::install(logging::choose(config->logFormat));

    if (config->printFingerprint) {
        if (!config->tls) {
            std::fprintf(stderr, "confab-server: TLS is off: there is no certificate\n");
            return 2;
        }
        // The same certificate the server serves (made now if it has none yet).
        const auto tls = ConfabServer::loadTls(config.value());
        if (!tls) {
            std::fprintf(stderr, "confab-server: %s\n", qPrintable(tls.error().message));
            return 1;
        }
        std::printf("%s\n", qPrintable(tls.value()->fingerprint()));
        return 0;
    }

    ConfabServer server(config.value());
    const auto port = server.start();
    if (!port) {
        std::fprintf(stderr, "confab-server: %s\n", qPrintable(port.error().message));
        return 1;
    }
    // Always printed (not subject to log filtering): scripts and tests read the bound port here.
    const QString scheme = server.tls() ? u"https"_s : u"http"_s;
    logging::announce(u"confab-server %1 listening on %2://%3:%4 (data in %5)"_s.arg(
        QStringLiteral(CONFAB_VERSION), scheme, config->listen.toString(),
        QString::number(port.value()), config->dataDir));
    if (server.tls())
        logging::announce(u"confab-server: TLS certificate SHA-256 fingerprint "_s
                          + server.fingerprint());
    else
        logging::announce(u"confab-server: TLS is off"_s
                          + (config->listen.isLoopback()
                                 ? QString()
                                 : u": this listener is not loopback, traffic is in clear text"_s));
    logging::announce(u"confab-server: registration is "_s + config->registration);
    if (!server.setupCode().isEmpty())
        logging::announce(u"confab-server: no account yet. Create the first one (the server's"
                          u" admin) with the invite code %1 (valid 7 days, once), or run:"
                          u" confab-admin users create NAME --admin"_s.arg(server.setupCode()));
    if (server.metricsPort())
        logging::announce(u"confab-server: /metrics on %1://%2:%3%4"_s.arg(
            scheme, config->metricsAddress.toString(), QString::number(server.metricsPort()),
            config->metricsToken.isEmpty() ? QString() : u" (bearer token required)"_s));
    else if (!config->metricsToken.isEmpty())
        logging::announce(u"confab-server: /metrics requires the bearer token"_s);
    else if (!config->listen.isLoopback())
        logging::announce(u"confab-server: /metrics answers this machine only (see"
                          u" --metrics-listen)"_s);
    notifySystemd(qPrintable(u"READY=1\nSTATUS=Serving on %1://%2:%3"_s.arg(
        scheme, config->listen.toString(), QString::number(port.value()))));
    startWatchdog(&server);
    installSignalHandlers(&server);
    return app.exec();
}
