#!/usr/bin/env bash
# The README's first command: set up, build what a run needs (the programs and the model plugins,
# not the tests: the `programs` target), and run a plan on a local worker that parlab starts by
# itself (the embedded default). The default plan, examples/plans/cpu-sieve.json, answers the
# seed question in about a minute. Usage: scripts/run.sh [PLAN.json] [parlab run flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
PARLAB_BUILD_TESTS=OFF bash scripts/build.sh programs
plan=${1:-examples/plans/cpu-sieve.json}
shift || true
exec "${PARLAB_BUILD_DIR:-build}/bin/parlab" run "$plan" "$@"
