// W3C trace context and the spans Confab records (docs/operations.md, "Tracing"). A span is a
// plain value: recording one is filling this struct, exporting it is SpanExporter's business.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QVariant>

namespace confab::otlp {

struct TraceContext
{
    QByteArray traceId; // 16 bytes
    QByteArray spanId; // 8 bytes

    bool isValid() const { return traceId.size() == 16 && spanId.size() == 8; }
    // "00-<32 hex>-<16 hex>-<2 hex>" (version 00; all-zero ids are invalid); invalid otherwise.
    static TraceContext parse(QStringView traceparent);
    static TraceContext newRoot(); // a new trace
    TraceContext child() const; // the same trace, a new span id (a new root when invalid)
    QString traceparent() const; // sampled ("-01")
};

// Nanoseconds since the Unix epoch (what OTLP's timestamps are).
qint64 nowNs();

enum class SpanKind { Internal = 1, Server = 2, Client = 3 };

struct Span
{
    QByteArray traceId, spanId, parentSpanId; // raw bytes; parent empty for a root
    QString name;
    SpanKind kind = SpanKind::Internal;
    qint64 startNs = 0, endNs = 0;
    QList<QPair<QString, QVariant>> attributes; // string, bool, integer or double values
    bool error = false;
    QString statusMessage;

    // A span for `context` (its ids), under `parent` (its span id; none when invalid).
    static Span of(const TraceContext &context, const TraceContext &parent, QString name,
                   SpanKind kind, qint64 startNs);
};

// One OTLP/HTTP JSON request body (ExportTraceServiceRequest) for `spans` of `service`.
QByteArray encodeOtlpJson(const QList<Span> &spans, const QString &service,
                          const QString &version);

} // namespace confab::otlp
