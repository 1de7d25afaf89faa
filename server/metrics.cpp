#include "metrics.h"

#include <QMutexLocker>

#include <cmath>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

QByteArray number(double v)
{
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::abs(v) < 1e15)
        return QByteArray::number(qint64(v));
    return QByteArray::number(v, 'g', 10);
}

QByteArray escapeLabel(const QString &v)
{
    QByteArray out;
    for (QChar c : v) {
        if (c == u'\\')
            out += "\\\\";
        else if (c == u'"')
            out += "\\\"";
        else if (c == u'\n')
            out += "\\n";
        else
            out += QString(c).toUtf8();
    }
    return out;
}

QByteArray labelSet(const QStringList &names, const QStringList &values, QByteArray extra = {})
{
    QByteArray out;
    for (qsizetype i = 0; i < names.size() && i < values.size(); ++i) {
        if (!out.isEmpty())
            out += ',';
        out += names[i].toUtf8() + "=\"" + escapeLabel(values[i]) + '"';
    }
    if (!extra.isEmpty()) {
        if (!out.isEmpty())
            out += ',';
        out += extra;
    }
    return out.isEmpty() ? QByteArray() : '{' + out + '}';
}

} // namespace

Metrics::Metrics() = default;

void Metrics::defineCounter(const QString &name, const QString &help, QStringList labels)
{
    QMutexLocker lock(&m_mutex);
    auto &f = m_families[name];
    f.kind = Family::Counter;
    f.help = help;
    f.labels = std::move(labels);
    if (f.labels.isEmpty())
        f.values[{}] = 0;
}

void Metrics::inc(const QString &name, const QStringList &labelValues, double by)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_families.find(name);
    if (it == m_families.end())
        return;
    it->second.values[labelValues] += by;
}

void Metrics::defineGauge(const QString &name, const QString &help)
{
    QMutexLocker lock(&m_mutex);
    auto &f = m_families[name];
    f.kind = Family::Gauge;
    f.help = help;
    f.values[{}] = 0;
}

void Metrics::setGauge(const QString &name, double value)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_families.find(name);
    if (it != m_families.end())
        it->second.values[{}] = value;
}

void Metrics::addGauge(const QString &name, double delta)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_families.find(name);
    if (it != m_families.end())
        it->second.values[{}] += delta;
}

void Metrics::defineComputedGauge(const QString &name, const QString &help,
                                  std::function<double()> fn)
{
    QMutexLocker lock(&m_mutex);
    auto &f = m_families[name];
    f.kind = Family::Gauge;
    f.help = help;
    f.compute = std::move(fn);
}

void Metrics::defineHistogram(const QString &name, const QString &help, std::vector<double> bounds)
{
    QMutexLocker lock(&m_mutex);
    if (m_families.contains(name))
        return; // defined by another listener's front end: keep what it counted
    auto &f = m_families[name];
    f.kind = Family::Histogram;
    f.help = help;
    f.bounds = std::move(bounds);
    f.buckets.assign(f.bounds.size() + 1, 0);
}

void Metrics::observe(const QString &name, double value, quint64 times)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_families.find(name);
    if (it == m_families.end())
        return;
    auto &f = it->second;
    size_t i = 0;
    while (i < f.bounds.size() && value > f.bounds[i])
        ++i;
    f.buckets[i] += times;
    f.sum += value * double(times);
    f.count += times;
}

double Metrics::counterValue(const QString &name, const QStringList &labelValues) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_families.find(name);
    if (it == m_families.end())
        return 0;
    const auto v = it->second.values.find(labelValues);
    return v == it->second.values.end() ? 0 : v->second;
}

double Metrics::gaugeValue(const QString &name) const
{
    std::function<double()> fn;
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_families.find(name);
        if (it == m_families.end())
            return 0;
        if (!it->second.compute) {
            const auto v = it->second.values.find({});
            return v == it->second.values.end() ? 0 : v->second;
        }
        fn = it->second.compute;
    }
    return fn();
}

quint64 Metrics::histogramCount(const QString &name) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_families.find(name);
    return it == m_families.end() ? 0 : it->second.count;
}

QByteArray Metrics::render() const
{
    // Computed gauges may take other locks: evaluate them outside ours.
    std::map<QString, std::function<double()>> computed;
    {
        QMutexLocker lock(&m_mutex);
        for (const auto &[name, f] : m_families) {
            if (f.compute)
                computed[name] = f.compute;
        }
    }
    std::map<QString, double> computedValues;
    for (const auto &[name, fn] : computed)
        computedValues[name] = fn();

    QByteArray out;
    QMutexLocker lock(&m_mutex);
    for (const auto &[name, f] : m_families) {
        const QByteArray n = name.toUtf8();
        const char *type = f.kind == Family::Counter ? "counter"
            : f.kind == Family::Gauge                ? "gauge"
                                                     : "histogram";
        out += "# HELP " + n + ' ' + f.help.toUtf8() + '\n';
        out += "# TYPE " + n + ' ' + type + '\n';
        if (f.kind == Family::Histogram) {
            quint64 cumulative = 0;
            for (size_t i = 0; i <= f.bounds.size(); ++i) {
                cumulative += f.buckets[i];
                const QByteArray le = i < f.bounds.size() ? number(f.bounds[i]) : "+Inf";
                out += n + "_bucket{le=\"" + le + "\"} " + QByteArray::number(cumulative) + '\n';
            }
            out += n + "_sum " + number(f.sum) + '\n';
            out += n + "_count " + QByteArray::number(f.count) + '\n';
            continue;
        }
        if (f.compute) {
            out += n + ' ' + number(computedValues[name]) + '\n';
            continue;
        }
        for (const auto &[labels, value] : f.values)
            out += n + labelSet(f.labels, labels) + ' ' + number(value) + '\n';
    }
    return out;
}

} // namespace confab::server
