#include "router.h"

#include <QUrl>

namespace confab::server {

namespace {

QStringList split(const QString &path)
{
    return path.split(u'/', Qt::SkipEmptyParts);
}

bool matches(const QStringList &pattern, const QStringList &path, QHash<QString, QString> *params)
{
    if (pattern.size() != path.size())
        return false;
    QHash<QString, QString> found;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QString &p = pattern[i];
        if (p.startsWith(u'{') && p.endsWith(u'}'))
            found.insert(p.mid(1, p.size() - 2), path[i]);
        else if (p != path[i])
            return false;
    }
    *params = std::move(found);
    return true;
}

} // namespace

void Router::add(const QByteArray &method, const QString &pattern, Handler handler)
{
    m_routes.push_back({ method, pattern, split(pattern), std::move(handler) });
}

Router::Match Router::match(const QByteArray &method, const QByteArray &rawPath) const
{
    Match m;
    QStringList segments;
    for (const QByteArray &raw : rawPath.split('/')) {
        if (!raw.isEmpty())
            segments.append(QUrl::fromPercentEncoding(raw));
    }
    for (const auto &route : m_routes) {
        QHash<QString, QString> params;
        if (!matches(route.segments, segments, &params))
            continue;
        if (route.method == method) {
            m.handler = &route.handler;
            m.params = std::move(params);
            m.route = route.pattern;
            m.allowed.clear();
            return m;
        }
        m.route = route.pattern;
        m.allowed.append(route.method);
    }
    return m;
}

} // namespace confab::server
