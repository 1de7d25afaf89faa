// MessageDelegate: paints one timeline row of MessageListModel.
//
//   Alice  14:02                       ← header: sender (bold) and time; left out when the
//   the message text, wrapped             previous row is the same sender within 5 minutes
//   (edited)                           ← markers: edited, deleted, sending…, failed: reason
//
// Text is always plain (never HTML). Colours come from the palette, so light and dark themes
// both work. Row heights are cached per (message, width, grouping, text) so a long timeline
// scrolls without re-measuring text.
#pragma once

#include <QCache>
#include <QFont>
#include <QStyledItemDelegate>

#include <functional>

namespace confab::client {

class MessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using NameOf = std::function<QString(qint64 userId)>;
    MessageDelegate(NameOf nameOf, QObject *parent = nullptr);

    void setSelf(qint64 userId, const QString &username);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // What the row shows, as text (also what tests and accessibility read).
    QString headerText(const QModelIndex &index) const; // empty when grouped
    QString bodyText(const QModelIndex &index) const;
    QString statusText(const QModelIndex &index) const; // markers; empty when none
    bool isGrouped(const QModelIndex &index) const;
    bool mentionsSelf(const QModelIndex &index) const;

    qsizetype cachedLayouts() const { return m_heights.size(); }
    int measurements() const { return m_measurements; } // text measured (cache misses)

private:
    struct Layout
    {
        QRect header, body, status;
        int height = 0;
    };
    struct Measured
    {
        int width = 0;
        size_t textHash = 0;
        int height = 0;
    };
    Layout layoutFor(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    int bodyHeight(const QFont &font, int width, const QModelIndex &index,
                   const QString &body) const;
    static bool hasStatus(const QModelIndex &index);

    NameOf m_nameOf;
    qint64 m_self = 0;
    QString m_selfName;
    mutable QCache<qint64, Measured> m_heights { 200000 }; // message → measured body
    mutable int m_measurements = 0;
    mutable QFont m_metricsFont;
    mutable int m_headerHeight = 0;
    mutable int m_statusHeight = 0;
};

} // namespace confab::client
