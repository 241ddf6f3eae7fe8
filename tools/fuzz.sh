#!/usr/bin/env bash
# Runs every fuzz target in the module for $1 (default 10s) each. `make fuzz` calls it.
set -euo pipefail
fuzztime=${1:-10s}
cd "$(dirname "$0")/.."
status=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz $pkg $target ($fuzztime)"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/wasmward-fuzz.log 2>&1; then
      tail -30 /tmp/wasmward-fuzz.log
      status=1
    fi
  done
done
exit $status
