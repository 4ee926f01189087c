#!/usr/bin/env bash
# docs.PythonClientRunsAPlan: the Python client of docs/api.md against a real parlab-worker and
# parlab-coordinator on ephemeral 127.0.0.1 ports. It must print an OK median for each job and
# exit 0; a plan the coordinator refuses must come back as INVALID_ARGUMENT and exit 2; both
# daemons answer the health check for their own service name.
#   python_client_test.sh PARLAB_WORKER PARLAB_COORDINATOR parlab_client.py
set -euo pipefail
worker_bin=$1
coordinator_bin=$2
client=$3

# Debian's python3-grpcio lives in /usr/lib/python3/dist-packages: prefer /usr/bin/python3 over
# a python3 earlier on PATH (pyenv, a venv) that lacks it.
python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import grpc' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "FAIL: no python3 with grpc (install python3-grpcio: scripts/setup.sh)" >&2
  exit 1
fi

dir=$(mktemp -d)
# shellcheck source=../../scripts/lib/daemon.sh
source "$(dirname "$0")/../../scripts/lib/daemon.sh"
cleanup() {
  daemon_stop_all
  rm -rf "$dir"
}
trap cleanup EXIT

daemon_start "$dir" worker "$worker_bin" --listen 127.0.0.1:0
worker=$(daemon_address "$dir" worker "$DAEMON_PID") || { echo "FAIL: the worker did not start" >&2; exit 1; }
daemon_start "$dir" coordinator "$coordinator_bin" --no-store --listen 127.0.0.1:0
coordinator=$(daemon_address "$dir" coordinator "$DAEMON_PID") ||
  { echo "FAIL: the coordinator did not start" >&2; exit 1; }

status=0
"$python" "$client" --coordinator "$coordinator" --workers "$worker" >"$dir/ok.out" \
  2>"$dir/ok.err" || status=$?
cat "$dir/ok.out"
if [ "$status" -ne 0 ]; then
  echo "FAIL: the client exited $status" >&2
  cat "$dir/ok.err" "$dir/worker.err" "$dir/coordinator.err" >&2
  exit 1
fi
for model in sequential thread_pool; do
  if ! grep -Eq "^$model +concurrency [0-9]+ +JOB_STATUS_OK +median [0-9.]+ ms over 3 repetitions" \
    "$dir/ok.out"; then
    echo "FAIL: no OK median for $model" >&2
    exit 1
  fi
done
grep -q "^finished: run .*, 2 OK, 0 failed$" "$dir/ok.out" || {
  echo "FAIL: no 'finished: ... 2 OK, 0 failed' line" >&2
  exit 1
}

# The error model: a refused plan is an RPC status, not a FAILED job.
status=0
"$python" "$client" --coordinator "$coordinator" --workers "$worker" --concurrency 0 \
  >"$dir/bad.out" 2>"$dir/bad.err" || status=$?
cat "$dir/bad.err"
if [ "$status" -ne 2 ] ||
  ! grep -q "INVALID_ARGUMENT: plan.concurrency\[0\]: must be >= 1, got 0" "$dir/bad.err"; then
  echo "FAIL: a plan with concurrency 0 was not refused with INVALID_ARGUMENT (exit $status)" >&2
  exit 1
fi
# Health checks (docs/api.md): each daemon answers SERVING for "" and its own service name.
# The health protos are not packaged: HealthCheckRequest{service} is 0a LEN NAME, SERVING 08 01.
"$python" - "$coordinator" parlab.v1.CoordinatorService "$worker" parlab.v1.WorkerService <<'PY'
import sys
import grpc

args = sys.argv[1:]
for address, service in zip(args[0::2], args[1::2]):
    check = grpc.insecure_channel(address).unary_unary(
        "/grpc.health.v1.Health/Check", request_serializer=bytes, response_deserializer=bytes)
    for name in ("", service):
        request = bytes([0x0A, len(name)]) + name.encode() if name else b""
        answer = check(request, timeout=10)
        if answer != b"\x08\x01":
            sys.exit("FAIL: %s health of %r: %r, not SERVING" % (address, name, answer))
        print("health %s %r: SERVING" % (address, name))
PY
echo "OK"
