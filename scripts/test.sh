#!/usr/bin/env bash
# The README's second command (and what CI runs): set up, build, run every test under CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd "${PARLAB_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 300 "$@"
