// The cluster's tag on what nodes leave in Redis (docs/security.md, "Redis"): an HMAC
// (libsodium's crypto_auth, HMAC-SHA-512-256) with the cluster key kept in the shared database,
// in front of the JSON. Redis is not trusted: whoever reaches it can delay or drop what nodes
// put there, not make a node believe something no node wrote.
#pragma once

#include <QByteArray>

#include <sodium.h>

#include <optional>

namespace confab::server::seal {

inline bool usableKey(const QByteArray &key)
{
    return key.size() == crypto_auth_KEYBYTES;
}

// The tag, then `json`. Without a usable key the tag is zeros (and no node accepts it).
inline QByteArray sealed(const QByteArray &key, const QByteArray &json)
{
    QByteArray out(crypto_auth_BYTES, '\0');
    if (usableKey(key))
        crypto_auth(reinterpret_cast<unsigned char *>(out.data()),
                    reinterpret_cast<const unsigned char *>(json.constData()),
                    quint64(json.size()), reinterpret_cast<const unsigned char *>(key.constData()));
    return out + json;
}

// The JSON of a sealed message if its tag is the cluster's, else nullopt.
inline std::optional<QByteArray> opened(const QByteArray &key, const QByteArray &message)
{
    if (!usableKey(key) || message.size() <= crypto_auth_BYTES
        || crypto_auth_verify(reinterpret_cast<const unsigned char *>(message.constData()),
                              reinterpret_cast<const unsigned char *>(message.constData())
                                  + crypto_auth_BYTES,
                              quint64(message.size() - crypto_auth_BYTES),
                              reinterpret_cast<const unsigned char *>(key.constData()))
            != 0)
        return std::nullopt;
    return message.mid(crypto_auth_BYTES);
}

} // namespace confab::server::seal
