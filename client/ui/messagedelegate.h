// MessageDelegate: paints one timeline row of MessageListModel.
//
//   ─────────────── Today ───────────────   ← day separator: first message of a calendar day
//   (AM) Alice Martin  14:02          [Copy][Edit][Delete]   ← header + hover actions
//   ▌    the message text, wrapped       ← body; ▌ marks the user's own messages
//   ▌    (edited)                        ← markers: edited, sending…, not sent: reason
//   ▌    [👍 2] [🎉 1]                    ← reactions: a click toggles yours
//        a grouped message                ← same sender within 5 minutes: no header
//
// Text is never HTML: a safe Markdown subset (formattedtext.h) is drawn with text formats. Colours come from the palette, so light and dark themes
// both work. Row heights are cached per (message, width, text) so a long timeline scrolls
// without re-measuring text. Hovering a row shows its actions; hovering anywhere shows the exact
// time as a tooltip. Double-click (or F2) opens the text read-only in place, to select part of it.
#pragma once

#include "attachment.h"

#include <QCache>
#include <QDateTime>
#include <QFont>
#include <QStyledItemDelegate>
#include <QTextLayout>

#include "formattedtext.h"

#include <memory>

#include <functional>

namespace confab::client {

class MessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    enum class Action { Reply, React, Copy, Edit, Delete, Retry, Discard };
    Q_ENUM(Action)
    using NameOf = std::function<QString(qint64 userId)>;
    MessageDelegate(NameOf nameOf, QObject *parent = nullptr);

