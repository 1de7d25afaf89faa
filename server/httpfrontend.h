// HttpFrontend: the QAbstractHttpServer that receives requests the ConnectionGuard let through,
// routes them, and counts every answer by route and status for /metrics.
#pragma once

#include "router.h"

#include <QAbstractHttpServer>

namespace confab::server {

class Metrics;

class HttpFrontend : public QAbstractHttpServer
{
    Q_OBJECT
public:
    explicit HttpFrontend(Metrics *metrics, QObject *parent = nullptr);

    Router &router() { return m_router; }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    Router m_router;
    Metrics *m_metrics;
};

} // namespace confab::server
