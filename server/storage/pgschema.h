// The PostgreSQL schema: schema.cpp's migrations, version for version (storage/backend.h).
// Never edit a released migration: append a new one, to both lists.
#pragma once

#include <QStringList>

namespace confab::server::pgschema {

const QList<QStringList> &migrations();

} // namespace confab::server::pgschema
