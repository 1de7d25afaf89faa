#include "composer.h"

#include "icons.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QCompleter>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QImage>
#include <QMimeData>
#include <QRegularExpression>
#include <QStandardItemModel>
#include <QEvent>
#include <QKeyEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextBlock>
#include <QToolButton>
#include <QWidgetAction>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

// The text field. While the mention list is open, QCompleter first offers each key to the field
// and picks a name only with the keys the field leaves alone: Enter, Tab and Escape are left.
class ComposerEdit : public QPlainTextEdit
{
public:
    ComposerEdit(Composer *composer)
        : QPlainTextEdit(composer)
        , m_composer(composer)
    {
    }

protected:
    // A pasted screenshot or copied files are shared, not turned into text.
    bool canInsertFromMimeData(const QMimeData *source) const override
    {
        return source->hasImage() || hasLocalFiles(source)
            || QPlainTextEdit::canInsertFromMimeData(source);
    }
    void insertFromMimeData(const QMimeData *source) override
    {
        if (!m_composer->shareFrom(source))
            QPlainTextEdit::insertFromMimeData(source);
    }
    void dragEnterEvent(QDragEnterEvent *event) override
    {
        if (hasLocalFiles(event->mimeData()))
            return event->acceptProposedAction();
        QPlainTextEdit::dragEnterEvent(event);
    }
    void dragMoveEvent(QDragMoveEvent *event) override
    {
        if (hasLocalFiles(event->mimeData()))
            return event->acceptProposedAction();
        QPlainTextEdit::dragMoveEvent(event);
    }
    void dropEvent(QDropEvent *event) override
    {
        if (hasLocalFiles(event->mimeData()) && m_composer->shareFrom(event->mimeData()))
            return event->acceptProposedAction();
        QPlainTextEdit::dropEvent(event);
    }
    static bool hasLocalFiles(const QMimeData *mime)
    {
        if (!mime->hasUrls())
            return false;
        for (const QUrl &url : mime->urls()) {
            if (!url.isLocalFile())
                return false;
        }
        return true;
    }

private:
    Composer *m_composer;

protected:
    void keyPressEvent(QKeyEvent *event) override
    {
        const auto *completer = parent() ? parent()->findChild<QCompleter *>() : nullptr;
        if (completer && completer->popup()->isVisible()) {
            switch (event->key()) {
            case Qt::Key_Return:
            case Qt::Key_Enter:
            case Qt::Key_Tab:
            case Qt::Key_Backtab:
            case Qt::Key_Escape:
                event->ignore();
                return;
            default:
                break;
            }
        }
        QPlainTextEdit::keyPressEvent(event);
    }
};

} // namespace

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_edit(new ComposerEdit(this))
    , m_emoji(new QToolButton(this))
    , m_attach(new QToolButton(this))
    , m_send(new QPushButton(tr("Send"), this))
    , m_emojiMenu(new QMenu(this))
    , m_completer(new QCompleter(this))
    , m_mentionModel(new QStandardItemModel(this))
{
    // "@" then part of a name: a list of the room's members to pick from (Enter or a click).
    m_completer->setModel(m_mentionModel);
    m_completer->setCompletionRole(Qt::UserRole); // matches usernames; the list shows names
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchStartsWith);
    m_completer->setWidget(m_edit);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->popup()->setAccessibleName(tr("People to mention"));
    connect(m_completer, qOverload<const QModelIndex &>(&QCompleter::activated), this,
            [this](const QModelIndex &index) { insertMention(index.data(Qt::UserRole).toString()); });
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(6, 4, 6, 6);
    row->setSpacing(6);
    m_edit->setAccessibleName(tr("Message composer"));
    m_edit->setAccessibleDescription(
        tr("Enter sends, Shift+Enter starts a new line, Up edits your last message"));
    m_edit->setPlaceholderText(tr("Write a message…"));
    m_edit->setToolTip(
        tr("Enter sends · Shift+Enter new line · Up edits your last message"));
    m_edit->setTabChangesFocus(true);
    m_edit->document()->setDocumentMargin(4);
    m_edit->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_edit->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_edit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    m_emoji->setIcon(emojiIcon(palette().color(QPalette::ButtonText)));
    m_emoji->setIconSize(QSize(20, 20));
    m_emoji->setAccessibleName(tr("Insert emoji"));
    m_emoji->setToolTip(tr("Insert emoji"));
    m_emoji->setPopupMode(QToolButton::InstantPopup);
    m_emoji->setMenu(m_emojiMenu);
    m_emoji->setAutoRaise(true);
    m_emoji->setStyleSheet(u"QToolButton::menu-indicator { image: none; width: 0; }"_s);
    // The picker is built when first opened: its colour font loads only if someone uses it.
    connect(m_emojiMenu, &QMenu::aboutToShow, this, [this] {
        if (m_emojiMenu->isEmpty())
            buildEmojiMenu();
    });

    m_attach->setIcon(attachIcon(palette().color(QPalette::ButtonText)));
    m_attach->setIconSize(QSize(20, 20));
    m_attach->setAccessibleName(tr("Attach files"));
    m_attach->setToolTip(tr("Attach files (or drop them here, or paste an image)"));
    m_attach->setAutoRaise(true);
    connect(m_attach, &QToolButton::clicked, this, &Composer::attachRequested);

    m_send->setAccessibleName(tr("Send message"));
    m_send->setToolTip(tr("Send (Enter)"));
    m_send->setEnabled(false);
    m_send->setDefault(false);
    m_send->setAutoDefault(false);

    row->addWidget(m_attach, 0, Qt::AlignBottom);
    row->addWidget(m_edit, 1, Qt::AlignBottom);
    row->addWidget(m_emoji, 0, Qt::AlignBottom);
    row->addWidget(m_send, 0, Qt::AlignBottom);

    connect(m_send, &QPushButton::clicked, this, &Composer::sendRequested);
    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        m_send->setEnabled(!m_edit->toPlainText().trimmed().isEmpty());
        fitHeight();
        offerMentions();
    });
    connect(m_edit->document()->documentLayout(),
            &QAbstractTextDocumentLayout::documentSizeChanged, this, &Composer::fitHeight);
    fitHeight();
}

