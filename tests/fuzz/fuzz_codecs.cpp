// libFuzzer: the protocol codecs in common/. Any input is decoded as each kind of message; what
// decodes must encode, and decode again to the same thing (decode → encode → decode is stable).
#include "discovery.h"
#include "frames.h"
#include "jsonreader.h"
#include "requests.h"
#include "searchtext.h"
#include "types.h"

#include <QByteArray>
#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

using namespace confab;

namespace {

[[noreturn]] void mismatch(const char *what, const QByteArray &a, const QByteArray &b)
{
    fprintf(stderr, "round trip of %s is not stable:\n  %s\n  %s\n", what, a.constData(),
            b.constData());
    abort();
}

template<class T> void roundTripObject(const char *what, const QJsonObject &o)
{
    const auto first = T::fromJson(o);
    if (!first)
        return;
    const QJsonObject encoded = first->toJson();
    const auto second = T::fromJson(encoded);
    if (!second)
        mismatch(what, QJsonDocument(encoded).toJson(QJsonDocument::Compact),
                 second.error().message.toUtf8());
    const QJsonObject again = second->toJson();
    if (again != encoded)
        mismatch(what, QJsonDocument(encoded).toJson(QJsonDocument::Compact),
                 QJsonDocument(again).toJson(QJsonDocument::Compact));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    if (const auto f = parseClientFrame(bytes)) {
        const QByteArray encoded = encodeClientFrame(*f);
        const auto again = parseClientFrame(encoded);
        if (!again || encodeClientFrame(*again) != encoded)
            mismatch("a client frame", encoded, again ? encodeClientFrame(*again) : QByteArray());
    }
    if (const auto f = parseServerFrame(bytes)) {
        const QByteArray encoded = encodeServerFrame(*f);
        const auto again = parseServerFrame(encoded);
        if (!again || encodeServerFrame(*again) != encoded)
            mismatch("a server frame", encoded, again ? encodeServerFrame(*again) : QByteArray());
    }
    if (const auto a = discovery::parseAnnouncement(bytes)) {
        const QByteArray encoded = discovery::encodeAnnouncement(*a);
        const auto again = discovery::parseAnnouncement(encoded);
        if (!again || !(*again == *a))
            mismatch("an announcement", QByteArray(bytes.data(), bytes.size()), encoded);
    }
    (void)discovery::isQuery(bytes);

    // A search query is never FTS5 syntax: every term comes out quoted (quotes balanced), and a
    // marked snippet's highlights lie inside its text.
    {
        const QString typed = QString::fromUtf8(bytes);
        if (ftsMatchExpression(typed).count(u'"') % 2)
            mismatch("a search expression", QByteArray(bytes.data(), bytes.size()),
                     ftsMatchExpression(typed).toUtf8());
        SearchHit hit;
        takeMarkedSnippet(typed, &hit);
        const qsizetype length = hit.snippet.toUcs4().size();
        for (const SearchHit::Span &span : hit.highlights) {
            if (span.start < 0 || span.length <= 0 || span.start + span.length > length)
                mismatch("a snippet's highlights", QByteArray(bytes.data(), bytes.size()),
                         hit.snippet.toUtf8());
        }
    }

    // REST bodies and domain types, from the same input as a JSON object.
    if (const auto o = parseJsonObject(bytes, 64 * 1024)) {
        roundTripObject<RegisterRequest>("RegisterRequest", *o);
        roundTripObject<LoginRequest>("LoginRequest", *o);
        roundTripObject<LoginResponse>("LoginResponse", *o);
        roundTripObject<ProfilePatch>("ProfilePatch", *o);
        roundTripObject<CreateRoomRequest>("CreateRoomRequest", *o);
        roundTripObject<RoomPatch>("RoomPatch", *o);
        roundTripObject<InviteRequest>("InviteRequest", *o);
        roundTripObject<RoleChangeRequest>("RoleChangeRequest", *o);
        roundTripObject<SendMessageRequest>("SendMessageRequest", *o);
        roundTripObject<EditMessageRequest>("EditMessageRequest", *o);
        roundTripObject<ReactRequest>("ReactRequest", *o);
        roundTripObject<ReactionResult>("ReactionResult", *o);
        roundTripObject<SearchResults>("SearchResults", *o);
        roundTripObject<SearchHit>("SearchHit", *o);
        roundTripObject<SendAck>("SendAck", *o);
        roundTripObject<EventPage>("EventPage", *o);
        roundTripObject<User>("User", *o);
        roundTripObject<Room>("Room", *o);
    }
    return 0;
}
