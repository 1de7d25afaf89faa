// HttpFrontend: receives the requests the ConnectionGuard parsed and let through, routes them,
// and counts every answer by route and status for /metrics.
#pragma once

#include "router.h"

#include <QObject>
#include <QTcpSocket>

namespace confab::server {

class Metrics;

class HttpFrontend : public QObject
{
    Q_OBJECT
public:
    explicit HttpFrontend(Metrics *metrics, QObject *parent = nullptr);

    Router &router() { return m_router; }

    // Answers `request` on `socket` (the route's handler may answer later).
    void handle(QTcpSocket *socket, const HttpRequest &request);

private:
    Router m_router;
    Metrics *m_metrics;
};

} // namespace confab::server
