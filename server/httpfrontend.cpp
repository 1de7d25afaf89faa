#include "httpfrontend.h"

#include "otlp/spanexporter.h"

#include "metrics.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcHttp, "confab.server.http", QtInfoMsg)

namespace confab::server {

HttpFrontend::HttpFrontend(Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_metrics(metrics)
{
    m_metrics->defineCounter(u"confab_http_requests_total"_s,
                             u"HTTP requests answered, by route, method and status"_s,
                             { u"route"_s, u"method"_s, u"status"_s });
    m_metrics->defineHistogram(
        u"confab_http_request_duration_seconds"_s, u"Time from a complete request to its answer"_s,
        { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1 });
}

void HttpFrontend::handle(QTcpSocket *socket, const HttpRequest &parsed)
{
    HttpRequest request = parsed;
    const Router::Match match = m_router.match(request.method, request.rawPath);
    request.route
        = match.handler ? match.route : (match.allowed.isEmpty() ? u"unmatched"_s : match.route);
    request.params = match.params;

    QElapsedTimer timer;
    timer.start();
    const QString tp = request.traceparent();
    otlp::TraceContext parent;
    qint64 startNs = 0;
    if (m_tracer) {
        parent = otlp::TraceContext::parse(tp);
        request.trace = parent.child();
        startNs = otlp::nowNs();
    }
    HttpResponder responder(
        socket,
        [metrics = m_metrics, route = request.route, method = QString::fromLatin1(request.method),
         timer, tp, path = request.path, tracer = m_tracer, trace = request.trace, parent,
         startNs](int status) {
            metrics->inc(u"confab_http_requests_total"_s,
                         { route, method, QString::number(status) });
            metrics->observe(u"confab_http_request_duration_seconds"_s, timer.nsecsElapsed() / 1e9);
            if (tracer) {
                otlp::Span span = otlp::Span::of(trace, parent, u"HTTP "_s + method + u' ' + route,
                                                 otlp::SpanKind::Server, startNs);
                span.endNs = otlp::nowNs();
                span.attributes = { { u"http.method"_s, method },
                                    { u"http.route"_s, route },
                                    { u"http.status_code"_s, status } };
                span.error = status >= 500;
                tracer->record(std::move(span));
            }
            if (tp.isEmpty())
                qCDebug(lcHttp).noquote() << method << path << status;
            else
                qCInfo(lcHttp).noquote() << method << path << status << u"traceparent="_s + tp;
        },
        request.reuse);

    if (!match.handler) {
        if (!match.allowed.isEmpty()) {
            responder.sendError(makeError(ErrorCode::MethodNotAllowed,
                                          u"%1 is not allowed here; allowed: %2"_s.arg(
                                              QString::fromLatin1(request.method),
                                              QString::fromLatin1(match.allowed.join(", ")))));
        } else {
            responder.sendError(makeError(ErrorCode::NotFound, u"no such endpoint"_s));
        }
        return;
    }
    (*match.handler)(request, responder);
}

} // namespace confab::server
