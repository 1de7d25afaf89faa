// confab: thin executable around confab_client_ui.
#include "chatclient.h"
#include "chatwindow.h"
#include "logindialog.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace confab::client;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(u"confab"_s);
    QApplication::setApplicationVersion(QStringLiteral(CONFAB_VERSION));
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Confab desktop chat client"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption serverOption(u"server"_s,
                                          u"Server URL (default http://127.0.0.1:7080)."_s,
                                          u"url"_s, u"http://127.0.0.1:7080"_s);
    parser.addOption(serverOption);
    parser.process(app);

    LoginDialog login(parser.value(serverOption));
    if (login.exec() != QDialog::Accepted)
        return 0;
    const QUrl server(login.server());
    // Outbox and cache per server and account.
    const QString accountDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + u'/' + server.host() + u'_' + QString::number(server.port(80)) + u'/'
        + login.user().username;
    ChatClient client(server, login.token(), accountDir, ChatClient::Options {});
    if (!client.start())
        return 1;
    ChatWindow window(&client);
    window.show();
    return app.exec();
}
