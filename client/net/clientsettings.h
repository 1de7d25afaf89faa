// ClientSettings: what the client remembers between runs (QSettings, INI format): servers used
// or found, accounts (never passwords or tokens: those live in the TokenStore), the account used
// last, and per account the last room and muted rooms. Window geometry is kept here as opaque
// bytes so this layer stays free of widgets.
#pragma once

#include <QSet>
#include <QSettings>
#include <QUrl>

#include <optional>

namespace confab::client {

struct SavedAccount
{
    QUrl server;
    QString username;
    qint64 userId = 0;
    qint64 lastUsedMs = 0;
    QString key() const; // "http://host:port|username": the token store's key too
    friend bool operator==(const SavedAccount &, const SavedAccount &) = default;
};

class ClientSettings
{
public:
    // `path` empty: the platform's default location for the application.
    explicit ClientSettings(const QString &path = {});

    QList<QUrl> servers() const; // most recently used first
    void rememberServer(const QUrl &server);

    QList<SavedAccount> accounts() const; // most recently used first
    void rememberAccount(const SavedAccount &account); // also becomes the last used one
    void forgetAccount(const QString &key);
    std::optional<SavedAccount> lastAccount() const;

    qint64 lastRoom(const QString &accountKey) const;
    void setLastRoom(const QString &accountKey, qint64 roomId);
    QSet<qint64> mutedRooms(const QString &accountKey) const;
    void setMuted(const QString &accountKey, qint64 roomId, bool muted);

    // The certificate fingerprint trusted for a server (host and port; docs/security.md), empty
    // when none has been trusted yet.
    QString pinnedFingerprint(const QUrl &server) const;
    void setPinnedFingerprint(const QUrl &server, const QString &fingerprint);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray &geometry, const QByteArray &state);

    void sync() { m_settings->sync(); }

private:
    void writeAccounts(const QList<SavedAccount> &list);

    std::unique_ptr<QSettings> m_settings;
};

} // namespace confab::client