    void setSelf(qint64 userId, const QString &username);
    // Which "@name"s are people (drawn highlighted in messages that mention someone).
    void setKnownName(std::function<bool(const QString &username)> isKnown)
    {
        m_isKnownName = std::move(isKnown);
    }
    // The ranges of the body drawn as mentions (empty for a message that mentions nobody).
    QList<std::pair<int, int>> mentionRanges(const QModelIndex &index) const;
    // The "New messages" line goes above the first message after `seq` (-1: no line).
    void setNewMessagesAfter(qint64 seq) { m_newAfter = seq; }
    qint64 newMessagesAfter() const { return m_newAfter; }
    bool startsNewMessages(const QModelIndex &index) const;
    // Files (attachment.h): the decoded preview of a file (null: not here yet; the source asks
    // for it and updates the view when it comes), and how far a download is (-1: none).
    void setThumbnailSource(std::function<const QImage *(const QString &fileId)> source)
    {
        m_thumbnail = std::move(source);
    }
    void setDownloadProgress(std::function<qreal(const QString &fileId)> progress)
    {
        m_download = std::move(progress);
    }
    // "Today" and "Yesterday" are relative to this clock (tests pin it).
    void setClock(std::function<QDateTime()> now) { m_now = std::move(now); }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;
    // The in-place, read-only text (selectable and copyable).
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override;
    void setEditorData(QWidget *editor, const QModelIndex &index) const override;
    void setModelData(QWidget *, QAbstractItemModel *, const QModelIndex &) const override { }
    void updateEditorGeometry(QWidget *editor, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const override;

    // What the row shows, as text (also what tests and accessibility read).
    QString senderName(const QModelIndex &index) const;
    QString timeText(const QModelIndex &index) const; // "14:02"
    QString exactTime(const QModelIndex &index) const; // the tooltip: full date and seconds
    QString headerText(const QModelIndex &index) const; // "name  time"; empty when grouped
    QString bodyText(const QModelIndex &index) const;
    QString statusText(const QModelIndex &index) const; // markers; empty when none
    QString daySeparatorText(const QModelIndex &index) const; // empty: same day as the row above
    // A reply's quote of the message it answers ("Bob: the text…"); empty for other messages.
    QString quoteText(const QModelIndex &index) const;
    QString accessibleText(const QModelIndex &index) const; // "sender, time: body (markers)"
    bool isGrouped(const QModelIndex &index) const;
    bool mentionsSelf(const QModelIndex &index) const;
    bool isOwn(const QModelIndex &index) const;
    QList<Action> actions(const QModelIndex &index) const; // offered on hover
    static QString actionName(Action action);

    // Where each part of a row is painted (rect: the row's rectangle). Null rects: not shown.
    struct Layout
    {
        QRect day, newLine, avatar, name, time, quote, body, attachment, status, reactions, ownMark;
        int height = 0;
    };
    Layout layout(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    QList<std::pair<Action, QRect>> actionRects(const QStyleOptionViewItem &option,
                                                const QModelIndex &index) const;
    // The reaction chips under a message ("👍 2"), left to right, wrapping; with their keys.
    QList<std::pair<QString, QRect>> reactionRects(const QStyleOptionViewItem &option,
                                                   const QModelIndex &index) const;
    // The link under `pos` in the row (empty: none).
    QString linkAt(const QStyleOptionViewItem &option, const QModelIndex &index,
                   const QPoint &pos) const;
    // The body as shown: display text (Markdown subset read), spans, and its laid-out lines.
    const FormattedText &formatted(const QModelIndex &index) const;
    std::unique_ptr<QTextLayout> bodyLayout(const QFont &font, const QPalette &palette, int width,
                                            const QModelIndex &index) const;
    // A chip's tooltip: who reacted ("Alice, Bob and 3 others reacted with 👍").
    QString reactionTip(const QModelIndex &index, const QString &key) const;

    qsizetype cachedLayouts() const { return m_heights.size(); }
    int measurements() const { return m_measurements; } // text measured (cache misses)

signals:
    void actionTriggered(const QModelIndex &index, confab::client::MessageDelegate::Action action);
    // The quote of a reply was clicked: show the message it answers (event id and seq).
    void quoteClicked(qint64 eventId, qint64 seq);
    // A link in a message was clicked (http, https or mailto only: formattedtext.h).
    void linkActivated(const QUrl &url);
    // A file's button (Open, Save as…, Cancel) or an image preview (View) was clicked.
    void fileActionTriggered(const QModelIndex &index, confab::client::attachment::FileAction action);
    // A reaction chip was clicked: toggle the user's own reaction with that key.
    void reactionClicked(const QModelIndex &index, const QString &key, bool mine);

private:
    struct Measured
    {
        int width = 0;
        size_t textHash = 0;
        int height = 0;
    };
    int bodyHeight(const QFont &font, int width, const QModelIndex &index,
                   const QString &body) const;
    // Chips laid out from (left, top) within `width`; empty without reactions.
    QList<std::pair<QString, QRect>> chipRects(const QFont &font, int left, int top, int width,
                                               const QModelIndex &index) const;
    static bool hasStatus(const QModelIndex &index);
    qint64 senderId(const QModelIndex &index) const;
    QDate dayOf(const QModelIndex &index) const;
    bool startsDay(const QModelIndex &index) const; // first row, or a new local day
    void updateMetrics(const QFont &font) const;

    NameOf m_nameOf;
    std::function<const QImage *(const QString &)> m_thumbnail;
    std::function<qreal(const QString &)> m_download;
    std::function<bool(const QString &)> m_isKnownName;
    std::function<QDateTime()> m_now = [] { return QDateTime::currentDateTime(); };
    qint64 m_self = 0;
    qint64 m_newAfter = -1;
    QString m_selfName;
    mutable QCache<qint64, Measured> m_heights { 200000 }; // message → measured body
    struct Parsed
    {
        size_t hash = 0;
        FormattedText text;
    };
    mutable QCache<qint64, Parsed> m_formatted { 20000 }; // message → its formatting, read once
    QList<QTextLayout::FormatRange> bodyFormats(const QFont &font, const QPalette &palette,
                                                const QModelIndex &index) const;
    mutable int m_measurements = 0;
    mutable bool m_haveMetrics = false;
    mutable QFont m_metricsFont;
    mutable int m_nameHeight = 0;
    mutable int m_smallHeight = 0;
    mutable int m_avatarSize = 0;
    mutable QDate m_day; // dayOf()'s memo: the local day [m_dayStart, m_dayEnd) in ms
    mutable qint64 m_dayStart = 0;
    mutable qint64 m_dayEnd = 0;
};

} // namespace confab::client
