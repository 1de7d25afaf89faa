// SpanExporter: sends spans to an OpenTelemetry collector as OTLP/HTTP JSON
// (POST <endpoint>, e.g. http://collector:4318/v1/traces), batched, from a thread of its own.
//
// record() is what the hot path calls: it takes a mutex for an append and never waits for the
// network. The queue is bounded (maxQueued): when the collector is slow or away, new spans are
// dropped and counted (dropped(), and onDropped for a metric), never buffered without end. A
// batch the collector refuses or that times out is dropped and counted the same way; there is
// no retry, so a dead collector costs one request per interval.
#pragma once

#include "tracecontext.h"

#include <QMutex>
#include <QObject>
#include <QUrl>

#include <atomic>
#include <functional>

class QThread;

namespace confab::otlp {

class ExportWorker;

class SpanExporter : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QUrl endpoint;
        QString service;
        QString version;
        int maxQueued = 4096;
        int maxBatch = 512;
        int intervalMs = 1000;
        int timeoutMs = 5000;
    };

    explicit SpanExporter(Options options, QObject *parent = nullptr);
    ~SpanExporter() override;

    // Any thread. Drops (and counts) the span when the queue is full.
    void record(Span span);
    // Called (from any thread) with the number of spans just dropped.
    void setOnDropped(std::function<void(quint64)> fn) { m_onDropped = std::move(fn); }

    quint64 exported() const { return m_exported.load(); }
    quint64 dropped() const { return m_dropped.load(); }
    // Sends what is queued now and waits (at most timeoutMs) until the collector answered. It
    // blocks the calling thread: for shutdown, with the collector in another process.
    bool flush(int timeoutMs = 5000);

private:
    friend class ExportWorker;
    QList<Span> take(int max);
    void countDropped(quint64 n);
    void countExported(quint64 n) { m_exported += n; }

    const Options m_options;
    QMutex m_mutex;
    QList<Span> m_queue;
    std::atomic<quint64> m_exported { 0 };
    std::atomic<quint64> m_dropped { 0 };
    std::atomic<int> m_inFlight { 0 };
    std::function<void(quint64)> m_onDropped;
    QThread *m_thread;
    ExportWorker *m_worker;
};

} // namespace confab::otlp
