#include "tokenstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QSaveFile>

#include <qt6keychain/keychain.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTokens, "confab.client.tokens", QtInfoMsg)

namespace confab::client {

namespace {
const QString kService = u"confab"_s;
}

TokenStore::TokenStore(QString fileDir, bool useKeychain, QObject *parent)
    : QObject(parent)
    , m_dir(std::move(fileDir))
    , m_useKeychain(useKeychain)
{
}

QString TokenStore::filePath(const QString &key) const
{
    const QByteArray name
        = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(32);
    return QDir(m_dir).filePath(QString::fromLatin1(name) + u".token"_s);
}

bool TokenStore::writeFile(const QString &key, const QString &token) const
{
    if (!QDir().mkpath(m_dir))
        return false;
    QFile::setPermissions(m_dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QSaveFile f(filePath(key));
    if (!f.open(QIODevice::WriteOnly))
        return false;
    // Restrict the temporary file before a single byte of the token is in it.
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(token.toUtf8());
    return f.commit();
}

std::optional<QString> TokenStore::readFile(const QString &key) const
{
    QFile f(filePath(key));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QString token = QString::fromUtf8(f.readAll()).trimmed();
    if (token.isEmpty())
        return std::nullopt;
    return token;
}

void TokenStore::write(const QString &key, const QString &token,
                       std::function<void(bool, Backend)> done)
{
    if (!m_useKeychain) {
        const bool ok = writeFile(key, token);
        return done(ok, Backend::File);
    }
    auto *job = new QKeychain::WritePasswordJob(kService, this);
    job->setKey(key);
    job->setTextData(token);
    connect(job, &QKeychain::Job::finished, this, [this, key, token, done](QKeychain::Job *j) {
        if (j->error() == QKeychain::NoError) {
            QFile::remove(filePath(key)); // no stale copy outside the keychain
            return done(true, Backend::Keychain);
        }
        qCInfo(lcTokens).noquote() << "no keychain (" << j->errorString()
                                   << "): keeping the token in a file only you can read";
        done(writeFile(key, token), Backend::File);
    });
    job->start();
}

void TokenStore::read(const QString &key, std::function<void(std::optional<QString>)> done)
{
    if (!m_useKeychain)
        return done(readFile(key));
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key, done](QKeychain::Job *j) {
        const auto *r = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (r->error() == QKeychain::NoError && !r->textData().isEmpty())
            return done(r->textData());
        done(readFile(key));
    });
    job->start();
}

void TokenStore::remove(const QString &key, std::function<void()> done)
{
    QFile::remove(filePath(key));
    if (!m_useKeychain) {
        if (done)
            done();
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(kService, this);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [done](QKeychain::Job *) {
        if (done)
            done();
    });
    job->start();
}

} // namespace confab::client
