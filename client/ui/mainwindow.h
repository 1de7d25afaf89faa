// MainWindow: the client's window. Until the chat UI lands it shows which server it is pointed
// at and whether that server answers.
#pragma once

#include <QMainWindow>

class QLabel;

namespace confab::client {

class ServerProbe;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(ServerProbe *probe, QWidget *parent = nullptr);

private:
    QLabel *m_status;
};

} // namespace confab::client
