// ServerContext: what every service needs — storage, metrics, configuration and the clock.
// The clock is injected so tests can move time (session expiry, typing, rate limits).
#pragma once

#include "serverconfig.h"

#include <QDateTime>

#include <functional>

namespace confab::server {

class Database;
class EventCache;
class Metrics;
class SearchIndexer;
}
namespace confab::otlp {
class SpanExporter;
}
namespace confab::server {

using Clock = std::function<qint64()>; // ms since the epoch, UTC; must be thread-safe

inline qint64 systemNowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

struct ServerContext
{
    Database *database = nullptr;
    Metrics *metrics = nullptr;
    EventCache *cache = nullptr;
    ServerConfig config;
    Clock now = systemNowMs;
    SearchIndexer *search = nullptr; // keeps the full-text index current (search/)
    otlp::SpanExporter *tracer = nullptr; // --otlp-endpoint: where spans go; null: no tracing
};

} // namespace confab::server
