#include "searchpanel.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QCheckBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTextLayout>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace confab::client {

namespace {

constexpr int Pad = 6;

// A snippet as a line of text to read: Markdown markers (`**`, `*`, `_`, backticks, fences,
// a quote's `>`) and line breaks dropped, the highlights moved with the text. A snippet is a
// cut from a message, so its markers may not pair up: this strips, it does not parse.
struct PlainLine
{
    QString text;
    QList<QPair<int, int>> marks; // UTF-16 start, length
};

PlainLine plainSnippet(const SearchHit &hit)
{
    const QString &in = hit.snippet;
    // Highlights arrive in code points: to UTF-16 offsets first.
    const QList<uint> cps = in.toUcs4();
    QList<int> utf16At(cps.size() + 1, 0);
    for (qsizetype i = 0; i < cps.size(); ++i)
        utf16At[i + 1] = utf16At[i] + (cps[i] > 0xFFFF ? 2 : 1);
    PlainLine out;
    // Matched in the name of the message's file: the name as it is (no Markdown in it), after
    // a paper clip, as quotes show a file.
    const QString fileName
        = hit.event.content.value(u"file"_s).toObject().value(u"name"_s).toString();
    if (!fileName.isEmpty() && in == fileName) {
        const QString clip = u"📎 "_s;
        out.text = clip + in;
        for (const SearchHit::Span &s : hit.highlights) {
            const int from = utf16At.value(s.start);
            const int to = utf16At.value(s.start + s.length);
            if (to > from)
                out.marks.append({ int(clip.size()) + from, to - from });
        }
        return out;
    }
    QList<int> map(in.size() + 1, 0); // input UTF-16 position → output position
    const auto isWord = [](QChar c) { return c.isLetterOrNumber(); };
    for (qsizetype i = 0; i < in.size(); ++i) {
        map[i] = int(out.text.size());
        const QChar c = in[i];
        const QChar before = i > 0 ? in[i - 1] : QChar(u' ');
        const QChar after = i + 1 < in.size() ? in[i + 1] : QChar(u' ');
        if (c == u'\n' || c == u'\r') {
            if (!out.text.endsWith(u' '))
                out.text += u' ';
            continue;
        }
        if (c == u'`')
            continue; // code markers and fences
        if ((c == u'*' || c == u'_') && (isWord(before) != isWord(after) || after == c || before == c))
            continue; // an emphasis marker at a word's edge
        if (c == u'>' && (i == 0 || in[i - 1] == u'\n') && after == u' ') {
            ++i; // a quote's "> "
            map[i] = int(out.text.size());
            continue;
        }
        out.text += c;
    }
    map[in.size()] = int(out.text.size());
    for (const SearchHit::Span &s : hit.highlights) {
        const int from = map.value(utf16At.value(s.start));
        const int to = map.value(utf16At.value(s.start + s.length));
        if (to > from)
            out.marks.append({ from, to - from });
    }
    return out;
}

// One result: "room · sender · time" small and dim, then the snippet with the matched words
// bold on an accent tint. Plain text throughout (never HTML).
class HitDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const override
    {
        const QFontMetrics fm(option.font);
        return { 200, Pad * 3 + fm.height() * 2 };
    }

    void paint(QPainter *p, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, p, opt.widget);
        const bool selected = option.state & QStyle::State_Selected;
        const QPalette &pal = option.palette;
        const QColor text = pal.color(selected ? QPalette::HighlightedText : QPalette::Text);
        QColor dim = text;
        dim.setAlphaF(0.65);
        const auto hit = index.data(SearchPanel::HitRole).value<SearchHit>();
        const QRect r = option.rect.adjusted(Pad, Pad, -Pad, -Pad);
        const QFontMetrics fm(option.font);
        p->save();
        QFont small = option.font;
        small.setPointSizeF(option.font.pointSizeF() * 0.9);
        p->setFont(small);
        p->setPen(dim);
        const QString where = index.data(SearchPanel::RoomNameRole).toString() + u" · "_s
            + index.data(SearchPanel::SenderNameRole).toString() + u" · "_s
            + QLocale().toString(QDateTime::fromMSecsSinceEpoch(hit.event.ts), QLocale::ShortFormat);
        p->drawText(QRect(r.left(), r.top(), r.width(), fm.height()),
                    Qt::AlignLeft | Qt::AlignVCenter | Qt::TextSingleLine,
                    QFontMetrics(small).elidedText(where, Qt::ElideRight, r.width()));
        // The snippet on one line as text to read, its matches marked.
        const PlainLine plain = plainSnippet(hit);
        QList<QTextLayout::FormatRange> formats;
        for (const auto &[start, length] : plain.marks) {
            QTextCharFormat f;
            f.setFontWeight(QFont::Bold);
            QColor tint = pal.color(QPalette::Highlight);
            tint.setAlphaF(selected ? 0.0 : 0.18);
            f.setBackground(tint);
            formats.append({ start, length, f });
        }
        const QString line = plain.text;
        QTextLayout layout(fm.elidedText(line, Qt::ElideRight, r.width() * 3), option.font);
        layout.setFormats(formats);
        QTextOption wrap;
        wrap.setWrapMode(QTextOption::NoWrap);
        layout.setTextOption(wrap);
        layout.beginLayout();
        QTextLine l = layout.createLine();
        if (l.isValid())
            l.setLineWidth(r.width());
        layout.endLayout();
        p->setPen(text);
        p->setClipRect(r);
        layout.draw(p, QPointF(r.left(), r.top() + fm.height() + Pad));
        p->restore();
    }
};

} // namespace

