// Where the server's log records go (docs/operations.md, "Logs"):
//  - text: Qt's default lines on stderr (a terminal, a test);
//  - journal: under systemd (stderr is the journal's stream, JOURNAL_STREAM), each record is sent
//    to the journal with its PRIORITY, its logging category (CONFAB_CATEGORY) and the source
//    location, and no timestamp of ours (the journal keeps its own);
//  - json: one JSON object per line on stderr, {"ts", "level", "category", "msg"}, for log
//    shippers.
#pragma once

#include <QString>

namespace confab::server::logging {

enum class Format { Text, Journal, Json };

// "auto" (journal when stderr is the journal's stream, else text), "text", "journal", "json".
Format choose(const QString &configured);
void install(Format format);
Format current();

// A line the operator must see whatever --log-level says (the port, the fingerprint, the setup
// code): stderr as is in text, an info record otherwise.
void announce(const QString &line);

} // namespace confab::server::logging
