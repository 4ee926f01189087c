#!/usr/bin/env bash
# Scale: one broadcast run of a tiny plan on N parlab-worker processes (loopback ports) through
# a parlab-coordinator daemon, with the coordinator's CPU time, wall time and RSS per worker.
# Figures are recorded in docs/performance.md ("Scale").
#
#   bench/scale_workers.sh [BUILD_DIR (default build)] [N (default 256)]
#   PARLAB_SCALE_TLS=1 bench/scale_workers.sh build 256   # the same over TLS with tokens
#   PARLAB_SCALE_RUNS=3 bench/scale_workers.sh build 256  # runs of the plan in a row (default 2)
#   PARLAB_SCALE_REGISTER=1 bench/scale_workers.sh build 256  # workers register first
#
# With PARLAB_SCALE_REGISTER=1 the coordinator starts first and every worker registers with it
# (--coordinator; a worker-role token with TLS), as a lab's workers do: the coordinator connects
# back to each one when it registers, so run 1 finds the channels connected. Without it the
# workers are named only by the run (--workers, an admin's right) and run 1 connects to each.
#
# With PARLAB_SCALE_TLS=1 every daemon serves TLS (certificates from scripts/make-lab-certs.sh)
# and checks bearer tokens, the coordinator presents its token to the workers and the CLI an
# admin token (docs/security.md): compare the two runs' wall and CPU times.
#
# The plan: `sequential` at concurrency 1, one `sleep` task of 1 ms, 1 repetition, no warm-up,
# so each worker runs one job (one runner launch) and the run measures the coordinator's own
# cost: N channels, N describes, N streaming RunJob calls, N results aggregated.
set -euo pipefail

BUILD=${1:-build}
N=${2:-256}
BIN="$BUILD/bin"
HERE=$(cd "$(dirname "$0")/.." && pwd)
for exe in parlab parlab-worker parlab-coordinator parlab-runner; do
  [ -x "$BIN/$exe" ] || { echo "scale: $BIN/$exe is missing (build first)" >&2; exit 2; }
done

