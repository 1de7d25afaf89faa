#include "errors.h"

#include <array>
#include <utility>

using namespace Qt::StringLiterals;

namespace confab {

namespace {

struct ErrorInfo
{
    ErrorCode code;
    const char16_t *name;
    int status;
};

constexpr std::array kErrors {
    ErrorInfo { ErrorCode::InvalidJson, u"invalid_json", 400 },
    ErrorInfo { ErrorCode::InvalidUtf8, u"invalid_utf8", 400 },
    ErrorInfo { ErrorCode::MissingField, u"missing_field", 400 },
    ErrorInfo { ErrorCode::WrongType, u"wrong_type", 400 },
    ErrorInfo { ErrorCode::InvalidValue, u"invalid_value", 400 },
    ErrorInfo { ErrorCode::TooLong, u"too_long", 400 },
    ErrorInfo { ErrorCode::UnknownType, u"unknown_type", 400 },
    ErrorInfo { ErrorCode::BadRequest, u"bad_request", 400 },
    ErrorInfo { ErrorCode::Unauthorized, u"unauthorized", 401 },
    ErrorInfo { ErrorCode::InvalidCredentials, u"invalid_credentials", 401 },
    ErrorInfo { ErrorCode::Forbidden, u"forbidden", 403 },
    ErrorInfo { ErrorCode::NotMember, u"not_member", 403 },
    ErrorInfo { ErrorCode::NotFound, u"not_found", 404 },
    ErrorInfo { ErrorCode::RoomNotFound, u"room_not_found", 404 },
    ErrorInfo { ErrorCode::UserNotFound, u"user_not_found", 404 },
    ErrorInfo { ErrorCode::EventNotFound, u"event_not_found", 404 },
    ErrorInfo { ErrorCode::MethodNotAllowed, u"method_not_allowed", 405 },
    ErrorInfo { ErrorCode::UsernameTaken, u"username_taken", 409 },
    ErrorInfo { ErrorCode::Conflict, u"conflict", 409 },
    ErrorInfo { ErrorCode::RequestTimeout, u"request_timeout", 408 },
    ErrorInfo { ErrorCode::LengthRequired, u"length_required", 411 },
    ErrorInfo { ErrorCode::PayloadTooLarge, u"payload_too_large", 413 },
    ErrorInfo { ErrorCode::HeadersTooLarge, u"headers_too_large", 431 },
    ErrorInfo { ErrorCode::RangeNotSatisfiable, u"range_not_satisfiable", 416 },
    ErrorInfo { ErrorCode::QuotaExceeded, u"quota_exceeded", 507 },
    ErrorInfo { ErrorCode::UploadOffsetMismatch, u"upload_offset_mismatch", 409 },
    ErrorInfo { ErrorCode::FileNotFound, u"file_not_found", 404 },
    ErrorInfo { ErrorCode::RateLimited, u"rate_limited", 429 },
    ErrorInfo { ErrorCode::TooManyConnections, u"too_many_connections", 503 },
    ErrorInfo { ErrorCode::UntrustedCertificate, u"untrusted_certificate", 495 },
    ErrorInfo { ErrorCode::Internal, u"internal_error", 500 },
    ErrorInfo { ErrorCode::Unavailable, u"unavailable", 503 },
};

const ErrorInfo &info(ErrorCode code)
{
    for (const auto &e : kErrors) {
        if (e.code == code)
            return e;
    }
    return kErrors.back(); // unreachable: every enumerator is in the table (tested)
}

} // namespace

QString errorCodeName(ErrorCode code)
{
    return QString::fromUtf16(info(code).name);
}

bool errorCodeFromName(QStringView name, ErrorCode *code)
{
    for (const auto &e : kErrors) {
        if (name == QStringView(e.name)) {
            *code = e.code;
            return true;
        }
    }
    return false;
}

int httpStatusFor(ErrorCode code)
{
    return info(code).status;
}

QJsonObject Error::toJson() const
{
    QJsonObject o { { u"code"_s, errorCodeName(code) }, { u"message"_s, message } };
    if (!field.isEmpty())
        o.insert(u"field"_s, field);
    return o;
}

QJsonObject Error::toBody() const
{
    return QJsonObject { { u"error"_s, toJson() } };
}

bool Error::fromJson(const QJsonObject &errorObject, Error *out)
{
    const auto code = errorObject.value(u"code"_s);
    const auto message = errorObject.value(u"message"_s);
    if (!code.isString() || !message.isString())
        return false;
    Error e;
    if (!errorCodeFromName(code.toString(), &e.code))
        e.code = ErrorCode::Internal; // a newer server's code: still an error, keep its text
    e.message = message.toString();
    e.field = errorObject.value(u"field"_s).toString();
    *out = std::move(e);
    return true;
}

Error makeError(ErrorCode code, QString message, QString field)
{
    return Error { code, std::move(message), std::move(field) };
}

} // namespace confab
