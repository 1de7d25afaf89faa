// Router: method + path pattern ("/api/v1/rooms/{id}/events") → handler, with 404 vs 405.
#pragma once

#include "httpmessage.h"

#include <QByteArrayList>
#include <QStringList>

#include <functional>
#include <vector>

namespace confab::server {

class Router
{
public:
    using Handler = std::function<void(HttpRequest &request, const HttpResponder &responder)>;

    void add(const QByteArray &method, const QString &pattern, Handler handler);

    struct Match
    {
        const Handler *handler = nullptr;
        QHash<QString, QString> params;
        QString route; // pattern of the matched route
        QByteArrayList allowed; // methods allowed on the path, when only the method mismatched
    };
    // `rawPath`: as sent, still percent-encoded. It is split at '/' before each segment is
    // decoded, so a parameter may hold an encoded '/' (a reaction key "a/b" is one segment).
    Match match(const QByteArray &method, const QByteArray &rawPath) const;

private:
    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments;
        Handler handler;
    };
    std::vector<Route> m_routes;
};

} // namespace confab::server
