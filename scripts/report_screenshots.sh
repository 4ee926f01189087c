#!/usr/bin/env bash
# The screenshots in docs/report.md: examples/plans/cpu-sieve.json (five models, 3 repetitions,
# no warm-up) run three times on one local parlab-worker; the last run's HTML report, the
# comparison of the last two, and `parlab serve`'s run list and history, each opened in
# headless Chromium by tests/e2e/browser/cdp_page.py and saved as a small PNG in docs/.
#
#   scripts/report_screenshots.sh [BUILD_DIR (default build)]
set -euo pipefail

BUILD=${1:-build}
BIN="$BUILD/bin"
HERE=$(cd "$(dirname "$0")/.." && pwd)
CHROMIUM=${PARLAB_CHROMIUM:-/usr/bin/chromium}
tmp=$(mktemp -d /tmp/parlab-shots.XXXXXX)
export PARLAB_STORE="$tmp/runs.db"
# shellcheck source=scripts/lib/daemon.sh
source "$HERE/scripts/lib/daemon.sh"
cleanup() {
  daemon_stop_all
  rm -rf "$tmp"
}
trap cleanup EXIT

daemon_start "$tmp" worker "$BIN/parlab-worker" --listen 127.0.0.1:0
address=$(daemon_address "$tmp" worker "$DAEMON_PID") || { echo "shots: the worker did not start" >&2; exit 1; }

python3 - "$HERE/examples/plans/cpu-sieve.json" "$tmp/plan.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
plan.update(repetitions=3, warmup=0, models=["sequential", "threads", "thread_pool", "process_pool", "coroutines"])
json.dump(plan, open(sys.argv[2], "w"))
PY
for _ in 1 2 3; do
  "$BIN/parlab" run "$tmp/plan.json" --workers "$address" --progress none >/dev/null
done
ids=$("$BIN/parlab" results list --format json | python3 -c \
  'import json,sys; print(" ".join(r["run_id"] for r in reversed(json.load(sys.stdin)[:2])))')
set -- $ids
"$BIN/parlab" export "$2" --format html >"$tmp/run.html"
"$BIN/parlab" compare "$1" "$2" --format html >"$tmp/compare.html"
for page in run compare; do
  python3 "$HERE/tests/e2e/browser/cdp_page.py" --chromium "$CHROMIUM" --offline \
    --url "file://$tmp/$page.html" --out "$tmp/$page.json" \
    --screenshot "$HERE/docs/report-$page.png" --width 1100 --max-height 900
  echo "shots: docs/report-$page.png"
done

daemon_start "$tmp" serve "$BIN/parlab" serve --store "$PARLAB_STORE" --listen 127.0.0.1:0
served=$(daemon_address "$tmp" serve "$DAEMON_PID") || { echo "shots: parlab serve did not start" >&2; exit 1; }
host=$("$BIN/parlab" export latest --format json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["machines"][0]["hostname"])')
python3 "$HERE/tests/e2e/browser/cdp_page.py" --chromium "$CHROMIUM" --loopback-only \
  --url "http://$served/" --out "$tmp/dash.json" \
  --screenshot "$HERE/docs/report-dashboard.png" --width 1100 --max-height 400
python3 "$HERE/tests/e2e/browser/cdp_page.py" --chromium "$CHROMIUM" --loopback-only \
  --url "http://$served/history?plan=cpu-sieve&machine=$host" --out "$tmp/history.json" \
  --screenshot "$HERE/docs/report-history.png" --width 1100 --max-height 700
echo "shots: docs/report-dashboard.png docs/report-history.png"
