#!/usr/bin/env bash
# Checks the Go-on-Wasm rules that a real host enforces and emulators do not:
# no timers, sleeps, GC calls, crypto/rand or context timeouts in plugin or glue code or their
# dependencies (hosts without WASI poll_oneoff trap on them), and no proxywasm import in a plugin core (only wasm/main.go).
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
# Timers, sleeps, GC calls, context timeouts and crypto/rand: checked in Go source, dependencies
# included (tools/wasmrules); the standard library by the strict-host soak test (make test).
go test -count=1 -run TestPluginsArmNoTimers ./tools/wasmrules >/dev/null || { go test -count=1 -run TestPluginsArmNoTimers ./tools/wasmrules; fail=1; }
grep -q "wasmward: park instead of a timed sleep" dist/_runtimepatch/mgcscavenge.go 2>/dev/null ||
  { echo "dist/_runtimepatch missing: build modules with make build (runtime overlay, tools/runtimepatch)"; fail=1; }
glue=$(git grep -l 'proxy-wasm-go-sdk/proxywasm' -- 'plugins/*.go' ':!*_test.go' | grep -v '/main\.go$')
if [ -n "$glue" ]; then echo "proxywasm imported in a plugin core (belongs in shared/glue or main.go):"; echo "$glue"; fail=1; fi
for m in dist/*.wasm; do
  [ -e "$m" ] || continue
  for sym in proxy_on_vm_start proxy_on_context_create proxy_on_request_headers proxy_abi_version_0_2_0; do
    grep -q "$sym" "$m" || { echo "$m: missing proxy-wasm export $sym"; fail=1; }
  done
done
[ $fail -eq 0 ] && echo "wasm rules: no timers/sleep/GC/crypto-rand on the plugin path, cores free of proxywasm, ABI exported"
exit $fail
