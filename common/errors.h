// The one error vocabulary of protocol v1: a snake_case code, an HTTP status for REST,
// and a human message. Errors are values at every boundary (see Result<T>).
#pragma once

#include <QJsonObject>
#include <QString>

namespace confab {

enum class ErrorCode {
    // 400: the input itself is wrong
    InvalidJson, // not JSON, or not the JSON shape expected (e.g. not an object)
    InvalidUtf8, // bytes are not UTF-8, or a string holds unpaired surrogates
    MissingField, // a required field is absent
    WrongType, // a field has the wrong JSON type
    InvalidValue, // right type, value outside what is allowed (range, pattern, enum)
    TooLong, // a string is longer than its limit
    UnknownType, // unknown frame `type` or event `type`
    BadRequest, // anything else the server cannot accept as sent
    // 401 / 403
    Unauthorized, // no, malformed, expired or revoked credentials
    InvalidCredentials, // login with a wrong username or password
    Forbidden, // authenticated, but not allowed to do this
    NotMember, // the room exists, the caller is not in it
    // 404 / 405 / 409
    NotFound, // no such route
    RoomNotFound,
    UserNotFound,
    EventNotFound,
    MethodNotAllowed,
    UsernameTaken,
    Conflict,
    // transport and load
    RequestTimeout, // 408
    LengthRequired, // 411
    PayloadTooLarge, // 413 (WebSocket: close 1009)
    HeadersTooLarge, // 431
    RangeNotSatisfiable, // 416: a Range outside the file
    QuotaExceeded, // 507: an upload would pass a user's or the server's file quota
    UploadOffsetMismatch, // 409: an upload's bytes do not start where the server's copy ends
    FileNotFound, // 404: no such file (or upload) that the caller may see
    RateLimited, // 429
    TooManyConnections, // 503 from the connection guard
    // client side only: the server's TLS certificate is not (or no longer) trusted (TOFU)
    UntrustedCertificate,
    // 5xx
    Internal,
    Unavailable,
};

// snake_case wire name, e.g. "room_not_found".
QString errorCodeName(ErrorCode code);
// Inverse of errorCodeName; false when the name is unknown.
bool errorCodeFromName(QStringView name, ErrorCode *code);
// HTTP status that carries this code on REST.
int httpStatusFor(ErrorCode code);

struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QString field; // the offending field, when there is one ("rooms[3].lastSeq")
    int retryAfterSeconds = 0; // rate_limited: sent as the Retry-After header, not in the body

    // {"code": "...", "message": "...", "field": "..."}
    QJsonObject toJson() const;
    // The full REST error body: {"error": {...}}
    QJsonObject toBody() const;
    static bool fromJson(const QJsonObject &errorObject, Error *out);

    friend bool operator==(const Error &, const Error &) = default;
};

Error makeError(ErrorCode code, QString message, QString field = {});

} // namespace confab
