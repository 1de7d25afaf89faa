#include "clientsettings.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

QString accountGroup(const QString &key)
{
    // QSettings keys may not contain '/' or '\\': hex keeps any URL and username safe.
    return u"account-"_s + QString::fromLatin1(key.toUtf8().toHex());
}

constexpr int MaxServers = 20;

} // namespace

QString SavedAccount::key() const
{
    return server.adjusted(QUrl::StripTrailingSlash | QUrl::RemovePath).toString() + u'|'
        + username;
}

ClientSettings::ClientSettings(const QString &path)
    : m_settings(path.isEmpty() ? std::make_unique<QSettings>()
                                : std::make_unique<QSettings>(path, QSettings::IniFormat))
{
}

QList<QUrl> ClientSettings::servers() const
{
    QList<QUrl> out;
    const QStringList list = m_settings->value(u"servers"_s).toStringList();
    for (const QString &s : list) {
        const QUrl url(s);
        if (url.isValid() && !url.host().isEmpty())
            out.append(url);
    }
    return out;
}

namespace {
QString pinKey(const QUrl &server)
{
    // Per host and port, not scheme: a server that drops TLS must not lose its pin.
    return u"trust/"_s + server.host().toLower() + u'_' + QString::number(server.port(7080));
}
} // namespace

QString ClientSettings::pinnedFingerprint(const QUrl &server) const
{
    return m_settings->value(pinKey(server)).toString();
}

void ClientSettings::setPinnedFingerprint(const QUrl &server, const QString &fingerprint)
{
    m_settings->setValue(pinKey(server), fingerprint);
    m_settings->sync();
}

void ClientSettings::rememberServer(const QUrl &server)
{
    const QString s = server.adjusted(QUrl::StripTrailingSlash | QUrl::RemovePath).toString();
    QStringList list = m_settings->value(u"servers"_s).toStringList();
    list.removeAll(s);
    list.prepend(s);
    while (list.size() > MaxServers)
        list.removeLast();
    m_settings->setValue(u"servers"_s, list);
}

QList<QUrl> parseNodeList(const QString &typed, const QUrl &server)
{
    QList<QUrl> out;
    for (QString t : typed.split(u',', Qt::SkipEmptyParts)) {
        t = t.trimmed();
        if (t.isEmpty())
            continue;
        if (!t.contains(u"://"_s))
            t.prepend(server.scheme() + u"://"_s);
        QUrl url(t);
        if (url.port() == -1)
            url.setPort(7080);
        url = url.adjusted(QUrl::StripTrailingSlash);
        if (url.isValid() && !url.host().isEmpty() && url != server && !out.contains(url))
            out.append(url);
    }
    return out;
}

QList<SavedAccount> ClientSettings::accounts() const
{
    QList<SavedAccount> out;
    const QJsonArray array
        = QJsonDocument::fromJson(m_settings->value(u"accounts"_s).toByteArray()).array();
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        SavedAccount a { QUrl(o.value(u"server"_s).toString()), o.value(u"username"_s).toString(),
                         o.value(u"userId"_s).toInteger(), o.value(u"lastUsedMs"_s).toInteger() };
        for (const QJsonValue &n : o.value(u"nodes"_s).toArray())
            if (const QUrl node(n.toString()); node.isValid() && !node.host().isEmpty())
                a.nodes.append(node);
        if (a.server.isValid() && !a.username.isEmpty())
            out.append(a);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto &a, const auto &b) { return a.lastUsedMs > b.lastUsedMs; });
    return out;
}

void ClientSettings::rememberAccount(const SavedAccount &account)
{
    QList<SavedAccount> list = accounts();
    list.removeIf([&](const SavedAccount &a) { return a.key() == account.key(); });
    SavedAccount a = account;
    a.lastUsedMs = std::max(QDateTime::currentMSecsSinceEpoch(),
                            list.isEmpty() ? 0 : list.first().lastUsedMs + 1);
    list.prepend(a);
    writeAccounts(list);
    rememberServer(account.server);
}

void ClientSettings::writeAccounts(const QList<SavedAccount> &list)
{
    QJsonArray array;
    for (const SavedAccount &s : std::as_const(list)) {
        QJsonObject o { { u"server"_s, s.server.toString() },
                        { u"username"_s, s.username },
                        { u"userId"_s, s.userId },
                        { u"lastUsedMs"_s, s.lastUsedMs } };
        if (!s.nodes.isEmpty()) {
            QJsonArray nodes;
            for (const QUrl &n : s.nodes)
                nodes.append(n.toString());
            o.insert(u"nodes"_s, nodes);
        }
        array.append(o);
    }
    m_settings->setValue(u"accounts"_s, QJsonDocument(array).toJson(QJsonDocument::Compact));
}

