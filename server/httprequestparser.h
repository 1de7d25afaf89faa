// parseHttpRequest: the one HTTP/1.1 request parser of the server. The connection guard runs it
// on the bytes a connection has sent so far; what it accepts is what the routes see, so no
// second parser can disagree with it about where a request ends (request smuggling).
//
// It is strict where RFC 9112 lets a server refuse: the request line is METHOD SP
// origin-form SP HTTP/1.0|1.1; lines end in CRLF (a bare CR or LF is refused); obs-fold (a line
// that starts with SP or HTAB) and whitespace before a header's colon are refused; header names
// are tokens, values hold no control characters but HTAB; Content-Length is decimal digits and
// agrees with any repetition; any Transfer-Encoding is refused (411: send Content-Length).
#pragma once

#include "errors.h"
#include "httpmessage.h"

#include <QByteArrayView>

#include <functional>

namespace confab::server {

struct HttpLimits
{
    qint64 headerBytes = 16 * 1024; // request line + headers, without the final CRLFCRLF
    qint64 bodyBytes = 64 * 1024; // Content-Length at most
    // Requests whose body the guard does not read but hands to their handler as a stream
    // (file uploads and downloads): their Content-Length may be up to streamBodyBytes.
    std::function<bool(QByteArrayView method, QByteArrayView rawPath)> streamed;
    qint64 streamBodyBytes = 0;
};

struct HttpParse
{
    enum class Status {
        NeedHead, // the head has not ended yet (and is within the limit)
        NeedBody, // the head is complete and valid; the body has not all arrived
        Complete, // head and body: `request` is filled in, `totalBytes` were used
        Invalid, // `error` says why; answer it and close
        Streamed, // a streamed request's head is complete and valid; its body was not looked at
    };
    Status status = Status::NeedHead;
    Error error;
    HttpRequest request; // method, path, query, headers; the body when Complete
    qint64 headBytes = 0; // with the final CRLFCRLF (NeedBody, Complete, Streamed)
    qint64 contentLength = 0; // (NeedBody, Complete, Streamed)
    qint64 totalBytes = 0; // head + body (NeedBody, Complete)
    bool webSocketUpgrade = false; // "Upgrade: websocket"
    bool expectContinue = false; // "Expect: 100-continue"
};

// Parses the request at the start of `bytes` (more bytes after it are not looked at).
HttpParse parseHttpRequest(QByteArrayView bytes, const HttpLimits &limits);

} // namespace confab::server
