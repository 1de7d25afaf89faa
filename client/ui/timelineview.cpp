#include "timelineview.h"

#include "messagedelegate.h"
#include "messagelistmodel.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace confab::client {

TimelineView::TimelineView(QWidget *parent)
    : QListView(parent)
    , m_jump(new QToolButton(this))
{
    setAccessibleName(tr("Messages"));
    setAccessibleDescription(tr("The conversation, oldest at the top. Double-click a message "
                                "to select part of its text."));
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setResizeMode(QListView::Adjust);
    setUniformItemSizes(false);
    setWordWrap(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_Hover);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setFrameShape(QFrame::NoFrame);

    m_jump->setText(tr("↓ Jump to latest"));
    m_jump->setAccessibleName(tr("Jump to latest message"));
    m_jump->setToolTip(tr("Show the newest messages (Ctrl+End)"));
    m_jump->setCursor(Qt::PointingHandCursor);
    m_jump->setAutoRaise(false);
    m_jump->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_jump->hide();
    connect(m_jump, &QToolButton::clicked, this, &TimelineView::jumpToLatestRequested);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this,
            &TimelineView::updateJumpButton);
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this,
            &TimelineView::updateJumpButton);
}

void TimelineView::setMessageDelegate(MessageDelegate *delegate)
{
    m_delegate = delegate;
    setItemDelegate(delegate);
}

bool TimelineView::isNearBottom() const
{
    const QScrollBar *bar = verticalScrollBar();
    return bar->maximum() - bar->value() <= viewport()->height() / 2;
}

void TimelineView::updateJumpButton()
{
    const auto *timeline = qobject_cast<MessageListModel *>(model());
    const bool show = timeline && timeline->rowCount() > 0
        && (!isNearBottom() || !timeline->atLive());
    if (show == m_jump->isVisible())
        return;
    m_jump->setVisible(show);
    if (show) {
        placeJumpButton();
        m_jump->raise();
    }
}

void TimelineView::placeJumpButton()
{
    m_jump->adjustSize();
    const QRect area = viewport()->geometry();
    m_jump->move(area.right() - m_jump->width() - 16, area.bottom() - m_jump->height() - 12);
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QListView::resizeEvent(event);
    placeJumpButton();
    updateJumpButton();
}

void TimelineView::rowsInserted(const QModelIndex &parent, int start, int end)
{
    QListView::rowsInserted(parent, start, end);
    updateJumpButton();
}

void TimelineView::paintEvent(QPaintEvent *event)
{
    QListView::paintEvent(event);
    const auto *timeline = qobject_cast<MessageListModel *>(model());
    if (!timeline || timeline->rowCount() > 0 || !timeline->reachedStart())
        return;
    QPainter p(viewport());
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(viewport()->rect().adjusted(24, 24, -24, -24), Qt::AlignCenter | Qt::TextWordWrap,
               tr("No messages yet. Say hello!"));
}

QString TimelineView::selectedText() const
{
    QModelIndexList rows = selectionModel() ? selectionModel()->selectedRows() : QModelIndexList();
    if (rows.isEmpty() && currentIndex().isValid())
        rows.append(currentIndex());
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    if (rows.size() == 1 || !m_delegate)
        return rows.isEmpty() ? QString() : rows.first().data(MessageListModel::BodyRole).toString();
    QStringList lines;
    for (const QModelIndex &i : std::as_const(rows)) {
        //: Copied messages, one per line: [time] sender: text
        lines << tr("[%1] %2: %3")
                     .arg(m_delegate->timeText(i), m_delegate->senderName(i),
                          m_delegate->bodyText(i));
    }
    return lines.join(u'\n');
}

void TimelineView::copySelection() const
{
    if (const QString text = selectedText(); !text.isEmpty())
        QGuiApplication::clipboard()->setText(text);
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::Copy)) {
        copySelection();
        return;
    }
    if (event->key() == Qt::Key_End && (event->modifiers() & Qt::ControlModifier)) {
        emit jumpToLatestRequested();
        return;
    }
    QListView::keyPressEvent(event);
}

} // namespace confab::client
