// The multi-node scenarios of confab-bench (docs/benchmarks.md, "Several nodes"): delivery
// from node A to node B through Redis, pages on nodes that have not seen the rooms, and the
// failover of a killed node's clients through HAProxy.
#pragma once

#include "benchcontext.h"

namespace confab::bench {

// Two nodes on one PostgreSQL and one Redis: `members` listen on node B, 10 of them send on A.
void clusterScenario(Context &ctx, const QString &serverBinary, int members,
                     const QList<double> &rates, double seconds);
// Three nodes behind HAProxy, `clients` in rooms of 100; one node killed.
void failoverScenario(Context &ctx, const QString &serverBinary, int clients);

} // namespace confab::bench
