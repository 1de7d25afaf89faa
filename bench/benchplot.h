// confab-bench plot: the fan-out ramp of a `--json` result as a PNG (latency against rate).
#pragma once

#include <QString>

namespace confab::bench {

// Reads RESULTS.json (confab-bench --json) and writes the p50/p99 plot; 0 on success.
int plotFanout(const QString &in, const QString &out);

} // namespace confab::bench
