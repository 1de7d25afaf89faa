#include "messagedelegate.h"

#include "messagelistmodel.h"

#include <QAbstractScrollArea>
#include <QApplication>
#include <QDateTime>
#include <QPainter>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

constexpr int Margin = 8;
constexpr int Gap = 2;
constexpr qint64 GroupWindowMs = 5 * 60 * 1000;
using State = MessageListModel::MessageState;

QFont headerFont(const QFont &base)
{
    QFont f = base;
    f.setBold(true);
    return f;
}

QFont smallFont(const QFont &base)
{
    QFont f = base;
    f.setPointSizeF(base.pointSizeF() * 0.85);
    return f;
}

} // namespace

MessageDelegate::MessageDelegate(NameOf nameOf, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_nameOf(std::move(nameOf))
{
}

void MessageDelegate::setSelf(qint64 userId, const QString &username)
{
    m_self = userId;
    m_selfName = username;
}

bool MessageDelegate::isGrouped(const QModelIndex &index) const
{
    if (index.row() == 0)
        return false;
    const QModelIndex prev = index.siblingAtRow(index.row() - 1);
    const auto state = index.data(MessageListModel::StateRole).value<State>();
    const auto prevState = prev.data(MessageListModel::StateRole).value<State>();
    const bool mine = state != State::Sent; // pending rows are always the user's
    const qint64 sender = mine ? m_self : index.data(MessageListModel::SenderIdRole).toLongLong();
    const qint64 prevSender = prevState != State::Sent
        ? m_self
        : prev.data(MessageListModel::SenderIdRole).toLongLong();
    return sender == prevSender
        && index.data(MessageListModel::TimestampRole).toLongLong()
            - prev.data(MessageListModel::TimestampRole).toLongLong()
        < GroupWindowMs;
}

QString MessageDelegate::headerText(const QModelIndex &index) const
{
    if (isGrouped(index))
        return {};
    const auto state = index.data(MessageListModel::StateRole).value<State>();
    const qint64 sender
        = state == State::Sent ? index.data(MessageListModel::SenderIdRole).toLongLong() : m_self;
    const QString name = m_nameOf ? m_nameOf(sender) : QString();
    const QDateTime when
        = QDateTime::fromMSecsSinceEpoch(index.data(MessageListModel::TimestampRole).toLongLong());
    // Hours and minutes in the user's locale (the C locale's short format has seconds).
    QString format = QLocale().timeFormat(QLocale::ShortFormat);
    format.remove(u":ss"_s);
    QString time = QLocale().toString(when.time(), format);
    if (when.date() != QDate::currentDate())
        time = QLocale().toString(when.date(), QLocale::ShortFormat) + u' ' + time;
    return (name.isEmpty() ? tr("user %1").arg(sender) : name) + u"  "_s + time;
}

QString MessageDelegate::bodyText(const QModelIndex &index) const
{
    if (index.data(MessageListModel::DeletedRole).toBool())
        return tr("This message was deleted.");
    return index.data(MessageListModel::BodyRole).toString();
}

QString MessageDelegate::statusText(const QModelIndex &index) const
{
    switch (index.data(MessageListModel::StateRole).value<State>()) {
    case State::Pending:
        return tr("waiting to send");
    case State::Sending:
        return tr("sending…");
    case State::Failed:
        return tr("not sent: %1 (right-click: retry or discard)")
            .arg(index.data(MessageListModel::ErrorRole).toString());
    case State::Sent:
        break;
    }
    if (index.data(MessageListModel::DeletedRole).toBool())
        return {};
    return index.data(MessageListModel::EditedRole).toBool() ? tr("(edited)") : QString();
}

bool MessageDelegate::mentionsSelf(const QModelIndex &index) const
{
    if (m_selfName.isEmpty() || index.data(MessageListModel::SenderIdRole).toLongLong() == m_self)
        return false;
    const QString body = index.data(MessageListModel::BodyRole).toString();
    return body.contains(u'@' + m_selfName, Qt::CaseInsensitive);
}

int MessageDelegate::bodyHeight(const QFont &font, int width, const QModelIndex &index,
                                const QString &body) const
{
    // The only costly part, measuring wrapped text, is cached per message, width and text.
    const qint64 id = index.data(MessageListModel::EventIdRole).toLongLong();
    const qint64 key = id ? id : -index.data(MessageListModel::LocalIdRole).toLongLong();
    const size_t textHash = qHash(body);
    if (const Measured *m = m_heights.object(key);
        m && m->width == width && m->textHash == textHash)
        return m->height;
    ++m_measurements;
    const int h = QFontMetrics(font)
                      .boundingRect(QRect(0, 0, width, 1 << 20),
                                    Qt::TextWordWrap | Qt::TextWrapAnywhere, body)
                      .height();
    m_heights.insert(key, new Measured { width, textHash, h });
    return h;
}

bool MessageDelegate::hasStatus(const QModelIndex &index)
{
    if (index.data(MessageListModel::StateRole).value<State>() != State::Sent)
        return true;
    return index.data(MessageListModel::EditedRole).toBool()
        && !index.data(MessageListModel::DeletedRole).toBool();
}

MessageDelegate::Layout MessageDelegate::layoutFor(const QStyleOptionViewItem &option,
                                                   const QModelIndex &index) const
{
    Layout l;
    const int width = std::max(50, option.rect.width() - 2 * Margin);
    if (option.font != m_metricsFont) {
        // Line heights per font, not per row: a long timeline lays out without font work.
        m_metricsFont = option.font;
        m_headerHeight = QFontMetrics(headerFont(option.font)).height();
        m_statusHeight = QFontMetrics(smallFont(option.font)).height();
    }
    const bool header = !isGrouped(index);
    int y = option.rect.top() + (header ? Margin / 2 : Gap);
    if (header) {
        const int h = m_headerHeight;
        l.header = QRect(option.rect.left() + Margin, y, width, h);
        y += h + Gap;
    }
    const int bh = bodyHeight(option.font, width, index, bodyText(index));
    l.body = QRect(option.rect.left() + Margin, y, width, bh);
    y += bh;
    if (hasStatus(index)) {
        const int h = m_statusHeight;
        l.status = QRect(option.rect.left() + Margin, y + Gap, width, h);
        y += h + Gap;
    }
    l.height = y - option.rect.top() + Gap;
    return l;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    if (const auto *area = qobject_cast<const QAbstractScrollArea *>(opt.widget))
        opt.rect.setWidth(area->viewport()->width());
    opt.rect.moveTo(0, 0);
    return { opt.rect.width(), layoutFor(opt, index).height };
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear(); // we draw the text ourselves, as plain text
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    const Layout l = layoutFor(option, index);
    const QPalette &pal = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const QColor text = pal.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.6);
    painter->save();
    if (mentionsSelf(index) && !selected) {
        QColor tint = pal.color(QPalette::Highlight);
        tint.setAlphaF(0.15);
        painter->fillRect(option.rect, tint);
    }
    const auto state = index.data(MessageListModel::StateRole).value<State>();
    if (!l.header.isNull()) {
        painter->setFont(headerFont(option.font));
        painter->setPen(text);
        painter->drawText(l.header, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                          headerText(index));
    }
    QFont bodyFont = option.font;
    const bool deleted = index.data(MessageListModel::DeletedRole).toBool();
    bodyFont.setItalic(deleted);
    painter->setFont(bodyFont);
    painter->setPen(deleted || state != State::Sent ? dim : text);
    painter->drawText(l.body, Qt::TextWordWrap | Qt::TextWrapAnywhere, bodyText(index));
    if (!l.status.isNull()) {
        painter->setFont(smallFont(option.font));
        QColor statusColor = dim;
        if (state == State::Failed)
            statusColor
                = QColor::fromHsl(0, 200, pal.color(QPalette::Base).lightness() > 128 ? 90 : 170);
        painter->setPen(statusColor);
        painter->drawText(l.status, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                          QFontMetrics(painter->font())
                              .elidedText(statusText(index), Qt::ElideRight, l.status.width()));
    }
    painter->restore();
}

} // namespace confab::client