SearchPanel::SearchPanel(ChatClient *client, NameOf roomName, NameOf userName, QWidget *parent)
    : QDialog(parent)
    , m_client(client)
    , m_roomName(std::move(roomName))
    , m_userName(std::move(userName))
    , m_query(new QLineEdit(this))
    , m_thisRoom(new QCheckBox(tr("Only in this room"), this))
    , m_results(new QListWidget(this))
    , m_source(new QLabel(this))
    , m_more(new QPushButton(tr("More results"), this))
{
    setWindowTitle(tr("Search messages"));
    resize(560, 480);
    m_query->setPlaceholderText(tr("Words, \"a phrase\", or a prefix*"));
    m_query->setAccessibleName(tr("Search messages"));
    m_query->setClearButtonEnabled(true);
    m_results->setItemDelegate(new HitDelegate(m_results));
    m_results->setAccessibleName(tr("Search results"));
    m_results->setUniformItemSizes(true);
    m_source->setTextFormat(Qt::PlainText);
    m_source->setWordWrap(true);
    m_more->hide();
    auto *top = new QHBoxLayout;
    top->addWidget(m_query, 1);
    top->addWidget(m_thisRoom);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_source, 1);
    bottom->addWidget(m_more);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_results, 1);
    layout->addLayout(bottom);
    connect(m_query, &QLineEdit::returnPressed, this, &SearchPanel::search);
    connect(m_thisRoom, &QCheckBox::toggled, this, [this] {
        if (!m_query->text().trimmed().isEmpty())
            search();
    });
    connect(m_more, &QPushButton::clicked, this, [this] { runPage(m_nextBefore); });
    const auto choose = [this](QListWidgetItem *item) {
        if (!item)
            return;
        const auto hit = item->data(HitRole).value<SearchHit>();
        emit resultChosen(hit.event.roomId, hit.event.id, hit.event.seq);
    };
    connect(m_results, &QListWidget::itemActivated, this, choose);
    connect(m_results, &QListWidget::itemClicked, this, choose);
}

void SearchPanel::setCurrentRoom(qint64 roomId)
{
    m_room = roomId;
    m_thisRoom->setEnabled(roomId != 0);
    if (!roomId)
        m_thisRoom->setChecked(false);
}

void SearchPanel::search()
{
    m_running = m_query->text().trimmed();
    m_results->clear();
    m_more->hide();
    m_source->clear();
    if (m_running.isEmpty())
        return;
    runPage(0);
}

void SearchPanel::runPage(qint64 before)
{
    const int generation = ++m_generation;
    const bool append = before != 0;
    m_source->setText(tr("Searching…"));
    m_client->search(m_running, m_thisRoom->isChecked() ? m_room : 0, before, 20,
                     [this, generation, append](Result<ChatClient::SearchAnswer> r) {
                         if (generation != m_generation)
                             return; // a newer query is under way
                         if (!r) {
                             m_source->setText(tr("Search failed: %1").arg(r.error().message));
                             return;
                         }
                         showAnswer(r.value(), append);
                     });
}

void SearchPanel::showAnswer(const ChatClient::SearchAnswer &answer, bool append)
{
    if (!append)
        m_results->clear();
    for (const SearchHit &hit : answer.results.results) {
        auto *item = new QListWidgetItem(m_results);
        item->setData(HitRole, QVariant::fromValue(hit));
        item->setData(RoomNameRole, m_roomName(hit.event.roomId));
        item->setData(SenderNameRole, m_userName(hit.event.senderId));
        item->setData(Qt::AccessibleTextRole, describe(item));
        item->setToolTip(hit.event.body());
    }
    m_nextBefore = answer.results.nextBefore;
    m_more->setVisible(answer.results.hasMore);
    const int n = m_results->count();
    const QString found = n ? tr("Results: %1").arg(n) : tr("Nothing found");
    m_source->setText(answer.offline
                          ? tr("%1 — offline: searched the messages on this device only").arg(found)
                          : tr("%1 — searched on the server").arg(found));
}

QString SearchPanel::describe(const QListWidgetItem *item)
{
    const auto hit = item->data(HitRole).value<SearchHit>();
    return item->data(RoomNameRole).toString() + u" · "_s + item->data(SenderNameRole).toString()
        + u" · "_s
        + QLocale().toString(QDateTime::fromMSecsSinceEpoch(hit.event.ts), QLocale::ShortFormat)
        + u": "_s + plainSnippet(hit).text;
}

} // namespace confab::client
