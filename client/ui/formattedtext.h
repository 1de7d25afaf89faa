// FormattedText: the safe Markdown subset of message bodies (docs/protocol.md, "Formatting"),
// read into display text plus spans. Never HTML: a body's "<b>" is shown as typed.
//
//   **bold**   *italic* or _italic_   `code`   ```fenced code block```   > quote (a line)
//   [text](https://…)   bare http://, https:// and confab:// links   \* shows a literal *
//
// Only http, https, mailto and confab (a link to a message: ChatWindow::messageLink) links
// are links; anything else stays text. `_` inside a word
// (snake_case) is not emphasis. Unclosed markers are text.
#pragma once

#include <QList>
#include <QString>

namespace confab::client {

struct FormatSpan
{
    enum class Kind { Bold, Italic, Code, CodeBlock, Quote, Link };
    Kind kind = Kind::Bold;
    int start = 0; // in the display text, UTF-16 units
    int length = 0;
    QString url; // Link only
    friend bool operator==(const FormatSpan &, const FormatSpan &) = default;
};

struct FormattedText
{
    QString text; // what is shown: markers removed
    QList<FormatSpan> spans; // in order of start
    // The link at display position `pos`, if any.
    QString linkAt(int pos) const;
};

FormattedText formatMessage(const QString &body);

} // namespace confab::client
