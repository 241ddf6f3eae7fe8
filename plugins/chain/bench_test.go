package chain_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// benchStep is one policy of the benchmarked chain with its standalone config.
type benchStep struct {
	def policy.Definition
	cfg []byte
}

// benchSteps is the full chain (pluginfiles.FullChain) with each plugin's preferred valid
// config; with fewer than two of those plugins registered, four passthroughs stand in.
func benchSteps(b *testing.B) []benchStep {
	root := harness.RepoRoot()
	var steps []benchStep
	for _, name := range pluginfiles.FullChain {
		def, ok := registry.Lookup(name)
		if !ok {
			continue
		}
		cfg, err := pluginfiles.ReadPreferred(root, name)
		if err != nil {
			b.Fatal(err)
		}
		steps = append(steps, benchStep{def, cfg})
	}
	if len(steps) < 2 {
		steps = nil
		for range 4 {
			def, _ := registry.Lookup("passthrough")
			steps = append(steps, benchStep{def, harness.BaselineConfig})
		}
	}
	return steps
}

// chainConfig builds the chain config running the steps' specs.
func chainConfig(b *testing.B, steps []benchStep) []byte {
	var spec chain.Spec
	for _, s := range steps {
		env, err := config.ParseEnvelope(s.cfg, s.def.Name)
		if err != nil {
			b.Fatal(err)
		}
		spec.Policies = append(spec.Policies, chain.Entry{Plugin: s.def.Name, Spec: env.Spec})
	}
	raw, _ := json.Marshal(spec)
	return fmt.Appendf(nil, `{"apiVersion":"wasmward/v1","plugin":"chain","spec":%s}`, raw)
}

// ownModule copies dist/<plugin>.wasm to a path of its own: the harness compiles one VM per path,
// and separate filters must not share a VM (nor its heap) even when they run the same plugin.
func ownModule(b *testing.B, dir string, i int, plugin string) string {
	bin, err := os.ReadFile(harness.WasmPath(plugin))
	if err != nil {
		return harness.WasmPath(plugin) // missing: the harness skips (or fails with CI=true)
	}
	path := filepath.Join(dir, fmt.Sprintf("%d-%s.wasm", i, plugin))
	if err := os.WriteFile(path, bin, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkChainVsSeparate measures one request through the one-VM chain ("<mode>/chain") and
// through each plugin in its own VM ("<mode>/separate/<i>-<plugin>"). The harness runs one VM at a
// time, so the separate VMs' cost is the sum of their rows: ns/op, p50/p99 and heap-B add up.
func BenchmarkChainVsSeparate(b *testing.B) {
	steps := benchSteps(b)
	cfg := chainConfig(b, steps)
	req := harness.Request{Path: "/api/orders?id=7", Headers: [][2]string{{"user-agent", "bench"}}}
	next := func(int) harness.Request { return req }
	dir := b.TempDir()
	for _, mode := range harness.Modes {
		b.Run(string(mode)+"/chain", func(b *testing.B) {
			harness.BenchHost(b, harness.MustStart(b, mode, chain.Definition, cfg), next)
		})
		for i, s := range steps {
			b.Run(fmt.Sprintf("%s/separate/%d-%s", mode, i, s.def.Name), func(b *testing.B) {
				opts := harness.Options{WasmPath: ownModule(b, dir, i, s.def.Name)}
				harness.BenchHost(b, harness.MustStart(b, mode, s.def, s.cfg, opts), next)
			})
		}
	}
}
