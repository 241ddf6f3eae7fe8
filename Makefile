# wasmward — see README.md. `make help` lists the targets.
SHELL := bash
GO ?= go
# Every plugins/<name>/wasm/main.go is a plugin built to dist/<name>.wasm.
PLUGINS := $(patsubst plugins/%/wasm/main.go,%,$(wildcard plugins/*/wasm/main.go))
WASM := $(PLUGINS:%=dist/%.wasm)
# Modules built for tests only (never shipped).
TEST_WASM := dist/test/probe.wasm
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.1.4
FUZZTIME ?= 20s

.PHONY: help build test bench fuzz check demo clean e2e
help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-7s %s\n", $$1, $$2}'

build: $(WASM) $(TEST_WASM) ## build every plugin to dist/<plugin>.wasm
dist/%.wasm: FORCE
	@mkdir -p $(dir $@)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $@ ./plugins/$*/wasm
dist/test/probe.wasm: FORCE
	@mkdir -p $(dir $@)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $@ ./shared/harness/probe/wasm

test: build ## build, then run every test that needs no container (native and wasm mode)
	$(GO) test -count=1 ./...

FORCE:
