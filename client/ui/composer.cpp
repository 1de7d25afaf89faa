#include "composer.h"

#include "icons.h"

#include <QAbstractTextDocumentLayout>
#include <QEvent>
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

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_edit(new QPlainTextEdit(this))
    , m_emoji(new QToolButton(this))
    , m_send(new QPushButton(tr("Send"), this))
    , m_emojiMenu(new QMenu(this))
{
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

    m_send->setAccessibleName(tr("Send message"));
    m_send->setToolTip(tr("Send (Enter)"));
    m_send->setEnabled(false);
    m_send->setDefault(false);
    m_send->setAutoDefault(false);

    row->addWidget(m_edit, 1, Qt::AlignBottom);
    row->addWidget(m_emoji, 0, Qt::AlignBottom);
    row->addWidget(m_send, 0, Qt::AlignBottom);

    connect(m_send, &QPushButton::clicked, this, &Composer::sendRequested);
    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        m_send->setEnabled(!m_edit->toPlainText().trimmed().isEmpty());
        fitHeight();
    });
    connect(m_edit->document()->documentLayout(),
            &QAbstractTextDocumentLayout::documentSizeChanged, this, &Composer::fitHeight);
    fitHeight();
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

void Composer::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        m_emoji->setIcon(emojiIcon(palette().color(QPalette::ButtonText))); // theme switched
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
