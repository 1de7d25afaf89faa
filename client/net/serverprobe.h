// ServerProbe: asks a Confab server whether it is alive (GET /healthz) and what it runs.
#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

namespace confab::client {

class ServerProbe : public QObject
{
    Q_OBJECT
public:
    explicit ServerProbe(QUrl server, QObject *parent = nullptr);

    QUrl server() const { return m_server; }
    void probe();

signals:
    // version and protocol come from the server's /healthz answer.
    void reachable(const QString &version, int protocol);
    void unreachable(const QString &reason);

private:
    QUrl m_server;
    QNetworkAccessManager m_nam;
};

} // namespace confab::client
