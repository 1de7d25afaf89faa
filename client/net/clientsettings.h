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
    // The other nodes of the cluster `server` belongs to (docs/scale.md), tried in turn when
    // it cannot be reached; empty for a single server.
    QList<QUrl> nodes = {};
    QString key() const; // "http://host:port|username": the token store's key too
    friend bool operator==(const SavedAccount &, const SavedAccount &) = default;
};

// `confab --nodes A,B`: the other nodes of `server`'s cluster. An address typed without a scheme
// speaks what the server speaks (one cluster, one setting: "10.0.0.12:7080" beside
// http://10.0.0.11:7080 is http), without a port Confab's 7080; the server itself is left out.
QList<QUrl> parseNodeList(const QString &typed, const QUrl &server);

// What the user chose in the settings dialog (docs/client.md).
struct Preferences
{
    enum class Notify { All, Mentions, None };
    enum class Theme { System, Light, Dark };
    Notify notify = Notify::All; // which messages notify while the window is not in front
    bool sounds = true; // a sound with each notification
    Theme theme = Theme::System;
    int fontPointSize = 0; // 0: the system's size
    bool closeToTray = false; // closing the window keeps Confab running in the tray
    QString language; // "de", "en", …; empty: the system's locale
    friend bool operator==(const Preferences &, const Preferences &) = default;
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

    Preferences preferences() const;
    void setPreferences(const Preferences &preferences);
    // Reaction keys the user used, newest first (at most 8).
    QStringList recentReactions() const;
    void rememberReaction(const QString &key);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindow(const QByteArray &geometry, const QByteArray &state);

    void sync() { m_settings->sync(); }

private:
    void writeAccounts(const QList<SavedAccount> &list);

    std::unique_ptr<QSettings> m_settings;
};

} // namespace confab::client
