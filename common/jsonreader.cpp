#include "jsonreader.h"

#include "protocollimits.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

using namespace Qt::StringLiterals;

namespace confab {

Result<QJsonObject> parseJsonObject(QByteArrayView bytes, qint64 maxBytes)
{
    if (bytes.size() > maxBytes) {
        return makeError(ErrorCode::PayloadTooLarge,
                         u"at most %1 bytes allowed, got %2"_s.arg(maxBytes).arg(bytes.size()));
    }
    // QJsonDocument reports bad UTF-8 only inside strings; check the whole input first.
    if (!bytes.isValidUtf8())
        return makeError(ErrorCode::InvalidUtf8, u"input is not valid UTF-8"_s);
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes.toByteArray(), &err);
    if (err.error != QJsonParseError::NoError) {
        return makeError(
            ErrorCode::InvalidJson,
            u"not valid JSON at offset %1: %2"_s.arg(err.offset).arg(err.errorString()));
    }
    if (!doc.isObject())
        return makeError(ErrorCode::InvalidJson, u"expected a JSON object"_s);
    return doc.object();
}

int codePointLength(QStringView s)
{
    int n = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i].isHighSurrogate() && i + 1 < s.size() && s[i + 1].isLowSurrogate())
            ++i;
        ++n;
    }
    return n;
}

QString leftCodePoints(QStringView s, int n)
{
    qsizetype i = 0;
    for (int taken = 0; i < s.size() && taken < n; ++taken) {
        if (s[i].isHighSurrogate() && i + 1 < s.size() && s[i + 1].isLowSurrogate())
            ++i;
        ++i;
    }
    return s.first(i).toString();
}

bool isHiddenFormatChar(char32_t c)
{
    switch (c) {
    case 0x00AD: // soft hyphen
    case 0x115F: // Hangul choseong filler
    case 0x1160: // Hangul jungseong filler
    case 0x3164: // Hangul filler
    case 0xFFA0: // halfwidth Hangul filler
        return true;
    default:
        break;
    }
    // Every other format character (Cf): bidi marks, embeddings, overrides and isolates
    // (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width space, word joiner, invisible
    // operators, BOM, interlinear annotation, tags (U+E0001, U+E0020-7F), ...
    return QChar::category(c) == QChar::Other_Format;
}

std::optional<qint64> parseCanonicalInteger(QStringView s, qint64 min, qint64 max)
{
    if (s.isEmpty() || s.size() > 18 || (s.size() > 1 && s.front() == u'0'))
        return std::nullopt;
    qint64 v = 0;
    for (QChar c : s) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        v = v * 10 + (c.unicode() - u'0');
    }
    if (v < min || v > max)
        return std::nullopt;
    return v;
}

static bool isTokenChar(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
        || u == u'_' || u == u'-';
}

std::optional<Error> checkTextValue(const QString &value, TextRule rule, const QString &field)
{
    if (!value.isValidUtf16())
        return makeError(ErrorCode::InvalidUtf8, u"string is not valid Unicode"_s, field);
    const int len = codePointLength(value);
    if (len > rule.maxLength)
        return makeError(ErrorCode::TooLong,
                         u"at most %1 characters allowed, got %2"_s.arg(rule.maxLength).arg(len),
                         field);
    if (len < rule.minLength) {
        return makeError(ErrorCode::InvalidValue,
                         rule.minLength == 1
                             ? u"must not be empty"_s
                             : u"at least %1 characters required"_s.arg(rule.minLength),
                         field);
    }
    const QList<uint> codePoints = value.toUcs4();
    for (qsizetype i = 0; i < codePoints.size(); ++i) {
        const char32_t c = codePoints[i];
        switch (rule.kind) {
        case TextKind::Token:
            if (!isTokenChar(QChar(c)))
                return makeError(ErrorCode::InvalidValue,
                                 u"only letters, digits, '_' and '-' are allowed"_s, field);
            break;
        case TextKind::Multiline:
            if (c == u'\n' || c == u'\t' || c == u'\r')
                break;
            if (QChar::category(c) == QChar::Other_Control)
                return makeError(ErrorCode::InvalidValue, u"control characters are not allowed"_s,
                                 field);
            break;
        case TextKind::Line:
            if (QChar::category(c) == QChar::Other_Control)
                return makeError(ErrorCode::InvalidValue, u"control characters are not allowed"_s,
                                 field);
            if (c == 0x200C || c == 0x200D) { // ZWNJ, ZWJ: only between two non-ASCII
                if (i > 0 && i + 1 < codePoints.size() && codePoints[i - 1] > 0x7F
                    && codePoints[i + 1] > 0x7F && !isHiddenFormatChar(codePoints[i - 1])
                    && !isHiddenFormatChar(codePoints[i + 1]))
                    break;
                return makeError(ErrorCode::InvalidValue,
                                 u"zero-width joiners are allowed only inside emoji and scripts"
                                 u" that need them"_s,
                                 field);
            }
            if (isHiddenFormatChar(c))
                return makeError(ErrorCode::InvalidValue,
                                 u"invisible and bidirectional formatting characters are not"
                                 u" allowed: U+%1"_s.arg(QString::number(uint(c), 16).toUpper().rightJustified(4, u'0')),
                                 field);
            break;
        }
    }
    return std::nullopt;
}

