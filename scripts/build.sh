#!/usr/bin/env bash
# Installs what is missing (scripts/setup.sh), then configures and builds parlab into build/.
# Binaries: build/bin/{parlab,parlab-worker,parlab-coordinator,parlab-runner};
# model plugins: build/lib/parlab/plugins/*.so. Arguments go to ninja: `build.sh programs` builds
# only what a run needs (scripts/run.sh), no arguments build everything, tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${PARLAB_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$BUILD_DIR" "$@"