void ClientSettings::forgetAccount(const QString &key)
{
    QList<SavedAccount> list = accounts();
    list.removeIf([&](const SavedAccount &a) { return a.key() == key; });
    writeAccounts(list);
    m_settings->remove(accountGroup(key));
}

std::optional<SavedAccount> ClientSettings::lastAccount() const
{
    const auto list = accounts();
    if (list.isEmpty())
        return std::nullopt;
    return list.first();
}

qint64 ClientSettings::lastRoom(const QString &accountKey) const
{
    return m_settings->value(accountGroup(accountKey) + u"/lastRoom"_s).toLongLong();
}

void ClientSettings::setLastRoom(const QString &accountKey, qint64 roomId)
{
    m_settings->setValue(accountGroup(accountKey) + u"/lastRoom"_s, roomId);
}

QSet<qint64> ClientSettings::mutedRooms(const QString &accountKey) const
{
    QSet<qint64> out;
    const QStringList list
        = m_settings->value(accountGroup(accountKey) + u"/muted"_s).toStringList();
    for (const QString &s : list)
        out.insert(s.toLongLong());
    return out;
}

void ClientSettings::setMuted(const QString &accountKey, qint64 roomId, bool muted)
{
    QSet<qint64> set = mutedRooms(accountKey);
    muted ? void(set.insert(roomId)) : void(set.remove(roomId));
    QStringList list;
    for (qint64 id : std::as_const(set))
        list.append(QString::number(id));
    list.sort();
    m_settings->setValue(accountGroup(accountKey) + u"/muted"_s, list);
}

QStringList ClientSettings::recentReactions() const
{
    return m_settings->value(u"preferences/recentReactions"_s).toStringList();
}

void ClientSettings::rememberReaction(const QString &key)
{
    QStringList recent = recentReactions();
    recent.removeAll(key);
    recent.prepend(key);
    m_settings->setValue(u"preferences/recentReactions"_s, recent.mid(0, 8));
}

Preferences ClientSettings::preferences() const
{
    Preferences p;
    const QString notify = m_settings->value(u"preferences/notify"_s).toString();
    p.notify = notify == u"mentions" ? Preferences::Notify::Mentions
        : notify == u"none"          ? Preferences::Notify::None
                                     : Preferences::Notify::All;
    p.sounds = m_settings->value(u"preferences/sounds"_s, true).toBool();
    const QString theme = m_settings->value(u"preferences/theme"_s).toString();
    p.theme = theme == u"light" ? Preferences::Theme::Light
        : theme == u"dark"      ? Preferences::Theme::Dark
                                : Preferences::Theme::System;
    p.fontPointSize = std::clamp(m_settings->value(u"preferences/fontPointSize"_s, 0).toInt(), 0, 32);
    p.closeToTray = m_settings->value(u"preferences/closeToTray"_s, false).toBool();
    p.language = m_settings->value(u"preferences/language"_s).toString().left(16);
    return p;
}

void ClientSettings::setPreferences(const Preferences &p)
{
    const char *notify[] = { "all", "mentions", "none" };
    const char *theme[] = { "system", "light", "dark" };
    m_settings->setValue(u"preferences/notify"_s, QString::fromLatin1(notify[int(p.notify)]));
    m_settings->setValue(u"preferences/sounds"_s, p.sounds);
    m_settings->setValue(u"preferences/theme"_s, QString::fromLatin1(theme[int(p.theme)]));
    m_settings->setValue(u"preferences/fontPointSize"_s, p.fontPointSize);
    m_settings->setValue(u"preferences/closeToTray"_s, p.closeToTray);
    m_settings->setValue(u"preferences/language"_s, p.language);
}

QByteArray ClientSettings::windowGeometry() const
{
    return m_settings->value(u"window/geometry"_s).toByteArray();
}

QByteArray ClientSettings::windowState() const
{
    return m_settings->value(u"window/state"_s).toByteArray();
}

void ClientSettings::setWindow(const QByteArray &geometry, const QByteArray &state)
{
    m_settings->setValue(u"window/geometry"_s, geometry);
    m_settings->setValue(u"window/state"_s, state);
}

} // namespace confab::client
