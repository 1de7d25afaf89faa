#include "httprequestparser.h"

#include <QUrl>
#include <QUrlQuery>

#include <cctype>

using namespace Qt::StringLiterals;

namespace confab::server {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// Visible ASCII only: no space, no control character, nothing above 0x7E.
bool isTarget(QByteArrayView s)
{
    if (s.isEmpty() || s.front() != '/')
        return false;
    for (char c : s) {
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7F)
            return false;
    }
    return true;
}

// RFC 3986 path characters (pchar and "/"; in a query also "?"), with every "%" starting a
// two-digit hex escape.
bool isUriPart(QByteArrayView s, bool query)
{
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            continue;
        if (QByteArrayView("-._~!$&'()*+,;=:@/").contains(c) || (query && c == '?'))
            continue;
        if (c == '%' && i + 2 < s.size() && isxdigit(uchar(s[i + 1])) && isxdigit(uchar(s[i + 2]))) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

bool hasControlChars(QByteArrayView value)
{
    for (char c : value) {
        if ((uchar(c) < 0x20 && c != '\t') || uchar(c) == 0x7F)
            return true;
    }
    return false;
}

QByteArrayView trimOws(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

// Decimal digits only ("+5", " 5", "0x5", "5,5" are all refused), at most 18 of them.
bool parseLength(QByteArrayView v, qint64 *out)
{
    if (v.isEmpty() || v.size() > 18)
        return false;
    qint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + (c - '0');
    }
    *out = n;
    return true;
}

HttpParse invalid(ErrorCode code, const QString &message)
{
    HttpParse p;
    p.status = HttpParse::Status::Invalid;
    p.error = makeError(code, message);
    return p;
}

HttpParse malformed(const QString &what)
{
    return invalid(ErrorCode::BadRequest, u"malformed HTTP request: "_s + what);
}

} // namespace

HttpParse parseHttpRequest(QByteArrayView bytes, const HttpLimits &limits)
{
    const QByteArrayView window = bytes.first(qMin(bytes.size(), limits.headerBytes + 4));
    const qsizetype end = window.indexOf("\r\n\r\n");
    if (end < 0) {
        if (bytes.size() > limits.headerBytes)
            return invalid(ErrorCode::HeadersTooLarge,
                           u"request headers exceed %1 bytes"_s.arg(limits.headerBytes));
        return {};
    }
    const QByteArrayView head = bytes.first(end);

    HttpParse p;
    // Request line.
    qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
    const qsizetype sp1 = requestLine.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0)
        return malformed(u"the request line is not METHOD TARGET VERSION"_s);
    const QByteArrayView method = requestLine.first(sp1);
    const QByteArrayView target = requestLine.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = requestLine.sliced(sp2 + 1);
    if (!isToken(method))
        return malformed(u"bad method"_s);
    if (!isTarget(target))
        return malformed(u"the target must be an absolute path"_s);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return malformed(u"only HTTP/1.0 and HTTP/1.1 are spoken here"_s);
    // origin-form (RFC 9112 3.2.1): an absolute path and an optional query, checked and taken
    // apart here rather than by QUrl, which reads "//host/x" as an authority and lets
    // characters through that a URI may not hold (both found by fuzz_http_request).
    const qsizetype question = target.indexOf('?');
    const QByteArrayView rawPath = question < 0 ? target : target.first(question);
    const QByteArrayView rawQuery = question < 0 ? QByteArrayView() : target.sliced(question + 1);
    if (!isUriPart(rawPath, false) || !isUriPart(rawQuery, true))
        return malformed(u"bad target"_s);
    // HTTP/1.1 keeps the connection unless told "close"; 1.0 closes unless told "keep-alive".
    p.request.keepAlive = version == "HTTP/1.1";
    p.request.method = method.toByteArray();
    p.request.rawPath = rawPath.toByteArray();
    p.request.path = QUrl::fromPercentEncoding(p.request.rawPath);
    p.request.query = QUrlQuery(QString::fromLatin1(rawQuery));

    // Header lines.
    bool hasLength = false;
    qint64 length = 0;
    bool chunked = false;
    qsizetype at = lineEnd < 0 ? head.size() : lineEnd + 2;
    while (at < head.size()) {
        lineEnd = head.indexOf("\r\n", at);
        const QByteArrayView line = head.sliced(at, (lineEnd < 0 ? head.size() : lineEnd) - at);
        at = lineEnd < 0 ? head.size() : lineEnd + 2;
        if (line.contains('\r') || line.contains('\n'))
            return malformed(u"a line does not end in CRLF"_s);
        if (line.isEmpty() || line.front() == ' ' || line.front() == '\t')
            return malformed(u"folded header lines (obs-fold) are not accepted"_s);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return malformed(u"bad header name (no whitespace before the colon)"_s);
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = trimOws(line.sliced(colon + 1));
        if (hasControlChars(value))
            return malformed(u"control characters in a header value"_s);
        p.request.headers.append({ name.toByteArray(), value.toByteArray() });
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            qint64 n = 0;
            if (!parseLength(value, &n) || (hasLength && n != length))
                return malformed(u"bad Content-Length"_s);
            length = n;
            hasLength = true;
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            chunked = true;
        } else if (name.compare("upgrade", Qt::CaseInsensitive) == 0) {
            p.webSocketUpgrade = value.compare("websocket", Qt::CaseInsensitive) == 0;
        } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            for (const QByteArray &option : value.toByteArray().split(',')) {
                const QByteArrayView o = trimOws(option);
                if (o.compare("close", Qt::CaseInsensitive) == 0)
                    p.request.keepAlive = false;
                else if (o.compare("keep-alive", Qt::CaseInsensitive) == 0 && version == "HTTP/1.0")
                    p.request.keepAlive = true;
            }
        } else if (name.compare("expect", Qt::CaseInsensitive) == 0) {
            p.expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    if (chunked)
        return invalid(ErrorCode::LengthRequired,
                       u"chunked request bodies are not accepted; send Content-Length"_s);
    const bool streamed = limits.streamed && limits.streamed(method, rawPath);
    const qint64 maxBody = streamed ? limits.streamBodyBytes : limits.bodyBytes;
    if (length > maxBody)
        return invalid(ErrorCode::PayloadTooLarge,
                       u"request body exceeds %1 bytes"_s.arg(maxBody));

    p.headBytes = end + 4;
    p.contentLength = length;
    if (streamed) {
        p.totalBytes = p.headBytes + length;
        p.status = HttpParse::Status::Streamed;
        return p;
    }
    p.totalBytes = p.headBytes + length;
    if (bytes.size() < p.totalBytes) {
        p.status = HttpParse::Status::NeedBody;
        return p;
    }
    p.request.body = bytes.sliced(p.headBytes, length).toByteArray();
    p.status = HttpParse::Status::Complete;
    return p;
}

} // namespace confab::server
