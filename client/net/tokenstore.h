// TokenStore: where session tokens live between runs.
//
// First choice is the OS keychain through QtKeychain (Secret Service / KWallet on Linux). When
// no keychain service answers (a bare window manager, a headless box), tokens go to a file per
// account readable only by the user (0600, in a 0700 directory), and the store says which one it
// used so the UI can tell the user. Reads try the keychain, then the file.
#pragma once

#include <QObject>

#include <functional>
#include <optional>

namespace confab::client {

class TokenStore : public QObject
{
    Q_OBJECT
public:
    enum class Backend { Keychain, File };
    Q_ENUM(Backend)

    // `fileDir`: the fallback's directory. `useKeychain` false: the file only (tests, or
    // the user's choice).
    TokenStore(QString fileDir, bool useKeychain = true, QObject *parent = nullptr);

    void write(const QString &key, const QString &token,
               std::function<void(bool ok, Backend where)> done);
    void read(const QString &key, std::function<void(std::optional<QString> token)> done);
    void remove(const QString &key, std::function<void()> done = {});

    QString filePath(const QString &key) const;

private:
    bool writeFile(const QString &key, const QString &token) const;
    std::optional<QString> readFile(const QString &key) const;

    QString m_dir;
    bool m_useKeychain;
};

} // namespace confab::client
