// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
// exposition format (version 0.0.4). Thread-safe: the storage writer updates from its thread.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace confab::server {

class Metrics
{
public:
    Metrics();

    // Counters: `labels` are the label names; `inc` takes their values in the same order.
    void defineCounter(const QString &name, const QString &help, QStringList labels = {});
    void inc(const QString &name, const QStringList &labelValues = {}, double by = 1);

    // Gauges: set directly or computed on scrape.
    void defineGauge(const QString &name, const QString &help);
    void setGauge(const QString &name, double value);
    void addGauge(const QString &name, double delta);
    void defineComputedGauge(const QString &name, const QString &help, std::function<double()> fn);

    // Histograms: cumulative buckets with the given upper bounds.
    void defineHistogram(const QString &name, const QString &help, std::vector<double> bounds);
    void observe(const QString &name, double value, quint64 times = 1);

    double counterValue(const QString &name, const QStringList &labelValues = {}) const;
    double gaugeValue(const QString &name) const;
    quint64 histogramCount(const QString &name) const;

    QByteArray render() const;

private:
    struct Family
    {
        enum Kind { Counter, Gauge, Histogram } kind;
        QString help;
        QStringList labels;
        std::map<QStringList, double> values; // counters and gauges
        std::function<double()> compute;
        std::vector<double> bounds;
        std::vector<quint64> buckets; // non-cumulative counts per bound, plus +Inf
        double sum = 0;
        quint64 count = 0;
    };
    mutable QMutex m_mutex;
    std::map<QString, Family> m_families;
};

} // namespace confab::server
