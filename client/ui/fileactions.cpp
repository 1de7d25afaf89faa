#include "fileactions.h"

#include "chatclient.h"
#include "messagelistmodel.h"

#include <QAbstractItemView>
#include <QDateTime>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QStandardPaths>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

std::optional<FileInfo> fileOf(const QModelIndex &index)
{
    const auto f = FileInfo::fromJson(index.data(MessageListModel::FileRole).toJsonObject());
    return f ? std::optional<FileInfo>(*f) : std::nullopt;
}

} // namespace

FileActions::FileActions(ChatClient *client, QWidget *window, QAbstractItemView *timeline,
                         QString cacheDir, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_window(window)
    , m_timeline(timeline)
    , m_cacheDir(std::move(cacheDir))
{
    connect(&m_client->files(), &FileTransfers::downloadProgress, this,
            [this](const QString &fileId, qint64 received, qint64 total) {
                m_progress.insert(fileId, total > 0 ? qreal(received) / qreal(total) : 0);
                m_timeline->viewport()->update();
            });
}

QString FileActions::cachePath(const FileInfo &file) const
{
    return m_cacheDir + u"/files/"_s + file.fileId + u'/' + safeFileName(file.name);
}

void FileActions::attach(qint64 roomId)
{
    // Documents when there is such a folder (else the dialog offers its name as a file name).
    QString start = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (!QFileInfo(start).isDir())
        start = QDir::homePath();
    const QStringList paths = QFileDialog::getOpenFileNames(m_window, tr("Share files"), start);
    sendPaths(roomId, paths);
}

void FileActions::sendPaths(qint64 roomId, const QStringList &paths)
{
    for (const QString &path : paths) {
        if (const auto item = m_client->sendFile(roomId, path); !item)
            emit notice(tr("%1 cannot be shared: %2").arg(QFileInfo(path).fileName(),
                                                           item.error().message));
    }
}

void FileActions::sendImage(qint64 roomId, const QImage &image)
{
    // A file first (the outbox keeps a path, so the upload survives a restart).
    const QString dir = m_cacheDir + u"/pasted"_s;
    QDir().mkpath(dir);
    const QString path = dir + u'/'
        + tr("Pasted image %1.png")
              .arg(QDateTime::currentDateTime().toString(u"yyyy-MM-dd hh.mm.ss.zzz"_s));
    if (!image.save(path, "PNG"))
        return emit notice(tr("The pasted image could not be saved to %1").arg(dir));
    sendPaths(roomId, { path });
}

const QImage *FileActions::thumbnail(const QString &fileId)
{
    if (const QImage *image = m_thumbs.object(fileId))
        return image;
    if (m_asked.contains(fileId))
        return nullptr;
    m_asked.insert(fileId, true);
    m_client->files().thumbnail(fileId, [this, fileId](Result<QByteArray> r) {
        if (!r) {
            // Asked again later (a reconnect, a scroll) unless the server has none.
            if (r.error().code != ErrorCode::FileNotFound)
                m_asked.remove(fileId);
            return;
        }
        QImage image = QImage::fromData(*r);
        if (image.isNull())
            return;
        const qsizetype cost = image.sizeInBytes();
        m_thumbs.insert(fileId, new QImage(std::move(image)), cost);
        m_timeline->viewport()->update();
    });
    return nullptr;
}

void FileActions::fetch(const FileInfo &file, const QString &target,
                        std::function<void(const QString &)> done)
{
    if (QFileInfo(target).size() == file.size && QFileInfo::exists(target)) {
        // Kept from before: the same bytes (the cache is named by the file's id).
        return done(target);
    }
    QDir().mkpath(QFileInfo(target).absolutePath());
    m_progress.insert(file.fileId, 0);
    m_client->files().download(file, target, [this, file, done](Result<QString> r) {
        m_progress.remove(file.fileId);
        m_timeline->viewport()->update();
        if (!r)
            return emit notice(tr("%1 could not be downloaded: %2").arg(file.name, r.error().message));
        done(*r);
    });
}

void FileActions::trigger(const QModelIndex &index, attachment::FileAction action)
{
    if (action == attachment::FileAction::Cancel) {
        m_client->cancelFile(index.data(MessageListModel::LocalIdRole).toLongLong());
        return;
    }
    const auto file = fileOf(index);
    if (!file)
        return;
    switch (action) {
    case attachment::FileAction::View:
        return view(*file);
    case attachment::FileAction::Open:
        return fetch(*file, cachePath(*file), [](const QString &path) {
            QDesktopServices::openUrl(QUrl::fromLocalFile(path));
        });
    case attachment::FileAction::SaveAs: {
        const QString suggested
            = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation) + u'/'
            + safeFileName(file->name);
        const QString target = QFileDialog::getSaveFileName(m_window, tr("Save file"), suggested);
        if (target.isEmpty())
            return;
        return fetch(*file, target, [this, file](const QString &path) {
            emit notice(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
        });
    }
    case attachment::FileAction::Cancel:
        break;
    }
}

void FileActions::view(const FileInfo &file)
{
    auto *dialog = new QDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(file.name); // plain text: a window title is never HTML
    auto *layout = new QVBoxLayout(dialog);
    auto *area = new QScrollArea(dialog);
    auto *picture = new QLabel(dialog);
    picture->setTextFormat(Qt::PlainText);
    picture->setAlignment(Qt::AlignCenter);
    picture->setText(tr("Loading %1…").arg(file.name));
    picture->setObjectName(u"viewerImage"_s);
    area->setWidget(picture);
    area->setWidgetResizable(true);
    area->setAlignment(Qt::AlignCenter);
    layout->addWidget(area, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    auto *save = buttons->addButton(tr("Save as…"), QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    connect(save, &QPushButton::clicked, this, [this, file] {
        const QString suggested = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation)
            + u'/' + safeFileName(file.name);
        const QString target = QFileDialog::getSaveFileName(m_window, tr("Save file"), suggested);
        if (!target.isEmpty())
            fetch(file, target, [this](const QString &path) {
                emit notice(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
            });
    });
    layout->addWidget(buttons);
    const QSize shown = QSize(file.width, file.height).scaled(1000, 700, Qt::KeepAspectRatio);
    dialog->resize(shown.boundedTo(QSize(file.width, file.height)).expandedTo(QSize(320, 240))
                   + QSize(40, 80));
    m_viewer = dialog;
    dialog->show();
    // The full image, fetched into the cache (verified), then shown fitted to the window.
    QPointer<QLabel> target(picture);
    fetch(file, cachePath(file), [target, file](const QString &path) {
        if (!target)
            return;
        QImageReader reader(path);
        reader.setAutoTransform(true);
        const QImage image = reader.read();
        if (image.isNull()) {
            target->setText(QObject::tr("%1 cannot be shown: %2").arg(file.name, reader.errorString()));
            return;
        }
        const QSize room = target->size().expandedTo(QSize(320, 240));
        target->setPixmap(QPixmap::fromImage(
            image.size().width() > room.width() || image.size().height() > room.height()
                ? image.scaled(room, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                : image));
    });
}

} // namespace confab::client
