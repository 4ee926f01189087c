#!/usr/bin/env bash
# Installs everything parlab needs to build and test, from Debian 12's packages.
# Idempotent: when every package is already installed it does nothing (no apt-get call at all).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format
  lld  # the linker CMakeLists.txt picks when present: links in about half of GNU ld's time
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libboost-dev libboost-context-dev libboost-fiber-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libgmp-dev libhwloc-dev libsqlite3-dev
  # scripts/make-lab-certs.sh (the lab CA and TLS certificates; tests/security makes its own).
  openssl
  # libcrypto for token digests (security/), libssl for the dashboard's HTTPS (serve/).
  libssl-dev
  # --format html inlines Chart.js from Debian's package (report/CMakeLists.txt).
  libjs-chart.js
  libpython3.11-dev  # the python workload embeds CPython 3.11 (also gives python3.11 for bench/)
)
# For tests/deploy: a real single-node Slurm cluster (slurm_test) and the k8s manifest parser.
# The Dockerfile's build stage sets PARLAB_SETUP_SKIP_TEST_DEPS=1 (it builds no tests).
if [ -z "${PARLAB_SETUP_SKIP_TEST_DEPS:-}" ]; then
  PACKAGES+=(slurmctld slurmd slurm-client munge libyaml-cpp-dev)
  # tests/cluster/netns_test: network namespaces, veth pairs and a bridge (`ip netns`).
  PACKAGES+=(iproute2)
  # scripts/fuzz.sh and scripts/sanitize.sh asan build with clang-16 (Debian 12's clang 14
  # cannot compile the coroutine models under ASan); libFuzzer and clang's sanitizer runtimes
  # are in libclang-rt-16-dev (GCC's own runtimes cover the TSan build).
  PACKAGES+=(clang-16 libclang-rt-16-dev)
  # docs.PythonClientRunsAPlan: examples/python-client/parlab_client.py (docs/api.md).
  PACKAGES+=(python3-grpcio python3-grpc-tools)
  # tests/report/browser: headless Chromium opens the HTML report, driven by a python3 script
  # over the DevTools pipe (no package beyond the standard library).
  PACKAGES+=(chromium python3)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
