// ChatClient options for tests: short timeouts and backoff, no dependence on the machine's
// NetworkManager (D-Bus).
#pragma once

#include "chatclient.h"

namespace confab::test {

inline client::ChatClient::Options fastChatClientOptions()
{
    using namespace std::chrono_literals;
    client::ChatClient::Options o;
    o.api.transferTimeout = 1500ms;
    o.api.retry.maxElapsedTime = 2000ms;
    o.realtime.reconnect.initialInterval = 50ms;
    o.realtime.reconnect.maxInterval = 300ms;
    o.realtime.connectTimeout = 2000ms;
    o.sse.reconnect.initialInterval = 50ms;
    o.sse.reconnect.maxInterval = 300ms;
    o.outboxRetry.initialInterval = 50ms;
    o.outboxRetry.maxInterval = 300ms;
    o.watchNetwork = false;
    return o;
}

} // namespace confab::test
