#include "diagnosticsdialog.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

RoundTripPlot::RoundTripPlot(QWidget *parent)
    : QWidget(parent)
{
    setMinimumSize(240, 100);
    setAccessibleName(tr("Round-trip latency plot"));
}

void RoundTripPlot::setSamples(const QList<Diagnostics::Sample> &samples)
{
    m_samples = samples;
    update();
}

void RoundTripPlot::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QFontMetrics fm(font());
    const QRectF area
        = QRectF(rect()).adjusted(fm.horizontalAdvance(u"0000 ms"_s) + 6, 6, -6, -fm.height() - 4);
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(area);
    if (m_samples.isEmpty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(area, Qt::AlignCenter, tr("No round trips measured yet"));
        return;
    }
    qint64 maxMs = 10;
    for (const auto &s : m_samples)
        maxMs = std::max(maxMs, s.rttMs);
    maxMs = qint64(std::ceil(maxMs * 1.2 / 10.0) * 10);
    const qint64 t1 = m_samples.last().atMs;
    const qint64 t0 = std::min(m_samples.first().atMs, t1 - 60'000);
    const auto point = [&](const Diagnostics::Sample &s) {
        const double x = area.left() + area.width() * double(s.atMs - t0) / double(t1 - t0);
        const double y = area.bottom() - area.height() * double(s.rttMs) / double(maxMs);
        return QPointF(x, y);
    };
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRectF(0, area.top() - fm.height() / 2.0, area.left() - 4, fm.height()),
               Qt::AlignRight, u"%1 ms"_s.arg(maxMs));
    p.drawText(QRectF(0, area.bottom() - fm.height() / 2.0, area.left() - 4, fm.height()),
               Qt::AlignRight, u"0"_s);
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), fm.height()), Qt::AlignLeft,
               tr("%1 s ago").arg((t1 - t0) / 1000));
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), fm.height()), Qt::AlignRight,
               tr("now"));
    // WebSocket pings as a line in the highlight colour, HTTP requests as dots.
    QPainterPath line;
    bool first = true;
    for (const auto &s : m_samples) {
        if (!s.webSocket)
            continue;
        first ? line.moveTo(point(s)) : line.lineTo(point(s));
        first = false;
    }
    p.setPen(QPen(pal.color(QPalette::Highlight), 2));
    p.drawPath(line);
    p.setPen(Qt::NoPen);
    p.setBrush(pal.color(QPalette::Text));
    for (const auto &s : m_samples) {
        if (!s.webSocket)
            p.drawEllipse(point(s), 2, 2);
    }
}

DiagnosticsDialog::DiagnosticsDialog(ChatClient *client, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_plot(new RoundTripPlot(this))
    , m_figures(new QLabel(this))
{
    setWindowTitle(tr("Connection diagnostics"));
    m_figures->setTextFormat(Qt::PlainText);
    m_figures->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    auto *legend = new QLabel(tr("Line: WebSocket ping round trips. Dots: HTTP requests."), this);
    auto *box = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_plot, 1);
    layout->addWidget(legend);
    layout->addWidget(m_figures);
    layout->addWidget(box);
    m_refresh.setInterval(1000);
    connect(&m_refresh, &QTimer::timeout, this, &DiagnosticsDialog::refresh);
    m_refresh.start();
    m_ping.setInterval(2000);
    connect(&m_ping, &QTimer::timeout, this, [this] { m_client->realtime().ping(); });
    m_ping.start();
    m_client->realtime().ping();
    refresh();
}

QString DiagnosticsDialog::figuresText() const
{
    return m_figures->text();
}

void DiagnosticsDialog::refresh()
{
    const Diagnostics d = m_client->diagnostics();
    const ConnectionState s = m_client->connectionState();
    m_plot->setSamples(d.roundTrips);
    QStringList lines;
    lines
        << tr("Connection: %1 (transport: %2)").arg(ConnectionState::modeName(s.mode), d.transport);
    lines << tr("Last round trip: %1")
                 .arg(s.roundTripMs < 0 ? tr("none yet") : tr("%1 ms").arg(s.roundTripMs));
    lines << tr("Reconnects: %1").arg(d.reconnects);
    lines << tr("Retries: %1").arg(d.retries);
    lines << tr("HTTP requests: %1, failed: %2").arg(d.httpRequests).arg(d.httpErrors);
    lines << tr("Circuit breaker: %1, state changes: %2")
                 .arg(CircuitBreaker::stateName(s.breaker))
                 .arg(d.breakerChangeCount);
    for (qsizetype i = std::max<qsizetype>(0, d.breakerChanges.size() - 3);
         i < d.breakerChanges.size(); ++i) {
        const auto &c = d.breakerChanges[i];
        lines << u"    "_s
                + QLocale().toString(QDateTime::fromMSecsSinceEpoch(c.atMs).time(),
                                     QLocale::LongFormat)
                + u"  "_s + CircuitBreaker::stateName(c.from) + u" → "_s
                + CircuitBreaker::stateName(c.to);
    }
    const qint64 lookups = d.cacheHits + d.cacheMisses;
    lines << tr("Local cache: %1 hits, %2 misses%3")
                 .arg(d.cacheHits)
                 .arg(d.cacheMisses)
                 .arg(lookups ? tr(" (%1% hits)").arg(100 * d.cacheHits / lookups) : QString());
    lines << tr("Messages waiting in the outbox: %n", nullptr, int(m_client->outbox().all().size()));
    m_figures->setText(lines.join(u'\n'));
}

} // namespace confab::client
