// LoginLimiter: attempts are limited per key (a username, a client address) within a sliding
// window. After `maxAttempts` counted attempts within `window`, further attempts for that key
// are refused until the oldest leaves the window.
//
// An attempt counts from the moment it begins, not when its outcome is known: a password check
// takes tens of milliseconds on the thread pool, and counting only finished failures let 30
// parallel guesses all through (each saw the record before any had failed). begin() reserves a
// place for every key of the attempt at once; end() turns it into a recorded attempt (when
// `keep` is true) or gives it back.
//
// Logins keep failures only (a success clears the username's record); registrations keep every
// attempt of an address.
#pragma once

#include "servercontext.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <deque>

namespace confab::server {

class LoginLimiter
{
public:
    LoginLimiter(Clock clock, int maxAttempts = 5, qint64 windowMs = 15 * 60 * 1000);

    // Reserves a place for each key; 0 when the attempt may proceed, else the seconds until one
    // may (and nothing is reserved).
    int begin(const QStringList &keys);
    // The attempt is over: `keep` records it for each key, else its places are given back.
    void end(const QStringList &keys, bool keep);
    // Forgets a key's record (a successful login clears its username's failures).
    void clear(const QString &key);

    // Keys as the services use them.
    static QString userKey(const QString &username) { return QStringLiteral("u:") + username; }
    static QString addressKey(const QString &address) { return QStringLiteral("a:") + address; }

private:
    struct Record
    {
        std::deque<qint64> times; // recorded attempts, oldest first
        int inFlight = 0; // begun, not yet ended
    };
    int retryAfter(const QString &key);
    Clock m_clock;
    int m_maxAttempts;
    qint64 m_windowMs;
    QHash<QString, Record> m_records;
};

} // namespace confab::server
