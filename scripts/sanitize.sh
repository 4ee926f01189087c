#!/usr/bin/env bash
# The test suite under sanitizers, each in a build folder of its own (docs/robustness.md):
#   asan  build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (no recovery: the first
#         report fails the test), every target; runs the CTest suite.
#   tsan  build-tsan: ThreadSanitizer (not clean yet: docs/robustness.md lists what fails);
#         runs the model, workload and runner tests (the code
#         that runs tasks concurrently; gRPC and protobuf are not instrumented, so the daemons'
#         tests would report races inside them that TSan cannot see through).
#
#   scripts/sanitize.sh            # both
#   scripts/sanitize.sh asan       # one
#   PARLAB_ASAN_TARGETS='common_test results_test' PARLAB_ASAN_TESTS='^(common|results)\.' \
#     scripts/sanitize.sh asan      # a subset: those ninja targets, those tests (ctest -R)
#
# The sanitizer builds link parlab-runner against shared objects (PARLAB_STATIC_RUNNER=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# ASan reserves terabytes of address space for its shadow memory.
ulimit -v unlimited 2>/dev/null || true

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
jobs=${PARLAB_JOBS:-$(nproc)}

configure() {  # DIR SANITIZERS
  if [ ! -f "$1/build.ninja" ]; then
    cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLAB_SANITIZE="$2" \
      -DPARLAB_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
  fi
}

run_asan() {
  configure build-asan "address,undefined"
  # shellcheck disable=SC2086  # a list of targets
  ninja -C build-asan -j"$jobs" ${PARLAB_ASAN_TARGETS:-}
  # detect_leaks: a leak fails the test like any other report. Suppressions: scripts/lsan.supp.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_init_order=1"
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  (cd build-asan && ctest --output-on-failure --timeout 600 -j1 ${PARLAB_ASAN_TESTS:+-R "$PARLAB_ASAN_TESTS"})
}

run_tsan() {
  configure build-tsan "thread"
  ninja -C build-tsan -j"$jobs" model_conformance_test child_table_test workloads_test \
    cpu_workloads_test sync_workloads_test sync_models_test http_get_test http_get_models_test \
    runner_test
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
  (cd build-tsan && ctest --output-on-failure --timeout 600 -j1 \
    -R '^(model_conformance|models|workloads|runner)\.')
}

case "${1:-all}" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan && run_tsan ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
