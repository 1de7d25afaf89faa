// EventBus: fan-out of committed room events to whoever delivers them (the realtime hub, SSE).
// The in-process bus delivers on the publishing thread's event loop; a Redis pub/sub bus for
// multi-node mode implements the same interface.
#pragma once

#include "types.h"

#include <QJsonObject>
#include <QObject>

namespace confab::server {

class EventBus : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    // Publish events in commit order; subscribers receive them in that order.
    virtual void publish(const QList<confab::RoomEvent> &events) = 0;
    // A notice for the other nodes of a cluster, acted on here already (typing, presence, read
    // state, a session revoked): {"t": kind, ...}. Best effort, never stored. One node has
    // nobody to tell.
    virtual void notify(const QJsonObject &notice) { Q_UNUSED(notice); }
    virtual bool clustered() const { return false; } // notices go somewhere

signals:
    void published(const QList<confab::RoomEvent> &events);
    void notified(const QJsonObject &notice); // another node's notify(), with "node" added
};

class LocalEventBus : public EventBus
{
    Q_OBJECT
public:
    using EventBus::EventBus;
    void publish(const QList<confab::RoomEvent> &events) override { emit published(events); }
};

} // namespace confab::server
