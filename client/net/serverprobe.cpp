#include "serverprobe.h"

#include "jsonreader.h"
#include "protocollimits.h"

#include <QNetworkReply>

using namespace Qt::StringLiterals;

namespace confab::client {

ServerProbe::ServerProbe(QUrl server, QObject *parent)
    : QObject(parent)
    , m_server(std::move(server))
{
}

void ServerProbe::probe()
{
    QUrl url = m_server;
    url.setPath(u"/healthz"_s);
    QNetworkRequest request(url);
    request.setTransferTimeout(5000);
    QNetworkReply *reply = m_nam.get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (reply->error() != QNetworkReply::NoError)
            return emit unreachable(reply->errorString());
        auto object = parseJsonObject(reply->readAll(), limits::HttpBodyBytesMax);
        if (!object)
            return emit unreachable(u"not a Confab server: "_s + object.error().message);
        JsonReader r(*object);
        const QString version = r.text(u"version", { 1, 64, TextKind::Line });
        const int protocol = int(r.integer(u"protocol", 1, 1000));
        if (!r.ok())
            return emit unreachable(u"not a Confab server: "_s + r.error().message);
        emit reachable(version, protocol);
    });
}

} // namespace confab::client
