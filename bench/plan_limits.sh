#!/usr/bin/env bash
# Plan limits: how fast and how cheaply `parlab run` refuses hostile plans (issue 12). For each
# plan, the exit status, the wall time and the peak RSS of the whole `parlab` process from
# /usr/bin/time -v. Figures are recorded in docs/performance.md ("Plan limits").
#
#   bench/plan_limits.sh [BUILD_DIR (default build)] [BIG_MB (default 200)]
#
# The plans: a 200 MB description (refused by size before a byte is read; through a pipe, after
# 1 MiB + 1 byte is read), a plan just over
# 1 MiB (read and refused by size), a 1 MiB plan under PARLAB_MAX_PLAN_BYTES=2 MiB (parsed in
# full, then refused by the description cap), and a name nested 100,000 levels deep (refused by
# the depth cap while parsing; it used to crash with SIGSEGV).
set -euo pipefail

BUILD=${1:-build}
BIG_MB=${2:-200}
PARLAB="$BUILD/bin/parlab"
[ -x "$PARLAB" ] || { echo "plan_limits: $PARLAB is missing (build first)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "plan_limits: /usr/bin/time is missing (apt install time)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/parlab-plan-limits.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# A plan whose description is N bytes of "x".
plan_with_description() {
  local bytes=$1 out=$2
  {
    printf '{"workload": {"kind": "primes.sieve"}, "models": ["sequential"], "description": "'
    head -c "$bytes" /dev/zero | tr '\0' x
    printf '"}'
  } > "$out"
}

plan_with_description $((BIG_MB * 1024 * 1024)) "$tmp/huge.json"
plan_with_description $((1024 * 1024 + 1)) "$tmp/over-1mib.json"
plan_with_description $((1024 * 1024 - 200)) "$tmp/1mib.json"
python3 -c 'import sys; d=100000; sys.stdout.write("{\"name\": " + "["*d + "]"*d + "}")' \
  > "$tmp/deep.json"

measure() {
  local label=$1 env=$2 plan=$3
  local log="$tmp/time.log" status=0
  env $env /usr/bin/time -v "$PARLAB" run "$plan" --no-store --workers 127.0.0.1:1 \
    > /dev/null 2> "$log" || status=$?
  local wall rss message
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  message=$(grep '^parlab: ' "$log" | head -1 | cut -c1-110)
  printf '%-34s exit %-3s wall %-8s max RSS %6d KiB  %s\n' "$label" "$status" "$wall" "$rss" \
    "$message"
}

printf 'plan sizes: huge %s bytes, over-1mib %s, 1mib %s, deep %s\n' \
  "$(stat -c %s "$tmp/huge.json")" "$(stat -c %s "$tmp/over-1mib.json")" \
  "$(stat -c %s "$tmp/1mib.json")" "$(stat -c %s "$tmp/deep.json")"
measure "${BIG_MB} MB description" "" "$tmp/huge.json"
# A pipe reports no size: the read stops one byte past the limit.
measure "${BIG_MB} MB through a pipe" "" <(cat "$tmp/huge.json")
measure "1 MiB + 1 description" "" "$tmp/over-1mib.json"
measure "1 MiB plan, limit 2 MiB (parsed)" "PARLAB_MAX_PLAN_BYTES=2097152" "$tmp/1mib.json"
measure "name nested 100,000 deep" "" "$tmp/deep.json"
