// HttpFrontend: receives the requests the ConnectionGuard parsed and let through, routes them,
// and counts every answer by route and status for /metrics.
#pragma once

#include "router.h"

#include <QObject>
#include <QTcpSocket>

namespace confab::server {

class Metrics;

}
namespace confab::otlp {
class SpanExporter;
}
namespace confab::server {

class HttpFrontend : public QObject
{
    Q_OBJECT
public:
    explicit HttpFrontend(Metrics *metrics, QObject *parent = nullptr);

    Router &router() { return m_router; }
    // Every request becomes a server span ("HTTP GET /api/v1/rooms/{id}/events"), under the
    // client's traceparent when it sent one.
    void setTracer(otlp::SpanExporter *tracer) { m_tracer = tracer; }

    // Answers `request` on `socket` (the route's handler may answer later).
    void handle(QTcpSocket *socket, const HttpRequest &request);

private:
    Router m_router;
    Metrics *m_metrics;
    otlp::SpanExporter *m_tracer = nullptr;
};

} // namespace confab::server
