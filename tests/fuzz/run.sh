#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) on a scratch copy of its seed corpus
# (tests/fuzz/corpus/<target>/, never written to); exits non-zero on any crash, sanitizer report
# or failed check. Crashing inputs are kept as BUILD/<target>-crash-*.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -uo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
status=0
passed=0
failed=0
for t in fuzz_codecs fuzz_http_request fuzz_ws_frames fuzz_sse; do
  bin="$build/tests/fuzz/$t"
  [[ -x "$bin" ]] || { echo "fuzz: $bin is missing"; status=1; failed=$((failed + 1)); continue; }
  work=$(mktemp -d)
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/$t-" "$work" "$here/corpus/$t" > "$build/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log")
    echo "fuzz: $t passed (${runs:-?} inputs in ${seconds} s)"
    passed=$((passed + 1))
  else
    echo "fuzz: $t FAILED; the end of its log:"
    tail -n 40 "$build/$t.log"
    status=1
    failed=$((failed + 1))
  fi
  rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
