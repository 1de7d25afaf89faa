#include "messagedelegate.h"

#include "avatar.h"
#include "formattedtext.h"
#include "mentions.h"
#include "messagelistmodel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QFontDatabase>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QJsonArray>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QTextLayout>
#include <QToolTip>
#include <QUrl>

#include <cmath>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

constexpr int Margin = 8;
constexpr int Gap = 2;
constexpr int AvatarGap = 10; // between the avatar column and the text
constexpr int DayPad = 6; // above and below a day separator's label
constexpr int ButtonPad = 6;
constexpr qint64 GroupWindowMs = 5 * 60 * 1000;
using State = MessageListModel::MessageState;

QFont nameFont(const QFont &base)
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

QColor faded(QColor c, qreal alpha)
{
    c.setAlphaF(alpha);
    return c;
}

// Words wrap at spaces; a word longer than the line (a URL, a hash) breaks anywhere.
QTextOption wrapOption()
{
    QTextOption o(Qt::AlignLeft | Qt::AlignTop);
    o.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    return o;
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

qint64 MessageDelegate::senderId(const QModelIndex &index) const
{
    // Pending rows are always the user's own.
    return index.data(MessageListModel::StateRole).value<State>() == State::Sent
        ? index.data(MessageListModel::SenderIdRole).toLongLong()
        : m_self;
}

QDate MessageDelegate::dayOf(const QModelIndex &index) const
{
    // Local-time conversion costs microseconds and a layout pass asks for every row and its
    // neighbour: remember the last day's bounds, which nearly every neighbour falls into.
    const qint64 ts = index.data(MessageListModel::TimestampRole).toLongLong();
    if (ts >= m_dayStart && ts < m_dayEnd)
        return m_day;
    m_day = QDateTime::fromMSecsSinceEpoch(ts).date();
    m_dayStart = m_day.startOfDay().toMSecsSinceEpoch();
    m_dayEnd = m_day.addDays(1).startOfDay().toMSecsSinceEpoch();
    return m_day;
}

bool MessageDelegate::isOwn(const QModelIndex &index) const
{
    return m_self && senderId(index) == m_self;
}

bool MessageDelegate::isGrouped(const QModelIndex &index) const
{
    if (index.row() == 0)
        return false;
    const QModelIndex prev = index.siblingAtRow(index.row() - 1);
    // Cheapest tests first: a layout pass asks this of every row.
    if (senderId(index) != senderId(prev))
        return false;
    const qint64 ts = index.data(MessageListModel::TimestampRole).toLongLong();
    const qint64 prevTs = prev.data(MessageListModel::TimestampRole).toLongLong();
    return ts - prevTs < GroupWindowMs && !startsDay(index);
}

bool MessageDelegate::startsDay(const QModelIndex &index) const
{
    return index.row() == 0 || dayOf(index.siblingAtRow(index.row() - 1)) != dayOf(index);
}

QString MessageDelegate::daySeparatorText(const QModelIndex &index) const
{
    if (!startsDay(index))
        return {};
    const QDate day = dayOf(index);
    const QDate today = m_now().date();
    if (day == today)
        return tr("Today");
    if (day == today.addDays(-1))
        return tr("Yesterday");
    //: A day separator's date within this year, e.g. "Monday, 30 November"
    const QString format = day.year() == today.year() ? tr("dddd, d MMMM") : tr("d MMMM yyyy");
    return QLocale().toString(day, format);
}

QString MessageDelegate::senderName(const QModelIndex &index) const
{
    const qint64 sender = senderId(index);
    const QString name = m_nameOf ? m_nameOf(sender) : QString();
    //: Shown until a sender's name is known
    return name.isEmpty() ? tr("user %1").arg(sender) : name;
}

QString MessageDelegate::timeText(const QModelIndex &index) const
{
    const QDateTime when
        = QDateTime::fromMSecsSinceEpoch(index.data(MessageListModel::TimestampRole).toLongLong());
    // Hours and minutes in the user's locale (the C locale's short format has seconds).
    QString format = QLocale().timeFormat(QLocale::ShortFormat);
    format.remove(u":ss"_s);
    return QLocale().toString(when.time(), format);
}

QString MessageDelegate::exactTime(const QModelIndex &index) const
{
    const QDateTime when
        = QDateTime::fromMSecsSinceEpoch(index.data(MessageListModel::TimestampRole).toLongLong());
    return QLocale().toString(when, QLocale::LongFormat);
}

QString MessageDelegate::headerText(const QModelIndex &index) const
{
    if (isGrouped(index))
        return {};
    return senderName(index) + u"  "_s + timeText(index);
}

QString MessageDelegate::quoteText(const QModelIndex &index) const
{
    const qint64 target = index.data(MessageListModel::ReplyToRole).toLongLong();
    if (!target || index.data(MessageListModel::DeletedRole).toBool())
        return {};
    QJsonObject preview = index.data(MessageListModel::ReplyPreviewRole).toJsonObject();
    if (preview.isEmpty()) {
        // Not sent yet: the target is in the timeline (it was replied to from there).
        const auto *model = qobject_cast<const MessageListModel *>(index.model());
        const int row = model ? model->rowOfEventId(target) : -1;
        if (row < 0)
            return tr("↳ a message");
        const QModelIndex t = model->index(row);
        preview = { { u"senderId"_s, t.data(MessageListModel::SenderIdRole).toLongLong() },
                    { u"body"_s, t.data(MessageListModel::BodyRole).toString() },
                    { u"redacted"_s, t.data(MessageListModel::DeletedRole).toBool() },
                    { u"fileName"_s,
                      t.data(MessageListModel::FileRole).toJsonObject().value(u"name"_s) } };
    }
    const qint64 sender = preview.value(u"senderId"_s).toInteger();
    QString name = m_nameOf ? m_nameOf(sender) : QString();
    if (name.isEmpty())
        name = tr("user %1").arg(sender);
    if (preview.value(u"redacted"_s).toBool())
        //: The quote of a reply whose message was deleted
        return tr("↳ %1: message deleted").arg(name);
    // A file's message shows its name (📎 logo.png), then its caption if it has one.
    QString text = preview.value(u"body"_s).toString().simplified();
    if (const QString file = preview.value(u"fileName"_s).toString(); !file.isEmpty())
        text = text.isEmpty() ? QString(u"📎 "_s + file) : QString(u"📎 "_s + file + u" · "_s + text);
    return tr("↳ %1: %2").arg(name, text);
}

QString MessageDelegate::bodyText(const QModelIndex &index) const
{
    return formatted(index).text;
}

const FormattedText &MessageDelegate::formatted(const QModelIndex &index) const
{
    // Parsed once per message and text (painting and measuring ask for it again and again).
    const QString body = index.data(MessageListModel::DeletedRole).toBool()
        ? QString()
        : index.data(MessageListModel::BodyRole).toString();
    const qint64 id = index.data(MessageListModel::EventIdRole).toLongLong();
    const qint64 key = id ? id : -index.data(MessageListModel::LocalIdRole).toLongLong();
    const size_t hash = qHash(body);
    if (Parsed *p = m_formatted.object(key); p && p->hash == hash)
        return p->text;
    auto *p = new Parsed { hash, body.isEmpty() ? FormattedText { tr("This message was deleted."), {} }
                                                : formatMessage(body) };
    m_formatted.insert(key, p);
    return p->text;
}

QList<QTextLayout::FormatRange> MessageDelegate::bodyFormats(const QFont &font,
                                                             const QPalette &pal,
                                                             const QModelIndex &index) const
{
    QList<QTextLayout::FormatRange> formats;
    const QColor accent = pal.color(QPalette::Highlight);
    const QColor text = pal.color(QPalette::Text);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(font.pointSizeF() > 0 ? font.pointSizeF() * 0.95 : mono.pointSizeF());
    for (const FormatSpan &span : formatted(index).spans) {
        QTextCharFormat f;
        switch (span.kind) {
        case FormatSpan::Kind::Bold:
            f.setFontWeight(QFont::Bold);
            break;
        case FormatSpan::Kind::Italic:
            f.setFontItalic(true);
            break;
        case FormatSpan::Kind::Code:
        case FormatSpan::Kind::CodeBlock:
            f.setFont(mono, QTextCharFormat::FontPropertiesSpecifiedOnly);
            f.setFontFamilies(mono.families());
            f.setFontFixedPitch(true);
            f.setBackground(faded(text, 0.08));
            break;
        case FormatSpan::Kind::Quote:
            f.setForeground(faded(text, 0.7));
            break;
        case FormatSpan::Kind::Link:
            f.setForeground(pal.color(QPalette::Link));
            f.setFontUnderline(true);
            break;
        }
        formats.append({ span.start, span.length, f });
    }
    for (const auto &[start, length] : mentionRanges(index)) {
        QTextCharFormat f;
        f.setForeground(accent);
        f.setBackground(faded(accent, 0.14));
        formats.append({ start, length, f });
    }
    return formats;
}

std::unique_ptr<QTextLayout> MessageDelegate::bodyLayout(const QFont &font, const QPalette &pal,
                                                         int width,
                                                         const QModelIndex &index) const
{
    QFont bodyFont = font;
    bodyFont.setItalic(index.data(MessageListModel::DeletedRole).toBool());
    // QTextLayout breaks lines at U+2028, not at '\n' (same length: spans stay where they are).
    QString shown = bodyText(index);
    shown.replace(u'\n', QChar::LineSeparator);
    auto layout = std::make_unique<QTextLayout>(shown, bodyFont);
    layout->setTextOption(wrapOption());
    layout->setFormats(bodyFormats(font, pal, index));
    layout->setCacheEnabled(true);
    qreal y = 0;
    layout->beginLayout();
    for (QTextLine line = layout->createLine(); line.isValid(); line = layout->createLine()) {
        line.setLineWidth(width);
        line.setPosition({ 0, y });
        y += line.height();
    }
    layout->endLayout();
    return layout;
}

QString MessageDelegate::linkAt(const QStyleOptionViewItem &option, const QModelIndex &index,
                                const QPoint &pos) const
{
    const Layout l = layout(option, index);
    if (!l.body.contains(pos) || formatted(index).spans.isEmpty())
        return {};
    const auto text = bodyLayout(option.font, option.palette, l.body.width(), index);
    const QPointF at = pos - l.body.topLeft();
    for (int i = 0; i < text->lineCount(); ++i) {
        const QTextLine line = text->lineAt(i);
        if (at.y() < line.y() || at.y() >= line.y() + line.height())
            continue;
        if (at.x() > line.naturalTextWidth())
            return {};
        return formatted(index).linkAt(line.xToCursor(at.x(), QTextLine::CursorOnCharacter));
    }
    return {};
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

QString MessageDelegate::accessibleText(const QModelIndex &index) const
{
    //: What a screen reader says for a message: sender, time, text
    QString text = tr("%1, %2: %3").arg(senderName(index), timeText(index), bodyText(index));
    if (const QString status = statusText(index); !status.isEmpty())
        text += u' ' + status;
    return text;
}

bool MessageDelegate::mentionsSelf(const QModelIndex &index) const
{
    // As the server resolved it (docs/protocol.md, "Mentions"), not a text match.
    if (!m_self || isOwn(index))
        return false;
    return index.data(MessageListModel::MentionsRoomRole).toBool()
        || index.data(MessageListModel::MentionsRole).value<QList<qint64>>().contains(m_self);
}

QList<std::pair<int, int>> MessageDelegate::mentionRanges(const QModelIndex &index) const
{
    QList<std::pair<int, int>> ranges;
    if (index.data(MessageListModel::DeletedRole).toBool())
        return ranges;
    const bool room = index.data(MessageListModel::MentionsRoomRole).toBool();
    if (!room && index.data(MessageListModel::MentionsRole).value<QList<qint64>>().isEmpty())
        return ranges; // nearly every message: no text scan at all
    // The server's rule (docs/protocol.md, "Mentions"), drawn for the names it resolved.
    for (const MentionToken &t : findMentions(formatted(index).text)) {
        if ((room && t.name == u"room") || (m_isKnownName && m_isKnownName(t.name)))
            ranges.append({ t.start, t.length });
    }
    return ranges;
}

bool MessageDelegate::startsNewMessages(const QModelIndex &index) const
{
    if (m_newAfter < 0 || index.data(MessageListModel::StateRole).value<State>() != State::Sent)
        return false;
    const qint64 seq = index.data(MessageListModel::SeqRole).toLongLong();
    if (seq <= m_newAfter)
        return false;
    return index.row() == 0
        || index.siblingAtRow(index.row() - 1).data(MessageListModel::SeqRole).toLongLong()
        <= m_newAfter;
}

QList<MessageDelegate::Action> MessageDelegate::actions(const QModelIndex &index) const
{
    switch (index.data(MessageListModel::StateRole).value<State>()) {
    case State::Failed:
        return { Action::Copy, Action::Retry, Action::Discard };
    case State::Pending:
    case State::Sending:
        return { Action::Copy, Action::Discard };
    case State::Sent:
        break;
    }
    if (index.data(MessageListModel::DeletedRole).toBool())
        return {};
    if (isOwn(index))
        return { Action::Reply, Action::React, Action::Copy, Action::Edit, Action::Delete };
    return { Action::Reply, Action::React, Action::Copy };
}

QString MessageDelegate::actionName(Action action)
{
    switch (action) {
    case Action::Reply:
        return tr("Reply");
    case Action::React:
        return tr("React");
    case Action::Copy:
        return tr("Copy");
    case Action::Edit:
        return tr("Edit");
    case Action::Delete:
        return tr("Delete");
    case Action::Retry:
        return tr("Retry");
    case Action::Discard:
        return tr("Discard");
    }
    return {};
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
    // Formatting changes widths (code is monospaced, bold is wider): measure what is painted.
    const auto text = bodyLayout(font, QPalette(), width, index);
    const int h = std::max(int(std::ceil(text->boundingRect().height())),
                           QFontMetrics(font).height());
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

void MessageDelegate::updateMetrics(const QFont &font) const
{
    // Line heights per font, not per row: a long timeline lays out without font work.
    if (m_haveMetrics && font == m_metricsFont)
        return;
    m_haveMetrics = true;
    m_metricsFont = font;
    m_nameHeight = QFontMetrics(nameFont(font)).height();
    m_smallHeight = QFontMetrics(smallFont(font)).height();
    m_avatarSize = std::clamp(m_nameHeight * 2 + Gap, 28, 64);
}

MessageDelegate::Layout MessageDelegate::layout(const QStyleOptionViewItem &option,
                                                const QModelIndex &index) const
{
    updateMetrics(option.font);
    Layout l;
    const QRect r = option.rect;
    const int gutter = Margin + m_avatarSize + AvatarGap;
    const int width = std::max(50, r.width() - gutter - Margin);
    int y = r.top();
    if (startsDay(index)) {
        l.day = QRect(r.left(), y, r.width(), m_smallHeight + 2 * DayPad);
        y = l.day.bottom() + 1;
    }
    if (startsNewMessages(index)) {
        l.newLine = QRect(r.left(), y, r.width(), m_smallHeight + DayPad);
        y = l.newLine.bottom() + 1;
    }
    const int messageTop = y;
    const bool header = !isGrouped(index) || !l.newLine.isNull();
    if (header) {
        y += Margin / 2;
        l.avatar = QRect(r.left() + Margin, y, m_avatarSize, m_avatarSize);
        l.name = QRect(r.left() + gutter, y, width, m_nameHeight);
        y += m_nameHeight + Gap;
    } else {
        y += Gap;
    }
    if (index.data(MessageListModel::ReplyToRole).toLongLong()
        && !index.data(MessageListModel::DeletedRole).toBool()) {
        l.quote = QRect(r.left() + gutter, y, width, m_smallHeight + Gap * 2);
        y = l.quote.bottom() + 1 + Gap;
    }
    // Keyed by the text as typed: "**a**" and "*a*" show the same letters at different widths.
    const attachment::Info file = attachment::infoOf(index);
    const QString bodyText = index.data(MessageListModel::DeletedRole).toBool()
        ? QString()
        : index.data(MessageListModel::BodyRole).toString();
    // A file without a caption has no text line.
    const int bh = file.present && bodyText.isEmpty() ? 0
                                                      : bodyHeight(option.font, width, index, bodyText);
    l.body = QRect(r.left() + gutter, y, width, bh);
    y += bh;
    if (const QSize a = attachment::sizeFor(file, width, option.font); a.isValid()) {
        l.attachment = QRect(QPoint(r.left() + gutter, y + (bh ? 2 * Gap : 0)), a);
        y = l.attachment.bottom() + 1;
    }
    if (hasStatus(index)) {
        l.status = QRect(r.left() + gutter, y + Gap, width, m_smallHeight);
        y += m_smallHeight + Gap;
    }
    if (const auto chips = chipRects(option.font, r.left() + gutter, y + 2 * Gap, width, index);
        !chips.isEmpty()) {
        QRect all;
        for (const auto &chip : chips)
            all = all.united(chip.second);
        l.reactions = all;
        y = all.bottom() + 1;
    }
    if (header)
        y = std::max(y, l.avatar.bottom() + 1);
    l.ownMark = QRect(r.left() + 2, messageTop, 3, y - messageTop + Gap); // joins a group's rows
    l.height = y - r.top() + Gap;
    return l;
}

QList<std::pair<MessageDelegate::Action, QRect>>
MessageDelegate::actionRects(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const Layout l = layout(option, index);
    const QFontMetrics fm(smallFont(option.font));
    const int h = m_smallHeight + ButtonPad;
    const int top = (l.name.isNull() ? l.body.top() : l.name.top()) - Gap;
    int right = option.rect.right() - Margin;
    QList<std::pair<Action, QRect>> rects;
    const QList<Action> list = actions(index);
    for (auto it = list.crbegin(); it != list.crend(); ++it) {
        const int w = fm.horizontalAdvance(actionName(*it)) + 2 * ButtonPad;
        rects.prepend({ *it, QRect(right - w + 1, top, w, h) });
        right -= w + Gap;
    }
    return rects;
}

QList<std::pair<QString, QRect>> MessageDelegate::chipRects(const QFont &font, int left, int top,
                                                           int width,
                                                           const QModelIndex &index) const
{
    const QJsonArray reactions = index.data(MessageListModel::ReactionsRole).toJsonArray();
    if (reactions.isEmpty())
        return {};
    const QFontMetrics fm(font);
    const int h = fm.height() + 2 * Gap;
    QList<std::pair<QString, QRect>> out;
    int x = left, y = top;
    for (const QJsonValue &v : reactions) {
        const QString key = v[u"key"_s].toString();
        const QString label = key + u' ' + QString::number(v[u"count"_s].toInt());
        const int w = fm.horizontalAdvance(label) + 2 * ButtonPad;
        if (x > left && x + w > left + width) { // wrap
            x = left;
            y += h + Gap;
        }
        out.append({ key, QRect(x, y, w, h) });
        x += w + Gap * 2;
    }
    return out;
}

QList<std::pair<QString, QRect>> MessageDelegate::reactionRects(const QStyleOptionViewItem &option,
                                                               const QModelIndex &index) const
{
    const Layout l = layout(option, index);
    if (l.reactions.isNull())
        return {};
    return chipRects(option.font, l.reactions.left(), l.reactions.top(), l.body.width(), index);
}

QString MessageDelegate::reactionTip(const QModelIndex &index, const QString &key) const
{
    for (const QJsonValue &v : index.data(MessageListModel::ReactionsRole).toJsonArray()) {
        if (v[u"key"_s].toString() != key)
            continue;
        QStringList names;
        for (const QJsonValue &id : v[u"users"_s].toArray())
            names << (id.toInteger() == m_self ? tr("You") : m_nameOf(id.toInteger()));
        const int others = v[u"count"_s].toInt() - int(names.size());
        if (others > 0)
            return tr("%1 and %2 more reacted with %3")
                .arg(names.join(u", "_s)).arg(others).arg(key);
        const QString who = names.size() < 2
            ? names.value(0)
            : tr("%1 and %2").arg(names.mid(0, names.size() - 1).join(u", "_s), names.last());
        return tr("%1 reacted with %2").arg(who, key);
    }
    return {};
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    if (const auto *area = qobject_cast<const QAbstractScrollArea *>(opt.widget))
        opt.rect.setWidth(area->viewport()->width());
    opt.rect.moveTo(0, 0);
    return { opt.rect.width(), layout(opt, index).height };
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const Layout l = layout(option, index);
    const QPalette &pal = option.palette;
    const QColor text = pal.color(QPalette::Text);
    const QColor dim = faded(text, 0.62);
    const QColor accent = pal.color(QPalette::Highlight);
    const auto state = index.data(MessageListModel::StateRole).value<State>();
    const bool hovered = option.state & QStyle::State_MouseOver;
    const bool selected = option.state & QStyle::State_Selected;
    QRect message = option.rect;
    if (!l.day.isNull())
        message.setTop(l.day.bottom() + 1);
    if (!l.newLine.isNull())
        message.setTop(l.newLine.bottom() + 1);

    painter->save();
    // Background: a mention is tinted; selection and hover are tints too, so text keeps its
    // colours and the avatar stays readable.
    if (mentionsSelf(index))
        painter->fillRect(message, faded(accent, 0.14));
    if (selected)
        painter->fillRect(message, faded(accent, 0.22));
    else if (hovered)
        painter->fillRect(message, faded(text, 0.05));
    if (option.state & QStyle::State_HasFocus) {
        // Keyboard focus is always visible.
        painter->setPen(QPen(accent, 1, Qt::DotLine));
        painter->drawRect(message.adjusted(0, 0, -1, -1));
    }

    if (!l.day.isNull()) {
        const QString day = daySeparatorText(index);
        const QFont font = [&] {
            QFont f = smallFont(option.font);
            f.setBold(true);
            return f;
        }();
        painter->setFont(font);
        const int tw = QFontMetrics(font).horizontalAdvance(day) + 2 * Margin;
        const int cy = l.day.center().y();
        painter->setPen(QPen(faded(text, 0.22), 1));
        painter->drawLine(l.day.left() + Margin, cy, l.day.center().x() - tw / 2, cy);
        painter->drawLine(l.day.center().x() + tw / 2, cy, l.day.right() - Margin, cy);
        painter->setPen(dim);
        painter->drawText(QRect(l.day.center().x() - tw / 2, l.day.top(), tw, l.day.height()),
                          Qt::AlignCenter, day);
    }

    if (!l.newLine.isNull()) {
        // "New messages": where the unread part begins, in red, like Slack and Element.
        const QColor red = QColor::fromHsl(0, 190, pal.color(QPalette::Base).lightness() > 128
                                                       ? 110
                                                       : 160);
        QFont f = smallFont(option.font);
        f.setBold(true);
        painter->setFont(f);
        const QString label = tr("New messages");
        const int tw = QFontMetrics(f).horizontalAdvance(label) + Margin;
        const int cy = l.newLine.center().y();
        painter->setPen(QPen(red, 1));
        painter->drawLine(l.newLine.left() + Margin, cy, l.newLine.right() - tw - Margin, cy);
        painter->setPen(red);
        painter->drawText(l.newLine.adjusted(0, 0, -Margin, 0),
                          Qt::AlignRight | Qt::AlignVCenter, label);
    }
    if (isOwn(index))
        painter->fillRect(l.ownMark, faded(accent, 0.75));

    if (!l.avatar.isNull()) {
        const QString name = senderName(index);
        paintAvatar(painter, l.avatar, senderId(index), name);
        const QFont nf = nameFont(option.font);
        const QFontMetrics nfm(nf);
        const QString shown = nfm.elidedText(name, Qt::ElideRight, l.name.width() * 2 / 3);
        painter->setFont(nf);
        painter->setPen(text);
        painter->drawText(l.name, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine, shown);
        painter->setFont(smallFont(option.font));
        painter->setPen(dim);
        const QRect time = l.name.adjusted(nfm.horizontalAdvance(shown) + Margin, 0, 0, 0);
        painter->drawText(time, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                          timeText(index));
    } else if (hovered) {
        // A grouped message's time, in the avatar column while the pointer is on it.
        painter->setFont(smallFont(option.font));
        painter->setPen(dim);
        painter->drawText(QRect(option.rect.left(), l.body.top(), l.body.left() - 4, m_nameHeight),
                          Qt::AlignRight | Qt::AlignVCenter | Qt::TextSingleLine, timeText(index));
    }

    if (!l.quote.isNull()) {
        // The message this one answers: a bar and one elided line; a click shows it.
        painter->fillRect(QRect(l.quote.left(), l.quote.top(), 2, l.quote.height()),
                          faded(accent, 0.8));
        painter->setFont(smallFont(option.font));
        painter->setPen(dim);
        const QRect text = l.quote.adjusted(Margin, 0, 0, 0);
        painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                          QFontMetrics(painter->font())
                              .elidedText(quoteText(index), Qt::ElideRight, text.width()));
    }
    const bool deleted = index.data(MessageListModel::DeletedRole).toBool();
    if (l.body.height() > 0) { // (a file without a caption has no text line)
        // The same layout as measured (font, width, wrapping, formats); quotes get a bar and
        // code blocks a panel behind their lines.
        const auto body = bodyLayout(option.font, pal, l.body.width(), index);
        for (const FormatSpan &span : formatted(index).spans) {
            if (span.kind != FormatSpan::Kind::Quote && span.kind != FormatSpan::Kind::CodeBlock)
                continue;
            const QTextLine first = body->lineForTextPosition(span.start);
            const QTextLine last = body->lineForTextPosition(span.start + std::max(0, span.length - 1));
            if (!first.isValid() || !last.isValid())
                continue;
            const QRectF lines(l.body.left(), l.body.top() + first.y(), l.body.width(),
                               last.y() + last.height() - first.y());
            if (span.kind == FormatSpan::Kind::Quote)
                painter->fillRect(QRectF(lines.left() - 6, lines.top(), 2, lines.height()),
                                  faded(text, 0.35));
            else
                painter->fillRect(lines.adjusted(-3, 0, 0, 0), faded(text, 0.06));
        }
        painter->setPen(deleted || state != State::Sent ? dim : text);
        body->draw(painter, l.body.topLeft());
    }
    if (!l.attachment.isNull()) {
        const attachment::Info file = attachment::infoOf(index);
        const QImage *image = file.showsImage() && m_thumbnail ? m_thumbnail(file.fileId) : nullptr;
        const qreal download = m_download && !file.pending ? m_download(file.fileId) : -1;
        attachment::paint(painter, l.attachment, file, pal, option.font, image, download);
    }
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

    if (!l.reactions.isNull()) {
        // Chips: the user's own reactions in the accent colour, like Slack and Element.
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setFont(option.font);
        const QJsonArray reactions = index.data(MessageListModel::ReactionsRole).toJsonArray();
        const auto chips = chipRects(option.font, l.reactions.left(), l.reactions.top(),
                                     l.body.width(), index);
        for (qsizetype i = 0; i < chips.size() && i < reactions.size(); ++i) {
            const QJsonObject r = reactions.at(i).toObject();
            const bool mine = r.value(u"mine"_s).toBool();
            QPainterPath path;
            path.addRoundedRect(QRectF(chips[i].second).adjusted(0.5, 0.5, -0.5, -0.5), 9, 9);
            painter->fillPath(path, mine ? faded(accent, 0.22) : faded(text, 0.06));
            painter->setPen(QPen(mine ? accent : faded(text, 0.25), 1));
            painter->drawPath(path);
            painter->setPen(text);
            painter->drawText(chips[i].second, Qt::AlignCenter,
                              r.value(u"key"_s).toString() + u' '
                                  + QString::number(r.value(u"count"_s).toInt()));
        }
    }

    if (hovered) {
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setFont(smallFont(option.font));
        for (const auto &[action, rect] : actionRects(option, index)) {
            QPainterPath path;
            path.addRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
            painter->fillPath(path, pal.color(QPalette::Button));
            painter->setPen(faded(text, 0.25));
            painter->drawPath(path);
            painter->setPen(pal.color(QPalette::ButtonText));
            painter->drawText(rect, Qt::AlignCenter, actionName(action));
        }
    }
    painter->restore();
}

bool MessageDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view,
                                const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() != QEvent::ToolTip || !index.isValid())
        return QStyledItemDelegate::helpEvent(event, view, option, index);
    QString tip = exactTime(index);
    for (const auto &[action, rect] : actionRects(option, index)) {
        if (rect.contains(event->pos()))
            tip = actionName(action);
    }
    for (const auto &[key, rect] : reactionRects(option, index)) {
        if (rect.contains(event->pos()))
            tip = reactionTip(index, key);
    }
    if (const Layout l = layout(option, index); l.attachment.contains(event->pos())) {
        const attachment::Info file = attachment::infoOf(index);
        tip = file.name + u" ("_s + attachment::sizeText(file.size) + u')';
        for (const auto &[action, rect] : attachment::targets(file, l.attachment, option.font)) {
            if (rect.contains(event->pos()) && action != attachment::FileAction::View)
                tip = attachment::actionName(action);
        }
    }
    if (const QString url = linkAt(option, index, event->pos()); !url.isEmpty())
        tip = url; // where a click goes, before it goes there
    QToolTip::showText(event->globalPos(), tip, view);
    return true;
}

