// EventBus: fan-out of committed room events to whoever delivers them (the realtime hub, SSE).
// The in-process bus delivers on the publishing thread's event loop; a Redis pub/sub bus for
// multi-node mode implements the same interface.
#pragma once

#include "types.h"

#include <QObject>

namespace confab::server {

class EventBus : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    // Publish events in commit order; subscribers receive them in that order.
    virtual void publish(const QList<confab::RoomEvent> &events) = 0;

signals:
    void published(const QList<confab::RoomEvent> &events);
};

class LocalEventBus : public EventBus
{
    Q_OBJECT
public:
    using EventBus::EventBus;
    void publish(const QList<confab::RoomEvent> &events) override { emit published(events); }
};

} // namespace confab::server
