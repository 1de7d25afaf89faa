// FileActions: what the window does with files (docs/client.md, "Files").
//
//  - attach(): a file dialog; sendPaths(): files dropped or pasted; sendImage(): a pasted
//    screenshot, saved as a PNG in the account's cache first. Each file becomes an outbox item
//    (ChatClient::sendFile): it uploads with progress in the timeline, can be cancelled, resumes
//    after a reconnect or a restart, and is sent once.
//  - thumbnail(): the decoded preview of a file for the delegate, fetched once and cached.
//  - trigger(): View opens the image viewer; Open downloads into the cache (checked against the
//    SHA-256) and hands the file to the desktop; Save as… asks where, then downloads there;
//    Cancel stops an upload.
#pragma once

#include "attachment.h"
#include "types.h"

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QPointer>

class QAbstractItemView;
class QDialog;
class QLabel;
class QWidget;

namespace confab::client {

class ChatClient;

class FileActions : public QObject
{
    Q_OBJECT
public:
    FileActions(ChatClient *client, QWidget *window, QAbstractItemView *timeline,
                QString cacheDir, QObject *parent = nullptr);

    void attach(qint64 roomId);
    void sendPaths(qint64 roomId, const QStringList &paths);
    void sendImage(qint64 roomId, const QImage &image);

    const QImage *thumbnail(const QString &fileId);
    qreal downloadProgress(const QString &fileId) const { return m_progress.value(fileId, -1); }
    void trigger(const QModelIndex &index, attachment::FileAction action);

    // Where Open keeps a file: CACHE/files/FILEID/NAME (the name is the server's safe one).
    QString cachePath(const FileInfo &file) const;
    // Downloads (or finds in the cache) and then calls `done` with the local path.
    void fetch(const FileInfo &file, const QString &target,
               std::function<void(const QString &path)> done);
    QDialog *viewer() const { return m_viewer; } // the open image viewer (tests)

signals:
    void notice(const QString &text); // for the status bar: "Saved report.pdf", errors

private:
    void view(const FileInfo &file);

    ChatClient *m_client;
    QWidget *m_window;
    QAbstractItemView *m_timeline;
    QString m_cacheDir;
    QCache<QString, QImage> m_thumbs { 64 * 1024 * 1024 }; // decoded, cost: bytes
    QHash<QString, bool> m_asked; // previews asked for (or refused)
    QHash<QString, qreal> m_progress; // downloads: 0..1
    QPointer<QDialog> m_viewer;
};

} // namespace confab::client
