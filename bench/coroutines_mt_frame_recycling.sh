#!/usr/bin/env bash
# What turning off Boost.Asio's coroutine-frame recycling costs `coroutines_mt` (issue 12: the
# plugin defines BOOST_ASIO_DISABLE_AWAITABLE_FRAME_RECYCLING because the per-thread frame cache
# double-freed under ASan, see plugins/models/coroutines_mt/CMakeLists.txt). Builds a second
# coroutines_mt.so from the same source WITH recycling (the build's own compile and link
# commands, minus that one define), then alternates `parlab run` of the shipped plugin (A) and
# the variant (B), ABBA order, on two plans where per-coroutine costs dominate: 4,000 tiny
# sysbench.cpu tasks (cpu_max_prime 100 and 10) and `spawn` of 2,000 coroutines. Prints the
# median and minimum of every measured repetition of each arm. Figures: docs/performance.md.
#
#   bench/coroutines_mt_frame_recycling.sh [BUILD_DIR (default build)] [PAIRS (default 10)]
set -euo pipefail

BUILD=$(realpath "${1:-build}")
PAIRS=${2:-10}
PARLAB="$BUILD/bin/parlab"
[ -x "$PARLAB" ] || { echo "frame_recycling: $PARLAB is missing (build first)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/parlab-frame-recycling.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plugins"

# The variant: the build's commands for the coroutines_mt target, without the define and
# writing into $tmp (object and plugin), so the build tree is left as it was.
ninja -C "$BUILD" -t commands coroutines_mt | grep -E 'coroutines_mt\.(cc\.o|so)' | tail -2 |
  sed -e 's/ -DBOOST_ASIO_DISABLE_AWAITABLE_FRAME_RECYCLING//' -e 's/^ccache //' \
    -e "s#-o plugins/models/coroutines_mt/CMakeFiles/coroutines_mt.dir/coroutines_mt.cc.o#-o $tmp/c.o#" \
    -e "s#plugins/models/coroutines_mt/CMakeFiles/coroutines_mt.dir/coroutines_mt.cc.o#$tmp/c.o#" \
    -e "s#-o lib/parlab/plugins/coroutines_mt.so#-o $tmp/plugins/coroutines_mt.so#" \
    -e 's/-MD -MT [^ ]* -MF [^ ]* //' >"$tmp/build.sh"
(cd "$BUILD" && bash "$tmp/build.sh")
[ -f "$tmp/plugins/coroutines_mt.so" ] || { echo "frame_recycling: variant not built" >&2; exit 1; }

cat >"$tmp/sysbench.json" <<'PLAN'
{"name": "frame-recycling-sysbench", "workload": {"kind": "sysbench.cpu", "params": {"events": 4000}},
 "models": ["coroutines_mt"], "concurrency": [2], "warmup": 1, "repetitions": 15,
 "sweep": {"param": "cpu_max_prime", "values": [100, 10]}}
PLAN
cat >"$tmp/spawn.json" <<'PLAN'
{"name": "frame-recycling-spawn", "workload": {"kind": "spawn", "params": {"units": 2000, "hold_ms": 10}},
 "models": ["coroutines_mt"], "concurrency": [2], "warmup": 1, "repetitions": 15}
PLAN

/usr/bin/python3 - "$PARLAB" "$tmp" "$PAIRS" <<'PY'
import json, statistics, subprocess, sys
parlab, tmp, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
arms = {"A shipped (no recycling)": [], "B recycling": ["--plugins", f"{tmp}/plugins"]}
values = {}
for pair in range(pairs):
    order = list(arms) if pair % 2 == 0 else list(reversed(arms))
    for arm in order:
        for plan in ("sysbench", "spawn"):
            out = subprocess.run([parlab, "run", f"{tmp}/{plan}.json", "--no-store", "--format",
                                  "json"] + arms[arm], capture_output=True, text=True, check=True)
            for result in json.loads(out.stdout)["results"]:
                point = f"{plan} {result.get('sweep_value', '')}".strip()
                for s in result["samples"]:
                    if s["warmup"]:
                        continue
                    values.setdefault((point, "wall ms", arm), []).append(s["wall_ns"] / 1e6)
                    create = s.get("metrics", {}).get("create_us_per_unit")
                    if create is not None:
                        values.setdefault((point, "create us/unit", arm), []).append(create)
print(f"{'point':<14} {'metric':<15} {'arm':<26} {'n':>4} {'median':>9} {'min':>9}")
for key in sorted(values):
    v = values[key]
    print(f"{key[0]:<14} {key[1]:<15} {key[2]:<26} {len(v):>4} {statistics.median(v):>9.3f} {min(v):>9.3f}")
for point, metric in sorted({k[:2] for k in values}):
    a = statistics.median(values[(point, metric, "A shipped (no recycling)")])
    b = statistics.median(values[(point, metric, "B recycling")])
    print(f"{point} {metric}: shipped / recycling = {a / b:.3f}")
PY
