#!/usr/bin/env bash
# The README's first command: set up, build, and run a plan on a local worker that parlab starts
# by itself (the embedded default). Usage: scripts/run.sh [PLAN.json] [parlab run flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
plan=${1:-examples/plans/cpu-sieve.json}
shift || true
exec "${PARLAB_BUILD_DIR:-build}/bin/parlab" run "$plan" "$@"