bool Composer::shareFrom(const QMimeData *mime)
{
    if (mime->hasUrls()) {
        QStringList paths;
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile())
                paths << url.toLocalFile();
        }
        if (!paths.isEmpty()) {
            emit filesChosen(paths);
            return true;
        }
    }
    if (mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        if (!image.isNull()) {
            emit imagePasted(image);
            return true;
        }
    }
    return false;
}

QString Composer::emojiFontFamily()
{
    return u"Noto Color Emoji"_s; // Debian: fonts-noto-color-emoji (packaging/deps.sh)
}

QStringList Composer::emojis()
{
    return { u"😀"_s, u"😄"_s, u"😂"_s, u"🙂"_s, u"😉"_s, u"😍"_s, u"🤔"_s, u"😮"_s,
             u"😢"_s, u"😡"_s, u"😴"_s, u"🙃"_s, u"👍"_s, u"👎"_s, u"👏"_s, u"🙏"_s,
             u"💪"_s, u"👋"_s, u"👀"_s, u"🤝"_s, u"❤️"_s, u"🔥"_s, u"✅"_s, u"❌"_s,
             u"⚠️"_s, u"🎉"_s, u"🚀"_s, u"💡"_s, u"🐛"_s, u"☕"_s, u"🍕"_s, u"⏰"_s };
}

