// confab: thin executable around confab_client_ui.
//
// Start-up: the account used last, with its token from the keychain (or the private file),
// opens the chat window at once, even when the server is away (history from the local cache).
// Without one, or when the server refuses the token, the login dialog asks.
#include "chatclient.h"
#include "otlp/spanexporter.h"
#include "chatwindow.h"
#include "clientsettings.h"
#include "logindialog.h"
#include "theme.h"
#include "translations.h"
#include "discovery.h"
#include "tokenstore.h"
#include "trustdialog.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QMessageBox>
#include <QPointer>
#include <QStandardPaths>
#include <QUrl>

#include <cstdio>

using namespace Qt::StringLiterals;
using namespace confab;
using namespace confab::client;

namespace {

QString accountDir(const SavedAccount &a)
{
    // Outbox and cache per server and account: ~/.local/share/confab/HOST_PORT/USER.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/confab/"_s
        + a.server.host() + u'_' + QString::number(a.server.port(80)) + u'/' + a.username;
}

// What the connect dialog makes of a typed address (https and port 7080 unless given).
QUrl serverUrl(const QString &typed)
{
    QString s = typed.trimmed();
    if (!s.contains(u"://"_s))
        s.prepend(u"https://"_s);
    QUrl url(s);
    if (url.port() == -1)
        url.setPort(7080);
    return url.adjusted(QUrl::StripTrailingSlash);
}

std::optional<QString> readToken(TokenStore &tokens, const QString &key)
{
    std::optional<QString> token;
    QEventLoop loop;
    bool done = false;
    tokens.read(key, [&](std::optional<QString> t) {
        token = std::move(t);
        done = true;
        loop.quit();
    });
    if (!done)
        loop.exec();
    return token;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(u"confab"_s);
    QApplication::setApplicationDisplayName(u"Confab"_s);
    QApplication::setApplicationVersion(QStringLiteral(CONFAB_VERSION));
    QApplication::setDesktopFileName(u"confab"_s);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Confab desktop chat client"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption serverOption(
        u"server"_s, u"Server address to offer in the connect dialog (e.g. 127.0.0.1:7080)."_s,
        u"url"_s);
    const QCommandLineOption nodesOption(
        u"nodes"_s,
        u"The other nodes of the server's cluster, comma-separated (e.g. 10.0.0.12:7080,"
        u"10.0.0.13:7080): tried in turn when the server cannot be reached. Remembered."_s,
        u"addresses"_s);
    const QCommandLineOption loginOption(u"login"_s,
                                         u"Show the connect dialog even if an account is saved."_s);
    const QCommandLineOption noKeychainOption(
        u"no-keychain"_s, u"Keep session tokens in a private file, not the OS keychain."_s);
    const QCommandLineOption trustOption(
        u"trust-fingerprint"_s,
        u"Trust this SHA-256 certificate fingerprint for --server without asking (what"
        u" confab-server --print-fingerprint prints; make run passes the local server's)."_s,
        u"fingerprint"_s);
    const QCommandLineOption langOption(
        u"lang"_s, u"Language of the interface (e.g. de, en), instead of the system's."_s,
        u"language"_s);
    const QCommandLineOption otlpOption(
        u"otlp-endpoint"_s,
        u"Send traces of your sends (OTLP/HTTP JSON) to this collector, e.g."
        u" http://collector:4318/v1/traces; the server's spans join them."_s,
        u"url"_s);
    parser.addOptions(
        { serverOption, nodesOption, loginOption, noKeychainOption, trustOption, langOption,
          otlpOption });
    parser.process(app);
    std::unique_ptr<otlp::SpanExporter> tracer;
    if (parser.isSet(otlpOption)) {
        const QUrl endpoint(parser.value(otlpOption), QUrl::StrictMode);
        if (!endpoint.isValid()
            || (endpoint.scheme() != u"http" && endpoint.scheme() != u"https")) {
            std::fprintf(stderr, "confab: --otlp-endpoint takes an http or https URL\n");
            return 2;
        }
        tracer = std::make_unique<otlp::SpanExporter>(otlp::SpanExporter::Options {
            endpoint, u"confab"_s, QStringLiteral(CONFAB_VERSION) });
    }