# Each worker holds a listening socket and, during the run, a connection; the coordinator holds
# N connections. Raise the soft fd limit to the hard one.
ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d /tmp/parlab-scale.XXXXXX)
export PARLAB_STORE="$tmp/store.db"  # never the user's store
# shellcheck source=scripts/lib/daemon.sh
source "$HERE/scripts/lib/daemon.sh"
cleanup() {
  daemon_stop_all
  [ -n "${PARLAB_SCALE_KEEP:-}" ] && echo "kept: $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

worker_tls=()
coordinator_tls=()
cli_tls=()
if [ "${PARLAB_SCALE_TLS:-0}" = 1 ]; then
  bash "$HERE/scripts/make-lab-certs.sh" "$tmp/tls" 127.0.0.1 >/dev/null
  coord=$(openssl rand -hex 24)
  admin=$(openssl rand -hex 24)
  worker=$(openssl rand -hex 24)
  printf 'coord submit %s\nbench admin %s\nworkers worker %s\n' "$coord" "$admin" "$worker" \
    >"$tmp/tls/tokens"
  echo "$coord" >"$tmp/tls/coord.token"
  echo "$admin" >"$tmp/tls/admin.token"
  echo "$worker" >"$tmp/tls/worker.token"
  daemon_tls=(--tls-cert "$tmp/tls/127.0.0.1.crt" --tls-key "$tmp/tls/127.0.0.1.key"
              --tls-ca "$tmp/tls/ca.crt" --tokens "$tmp/tls/tokens")
  worker_tls=("${daemon_tls[@]}")
  coordinator_tls=("${daemon_tls[@]}" --token-file "$tmp/tls/coord.token")
  cli_tls=(--tls-ca "$tmp/tls/ca.crt" --token-file "$tmp/tls/admin.token")
fi

register=()
if [ "${PARLAB_SCALE_REGISTER:-0}" = 1 ]; then
  # Heartbeats every 5 s, lost after 30 s: 257 daemons share this machine's cores, and at the
  # default 1 s / 5 s their heartbeats and the liveness pings queue long enough behind the
  # runner launches to call live workers lost (each of a lab's workers has a machine of its own).
  daemon_start "$tmp" c "$BIN/parlab-coordinator" --listen 127.0.0.1:0 "${coordinator_tls[@]}" \
    --heartbeat-timeout 30
  cpid=$DAEMON_PID
  coordinator=$(daemon_address "$tmp" c "$cpid")
  register=(--coordinator "$coordinator" --heartbeat-interval 5)
  # Registering needs the worker role; the worker's --token-file is what it presents.
  if [ "${PARLAB_SCALE_TLS:-0}" = 1 ]; then worker_tls+=(--token-file "$tmp/tls/worker.token"); fi
fi

# Workers start in batches: each one asks parlab-runner --describe at start-up, and 256 of
# those at once on a 2-core machine only queue on the CPU.
start=$(date +%s.%N)
batch=16
addresses=()
for ((i = 1; i <= N; i += batch)); do
  batch_pids=()
  for ((j = i; j < i + batch && j <= N; ++j)); do
    daemon_start "$tmp" "w$j" "$BIN/parlab-worker" --listen 127.0.0.1:0 "${worker_tls[@]}" \
      "${register[@]}"
    batch_pids+=("$j:$DAEMON_PID")
  done
  for entry in "${batch_pids[@]}"; do
    address=$(daemon_address "$tmp" "w${entry%%:*}" "${entry##*:}")  # set -e: stops here
    addresses+=("$address")
  done
done
workers_started=$(date +%s.%N)
worker_list=$(IFS=,; echo "${addresses[*]}")

if [ "${#register[@]}" -gt 0 ]; then
  # Every worker registered (one log line each), then a moment for the connections back.
  for ((waited = 0; $(grep -c 'event=worker_registered' "$tmp/c.err") < N; ++waited)); do
    [ "$waited" -lt 600 ] || { echo "scale: not all $N workers registered" >&2; exit 1; }
    sleep 0.1
  done
  sleep 2
else
  daemon_start "$tmp" c "$BIN/parlab-coordinator" --listen 127.0.0.1:0 "${coordinator_tls[@]}"
  cpid=$DAEMON_PID
  coordinator=$(daemon_address "$tmp" c "$cpid")
fi

cat >"$tmp/plan.json" <<'EOF'
{"name": "scale", "workload": {"kind": "sleep", "params": {"tasks": 1, "ms": 1}},
 "models": ["sequential"], "concurrency": [1], "repetitions": 1, "warmup": 0}
EOF

ticks=$(getconf CLK_TCK)
cpu_seconds() {  # PID -> utime + stime in seconds (fields 14 and 15 of /proc/PID/stat)
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"
}
status_kib() {  # PID FIELD -> the field of /proc/PID/status in KiB
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# Run 1 is cold: the coordinator connects to every worker (N TCP and, with TLS, N handshakes),
# unless the workers registered (then it connected to each as it registered).
# Later runs (PARLAB_SCALE_RUNS, default 2) find its kept channels (docs/performance.md, "TLS and
# tokens"): what a long-lived coordinator pays per run.
runs=${PARLAB_SCALE_RUNS:-2}
walls=()
cpu_before=$(cpu_seconds "$cpid")
rss_before=$(status_kib "$cpid" VmRSS)
code=0
for ((r = 1; r <= runs; ++r)); do
  run_start=$(date +%s.%N)
  set +e
  "$BIN/parlab" run "$tmp/plan.json" --coordinator "$coordinator" --workers "$worker_list" \
    --format json --progress none "${cli_tls[@]}" >"$tmp/result.json" 2>"$tmp/run.err"
  code=$?
  set -e
  run_end=$(date +%s.%N)
  walls+=("$(awk -v a="$run_start" -v b="$run_end" 'BEGIN { printf "%.2f", b - a }')")
  [ "$code" -eq 0 ] || break
  if [ "$r" -eq 1 ]; then cpu_first=$(cpu_seconds "$cpid"); fi
done
cpu_after=$(cpu_seconds "$cpid")
rss_after=$(status_kib "$cpid" VmRSS)
hwm=$(status_kib "$cpid" VmHWM)
fds=$(ls "/proc/$cpid/fd" | wc -l)

ok=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(r["status"]=="OK" for r in d["results"]), len(d["results"]))' "$tmp/result.json" 2>/dev/null || echo "? ?")

awk -v n="$N" -v code="$code" -v ok="$ok" -v walls="${walls[*]}" \
    -v ws="$start" -v we="$workers_started" \
    -v c0="$cpu_before" -v c1="${cpu_first:-$cpu_after}" -v c2="$cpu_after" \
    -v r0="$rss_before" -v r1="$rss_after" -v hwm="$hwm" \
    -v registered="${#register[@]}" \
    -v fds="$fds" -v tls="$([ "${PARLAB_SCALE_TLS:-0}" = 1 ] && echo ', TLS + tokens')" \
    -v cores="$(nproc)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  split(ok, o, " ")
  nw = split(walls, w, " ")
  printf "workers:                 %d (started in %.1f s)%s\n", n, we - ws, tls
  printf "parlab run exit status:  %d, %s of %s results OK (last run)\n", code, o[1], o[2]
  first = registered ? "channels connected at registration" : "connects to every worker"
  printf "run wall time:           %.2f s (run 1: %s)\n", w[1], first
  for (i = 2; i <= nw; ++i)
    printf "run %d wall time:         %.2f s (kept channels: no new connection)\n", i, w[i]
  if (registered)
    printf "coordinator CPU time:    %.2f s (before run 1: N registrations, connecting back)\n", c0
  printf "coordinator CPU time:    %.2f s (user + system, during run 1)\n", c1 - c0
  if (nw > 1)
    printf "coordinator CPU time:    %.2f s (runs 2-%d together)\n", c2 - c1, nw
  printf "coordinator RSS:         %.1f MiB idle -> %.1f MiB after the runs (peak %.1f MiB)\n", \
         r0 / 1024, r1 / 1024, hwm / 1024
  printf "coordinator RSS/worker:  %.1f KiB (growth after the runs), %.1f KiB (peak growth)\n", \
         (r1 - r0) / n, (hwm - r0) / n
  printf "coordinator open fds:    %d after the runs\n", fds
  printf "machine:                 %d cores, load average %s\n", cores, load
}'
if [ "$code" -ne 0 ]; then
  echo "--- parlab run stderr (tail) ---" >&2
  tail -n 20 "$tmp/run.err" >&2
  exit 1
fi
