#!/usr/bin/env python3
"""Medians of several `confab-bench all --json` runs, as the Markdown tables in docs/benchmarks.md.

    bench/summarize.py run1.json run2.json run3.json

Each file is one run's JSON (the object `--json` prints last; text before it is skipped).
Every cell is the median over the runs; the spread (min-max) is given for p99, the figure the
targets are about. A fan-out step is listed only if every run reached it.
"""
import json
import statistics
import sys


def load(path):
    text = open(path, encoding="utf-8").read()
    start = text.find("\n{")
    return json.loads(text[start + 1 if start >= 0 else 0 :].split("\n}\n")[0] + "\n}")


def med(values):
    return statistics.median(values)


def spread(values):
    return f"{min(values):.2f}–{max(values):.2f}"


def steps_table(runs, key, columns):
    by_rate = {}
    for run in runs:
        for step in run[key]["steps"]:
            by_rate.setdefault(step["rate"], []).append(step)
    print("| msgs/s | deliveries/s | p50 | p95 | p99 (median) | p99 (all runs) | max | ack p99 "
          "| losses | server CPU | generator CPU |" + (" RSS MiB |" if columns else ""))
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if columns else ""))
    for rate in sorted(by_rate):
        steps = by_rate[rate]
        if len(steps) < len(runs):
            continue
        row = [
            f"{rate:,}",
            f"{med([s['deliveriesPerSecond'] for s in steps]):,.0f}",
            f"{med([s['p50'] for s in steps]):.2f}",
            f"{med([s['p95'] for s in steps]):.2f}",
            f"**{med([s['p99'] for s in steps]):.2f}**",
            spread([s["p99"] for s in steps]),
            f"{med([s['max'] for s in steps]):.2f}",
            f"{med([s['ackP99'] for s in steps]):.2f}",
            str(sum(s["losses"] for s in steps)),
            f"{med([s['serverCpu'] for s in steps]):.0f}%",
            f"{med([s['benchCpu'] for s in steps]):.0f}%",
        ]
        if columns:
            row.append(f"{med([s['serverRssMiB'] for s in steps]):.0f}")
        print("| " + " | ".join(row) + " |")


def main():
    runs = [load(p) for p in sys.argv[1:]]
    if not runs:
        sys.exit(__doc__)
    print(f"Medians of {len(runs)} runs.\n")
    print("### fanout: 100 members in one room\n")
    steps_table(runs, "fanout", False)
    for key, title in (("rooms", "1000 clients in 10 rooms of 100"),
                       ("roomslarge", "5000 clients in 50 rooms of 100")):
        print(f"\n### rooms: {title}\n")
        steps_table(runs, key, True)
    ingest = [r["ingest"]["result"] for r in runs]
    idle = [r["idle"] for r in runs]
    hist = [r["history"] for r in runs]
    resume = [r["resume"]["caughtUpMs"] for r in runs]
    print("\n### ingest, idle, history, resume storm, start-up\n")
    print("| scenario | median | all runs |")
    print("|---|---:|---|")
    acked = [i["ackedPerSecond"] for i in ingest]
    print(f"| ingest: acked msgs/s | **{med(acked):,.0f}** | "
          + ", ".join(f"{a:,.0f}" for a in acked) + " |")
    kib = [i["kibPerConnection"] for i in idle]
    print(f"| idle: RSS per connection (KiB) | **{med(kib):.1f}** | "
          + ", ".join(f"{k:.1f}" for k in kib) + " |")
    for q in ("p50", "p95", "p99", "max"):
        vals = [h[q] for h in hist]
        print(f"| history page {q} (ms) | **{med(vals):.2f}** | "
              + ", ".join(f"{v:.2f}" for v in vals) + " |")
    print(f"| resume storm: all caught up (ms) | **{med(resume):.0f}** | "
          + ", ".join(f"{v:.0f}" for v in resume) + " |")
    start = [h["serverStartMs"] for h in hist]
    print(f"| server start, 1,000,000 events (ms) | **{med(start):.1f}** | "
          + ", ".join(f"{v:.1f}" for v in start) + " |")


if __name__ == "__main__":
    main()
