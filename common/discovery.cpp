#include "discovery.h"

#include "jsonreader.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace confab::discovery {

QByteArray encodeQuery()
{
    QByteArray q = QJsonDocument(QJsonObject { { u"type"_s, u"confab.discover"_s },
                                               { u"v"_s, 1 },
                                               { u"pad"_s, QString() } })
                       .toJson(QJsonDocument::Compact);
    // Fill the "pad" string so the datagram is exactly QueryBytes long.
    const qsizetype at = q.indexOf("\"pad\":\"") + 7;
    q.insert(at, QByteArray(QueryBytes - q.size(), '.'));
    return q;
}

bool isQuery(QByteArrayView datagram)
{
    if (datagram.size() < QueryBytes)
        return false;
    const auto o = parseJsonObject(datagram, QueryBytes * 4);
    return o && o->value(u"type"_s).toString() == u"confab.discover"
        && o->value(u"v"_s).toInteger() == 1;
}

bool isFingerprint(const QString &s)
{
    if (s.size() != 32 * 3 - 1)
        return false;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char16_t c = s.at(i).unicode();
        const bool ok = i % 3 == 2 ? c == u':'
                                   : (c >= u'0' && c <= u'9') || (c >= u'A' && c <= u'F');
        if (!ok)
            return false;
    }
    return true;
}

QByteArray encodeAnnouncement(const Announcement &a)
{
    QJsonObject o { { u"type"_s, u"confab.server"_s },
                    { u"v"_s, 1 },
                    { u"name"_s, leftCodePoints(a.name, NameMax) },
                    { u"port"_s, a.port },
                    { u"version"_s, a.version },
                    { u"protocol"_s, a.protocol },
                    { u"tls"_s, a.tls } };
    if (a.tls && isFingerprint(a.fingerprint))
        o.insert(u"fingerprint"_s, a.fingerprint);
    if (!a.cluster.isEmpty())
        o.insert(u"cluster"_s, a.cluster);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<Announcement> parseAnnouncement(QByteArrayView datagram)
{
    const auto o = parseJsonObject(datagram, QueryBytes);
    if (!o)
        return o.error();
    JsonReader r(*o);
    Announcement a;
    r.oneOf(u"type", { u"confab.server" });
    r.integer(u"v", 1, 1);
    a.name = r.text(u"name", { 1, NameMax, TextKind::Line });
    a.port = quint16(r.integer(u"port", 1, 65535));
    a.version = r.text(u"version", { 1, 32, TextKind::Line });
    a.protocol = int(r.integer(u"protocol", 1, 1000));
    a.tls = r.optionalBoolean(u"tls").value_or(false); // absent: a server from before TLS
    a.fingerprint = r.optionalText(u"fingerprint", { 95, 95, TextKind::Line }).value_or(QString());
    a.cluster = r.optionalText(u"cluster", { 1, 32, TextKind::Line }).value_or(QString());
    if (!r.ok())
        return r.error();
    for (const QChar c : std::as_const(a.cluster)) {
        if (!(c.isDigit() || (c >= u'a' && c <= u'z')))
            return makeError(ErrorCode::InvalidValue, u"cluster is not a cluster id"_s,
                             u"cluster"_s);
    }
    if (!a.fingerprint.isEmpty() && (!a.tls || !isFingerprint(a.fingerprint)))
        return makeError(ErrorCode::InvalidValue, u"fingerprint is not a SHA-256 fingerprint"_s,
                         u"fingerprint"_s);
    return a;
}

} // namespace confab::discovery