    // ~/.config/confab/confab.conf and ~/.config/confab/tokens (the fallback token files).
    const QString configDir
        = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + u"/confab"_s;
    ClientSettings settings(configDir + u"/confab.conf"_s);
    // Language: --lang, else the one chosen in Settings, else the system's.
    const Preferences preferences = settings.preferences();
    installTranslations(parser.isSet(langOption) ? parser.value(langOption)
                                                 : preferences.language);
    applyTheme(preferences.theme, preferences.fontPointSize);
    TokenStore tokens(configDir + u"/tokens"_s, !parser.isSet(noKeychainOption));
    if (parser.isSet(trustOption)) {
        const QString fp = parser.value(trustOption).trimmed().toUpper();
        if (!parser.isSet(serverOption) || !discovery::isFingerprint(fp)) {
            std::fprintf(stderr, "confab: --trust-fingerprint needs --server and a SHA-256"
                                 " fingerprint (AB:CD:... 32 pairs)\n");
            return 2;
        }
        settings.setPinnedFingerprint(serverUrl(parser.value(serverOption)), fp);
    }
    app.setQuitOnLastWindowClosed(true);

    std::optional<SavedAccount> account = settings.lastAccount();
    QString token;
    if (account && !parser.isSet(loginOption)
        && (!parser.isSet(serverOption)
            || QUrl::fromUserInput(parser.value(serverOption)).port(80)
                == account->server.port(80))) {
        if (auto t = readToken(tokens, account->key()))
            token = *t;
    }
    QString notice;
    for (;;) {
        if (token.isEmpty()) {
            LoginDialog::Options o;
            o.server = parser.isSet(serverOption) ? parser.value(serverOption)
                : account                         ? account->server.authority()
                                                  : u"127.0.0.1:7080"_s;
            o.username = account ? account->username : QString();
            o.settings = &settings;
            o.notice = notice;
            LoginDialog login(o);
            if (login.exec() != QDialog::Accepted)
                return 0;
            account = SavedAccount { QUrl(login.server()), login.user().username,
                                     login.user().id, 0, login.nodes() };
            token = login.token();
            settings.rememberAccount(*account);
            tokens.write(account->key(), token, [](bool ok, TokenStore::Backend where) {
                if (!ok)
                    qWarning("could not store the session token: you will log in next time");
                else if (where == TokenStore::Backend::File)
                    qInfo("no keychain service: the session token is in a file only you can read");
            });
        }
        if (parser.isSet(nodesOption))
            account->nodes = parseNodeList(parser.value(nodesOption), account->server);
        settings.rememberAccount(*account);
        ChatClient::Options clientOptions;
        clientOptions.tracer = tracer.get();
        ChatClient client(account->server, token, accountDir(*account), clientOptions);
        if (!account->nodes.isEmpty())
            client.setNodes(QList<QUrl> { account->server } + account->nodes);
        // The certificate trusted for this server; a change while running is asked about (and
        // blocks every connection until the user decides).
        client.api().trust().pin(settings.pinnedFingerprint(account->server));
        if (auto started = client.start(); !started) {
            QMessageBox::critical(nullptr, u"Confab"_s, started.error().message);
            return 1;
        }
        ChatWindow::Options wo;
        wo.settings = &settings;
        wo.accountKey = account->key();
        wo.self = User { account->userId, account->username, {}, {}, 0 };
        ChatWindow window(&client, wo);
        enum class Next { Quit, Login } next = Next::Quit;
        QObject::connect(&client, &ChatClient::sessionExpired, &window, [&] {
            // Only a refused token leads back to the login dialog; a server away never does.
            next = Next::Login;
            notice = LoginDialog::sessionEndedNotice();
            window.close();
        });
        QObject::connect(&window, &ChatWindow::logoutRequested, &window, [&] {
            client.api().logout([](Result<bool>) {});
            tokens.remove(account->key());
            next = Next::Login;
            notice.clear();
            window.close();
        });
        QPointer<TrustDialog> trustDialog;
        QObject::connect(&client.api().trust(), &ServerTrust::decisionNeeded, &window,
                         [&](const ServerTrust::Pending &pending) {
                             if (trustDialog)
                                 return;
                             trustDialog = new TrustDialog(account->server, pending, {}, &window);
                             trustDialog->setAttribute(Qt::WA_DeleteOnClose);
                             QObject::connect(trustDialog, &QDialog::accepted, &window,
                                              [&, fp = pending.fingerprint] {
                                                  settings.setPinnedFingerprint(account->server, fp);
                                                  client.api().trust().pin(fp);
                                              });
                             trustDialog->open();
                         });
        window.show();
        app.exec();
        if (next == Next::Quit)
            return 0;
        tokens.remove(account->key());
        token.clear();
    }
}
