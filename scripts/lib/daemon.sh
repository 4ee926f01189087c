# shellcheck shell=bash
# Sourced, not run: start a parlab daemon on an ephemeral port and read the address of its
# "... listening on HOST:PORT" line, for the scripts and tests that drive real daemons
# (bench/html_report_render.sh, bench/scale_workers.sh, scripts/report_screenshots.sh,
# tests/docs/python_client_test.sh).
#
#   source "$HERE/scripts/lib/daemon.sh"
#   trap 'daemon_stop_all; rm -rf "$tmp"' EXIT
#   daemon_start "$tmp" worker build/bin/parlab-worker --listen 127.0.0.1:0
#   worker=$(daemon_address "$tmp" worker "$DAEMON_PID")
#
# daemon_start runs in the calling shell (not in $(...)), so that DAEMON_PIDS reaches
# daemon_stop_all; daemon_address may run in $(...).

DAEMON_PIDS=()
DAEMON_PID=""

# daemon_start DIR NAME COMMAND...: COMMAND in the background, stdout to DIR/NAME.out and stderr
# to DIR/NAME.err; its pid in DAEMON_PID and added to DAEMON_PIDS.
daemon_start() {
  local dir=$1 name=$2
  shift 2
  "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  DAEMON_PID=$!
  DAEMON_PIDS+=("$DAEMON_PID")
}

# daemon_address DIR NAME PID [SECONDS (default 60)]: waits for DIR/NAME.out's "listening on"
# line and prints its address; fails, with NAME's stderr, when PID exits first or the time is up.
daemon_address() {
  local dir=$1 name=$2 pid=$3 seconds=${4:-60}
  local address deadline=$((SECONDS + seconds))
  while :; do
    address=$(sed -n 's/.*listening on \(.*\)$/\1/p' "$dir/$name.out" 2>/dev/null | head -n1)
    if [ -n "$address" ]; then
      echo "$address"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name (pid $pid) exited before listening:" >&2
      cat "$dir/$name.err" >&2 2>/dev/null || true
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$name: no \"listening on\" line in $dir/$name.out within $seconds s:" >&2
      cat "$dir/$name.err" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.05
  done
}

# daemon_stop_all: SIGTERM to every daemon started here, then waits for each.
daemon_stop_all() {
  local pid
  for pid in "${DAEMON_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${DAEMON_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