bool MessageDelegate::editorEvent(QEvent *event, QAbstractItemModel *model,
                                  const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() == QEvent::MouseButtonRelease || event->type() == QEvent::MouseButtonPress) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() == Qt::LeftButton && event->type() == QEvent::MouseButtonRelease) {
            const Layout l = layout(option, index);
            if (!l.quote.isNull() && l.quote.contains(mouse->position().toPoint())) {
                const QJsonObject p = index.data(MessageListModel::ReplyPreviewRole).toJsonObject();
                emit quoteClicked(index.data(MessageListModel::ReplyToRole).toLongLong(),
                                  p.value(u"seq"_s).toInteger());
                return true;
            }
            if (const QString url = linkAt(option, index, mouse->position().toPoint());
                !url.isEmpty()) {
                emit linkActivated(QUrl(url));
                return true;
            }
            if (!l.attachment.isNull()) {
                for (const auto &[action, rect] : attachment::targets(
                         attachment::infoOf(index), l.attachment, option.font)) {
                    if (rect.contains(mouse->position().toPoint())) {
                        emit fileActionTriggered(index, action);
                        return true;
                    }
                }
            }
            const QJsonArray reactions = index.data(MessageListModel::ReactionsRole).toJsonArray();
            for (const auto &[key, rect] : reactionRects(option, index)) {
                if (!rect.contains(mouse->position().toPoint()))
                    continue;
                bool mine = false;
                for (const QJsonValue &v : reactions)
                    mine = mine || (v[u"key"_s].toString() == key && v[u"mine"_s].toBool());
                emit reactionClicked(index, key, mine);
                return true;
            }
        }
        if (mouse->button() == Qt::LeftButton) {
            for (const auto &[action, rect] : actionRects(option, index)) {
                if (!rect.contains(mouse->position().toPoint()))
                    continue;
                if (event->type() == QEvent::MouseButtonRelease)
                    emit actionTriggered(index, action);
                return true; // a click on a button is not a click on the row
            }
        }
    }
    return QStyledItemDelegate::editorEvent(event, model, option, index);
}

QWidget *MessageDelegate::createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                                       const QModelIndex &index) const
{
    if (index.data(MessageListModel::DeletedRole).toBool())
        return nullptr;
    auto *editor = new QPlainTextEdit(parent);
    editor->setReadOnly(true);
    editor->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    editor->setFrameShape(QFrame::NoFrame);
    editor->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    editor->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    editor->document()->setDocumentMargin(0);
    editor->setFont(option.font);
    editor->setAccessibleName(tr("Message text"));
    return editor;
}

void MessageDelegate::setEditorData(QWidget *editor, const QModelIndex &index) const
{
    if (auto *text = qobject_cast<QPlainTextEdit *>(editor)) {
        text->setPlainText(bodyText(index));
        text->selectAll();
    }
}

void MessageDelegate::updateEditorGeometry(QWidget *editor, const QStyleOptionViewItem &option,
                                           const QModelIndex &index) const
{
    const Layout l = layout(option, index);
    editor->setGeometry(l.body.adjusted(0, 0, 0, m_smallHeight));
}

} // namespace confab::client
