#!/usr/bin/env bash
# e2e/run.sh — what `make e2e` runs. Runs the docker compose scenarios (e2e_test.go) where a
# Docker engine is reachable and the Envoy image is present; elsewhere prints one line saying why
# it skipped and exits 0. ENVOY_IMAGE overrides the pinned image.
set -euo pipefail
here="${BASH_SOURCE[0]%/*}"
[[ "$here" == "${BASH_SOURCE[0]}" ]] && here=.
cd "$here"

image="${ENVOY_IMAGE:-envoyproxy/envoy:v1.39.0}"
skip() { echo "e2e: skipped: $*"; exit 0; }

command -v docker >/dev/null 2>&1 || skip "docker is not installed"
docker info >/dev/null 2>&1 || skip "docker engine not reachable (docker info failed)"
docker compose version >/dev/null 2>&1 || skip "the docker compose plugin is missing"
docker image inspect "$image" >/dev/null 2>&1 || skip "image $image not present (docker pull $image)"
command -v go >/dev/null 2>&1 || skip "go is not installed"

for main in ../plugins/*/wasm/main.go; do
	plugin="${main#../plugins/}"
	plugin="${plugin%%/*}"
	[[ -f "../dist/$plugin.wasm" ]] || { echo "e2e: dist/$plugin.wasm missing: run make build first" >&2; exit 1; }
done

export WASMWARD_E2E=1 ENVOY_IMAGE="$image"
exec go test -count=1 -v -timeout 20m .
