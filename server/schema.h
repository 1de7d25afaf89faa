// The SQLite schema as an ordered list of migrations (PostgreSQL's, version for version:
// storage/pgschema.cpp). Migration N brings user_version N-1 → N.
// Never edit a released migration: append a new one.
#pragma once

#include <QStringList>

namespace confab::server::schema {

// Each migration is a list of statements run in one transaction.
const QList<QStringList> &migrations();
inline int latestVersion()
{
    return int(migrations().size());
}

} // namespace confab::server::schema
