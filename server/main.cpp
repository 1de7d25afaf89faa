// confab-server: thin executable around confab_server_lib.
#include "confabserver.h"
#include "epolldispatcher.h"
#include "serverconfig.h"
#include "tls/tlscontext.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace confab::server;

namespace {

int g_signalFd[2];

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
    std::fprintf(stderr, "confab-server %s listening on %s://%s:%u (data in %s)\n",
                 CONFAB_VERSION, server.tls() ? "https" : "http",
                 qPrintable(config->listen.toString()), unsigned(port.value()),
                 qPrintable(config->dataDir));
    if (server.tls())
        std::fprintf(stderr, "confab-server: TLS certificate SHA-256 fingerprint %s\n",
                     qPrintable(server.fingerprint()));
    else
        std::fprintf(stderr, "confab-server: TLS is off%s\n",
                     config->listen.isLoopback() ? "" : ": this listener is not loopback, traffic"
                                                        " is in clear text");
    std::fprintf(stderr, "confab-server: registration is %s\n",
                 qPrintable(config->registration));
    if (!server.setupCode().isEmpty())
        std::fprintf(stderr,
                     "confab-server: no account yet. Create the first one (the server's admin) with"
                     " the invite code %s (valid 7 days, once)\n",
                     qPrintable(server.setupCode()));
    if (server.metricsPort())
        std::fprintf(stderr, "confab-server: /metrics on %s://%s:%u%s\n",
                     server.tls() ? "https" : "http",
                     qPrintable(config->metricsAddress.toString()), unsigned(server.metricsPort()),
                     config->metricsToken.isEmpty() ? "" : " (bearer token required)");
    else if (!config->metricsToken.isEmpty())
        std::fprintf(stderr, "confab-server: /metrics requires the bearer token\n");
    else if (!config->listen.isLoopback())
        std::fprintf(stderr, "confab-server: /metrics answers this machine only (see"
                             " --metrics-listen)\n");
    installSignalHandlers(&server);
    return app.exec();
}
