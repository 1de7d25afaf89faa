#include "spanexporter.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace confab::otlp {

// Lives on the exporter's thread: a timer, the network, one request at a time.
class ExportWorker : public QObject
{
    Q_OBJECT
public:
    explicit ExportWorker(SpanExporter *owner) : m_owner(owner) { }

public slots:
    void start()
    {
        m_nam = new QNetworkAccessManager(this);
        auto *timer = new QTimer(this);
        connect(timer, &QTimer::timeout, this, &ExportWorker::drain);
        timer->start(m_owner->m_options.intervalMs);
    }

    void drain()
    {
        if (m_busy)
            return;
        const QList<Span> batch = m_owner->take(m_owner->m_options.maxBatch);
        if (batch.isEmpty())
            return;
        m_busy = true;
        QNetworkRequest req(m_owner->m_options.endpoint);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        req.setTransferTimeout(m_owner->m_options.timeoutMs);
        QNetworkReply *reply = m_nam->post(
            req,
            encodeOtlpJson(batch, m_owner->m_options.service, m_owner->m_options.version));
        const quint64 n = quint64(batch.size());
        connect(reply, &QNetworkReply::finished, this, [this, reply, n] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300)
                m_owner->countExported(n);
            else
                m_owner->countDropped(n);
            m_busy = false;
            m_owner->m_inFlight.fetch_sub(int(n));
            drain(); // a full batch may be waiting
        });
    }

private:
    SpanExporter *m_owner;
    QNetworkAccessManager *m_nam = nullptr;
    bool m_busy = false;
};

SpanExporter::SpanExporter(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_thread(new QThread)
    , m_worker(new ExportWorker(this))
{
    m_thread->setObjectName(u"otlp-export"_s);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::started, m_worker, &ExportWorker::start);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

SpanExporter::~SpanExporter()
{
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

void SpanExporter::record(Span span)
{
    bool full = false;
    bool batchReady = false;
    {
        QMutexLocker lock(&m_mutex);
        if (m_queue.size() >= m_options.maxQueued) {
            full = true;
        } else {
            m_queue.append(std::move(span));
            batchReady = m_queue.size() == m_options.maxBatch;
        }
    }
    if (full)
        return countDropped(1);
    if (batchReady) // once per batch, not per span
        QMetaObject::invokeMethod(m_worker, &ExportWorker::drain, Qt::QueuedConnection);
}

QList<Span> SpanExporter::take(int max)
{
    QMutexLocker lock(&m_mutex);
    const qsizetype n = std::min<qsizetype>(max, m_queue.size());
    QList<Span> out(std::make_move_iterator(m_queue.begin()),
                    std::make_move_iterator(m_queue.begin() + n));
    m_queue.remove(0, n);
    m_inFlight.fetch_add(int(n));
    return out;
}

void SpanExporter::countDropped(quint64 n)
{
    m_dropped += n;
    if (m_onDropped)
        m_onDropped(n);
}

bool SpanExporter::flush(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        bool empty;
        {
            QMutexLocker lock(&m_mutex);
            empty = m_queue.isEmpty();
        }
        if (empty && m_inFlight.load() == 0)
            return true;
        QMetaObject::invokeMethod(m_worker, &ExportWorker::drain, Qt::QueuedConnection);
        QThread::msleep(10);
    }
    return false;
}

} // namespace confab::otlp

#include "spanexporter.moc"