JsonReader::JsonReader(const QJsonObject &object, QString path)
    : m_object(object)
    , m_path(std::move(path))
{
}

QString JsonReader::fieldPath(QStringView key) const
{
    return m_path + key;
}

void JsonReader::fail(ErrorCode code, QString message, QStringView key)
{
    if (!m_error)
        m_error = makeError(code, std::move(message), fieldPath(key));
}

std::optional<QJsonValue> JsonReader::take(QStringView key, bool required)
{
    if (m_error)
        return std::nullopt;
    const auto it = m_object.constFind(key);
    if (it == m_object.constEnd() || it->isNull()) {
        if (required)
            fail(ErrorCode::MissingField, u"required field is missing"_s, key);
        return std::nullopt;
    }
    return *it;
}

std::optional<QString> JsonReader::checkText(const QJsonValue &v, QStringView key, TextRule rule)
{
    if (!v.isString()) {
        fail(ErrorCode::WrongType, u"must be a string"_s, key);
        return std::nullopt;
    }
    QString s = v.toString();
    if (auto err = checkTextValue(s, rule, fieldPath(key))) {
        if (!m_error)
            m_error = std::move(err);
        return std::nullopt;
    }
    return s;
}

QString JsonReader::text(QStringView key, TextRule rule)
{
    const auto v = take(key, true);
    if (!v)
        return {};
    return checkText(*v, key, rule).value_or(QString());
}

std::optional<QString> JsonReader::optionalText(QStringView key, TextRule rule)
{
    const auto v = take(key, false);
    if (!v)
        return std::nullopt;
    return checkText(*v, key, rule);
}

std::optional<qint64> JsonReader::checkInteger(const QJsonValue &v, QStringView key, qint64 min,
                                               qint64 max)
{
    if (!v.isDouble()) {
        fail(ErrorCode::WrongType, u"must be a number"_s, key);
        return std::nullopt;
    }
    const double d = v.toDouble();
    if (!std::isfinite(d) || std::trunc(d) != d) {
        fail(ErrorCode::InvalidValue, u"must be an integer"_s, key);
        return std::nullopt;
    }
    if (d < double(min) || d > double(max)) {
        fail(ErrorCode::InvalidValue, u"must be between %1 and %2"_s.arg(min).arg(max), key);
        return std::nullopt;
    }
    return qint64(d);
}

qint64 JsonReader::id(QStringView key)
{
    return integer(key, 1, limits::MaxSafeInteger);
}

std::optional<qint64> JsonReader::optionalId(QStringView key)
{
    return optionalInteger(key, 1, limits::MaxSafeInteger);
}

qint64 JsonReader::integer(QStringView key, qint64 min, qint64 max)
{
    const auto v = take(key, true);
    if (!v)
        return 0;
    return checkInteger(*v, key, min, max).value_or(0);
}

std::optional<qint64> JsonReader::optionalInteger(QStringView key, qint64 min, qint64 max)
{
    const auto v = take(key, false);
    if (!v)
        return std::nullopt;
    return checkInteger(*v, key, min, max);
}

bool JsonReader::boolean(QStringView key)
{
    const auto v = take(key, true);
    if (!v)
        return false;
    if (!v->isBool()) {
        fail(ErrorCode::WrongType, u"must be true or false"_s, key);
        return false;
    }
    return v->toBool();
}

std::optional<bool> JsonReader::optionalBoolean(QStringView key)
{
    const auto v = take(key, false);
    if (!v)
        return std::nullopt;
    if (!v->isBool()) {
        fail(ErrorCode::WrongType, u"must be true or false"_s, key);
        return std::nullopt;
    }
    return v->toBool();
}

QJsonObject JsonReader::object(QStringView key)
{
    const auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isObject()) {
        fail(ErrorCode::WrongType, u"must be an object"_s, key);
        return {};
    }
    return v->toObject();
}

QJsonArray JsonReader::array(QStringView key, int maxItems)
{
    const auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isArray()) {
        fail(ErrorCode::WrongType, u"must be an array"_s, key);
        return {};
    }
    QJsonArray a = v->toArray();
    if (a.size() > maxItems) {
        fail(ErrorCode::TooLong, u"at most %1 items allowed"_s.arg(maxItems), key);
        return {};
    }
    return a;
}

QString JsonReader::oneOf(QStringView key, std::initializer_list<QStringView> allowed)
{
    const auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isString()) {
        fail(ErrorCode::WrongType, u"must be a string"_s, key);
        return {};
    }
    const QString s = v->toString();
    for (QStringView a : allowed) {
        if (s == a)
            return s;
    }
    QStringList names;
    for (QStringView a : allowed)
        names.append(a.toString());
    fail(ErrorCode::InvalidValue, u"must be one of: "_s + names.join(u", "), key);
    return {};
}

} // namespace confab
