#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz (PARLAB_FUZZ=ON: coverage, ASan and
# UBSan on every parlab library they link) and runs each for a bounded time from its seed
# corpus. A crash, leak, timeout or OOM input is copied into fuzz/regressions/<target>/, where
# the CTest tests fuzz.<target>_regressions replay it from then on, and the script fails.
#
#   scripts/fuzz.sh                    # every target, 60 s each
#   PARLAB_FUZZ_SECONDS=600 scripts/fuzz.sh plan
#   PARLAB_FUZZ_RUNS=1000000 scripts/fuzz.sh   # a number of executions instead of a time
#
# The working corpus (seeds plus what libFuzzer found) stays in build-fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ulimit -v unlimited 2>/dev/null || true

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(plan frame)
seconds=${PARLAB_FUZZ_SECONDS:-60}
dir=build-fuzz

if [ ! -f "$dir/build.ninja" ]; then
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  # -O1 and line tables (-g1), as libFuzzer's documentation builds its targets and as
  # scripts/sanitize.sh does: compiling the instrumented workload library and protobuf code at
  # -O2 -g was most of this step's time in CI, and a crash's frames keep their file:line.
  flags="-O1 -g1 -DNDEBUG"
  CC=clang-16 CXX=clang++-16 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" \
    -DPARLAB_FUZZ=ON -DPARLAB_BUILD_TESTS=OFF -DPARLAB_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
fi
ninja -C "$dir" -j"${PARLAB_JOBS:-$(nproc)}" "${targets[@]/%/_fuzzer}"

seeds_of() {
  case "$1" in
    plan) echo examples/plans ;;
    frame) echo fuzz/corpus/frame ;;
  esac
}

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=0
for target in "${targets[@]}"; do
  corpus="$dir/corpus/$target"
  artifacts="$dir/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  limit=(-max_total_time="$seconds")
  [ -z "${PARLAB_FUZZ_RUNS:-}" ] || limit=(-runs="$PARLAB_FUZZ_RUNS")
  echo "fuzz: $target (${limit[*]})" >&2
  # -timeout: an input that takes over 10 s is a hang; -rss_limit_mb: 2 GiB is an OOM.
  if ! "$dir/bin/${target}_fuzzer" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "$(seeds_of "$target")"; then
    failed=1
  fi
  for found in "$artifacts"*; do
    [ -e "$found" ] || continue
    cp "$found" "fuzz/regressions/$target/"
    echo "fuzz: $target: kept $(basename "$found") in fuzz/regressions/$target/" >&2
    failed=1
  done
done
exit $failed
