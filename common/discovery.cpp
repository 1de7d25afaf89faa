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

QByteArray encodeAnnouncement(const Announcement &a)
{
    return QJsonDocument(QJsonObject { { u"type"_s, u"confab.server"_s },
                                       { u"v"_s, 1 },
                                       { u"name"_s, leftCodePoints(a.name, NameMax) },
                                       { u"port"_s, a.port },
                                       { u"version"_s, a.version },
                                       { u"protocol"_s, a.protocol } })
        .toJson(QJsonDocument::Compact);
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
    if (!r.ok())
        return r.error();
    return a;
}

} // namespace confab::discovery
