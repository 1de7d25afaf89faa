// PasswordHasher: argon2id through libsodium (crypto_pwhash_str), always off the event loop so
// that a login never stalls the realtime hub. Verification is libsodium's constant-time check.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace confab::server {

class PasswordHasher : public QObject
{
    Q_OBJECT
public:
    enum class Cost { Interactive, Minimal }; // Minimal: tests only (--password-cost=minimal)

    explicit PasswordHasher(Cost cost = Cost::Interactive, QObject *parent = nullptr);

    // Called once per hash or verification started (the server counts them for /metrics).
    void setWorkStarted(std::function<void()> fn) { m_workStarted = std::move(fn); }

    // `done` runs on `context`'s thread; skipped if `context` is gone.
    void hash(const QString &password, QObject *context,
              std::function<void(const QByteArray &encoded)> done);
    // An empty `encoded` still costs a full verification (against a decoy) and fails, so an
    // unknown username takes as long as a wrong password.
    void verify(const QString &password, const QByteArray &encoded, QObject *context,
                std::function<void(bool ok)> done);

    QByteArray hashBlocking(const QString &password) const;

    // Hashes and verifications queued or running. Callers refuse new work (503) while busy():
    // each costs tens of milliseconds of a core and 64 MiB, and nothing else bounds the queue.
    int inFlight() const { return m_inFlight; }
    bool busy() const { return m_inFlight >= m_maxInFlight; }
    void setMaxInFlight(int n) { m_maxInFlight = n; }

private:
    unsigned long long m_ops;
    size_t m_mem;
    QByteArray m_decoy;
    std::function<void()> m_workStarted;
    int m_inFlight = 0; // this object's thread only
    int m_maxInFlight = 8;
};

} // namespace confab::server
