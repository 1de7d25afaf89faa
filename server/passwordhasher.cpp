#include "passwordhasher.h"

#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>

#include <sodium.h>

namespace confab::server {

PasswordHasher::PasswordHasher(Cost cost, QObject *parent)
    : QObject(parent)
{
    if (sodium_init() < 0)
        qFatal("libsodium failed to initialise");
    m_ops = cost == Cost::Interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE
                                      : crypto_pwhash_OPSLIMIT_MIN;
    m_mem = cost == Cost::Interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE
                                      : crypto_pwhash_MEMLIMIT_MIN;
    m_decoy = hashBlocking(QStringLiteral("decoy password nobody has"));
}

QByteArray PasswordHasher::hashBlocking(const QString &password) const
{
    const QByteArray utf8 = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, utf8.constData(), quint64(utf8.size()), m_ops, m_mem) != 0)
        return {};
    return QByteArray(out);
}

void PasswordHasher::hash(const QString &password, QObject *context,
                          std::function<void(const QByteArray &)> done)
{
    QPointer<QObject> guard(context);
    ++m_inFlight;
    if (m_workStarted)
        m_workStarted();
    QThreadPool::globalInstance()->start([this, password, guard, done] {
        const QByteArray encoded = hashBlocking(password);
        // Hop to this object's thread; only there is `guard` checked.
        QMetaObject::invokeMethod(
            this,
            [this, guard, done, encoded] {
                --m_inFlight;
                if (guard)
                    done(encoded);
            },
            Qt::QueuedConnection);
    });
}

void PasswordHasher::verify(const QString &password, const QByteArray &encoded, QObject *context,
                            std::function<void(bool)> done)
{
    QPointer<QObject> guard(context);
    const QByteArray target = encoded.isEmpty() ? m_decoy : encoded;
    const bool real = !encoded.isEmpty();
    ++m_inFlight;
    if (m_workStarted)
        m_workStarted();
    QThreadPool::globalInstance()->start([this, password, target, real, guard, done] {
        const QByteArray utf8 = password.toUtf8();
        const bool ok = real
            && crypto_pwhash_str_verify(target.constData(), utf8.constData(), quint64(utf8.size()))
                == 0;
        if (!real) [[maybe_unused]]
            const int decoy = crypto_pwhash_str_verify(target.constData(), utf8.constData(),
                                                       quint64(utf8.size()));
        QMetaObject::invokeMethod(
            this,
            [this, guard, done, ok] {
                --m_inFlight;
                if (guard)
                    done(ok);
            },
            Qt::QueuedConnection);
    });
}

} // namespace confab::server
