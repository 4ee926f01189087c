#!/usr/bin/env bash
# How long headless Chromium takes to open and draw the HTML report (--format html) of a run
# with 100 rows: from navigation start to every chart drawn (report.js's summary.rendered_ms),
# the median of R page loads. Issue 14's target: under 1 s. Figures go in docs/performance.md;
# run it on a quiet machine.
#
#   bench/html_report_render.sh [BUILD_DIR (default build)] [R (default 10)]
#
# The run: primes.sieve over a tiny range, 6 models x 4 concurrency levels x 4 sweep values
# plus `sequential` at each value (100 rows, 3 repetitions each) on one local parlab-worker; the report is rendered once by
# `parlab export --format html` and opened R times, each in a fresh browser, network cut.
set -euo pipefail

BUILD=${1:-build}
R=${2:-10}
BIN="$BUILD/bin"
HERE=$(cd "$(dirname "$0")/.." && pwd)
CHROMIUM=${PARLAB_CHROMIUM:-/usr/bin/chromium}
for exe in parlab parlab-worker; do
  [ -x "$BIN/$exe" ] || { echo "render: $BIN/$exe is missing (build first)" >&2; exit 2; }
done
[ -x "$CHROMIUM" ] || { echo "render: $CHROMIUM is missing (scripts/setup.sh)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/parlab-render.XXXXXX)
export PARLAB_STORE="$tmp/runs.db"
# shellcheck source=scripts/lib/daemon.sh
source "$HERE/scripts/lib/daemon.sh"
cleanup() {
  daemon_stop_all
  rm -rf "$tmp"
}
trap cleanup EXIT

daemon_start "$tmp" worker "$BIN/parlab-worker" --listen 127.0.0.1:0
address=$(daemon_address "$tmp" worker "$DAEMON_PID") || { echo "render: the worker did not start" >&2; exit 1; }

cat >"$tmp/plan.json" <<'PLAN'
{"name": "render-100", "workload": {"kind": "primes.sieve", "params": {"from": 1000, "to": 1100}},
 "models": ["sequential", "threads", "thread_pool", "coroutines", "coroutines_mt", "processes",
            "process_pool"],
 "concurrency": [1, 2, 3, 4], "warmup": 0, "repetitions": 3,
 "sweep": {"param": "to", "values": [1100, 1200, 1300, 1400]}}
PLAN
"$BIN/parlab" run "$tmp/plan.json" --workers "$address" --progress none --format json \
  >"$tmp/run.json"
"$BIN/parlab" export latest --format html >"$tmp/report.html"
rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$tmp/run.json")
echo "render: $rows rows, report $(wc -c <"$tmp/report.html") bytes"

for i in $(seq 1 "$R"); do
  python3 "$HERE/tests/e2e/browser/cdp_page.py" --chromium "$CHROMIUM" --offline \
    --url "file://$tmp/report.html" --out "$tmp/result-$i.json"
done
python3 - "$tmp" "$R" <<'PY'
import json, statistics, sys
tmp, r = sys.argv[1], int(sys.argv[2])
results = [json.load(open(f"{tmp}/result-{i}.json")) for i in range(1, r + 1)]
errors = [e for res in results for e in res["console_errors"]]
if errors:
    sys.exit(f"render: the page logged errors: {errors[:3]}")
ms = sorted(res["summary"]["rendered_ms"] for res in results)
points = sum(d["points"] for c in results[0]["summary"]["charts"] for d in c["datasets"])
print(f"render: {len(results[0]['summary']['charts'])} charts, {points} points drawn")
print(f"render: navigation start to all charts drawn: median {statistics.median(ms):.0f} ms, "
      f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms over {r} loads")
PY
