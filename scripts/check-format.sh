#!/usr/bin/env bash
# Fails when a C/C++ file in the tree is not formatted as .clang-format says (clang-format from
# Debian's clang-format package, installed by setup.sh). `scripts/check-format.sh --fix`
# formats them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c' '*.cpp' '*.hpp')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/parlab-format.$$; then
  grep -o '^[^:]*:' /tmp/parlab-format.$$ | sort -u | sed 's/:$//; s/^/  not formatted: /' >&2
  rm -f /tmp/parlab-format.$$
  echo "format: run scripts/check-format.sh --fix (clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1))" >&2
  exit 1
fi
rm -f /tmp/parlab-format.$$
echo "format: ${#files[@]} files formatted as .clang-format says"
