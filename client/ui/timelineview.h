// TimelineView: the message list of the open room. Adds to QListView what a chat timeline needs:
// hover tracking for the delegate's actions, a "Jump to latest" button while the user reads
// further up (or reads history away from the live end), and Ctrl+C that copies the selected
// messages as text.
#pragma once

#include <QListView>

class QToolButton;

namespace confab::client {

class MessageDelegate;

class TimelineView : public QListView
{
    Q_OBJECT
public:
    explicit TimelineView(QWidget *parent = nullptr);

    void setMessageDelegate(MessageDelegate *delegate);
    QToolButton *jumpButton() const { return m_jump; }
    bool isNearBottom() const; // within half a screen of the newest loaded message
    QString selectedText() const; // what Ctrl+C copies
    void copySelection() const;
    void updateJumpButton();

signals:
    // The user asked for the newest messages (the button, or End with Ctrl).
    void jumpToLatestRequested();

protected:
    void resizeEvent(QResizeEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void rowsInserted(const QModelIndex &parent, int start, int end) override;
    void paintEvent(QPaintEvent *event) override; // an empty room says so

private:
    void placeJumpButton();

    MessageDelegate *m_delegate = nullptr;
    QToolButton *m_jump;
};

} // namespace confab::client
