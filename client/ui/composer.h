// Composer: where a message is written. A text field that grows with its content from one line
// to a few (then scrolls), an attach button, an emoji button and a Send button. Pasting an
// image (a screenshot) or files into the field shares them instead of inserting text. Enter, Shift+Enter, Up and Escape
// stay with ChatWindow, which watches edit() (it knows about editing and the outbox).
#pragma once

#include <QWidget>

class QImage;
class QMimeData;
class QPlainTextEdit;
class QToolButton;
class QPushButton;
class QMenu;
class QCompleter;
class QStandardItemModel;

namespace confab::client {

class Composer : public QWidget
{
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);

    QPlainTextEdit *edit() const { return m_edit; }
    QPushButton *sendButton() const { return m_send; }
    QToolButton *emojiButton() const { return m_emoji; }
    QToolButton *attachButton() const { return m_attach; }
    // What a paste or a drop onto the field shares: local files, or an image (no file yet).
    // Returns true when `mime` held something to share (then nothing is inserted as text).
    bool shareFrom(const QMimeData *mime);
    QMenu *emojiMenu() const { return m_emojiMenu; }
    void insertEmoji(const QString &emoji);
    int maximumLines() const { return MaxLines; }
    int visibleLines() const; // how many lines the text field is tall now

    // Who `@` offers to mention: usernames, each with the name shown beside it.
    void setMentionCandidates(const QList<std::pair<QString, QString>> &usernameAndName);
    QCompleter *mentionCompleter() const { return m_completer; }
    bool isCompleting() const; // the mention list is open (Enter picks, not sends)

    static QStringList emojis(); // what the picker offers
    static QString emojiFontFamily(); // "Noto Color Emoji"

signals:
    void sendRequested();
    void attachRequested(); // the attach button: ChatWindow asks which files
    void filesChosen(const QStringList &paths); // pasted or dropped local files
    void imagePasted(const QImage &image); // a pasted image (a screenshot) without a file

protected:
    void changeEvent(QEvent *event) override;

private:
    void fitHeight();
    void offerMentions(); // after each edit: is the cursor in an "@name" being typed?
    void insertMention(const QString &username);
    void buildEmojiMenu();

    static constexpr int MaxLines = 8;
    QPlainTextEdit *m_edit;
    QToolButton *m_emoji;
    QToolButton *m_attach;
    QPushButton *m_send;
    QMenu *m_emojiMenu;
    QCompleter *m_completer;
    QStandardItemModel *m_mentionModel;
};

} // namespace confab::client
