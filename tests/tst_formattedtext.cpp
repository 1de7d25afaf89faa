// The message formatting subset (docs/protocol.md, "Formatting"): what each marker shows, what
// stays as typed (HTML, unsafe links, snake_case, unclosed markers).
#include "formattedtext.h"

#include <QTest>

using namespace confab::client;
using namespace Qt::StringLiterals;
using Kind = FormatSpan::Kind;

class tst_FormattedText : public QObject
{
    Q_OBJECT

private slots:
    void inlineMarkersBecomeSpans_data();
    void inlineMarkersBecomeSpans();
    void blocksQuoteAndCode();
    void linksAreHttpHttpsOrMailtoOnly();
    void htmlIsShownAsTyped();
};

void tst_FormattedText::inlineMarkersBecomeSpans_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QList<FormatSpan>>("spans");
    QTest::newRow("bold") << u"a **big** deal"_s << u"a big deal"_s
                          << QList<FormatSpan> { { Kind::Bold, 2, 3, {} } };
    QTest::newRow("italic star") << u"*so* nice"_s << u"so nice"_s
                                 << QList<FormatSpan> { { Kind::Italic, 0, 2, {} } };
    QTest::newRow("italic underscore") << u"an _odd_ one"_s << u"an odd one"_s
                                       << QList<FormatSpan> { { Kind::Italic, 3, 3, {} } };
    QTest::newRow("snake_case stays") << u"call my_var_name now"_s << u"call my_var_name now"_s
                                      << QList<FormatSpan> {};
    QTest::newRow("code keeps markers") << u"run `a **b** c` now"_s << u"run a **b** c now"_s
                                        << QList<FormatSpan> { { Kind::Code, 4, 9, {} } };
    QTest::newRow("bold with italic inside")
        << u"**very *much* so**"_s << u"very much so"_s
        << QList<FormatSpan> { { Kind::Bold, 0, 12, {} }, { Kind::Italic, 5, 4, {} } };
    QTest::newRow("unclosed") << u"2 * 3 and **open"_s << u"2 * 3 and **open"_s
                              << QList<FormatSpan> {};
    QTest::newRow("escaped") << u"\\*not italic\\*"_s << u"*not italic*"_s << QList<FormatSpan> {};
    QTest::newRow("spaced stars are not emphasis") << u"a * b * c"_s << u"a * b * c"_s
                                                   << QList<FormatSpan> {};
}

void tst_FormattedText::inlineMarkersBecomeSpans()
{
    QFETCH(QString, body);
    QFETCH(QString, shown);
    QFETCH(QList<FormatSpan>, spans);
    const FormattedText f = formatMessage(body);
    QCOMPARE(f.text, shown);
    QCOMPARE(f.spans, spans);
}

void tst_FormattedText::blocksQuoteAndCode()
{
    const FormattedText f = formatMessage(u"> quoted **words**\nmy answer\n```\nint x = 1; // *no*\n\n  indented\n```\nafter"_s);
    QCOMPARE(f.text, u"quoted words\nmy answer\nint x = 1; // *no*\n\n  indented\nafter"_s);
    QCOMPARE(f.spans,
             (QList<FormatSpan> { { Kind::Quote, 0, 12, {} },
                                  { Kind::Bold, 7, 5, {} },
                                  { Kind::CodeBlock, 23, 30, {} } }));
    // An unpaired fence is text; blank lines stay.
    QCOMPARE(formatMessage(u"a\n\n```\nb"_s).text, u"a\n\n```\nb"_s);
}

void tst_FormattedText::linksAreHttpHttpsOrMailtoOnly()
{
    FormattedText f = formatMessage(u"see https://example.org/a_b?x=1. and [the docs](http://lan/docs)"_s);
    QCOMPARE(f.text, u"see https://example.org/a_b?x=1. and the docs"_s);
    QCOMPARE(f.spans,
             (QList<FormatSpan> { { Kind::Link, 4, 27, u"https://example.org/a_b?x=1"_s },
                                  { Kind::Link, 37, 8, u"http://lan/docs"_s } }));
    QCOMPARE(f.linkAt(10), u"https://example.org/a_b?x=1"_s);
    QCOMPARE(f.linkAt(2), QString());
    for (const QString &bad : { u"[x](javascript:alert(1))"_s, u"[x](file:///etc/passwd)"_s,
                                u"[x](data:text/html,hi)"_s, u"[x](ftp://host/)"_s }) {
        f = formatMessage(bad);
        QCOMPARE(f.text, bad); // shown as typed, no link
        QVERIFY(f.spans.isEmpty());
    }
    QCOMPARE(formatMessage(u"mail [me](mailto:a@b.c)"_s).spans.value(0).url, u"mailto:a@b.c"_s);
}

void tst_FormattedText::htmlIsShownAsTyped()
{
    const QString html = u"<b>bold?</b> <img src=x onerror=alert(1)> &amp;"_s;
    const FormattedText f = formatMessage(html);
    QCOMPARE(f.text, html);
    QVERIFY(f.spans.isEmpty());
}

QTEST_MAIN(tst_FormattedText)
#include "tst_formattedtext.moc"
