#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), then configures and builds parlab into build/.
# Binaries: build/bin/{parlab,parlab-worker,parlab-coordinator,parlab-runner};
# model plugins: build/lib/parlab/plugins/*.so. Arguments go to ninja: `build.sh programs` builds
# only what a run needs (scripts/run.sh), no arguments build everything, tests included.
#
# PARLAB_BUILD_TESTS=OFF (scripts/run.sh) configures without the tests and benchmarks, so the
# packages only they need (Slurm, clang, Chromium, ...) are not installed either: a newcomer's
# first run downloads and configures only what `parlab run` needs. scripts/test.sh (ON, the
# default) reconfigures the same folder with them.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=${PARLAB_BUILD_TESTS:-ON}
if [ "$tests" = OFF ]; then export PARLAB_SETUP_SKIP_TEST_DEPS=1; fi
bash scripts/setup.sh
BUILD_DIR=${PARLAB_BUILD_DIR:-build}
# -g1 (line tables: symbolized backtraces, no variable info) instead of RelWithDebInfo's -g: the
# same -O2 code, and a first compile ~20% faster (docs/performance.md, "The first ten minutes").
# For a debugger, configure your own build folder with -DCMAKE_BUILD_TYPE=Debug.
if [ ! -f "$BUILD_DIR/build.ninja" ] ||
  ! grep -q "^PARLAB_BUILD_TESTS:BOOL=$tests\$" "$BUILD_DIR/CMakeCache.txt"; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DPARLAB_BUILD_TESTS="$tests" -DPARLAB_BUILD_BENCH="$tests" >/dev/null
fi
ninja -C "$BUILD_DIR" "$@"
