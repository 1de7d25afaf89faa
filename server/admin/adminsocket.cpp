#include "adminsocket.h"

#include "adminservice.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QPointer>

#include <sys/socket.h>
#include <sys/stat.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcAdmin, "confab.admin", QtInfoMsg)

namespace confab::server {

namespace {

QByteArray errorLine(const Error &e)
{
    return QJsonDocument(QJsonObject { { u"ok"_s, false }, { u"error"_s, e.toJson() } })
               .toJson(QJsonDocument::Compact)
        + '\n';
}

qint64 peerUid(QLocalSocket *socket)
{
    struct ucred cred = {};
    socklen_t len = sizeof cred;
    if (::getsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return -1;
    return cred.uid;
}

} // namespace

AdminSocket::AdminSocket(AdminService *admin, QObject *parent)
    : QObject(parent)
    , m_admin(admin)
    , m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption | QLocalServer::GroupAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &AdminSocket::onConnection);
}

AdminSocket::~AdminSocket()
{
    close();
}

Result<bool> AdminSocket::listen(const QString &path)
{
    QLocalServer::removeServer(path);
    if (!m_server->listen(path))
        return makeError(ErrorCode::Unavailable, u"cannot listen on the admin socket %1: %2"_s.arg(
                                                     path, m_server->errorString()));
    m_path = path;
    // Read and write for the server's user and group, nobody else (Qt's option leaves 0770).
    ::chmod(QFile::encodeName(path).constData(), 0660);
    qCInfo(lcAdmin).noquote() << "admin socket" << path;
    return true;
}

void AdminSocket::close()
{
    if (!m_server->isListening())
        return;
    m_server->close(); // removes the socket file
    QFile::remove(m_path);
}

void AdminSocket::onConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { readRequests(socket); });
        socket->setProperty("confabUid", peerUid(socket));
        readRequests(socket);
    }
}

void AdminSocket::readRequests(QLocalSocket *socket)
{
    // One request at a time: the next line is read once this one is answered.
    if (socket->property("confabBusy").toBool())
        return;
    if (!socket->canReadLine()) {
        if (socket->bytesAvailable() > MaxLineBytes) {
            socket->write(errorLine(makeError(ErrorCode::PayloadTooLarge,
                                              u"a request is one line of at most 64 KiB"_s)));
            socket->disconnectFromServer();
        }
        return;
    }
    const QByteArray line = socket->readLine(MaxLineBytes + 1);
    if (!line.endsWith('\n')) {
        socket->write(errorLine(
            makeError(ErrorCode::PayloadTooLarge, u"a request is one line of at most 64 KiB"_s)));
        socket->disconnectFromServer();
        return;
    }
    answer(socket, line);
}

void AdminSocket::answer(QLocalSocket *socket, const QByteArray &line)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    const QJsonObject request = doc.object();
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()
        || !request.value(u"command"_s).isString()
        || (request.contains(u"args"_s) && !request.value(u"args"_s).isObject())) {
        socket->write(errorLine(makeError(ErrorCode::InvalidJson,
                                          u"expected {\"command\": \"...\", \"args\": {...}}"_s)));
        socket->disconnectFromServer();
        return;
    }
    const QString command = request.value(u"command"_s).toString();
    // The audit trail: who asked for what (arguments but passwords).
    QJsonObject logged = request.value(u"args"_s).toObject();
    if (logged.contains(u"password"_s))
        logged.insert(u"password"_s, u"(given)"_s);
    qCInfo(lcAdmin).noquote() << "uid" << socket->property("confabUid").toLongLong() << "runs"
                              << command.left(64)
                              << QJsonDocument(logged).toJson(QJsonDocument::Compact);
    socket->setProperty("confabBusy", true);
    QPointer<QLocalSocket> guard(socket);
    m_admin->run(command, request.value(u"args"_s).toObject(),
                 [this, guard, command](Result<QJsonValue> r) {
                     if (!guard)
                         return;
                     if (!r) {
                         qCInfo(lcAdmin).noquote() << command.left(64) << "refused:"
                                                   << r.error().message;
                         guard->write(errorLine(r.error()));
                     } else {
                         guard->write(QJsonDocument(QJsonObject { { u"ok"_s, true },
                                                                  { u"result"_s, r.value() } })
                                          .toJson(QJsonDocument::Compact)
                                      + '\n');
                     }
                     guard->setProperty("confabBusy", false);
                     readRequests(guard); // a pipelined next request
                 });
}

} // namespace confab::server
