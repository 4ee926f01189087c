#!/usr/bin/env bash
# Layers point one way: a folder may include the headers of the layers below it, never of one
# above (docs/architecture.md, "Layers and how they are enforced"). The build enforces it
# through each target's links; this test states the rule as a table and names any include that
# breaks it, so that a new link to a higher library cannot slip it in.
#
#   check_layers.sh SOURCE_DIR   -> exit 0, or 1 listing "file: includes parlab/x/... (higher)"
set -euo pipefail
cd "${1:?usage: check_layers.sh SOURCE_DIR}"

# folder | header prefixes (under parlab/) it must never include
rules=(
  "common|worker/ runner/ workloads/ results/ report/ store/ cluster/ coordinator/ security/"
  "security|worker/ runner/ workloads/ results/ report/ store/ cluster/ coordinator/"
  "plugins|worker/ runner/ results/ report/ store/ cluster/ coordinator/ security/"
  "worker|results/ report/ store/ cluster/ coordinator/"
  "results|report/ store/ serve/ cluster/ coordinator/ worker/ runner/"
  "report|store/ serve/ cluster/ coordinator/ worker/ runner/"
  "store|report/ serve/ cluster/ coordinator/ worker/ runner/"
  "serve|cluster/ coordinator/ worker/ runner/"
  "coordinator/cluster|results/ report/ store/ coordinator/ worker/ runner/"
  "coordinator/src|report/ worker/ runner/"
  "coordinator/include|report/ worker/ runner/"
  "cli|worker/ runner/"
)

violations=0
for rule in "${rules[@]}"; do
  folder=${rule%%|*}
  for prefix in ${rule#*|}; do
    while IFS= read -r hit; do
      [ -n "$hit" ] || continue
      echo "$hit  <- ${folder}/ must not include parlab/${prefix} (a higher layer)"
      violations=$((violations + 1))
    done < <(grep -rn --include='*.h' --include='*.cc' --include='*.c' \
               "#include \"parlab/${prefix}" "$folder" || true)
  done
done
if [ "$violations" -ne 0 ]; then
  echo "layers: $violations include(s) point up" >&2
  exit 1
fi
echo "layers: every include points down (${#rules[@]} folders checked)"
