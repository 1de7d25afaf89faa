// JsonReader: strict, first-error-wins validation of one JSON object.
//
// Every codec reads through this class so that all of protocol v1 reports the same error codes
// for the same mistakes: missing_field, wrong_type, too_long, invalid_value, invalid_utf8.
// After the first failure every accessor returns a default value and the error is kept; the
// caller checks ok() once at the end, and never builds a half-filled object.
#pragma once

#include "errors.h"
#include "result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace confab {

// What a string field may contain.
enum class TextKind {
    Line, // one line: no control characters at all
    Multiline, // message text: newlines and tabs allowed, other control characters not
    Token, // opaque ASCII token: [A-Za-z0-9_-]
};

struct TextRule
{
    int minLength = 0; // code points
    int maxLength = 0; // code points
    TextKind kind = TextKind::Line;
};

class JsonReader
{
public:
    // `path` prefixes field names in errors ("rooms[2]." → "rooms[2].lastSeq").
    explicit JsonReader(const QJsonObject &object, QString path = {});

    QString text(QStringView key, TextRule rule);
    std::optional<QString> optionalText(QStringView key, TextRule rule);

    // A positive id: integer in [1, 2^53-1].
    qint64 id(QStringView key);
    std::optional<qint64> optionalId(QStringView key);
    // An integer in [min, max].
    qint64 integer(QStringView key, qint64 min, qint64 max);
    std::optional<qint64> optionalInteger(QStringView key, qint64 min, qint64 max);

    bool boolean(QStringView key);
    std::optional<bool> optionalBoolean(QStringView key);

    QJsonObject object(QStringView key);
    QJsonArray array(QStringView key, int maxItems);

    // One of `allowed`, as a string.
    QString oneOf(QStringView key, std::initializer_list<QStringView> allowed);

    bool has(QStringView key) const { return m_object.contains(key); }
    const QJsonObject &whole() const { return m_object; } // the object being read
    bool ok() const { return !m_error.has_value(); }
    const Error &error() const { return *m_error; }
    void fail(ErrorCode code, QString message, QStringView key);
    QString fieldPath(QStringView key) const;

private:
    std::optional<QJsonValue> take(QStringView key, bool required);
    std::optional<QString> checkText(const QJsonValue &v, QStringView key, TextRule rule);
    std::optional<qint64> checkInteger(const QJsonValue &v, QStringView key, qint64 min,
                                       qint64 max);

    QJsonObject m_object;
    QString m_path;
    std::optional<Error> m_error;
};

// Parses `bytes` as one JSON object of at most `maxBytes` bytes: too_large, invalid_utf8 or
// invalid_json otherwise.
Result<QJsonObject> parseJsonObject(QByteArrayView bytes, qint64 maxBytes);

// Validation of a single string against a rule; nullopt when valid, else the error.
std::optional<Error> checkTextValue(const QString &value, TextRule rule, const QString &field);
// Code-point length of a string.
int codePointLength(QStringView s);
// The first `n` code points of `s` (a surrogate pair is never split).
QString leftCodePoints(QStringView s, int n);

// Characters refused in Line text although they are not control characters: bidirectional
// overrides, embeddings and isolates, and format characters that draw nothing (zero-width
// space, word joiner, BOM, soft hyphen, tags, Hangul fillers). They let one name pass for
// another or make text read backwards. ZWJ and ZWNJ are refused too, except between two
// non-ASCII characters, where emoji sequences and scripts such as Persian or Devanagari need
// them. docs/protocol.md states the rule.
bool isHiddenFormatChar(char32_t c);

// A decimal integer written the one canonical way: ASCII digits only, no sign, no whitespace,
// no leading zero; nullopt when not so, or outside [min, max]. Ids in paths and numbers in
// queries and headers are all read with it.
std::optional<qint64> parseCanonicalInteger(QStringView s, qint64 min, qint64 max);

} // namespace confab
