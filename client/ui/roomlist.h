// RoomList: the left pane. A filter field over the rooms in three sections: Rooms (joined),
// Direct messages, Browse (public rooms one may join). Each row shows the room's name with its
// unread count and mention mark; names elide, with the whole name in the tooltip.
// ChatWindow owns what the marks are (unread counts, mentions, mutes); this widget shows them.
#pragma once

#include <QWidget>

#include <functional>

class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace confab::client {

class RoomList : public QWidget
{
    Q_OBJECT
public:
    enum Role { RoomIdRole = Qt::UserRole, JoinedRole, NameRole, SectionRole };
    enum class Section { Rooms, Direct, Browse };
    struct Entry
    {
        qint64 id = 0;
        QString title; // plain text, never HTML
        Section section = Section::Rooms;
    };
    struct Marks
    {
        int unread = 0;
        bool mention = false;
        bool muted = false;
    };
    using MarksOf = std::function<Marks(qint64 roomId)>;

    explicit RoomList(MarksOf marksOf, QWidget *parent = nullptr);

    QListWidget *list() const { return m_list; }
    QLineEdit *filter() const { return m_filter; }
    // Replaces the rows: sections in order, entries in their given order within each.
    void setRooms(const QList<Entry> &entries, qint64 current);
    QList<QListWidgetItem *> roomItems() const; // section headers left out
    QListWidgetItem *item(qint64 roomId) const;
    void refresh(qint64 roomId); // its marks changed
    void select(qint64 roomId); // without announcing it
    void step(int delta); // the previous or next visible room, over headers
    void focusFilter();

signals:
    void roomChosen(qint64 roomId, bool joined);

private:
    void applyFilter();
    void showMarks(QListWidgetItem *item);

    MarksOf m_marksOf;
    QLineEdit *m_filter;
    QListWidget *m_list;
};

} // namespace confab::client
