#include "roomlist.h"

#include "icons.h"

#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

RoomList::RoomList(MarksOf marksOf, QWidget *parent)
    : QWidget(parent)
    , m_marksOf(std::move(marksOf))
    , m_filter(new QLineEdit(this))
    , m_list(new QListWidget(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 0, 0);
    layout->setSpacing(4);
    m_filter->setPlaceholderText(tr("Filter rooms (Ctrl+K)"));
    m_filter->setAccessibleName(tr("Filter rooms"));
    m_filter->setAccessibleDescription(tr("Shows only the rooms whose name contains the text"));
    m_filter->setClearButtonEnabled(true);
    m_list->setAccessibleName(tr("Rooms"));
    m_list->setAccessibleDescription(
        tr("Your rooms and direct messages, then public rooms you can join"));
    m_list->setMinimumWidth(150);
    m_list->setSpacing(1);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_filter);
    layout->addWidget(m_list, 1);
    connect(m_filter, &QLineEdit::textChanged, this, &RoomList::applyFilter);
    connect(m_list, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (item && !item->data(SectionRole).toBool())
            emit roomChosen(item->data(RoomIdRole).toLongLong(), item->data(JoinedRole).toBool());
    });
}

void RoomList::setRooms(const QList<Entry> &entries, qint64 current)
{
    m_list->blockSignals(true);
    m_list->clear();
    for (Section section : { Section::Rooms, Section::Direct, Section::Browse }) {
        bool headed = false;
        for (const Entry &e : entries) {
            if (e.section != section)
                continue;
            if (!headed) {
                headed = true;
                const QString title = section == Section::Rooms ? tr("Rooms")
                    : section == Section::Direct                ? tr("Direct messages")
                                                                : tr("Browse");
                auto *header = new QListWidgetItem(title.toUpper(), m_list);
                header->setData(SectionRole, true);
                header->setData(Qt::AccessibleTextRole, title);
                header->setFlags(Qt::ItemIsEnabled);
                QFont font = m_list->font();
                font.setBold(true);
                font.setPointSizeF(font.pointSizeF() * 0.8);
                font.setLetterSpacing(QFont::PercentageSpacing, 108);
                header->setFont(font);
                header->setForeground(m_list->palette().color(QPalette::PlaceholderText));
                header->setSizeHint(QSize(0, QFontMetrics(font).height() + 12));
                header->setTextAlignment(Qt::AlignLeft | Qt::AlignBottom);
            }
            auto *item = new QListWidgetItem(m_list);
            item->setData(RoomIdRole, e.id);
            item->setData(JoinedRole, section != Section::Browse);
            item->setData(NameRole, e.title);
            showMarks(item);
            if (e.id == current)
                m_list->setCurrentItem(item);
        }
    }
    m_list->blockSignals(false);
    applyFilter();
}

QList<QListWidgetItem *> RoomList::roomItems() const
{
    QList<QListWidgetItem *> items;
    for (int i = 0; i < m_list->count(); ++i) {
        if (!m_list->item(i)->data(SectionRole).toBool())
            items.append(m_list->item(i));
    }
    return items;
}

QListWidgetItem *RoomList::item(qint64 roomId) const
{
    for (QListWidgetItem *item : roomItems()) {
        if (item->data(RoomIdRole).toLongLong() == roomId)
            return item;
    }
    return nullptr;
}

void RoomList::refresh(qint64 roomId)
{
    if (QListWidgetItem *i = item(roomId))
        showMarks(i);
}

void RoomList::select(qint64 roomId)
{
    if (QListWidgetItem *i = item(roomId)) {
        m_list->blockSignals(true);
        m_list->setCurrentItem(i);
        m_list->blockSignals(false);
    }
}

void RoomList::step(int delta)
{
    QList<QListWidgetItem *> items = roomItems();
    items.removeIf([](QListWidgetItem *i) { return i->isHidden(); });
    if (items.isEmpty())
        return;
    const int at = items.indexOf(m_list->currentItem());
    const int next = at < 0 ? 0 : std::clamp(at + delta, 0, int(items.size()) - 1);
    m_list->setCurrentItem(items[next]);
}

void RoomList::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

void RoomList::applyFilter()
{
    const QString needle = m_filter->text().simplified();
    QListWidgetItem *header = nullptr;
    bool any = false;
    const auto closeSection = [&] {
        if (header)
            header->setHidden(!any); // a section with no match goes away
    };
    for (int i = 0; i < m_list->count(); ++i) {
        QListWidgetItem *item = m_list->item(i);
        if (item->data(SectionRole).toBool()) {
            closeSection();
            header = item;
            any = false;
            continue;
        }
        const bool match = needle.isEmpty()
            || item->data(NameRole).toString().contains(needle, Qt::CaseInsensitive);
        item->setHidden(!match);
        any = any || match;
    }
    closeSection();
}

void RoomList::showMarks(QListWidgetItem *item)
{
    const qint64 id = item->data(RoomIdRole).toLongLong();
    const bool joined = item->data(JoinedRole).toBool();
    const Marks marks = m_marksOf ? m_marksOf(id) : Marks {};
    QString text = item->data(NameRole).toString(); // plain text, never HTML
    if (marks.mention)
        text = u"@ "_s + text;
    if (marks.unread)
        text += u" (%1)"_s.arg(marks.unread);
    item->setText(text);
    QFont font = m_list->font();
    font.setItalic(!joined);
    font.setBold(marks.unread > 0 && !marks.muted);
    item->setFont(font);
    QStringList tips { item->data(NameRole).toString() }; // the whole name, when it elides
    if (!joined)
        tips << tr("Not joined: select to join");
    if (marks.muted)
        tips << tr("Muted: only mentions notify");
    if (marks.mention)
        tips << tr("You were mentioned");
    item->setToolTip(tips.join(u'\n'));
    item->setIcon(marks.muted ? mutedIcon() : QIcon());
    item->setForeground(marks.mention ? m_list->palette().color(QPalette::Highlight)
                                      : m_list->palette().color(marks.muted
                                                                    ? QPalette::PlaceholderText
                                                                    : QPalette::Text));
}

} // namespace confab::client
