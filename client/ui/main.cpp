// confab: thin executable around confab_client_ui.
#include "mainwindow.h"
#include "serverprobe.h"

#include <QApplication>
#include <QCommandLineParser>

using namespace Qt::StringLiterals;

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

    confab::client::ServerProbe probe(QUrl(parser.value(serverOption)));
    confab::client::MainWindow window(&probe);
    window.show();
    return app.exec();
}
