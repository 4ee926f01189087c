#!/usr/bin/env bash
# A newcomer's first run on a fresh Debian 12 (issue 13; figures in docs/performance.md, "The
# first ten minutes"): makes a minimal Debian 12 in a chroot with debootstrap, copies this
# repository's HEAD into it, and times the three steps of ./scripts/run.sh there — setup.sh
# (apt, as run.sh calls it), build.sh programs (configure + build, tests off), the default plan
# (their outputs: the chroot's /root/step1.out .. step3.out).
# Needs root and Debian's debootstrap (`apt-get install debootstrap`); uses this machine's apt
# sources. Run it on a quiet machine:   sudo bench/fresh_debian_first_run.sh [CHROOT_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/tmp/parlab-fresh-debian}
unmount() { for m in dev/pts dev proc sys; do umount "$root/$m" 2>/dev/null || true; done; }
trap unmount EXIT
unmount
rm -rf "$root"
echo "debootstrap (not timed as part of the run) ..."
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
  rm -f "$root/etc/apt/sources.list"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
for m in dev dev/pts sys; do mount --bind "/$m" "$root/$m"; done
mkdir -p "$root/root/parlab"
git -C "$repo" archive HEAD | tar -x -C "$root/root/parlab"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The steps scripts/run.sh takes, each timed; their outputs land in the chroot's /root/*.out.
chroot "$root" bash -c '
  cd /root/parlab
  exec 3>&2
  n=0
  step() {
    local start; start=$(date +%s%N); n=$((n + 1))
    "$@" >"/root/step$n.out" 2>&1 || { echo "FAILED: $* (/root/step$n.out)" >&3; exit 1; }
    echo "$(( ($(date +%s%N) - start) / 1000000 )) ms: $*" >&3
  }
  step env PARLAB_SETUP_SKIP_TEST_DEPS=1 bash scripts/setup.sh
  step env PARLAB_BUILD_TESTS=OFF bash scripts/build.sh programs
  step build/bin/parlab run examples/plans/cpu-sieve.json --no-store
  tail -n 20 /root/step3.out'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
