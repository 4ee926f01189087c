#!/usr/bin/env bash
# The test suite under sanitizers, each in a build folder of its own (docs/robustness.md):
#   asan  build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (no recovery: the first
#         report fails the test) and LeakSanitizer; builds every target and runs the whole
#         CTest suite, two tests at a time (PARLAB_ASAN_TEST_JOBS). What .ci/run runs; a subset
#         by hand with PARLAB_ASAN_TARGETS and PARLAB_ASAN_TESTS.
#   tsan  build-tsan: ThreadSanitizer; builds and runs the model, workload and runner tests
#         (the code that runs tasks concurrently; gRPC and protobuf are not instrumented, so
#         the daemons' tests would report races inside them that TSan cannot see through).
#         The fibers model's tests are left out: below, at TSAN_EXCLUDE.
#
#   scripts/sanitize.sh            # both
#   scripts/sanitize.sh asan       # one
#   PARLAB_ASAN_TARGETS='common_test results_test' PARLAB_ASAN_TESTS='^(common|results)\.' \
#     scripts/sanitize.sh asan      # a subset: those ninja targets, those tests (ctest -R)
#   PARLAB_JOBS=1 scripts/sanitize.sh tsan   # ninja -j (default: nproc)
#
# Each step prints its wall time ("sanitize.sh: asan build: 512 s"), the figures
# docs/robustness.md quotes. The sanitizer builds link parlab-runner against shared objects
# (PARLAB_STATIC_RUNNER=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# ASan and TSan reserve terabytes of address space for their shadow memory.
ulimit -v unlimited 2>/dev/null || true

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
jobs=${PARLAB_JOBS:-$(nproc)}

# -O1 and line tables only (-g1) instead of RelWithDebInfo's -O2 -g: the sanitizer builds are
# for reports, not speed, and full debug info of the gRPC/protobuf/Abseil-heavy code is most
# of the compile time. -O1 is what the sanitizers' documentation recommends (reports keep
# their frames) and -g1 still gives every frame its file:line. NDEBUG as in the normal build,
# so both run the same code.
san_flags="-O1 -g1 -DNDEBUG"

# Unity builds: each target compiles as a few merged sources, so the heavy gRPC, protobuf and
# GoogleTest headers are parsed once per chunk, not once per file: about half the compile time
# (docs/robustness.md). The targets whose files clash when merged are listed in CMakeLists.txt.
configure() {  # DIR SANITIZERS C_COMPILER CXX_COMPILER
  local dir=$1 sanitizers=$2 cc cxx
  cc=$(command -v "$3")
  cxx=$(command -v "$4")
  # A folder configured with another compiler starts afresh (--fresh): CMake would otherwise
  # drop its whole cache on the change, and with it every option given here.
  local fresh=()
  if [ -f "$dir/CMakeCache.txt" ] && ! grep -qx "CMAKE_CXX_COMPILER:[A-Z]*=$cxx" "$dir/CMakeCache.txt"; then
    fresh=(--fresh)
  fi
  cmake "${fresh[@]}" -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLAB_SANITIZE="$sanitizers" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$san_flags" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$san_flags" \
    -DCMAKE_UNITY_BUILD=ON -DPARLAB_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
}

timed() {  # LABEL COMMAND...: runs COMMAND, then prints its wall time
  local label=$1 start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  echo "sanitize.sh: $label: $((SECONDS - start)) s" >&2
  return $rc
}

# Sanitizer options shared by both runs, for every process the tests start (runners, daemons,
# forked children inherit them):
#   handle_segv=0  the suite kills processes by SIGSEGV on purpose (the crash_segv test plugin:
#                  a crashing plugin must fail only its own job, "died from signal 11"). With
#                  the sanitizers' SEGV handler the process would instead exit 1 after a report
#                  and those tests would fail. A real SEGV still kills its test; it only loses
#                  the sanitizer's stack trace (the test's own output names the signal).
common_options="handle_segv=0"

run_asan() {
  # detect_leaks: a leak fails the test like any other report. Suppressions: scripts/lsan.supp.
  # Set before the build too: gtest_discover_tests runs each test binary once to list it.
  export ASAN_OPTIONS="$common_options:detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_init_order=1"
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # With clang-16, not GCC: the whole-tree build took 606 s instead of 846 s (docs/robustness.md),
  # and clang's UBSan checks more (float-cast-overflow, which GCC's "undefined" leaves out).
  configure build-asan "address,undefined" clang-16 clang++-16
  # shellcheck disable=SC2086  # a list of targets
  timed "asan build" ninja -C build-asan -j"$jobs" ${PARLAB_ASAN_TARGETS:-}
  # Two at a time: the suite's processes are mostly waiting (daemons, runners, sleeps), and its
  # timing bounds are loosened under sanitizers (tests/support/sanitized.h).
  timed "asan tests" bash -c "cd build-asan && ctest --output-on-failure --timeout 600 \
    -j${PARLAB_ASAN_TEST_JOBS:-2} \
    ${PARLAB_ASAN_TESTS:+-R '$PARLAB_ASAN_TESTS'}"
}

# The fibers model switches stacks with Boost.Context inside Debian's compiled libboost_fiber
# and libboost_context (fcontext, assembly), which tell TSan nothing: TSan then sees one
# thread's shadow stack running on another's and the fiber mutexes' spinlocks, compiled
# without instrumentation, as no synchronisation at all, so it reports races that are not
# there and crashes in its own hash (docs/robustness.md). Boost 1.74 has no TSan fiber
# annotations (only BOOST_USE_ASAN, and only for the ucontext back end that Debian's
# libraries are not built with: defining BOOST_USE_UCONTEXT in our code alone would mix two
# fiber ABIs in one program). So its tests run in every other build, but not under TSan.
# Matched both ways: the parameterized tests name the model ("/fibers"), runner_test has a
# FibersModel suite (ctest's regular expressions are case-sensitive).
TSAN_EXCLUDE='[Ff]ibers'

run_tsan() {
  export TSAN_OPTIONS="$common_options:halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
  configure build-tsan "thread" cc c++
  timed "tsan build" ninja -C build-tsan -j"$jobs" model_conformance_test child_table_test \
    workloads_test cpu_workloads_test sync_workloads_test sync_models_test http_get_test \
    http_get_models_test runner_test
  timed "tsan tests" bash -c "cd build-tsan && ctest --output-on-failure --timeout 600 -j2 \
    -R '^(model_conformance|models|workloads|runner)\.' -E '$TSAN_EXCLUDE'"
}

case "${1:-all}" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan && run_tsan ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
