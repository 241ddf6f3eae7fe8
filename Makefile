# wasmward — see README.md. `make help` lists the targets.
SHELL := bash
GO ?= go
# Every plugins/<name>/wasm/main.go is a plugin built to dist/<name>.wasm.
PLUGINS := $(patsubst plugins/%/wasm/main.go,%,$(wildcard plugins/*/wasm/main.go))
WASM := $(PLUGINS:%=dist/%.wasm)
# Modules built for tests only (never shipped).
TEST_WASM := dist/test/probe.wasm dist/test/misbehaving.wasm dist/test/floor.wasm
# Every module is built with a small Go runtime patch (tools/runtimepatch): without it the
# runtime's scavenger arms a timer and the module traps on hosts whose WASI lacks poll_oneoff, and
# the glue's yields to the scheduler cannot tell when there is nothing to run.
WASM_OVERLAY := dist/_runtimepatch/overlay.json  # "_": never a package of ./...
WASM_BUILD = GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -overlay $(WASM_OVERLAY)
# build_wasm builds the Go package $(1) to $@: Go writes dist/_go/..., which it leaves alone when
# up to date, and tools/jumpthread threads its jumps into $@ (Go on Wasm sends each jump between
# a function's basic blocks through the function's dispatch br_table).
define build_wasm
@mkdir -p $(dir $@) $(dir $(patsubst dist/%,dist/_go/%,$@))
$(WASM_BUILD) -o $(patsubst dist/%,dist/_go/%,$@) $(1)
@$(GO) run ./tools/jumpthread $(patsubst dist/%,dist/_go/%,$@) $@
endef
# Every shipped module (and the benchmark's floor, built like them) goes through binaryen's
# wasm-opt $(WASM_OPT) after the Go build, installing Debian's binaryen when wasm-opt is missing;
# `make build WASM_OPT=` skips it (a quicker build while developing). What it saves in memory and
# time, and what it costs (build minutes, the wasm name section): docs/deploy.md, "Build the
# modules". Results are cached by content under ~/.cache/wasmward/wasm-opt, so a module whose Go
# build did not change is not optimized again.
WASM_OPT ?= -Oz
WASM_OPT_CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/wasmward/wasm-opt
WASM_OPT_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
# optimize_wasm runs wasm-opt $(WASM_OPT) on the module $@ in place (through the cache).
define optimize_wasm
@if [ -n "$(WASM_OPT)" ]; then \
  sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
  command -v wasm-opt >/dev/null || { $$sudo apt-get update -qq && $$sudo apt-get install -y -qq binaryen; } >/dev/null; \
  out="$(WASM_OPT_CACHE)/$$(cat $@ | sha256sum | cut -c1-40)$$(echo '$(WASM_OPT)' | tr -c 'A-Za-z0-9\n' _).wasm"; \
  if [ ! -f "$$out" ]; then echo "wasm-opt $(WASM_OPT) $@"; mkdir -p "$(WASM_OPT_CACHE)" && \
    wasm-opt $(WASM_OPT) $(WASM_OPT_FEATURES) $@ -o "$$out.tmp" && mv "$$out.tmp" "$$out"; fi; \
  cp "$$out" $@; \
fi
endef
# Tools run as pinned `go run module@version`.
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
FUZZTIME ?= 10s
BENCHTIME ?= 1s

.PHONY: help build test test-deps bench bench-nginx waf-bench fuzz check demo clean e2e e2e-nginx
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

build: $(WASM) $(TEST_WASM) ## build every plugin to dist/<plugin>.wasm (standard Go, wasip1, jumps threaded, then wasm-opt -Oz; WASM_OPT= skips it)
$(WASM_OVERLAY): FORCE
	@$(GO) run ./tools/runtimepatch $(dir $@) >/dev/null
dist/%.wasm: $(WASM_OVERLAY) FORCE
	$(call build_wasm,./plugins/$*/wasm)
	$(optimize_wasm)
dist/test/probe.wasm: $(WASM_OVERLAY) FORCE
	$(call build_wasm,./shared/harness/probe/wasm)
dist/test/misbehaving.wasm: $(WASM_OVERLAY) FORCE
	$(call build_wasm,./tools/wasmrules/testdata/misbehaving)
dist/test/floor.wasm: $(WASM_OVERLAY) FORCE
	$(call build_wasm,./e2e/nginx/floor)
	$(optimize_wasm)

test: build test-deps ## build, then run every test that needs no container, native and wasm mode
	$(GO) test -count=1 ./...

# What tests read besides the Go code: modules' data files from the module cache (CRS regression
# tests) and Debian's word list. Each says in one line what it could not get.
test-deps:
	@$(GO) mod download
	@bash plugins/sanitize/testdata/setup-corpus.sh

e2e-nginx: build ## real nginx + ngx_wasm_module: differential and soak (host: WASMWARD_NGINX or ~/.cache/wasmward/nginx)
	@WASMWARD_E2E_NGINX=1 $(GO) test -count=1 -v -timeout 80m ./e2e/nginx/ 2>&1 | tee dist/e2e-nginx.log | grep -v -E '^=== (RUN|PAUSE|CONT)'; exit $${PIPESTATUS[0]}

bench-nginx: build ## real nginx: plain, pass-through, each plugin, full chain, ModSecurity+CRS; one table, then paired req/s comparisons (dist/bench-nginx.md)
	@mkdir -p dist
	@WASMWARD_E2E_NGINX=1 WASMWARD_BENCH_NGINX=1 $(GO) test -count=1 -v -timeout 40m -run '^TestBenchNginx$$' ./e2e/nginx/ 2>&1 | tee dist/bench-nginx.log | grep -v -E '^(=== (RUN|PAUSE|CONT)|--- |PASS$$|ok )'; exit $${PIPESTATUS[0]}

# WAFBENCH_SAMPLE=N keeps every Nth request (a quicker, coarser run). The whole run holds the
# measurement lock: its latency columns must not overlap another measurement.
WAFBENCH_SAMPLE ?= 1
waf-bench: dist/sanitize.wasm dist/passthrough.wasm ## sanitize vs Coraza+CRS (PL1, PL2) vs ModSecurity+CRS on the same request sets; one table (dist/waf-bench.md)
	@bash plugins/sanitize/testdata/setup-corpus.sh
	@$(GO) build -o dist/wafbench ./tools/wafbench
	@flock /tmp/wasmward-measure.lock dist/wafbench -sample $(WAFBENCH_SAMPLE) -out dist/waf-bench.md

demo: build ## run each plugin's scripted requests through its .wasm in the embedded host
	$(GO) run ./tools/demo

# -p 1: one package's benchmarks at a time (by default go test runs one package per core, and two
# packages benchmarking at once on a small machine move each other's p50s).
bench: build ## benchmark every plugin against the pass-through baseline; one table
	@mkdir -p dist
	$(GO) test -p 1 -timeout 60m -run '^$$' -bench . -benchtime $(BENCHTIME) ./plugins/... ./shared/... | tee dist/bench.txt | $(GO) run ./tools/benchtable

fuzz: build ## run every fuzz target for FUZZTIME (default 10s) each
	bash tools/fuzz.sh $(FUZZTIME)

check: ## gofmt, vet, wasip1 build, Go-on-Wasm rules, tests, config schemas, govulncheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) build ./plugins/... ./shared/glue/...  # test files need proxytest, host-only
	bash tools/wasm-rules.sh
	$(MAKE) test
	@for p in $(PLUGINS); do \
	  if ls plugins/$$p/testdata/valid/*.json >/dev/null 2>&1 && $(GO) run ./tools/wasmward schema $$p >/dev/null 2>&1; then \
	    $(GO) run ./tools/wasmward validate $$p plugins/$$p/testdata/valid/*.json >/dev/null || exit 1; fi; done
	@echo "configs: every testdata/valid config passes parser and schema"
	@if timeout 5 curl -fsS -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then \
	  $(GO) run $(GOVULNCHECK) ./...; \
	else echo "govulncheck: skipped, vulnerability database vuln.go.dev unreachable from this machine"; fi

e2e: build ## containerized Envoy end-to-end tests (skips with one line without Docker)
	@if [ -x e2e/run.sh ]; then e2e/run.sh; else echo "e2e: skipped, e2e/run.sh not present"; fi

clean: ## remove build outputs
	rm -rf dist

FORCE:
