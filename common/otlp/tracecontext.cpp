#include "tracecontext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include <chrono>

using namespace Qt::StringLiterals;

namespace confab::otlp {

namespace {

QByteArray randomId(int bytes)
{
    QByteArray b(bytes, Qt::Uninitialized);
    do {
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(b.data()), bytes / 4);
    } while (b.count('\0') == bytes);
    return b;
}

bool isLowerHex(QStringView s)
{
    for (QChar c : s) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

QJsonObject anyValue(const QVariant &v)
{
    switch (v.metaType().id()) {
    case QMetaType::Bool:
        return { { u"boolValue"_s, v.toBool() } };
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
        // int64 travels as a decimal string in OTLP's JSON mapping
        return { { u"intValue"_s, QString::number(v.toLongLong()) } };
    case QMetaType::Double:
        return { { u"doubleValue"_s, v.toDouble() } };
    default:
        return { { u"stringValue"_s, v.toString() } };
    }
}

QJsonArray attributesJson(const QList<QPair<QString, QVariant>> &attributes)
{
    QJsonArray out;
    for (const auto &[key, value] : attributes)
        out.append(QJsonObject { { u"key"_s, key }, { u"value"_s, anyValue(value) } });
    return out;
}

} // namespace

TraceContext TraceContext::parse(QStringView tp)
{
    // version-traceid-parentid-flags
    if (tp.size() != 55 || tp[2] != u'-' || tp[35] != u'-' || tp[52] != u'-'
        || !tp.startsWith(u"00"))
        return {};
    const QStringView trace = tp.mid(3, 32);
    const QStringView span = tp.mid(36, 16);
    if (!isLowerHex(trace) || !isLowerHex(span) || !isLowerHex(tp.mid(53, 2)))
        return {};
    TraceContext c { QByteArray::fromHex(trace.toLatin1()), QByteArray::fromHex(span.toLatin1()) };
    if (c.traceId.count('\0') == 16 || c.spanId.count('\0') == 8)
        return {};
    return c;
}

TraceContext TraceContext::newRoot()
{
    return { randomId(16), randomId(8) };
}

TraceContext TraceContext::child() const
{
    if (!isValid())
        return newRoot();
    return { traceId, randomId(8) };
}

QString TraceContext::traceparent() const
{
    return u"00-"_s + QString::fromLatin1(traceId.toHex()) + u'-'
        + QString::fromLatin1(spanId.toHex()) + u"-01"_s;
}

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Span Span::of(const TraceContext &context, const TraceContext &parent, QString name,
              SpanKind kind, qint64 startNs)
{
    Span s;
    s.traceId = context.traceId;
    s.spanId = context.spanId;
    if (parent.isValid() && parent.traceId == context.traceId)
        s.parentSpanId = parent.spanId;
    s.name = std::move(name);
    s.kind = kind;
    s.startNs = startNs;
    return s;
}

QByteArray encodeOtlpJson(const QList<Span> &spans, const QString &service,
                          const QString &version)
{
    QJsonArray list;
    for (const Span &s : spans) {
        QJsonObject o { { u"traceId"_s, QString::fromLatin1(s.traceId.toHex()) },
                        { u"spanId"_s, QString::fromLatin1(s.spanId.toHex()) },
                        { u"name"_s, s.name },
                        { u"kind"_s, int(s.kind) },
                        { u"startTimeUnixNano"_s, QString::number(s.startNs) },
                        { u"endTimeUnixNano"_s, QString::number(s.endNs) } };
        if (!s.parentSpanId.isEmpty())
            o.insert(u"parentSpanId"_s, QString::fromLatin1(s.parentSpanId.toHex()));
        if (!s.attributes.isEmpty())
            o.insert(u"attributes"_s, attributesJson(s.attributes));
        if (s.error) {
            QJsonObject status { { u"code"_s, 2 } };
            if (!s.statusMessage.isEmpty())
                status.insert(u"message"_s, s.statusMessage);
            o.insert(u"status"_s, status);
        }
        list.append(o);
    }
    const QJsonObject resource {
        { u"attributes"_s,
          attributesJson({ { u"service.name"_s, service }, { u"service.version"_s, version } }) }
    };
    const QJsonObject body { { u"resourceSpans"_s,
                               QJsonArray { QJsonObject {
                                   { u"resource"_s, resource },
                                   { u"scopeSpans"_s,
                                     QJsonArray { QJsonObject {
                                         { u"scope"_s,
                                           QJsonObject { { u"name"_s, u"confab"_s },
                                                         { u"version"_s, version } } },
                                         { u"spans"_s, list } } } } } } } };
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace confab::otlp
