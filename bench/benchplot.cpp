#include "benchplot.h"

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace confab::bench {

int plotFanout(const QString &in, const QString &out)
{
    QFile f(in);
    if (!f.open(QIODevice::ReadOnly))
        return 2;
    const QJsonArray steps
        = QJsonDocument::fromJson(f.readAll()).object()[u"fanout"_s][u"steps"_s].toArray();
    QImage img(900, 520, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area(80, 40, 780, 400);
    // Latency on a log scale: the steps that meet the targets (a few ms) and the one past the
    // knee (a second) both stay readable.
    double maxX = 1, minY = 1e9, maxY = 1;
    for (const auto &s : steps) {
        maxX = std::max(maxX, s[u"deliveriesPerSecond"_s].toDouble());
        maxY = std::max(maxY, s[u"p99"_s].toDouble());
        if (s[u"p50"_s].toDouble() > 0)
            minY = std::min(minY, s[u"p50"_s].toDouble());
    }
    maxX *= 1.1;
    const int lowDecade = int(std::floor(std::log10(std::min(minY, 1.0))));
    const int highDecade = std::max(lowDecade + 1, int(std::ceil(std::log10(maxY * 1.05))));
    const auto yOf = [&](double ms) {
        const double v = std::log10(std::max(ms, std::pow(10.0, lowDecade)));
        return area.bottom() - area.height() * (v - lowDecade) / (highDecade - lowDecade);
    };
    p.setPen(Qt::black);
    p.drawRect(area);
    p.drawText(QRectF(0, 5, 900, 30), Qt::AlignCenter,
               u"confab fan-out: send→deliver latency against delivery rate (log scale)"_s);
    for (int i = 0; i <= 5; ++i) {
        const double x = area.left() + area.width() * i / 5;
        p.setPen(QColor(220, 220, 220));
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        p.setPen(Qt::black);
        p.drawText(QRectF(x - 50, area.bottom() + 4, 100, 20), Qt::AlignCenter,
                   QString::number(maxX * i / 5 / 1000, 'f', 0) + u"k"_s);
    }
    for (int d = lowDecade; d <= highDecade; ++d) {
        const double ms = std::pow(10.0, d);
        const double y = yOf(ms);
        p.setPen(QColor(220, 220, 220));
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        p.setPen(Qt::black);
        p.drawText(QRectF(0, y - 10, area.left() - 6, 20), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(ms, 'f', d < 0 ? -d : 0) + u" ms"_s);
    }
    for (double target : { 10.0, 50.0 }) { // the p99 targets
        if (target > std::pow(10.0, highDecade))
            continue;
        const double y = yOf(target);
        p.setPen(QPen(QColor(150, 150, 150), 1, Qt::DashLine));
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        p.drawText(QRectF(area.right() - 120, y - 18, 116, 16), Qt::AlignRight,
                   u"p99 target %1 ms"_s.arg(target));
    }
    p.setPen(Qt::black);
    p.drawText(QRectF(area.left(), area.bottom() + 26, area.width(), 20), Qt::AlignCenter,
               u"deliveries per second"_s);
    const auto series = [&](const QString &key, QColor color, const QString &label, int row) {
        QPainterPath path;
        for (int i = 0; i < steps.size(); ++i) {
            const QPointF pt(
                area.left() + area.width() * steps[i][u"deliveriesPerSecond"_s].toDouble() / maxX,
                yOf(steps[i][key].toDouble()));
            i ? path.lineTo(pt) : path.moveTo(pt);
            p.setPen(Qt::NoPen);
            p.setBrush(color);
            p.drawEllipse(pt, 3.5, 3.5);
        }
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(color, 2));
        p.drawPath(path);
        p.drawLine(QPointF(area.left() + 20, area.top() + 20 + row * 20),
                   QPointF(area.left() + 50, area.top() + 20 + row * 20));
        p.setPen(Qt::black);
        p.drawText(QPointF(area.left() + 58, area.top() + 25 + row * 20), label);
    };
    series(u"p50"_s, QColor(40, 110, 200), u"p50"_s, 0);
    series(u"p99"_s, QColor(210, 60, 50), u"p99"_s, 1);
    p.end();
    return img.save(out) ? 0 : 2;
}

} // namespace confab::bench
