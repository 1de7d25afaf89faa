// AdminSocket: the running server's administration endpoint, a Unix-domain socket at
// DATA_DIR/admin.sock (mode 0660: the server's user and group; docs/operations.md). confab-admin
// writes one request per line, {"command": "users.disable", "args": {"user": "bob"}}, and reads
// one answer per line, {"ok": true, "result": ...} or {"ok": false, "error": {code, message}}.
// Requests run through AdminService one at a time per connection; each is logged with the
// caller's uid (SO_PEERCRED) for the audit trail. A line over 64 KiB or not JSON ends the
// connection after an error answer.
#pragma once

#include "result.h"

#include <QObject>

class QLocalServer;
class QLocalSocket;

namespace confab::server {

class AdminService;

class AdminSocket : public QObject
{
    Q_OBJECT
public:
    AdminSocket(AdminService *admin, QObject *parent = nullptr);
    ~AdminSocket() override;

    // Listens on `path` (a stale socket file from a crash is replaced: the caller holds the data
    // directory's lock, so no other server owns it).
    Result<bool> listen(const QString &path);
    void close();
    QString path() const { return m_path; }

    static constexpr qsizetype MaxLineBytes = 64 * 1024;

private:
    void onConnection();
    void readRequests(QLocalSocket *socket);
    void answer(QLocalSocket *socket, const QByteArray &line);

    AdminService *m_admin;
    QLocalServer *m_server;
    QString m_path;
};

} // namespace confab::server