void Composer::buildEmojiMenu()
{
    auto *grid = new QWidget(m_emojiMenu);
    auto *layout = new QGridLayout(grid);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(2);
    layout->setSizeConstraint(QLayout::SetFixedSize);
    QFont font = m_edit->font();
    font.setFamilies({ emojiFontFamily(), font.family() });
    font.setPointSizeF(font.pointSizeF() * 1.6);
    const int cell = QFontMetrics(font).height() + 10;
    const QStringList list = emojis();
    for (int i = 0; i < list.size(); ++i) {
        auto *b = new QToolButton(grid);
        b->setText(list[i]);
        b->setFont(font);
        b->setAutoRaise(true);
        b->setFixedSize(cell, cell);
        b->setAccessibleName(tr("Emoji %1").arg(list[i]));
        connect(b, &QToolButton::clicked, this, [this, e = list[i]] {
            m_emojiMenu->close();
            insertEmoji(e);
        });
        layout->addWidget(b, i / 8, i % 8);
    }
    auto *action = new QWidgetAction(m_emojiMenu);
    action->setDefaultWidget(grid);
    m_emojiMenu->addAction(action);
}

void Composer::setMentionCandidates(const QList<std::pair<QString, QString>> &usernameAndName)
{
    m_mentionModel->clear();
    for (const auto &[username, name] : usernameAndName) {
        const QString shown
            = name.isEmpty() || name == username ? QString(u"@"_s + username)
                                                 : QString(name + u"  @"_s + username);
        auto *item = new QStandardItem(shown);
        item->setData(username, Qt::UserRole); // QStandardItem keeps one text for Edit and Display
        m_mentionModel->appendRow(item);
    }
}

bool Composer::isCompleting() const
{
    return m_completer->popup()->isVisible();
}

void Composer::offerMentions()
{
    // The word the cursor ends: "@" and at most 32 name characters, at a word's start.
    QTextCursor cursor = m_edit->textCursor();
    const QString before = cursor.block().text().left(cursor.positionInBlock());
    static const QRegularExpression typing(u"(?:^|[^\\p{L}\\p{N}_.@-])@([A-Za-z0-9._-]{0,32})$"_s);
    const QRegularExpressionMatch m = typing.match(before);
    if (!m.hasMatch() || m_mentionModel->rowCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->setCompletionPrefix(m.captured(1));
    if (m_completer->completionCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    QRect rect = m_edit->cursorRect();
    rect.setWidth(std::max(220, m_completer->popup()->sizeHintForColumn(0) + 24));
    m_completer->complete(rect);
    // Enter takes the first match at once; the arrows move from there.
    m_completer->popup()->setCurrentIndex(m_completer->completionModel()->index(0, 0));
}

void Composer::insertMention(const QString &username)
{
    QTextCursor cursor = m_edit->textCursor();
    const QString before = cursor.block().text().left(cursor.positionInBlock());
    const qsizetype at = before.lastIndexOf(u'@');
    if (at < 0)
        return;
    cursor.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor, int(before.size() - at));
    cursor.insertText(u"@"_s + username + u' ');
    m_edit->setTextCursor(cursor);
    m_completer->popup()->hide();
}

void Composer::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) { // theme switched
        m_emoji->setIcon(emojiIcon(palette().color(QPalette::ButtonText)));
        m_attach->setIcon(attachIcon(palette().color(QPalette::ButtonText)));
    }
    QWidget::changeEvent(event);
}

void Composer::insertEmoji(const QString &emoji)
{
    m_edit->insertPlainText(emoji);
    m_edit->setFocus();
}

int Composer::visibleLines() const
{
    const int line = m_edit->fontMetrics().lineSpacing();
    const int chrome = m_edit->height() - m_edit->viewport()->height()
        + 2 * int(m_edit->document()->documentMargin());
    return std::max(1, (m_edit->height() - chrome + line / 2) / line);
}

void Composer::fitHeight()
{
    // QPlainTextDocumentLayout measures the document in lines (wrapped lines included).
    const int lines = std::clamp(int(m_edit->document()->documentLayout()->documentSize().height()),
                                 1, MaxLines);
    const int line = m_edit->fontMetrics().lineSpacing();
    const int frame = 2 * m_edit->frameWidth();
    const int margins = 2 * int(m_edit->document()->documentMargin());
    const int h = lines * line + frame + margins + m_edit->contentsMargins().top()
        + m_edit->contentsMargins().bottom();
    if (m_edit->height() != h || m_edit->minimumHeight() != h)
        m_edit->setFixedHeight(h);
}

} // namespace confab::client
