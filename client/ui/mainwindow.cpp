#include "mainwindow.h"

#include "serverprobe.h"

#include <QLabel>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

MainWindow::MainWindow(ServerProbe *probe, QWidget *parent)
    : QMainWindow(parent)
    , m_status(new QLabel(this))
{
    setWindowTitle(u"Confab"_s);
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    auto *server = new QLabel(central);
    server->setTextFormat(Qt::PlainText);
    server->setText(u"Server: "_s + probe->server().toDisplayString());
    m_status->setTextFormat(Qt::PlainText);
    m_status->setText(u"Checking…"_s);
    layout->addWidget(server);
    layout->addWidget(m_status);
    layout->addStretch();
    setCentralWidget(central);
    resize(480, 200);

    connect(probe, &ServerProbe::reachable, this, [this](const QString &version, int protocol) {
        m_status->setText(u"Online: Confab %1 (protocol %2)"_s.arg(version).arg(protocol));
    });
    connect(probe, &ServerProbe::unreachable, this,
            [this](const QString &reason) { m_status->setText(u"Offline: "_s + reason); });
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, probe, &ServerProbe::probe);
    timer->start(5000);
    probe->probe();
}

} // namespace confab::client
