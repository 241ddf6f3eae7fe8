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

// benchSteps is the full chain (pluginfiles.FullChain), each plugin with its first valid config
// (preferred ones first) that reads no environment variable: the wasm harness cannot pass one.
// With fewer than two of those plugins registered, four passthroughs stand in.
func benchSteps(b *testing.B) []benchStep {
	root := harness.RepoRoot()
	var steps []benchStep
	for _, name := range pluginfiles.FullChain {
		def, ok := registry.Lookup(name)
		if !ok {
			continue
		}
		if cfg := envFreeConfig(b, root, name); cfg != nil {
			steps = append(steps, benchStep{def, cfg})
		}
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

// envFreeConfig returns the plugin's preferred valid config if it reads no environment variable,
// else the first valid config by name that reads none, else nil.
func envFreeConfig(b *testing.B, root, plugin string) []byte {
	pref, err := pluginfiles.Preferred(root, plugin)
	if err != nil {
		return nil
	}
	for _, path := range append([]string{pref}, pluginfiles.ValidConfigs(root, plugin)...) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		env, err := config.ParseEnvelope(data, plugin)
		if err != nil {
			continue
		}
		if _, envs := pluginfiles.Scan(env.Spec); len(envs) == 0 {
			return data
		}
	}
	return nil
}

// logFirstDeny logs which step answers req itself: a proxy stops its filter chain there, as the
// chain does, so only the latency rows up to it add up (start-heap-B rows all do: every filter's
// VM exists).
func logFirstDeny(b *testing.B, steps []benchStep, req harness.Request) {
	for i, s := range steps {
		h, err := harness.NewHost(harness.Native, s.def, s.cfg, harness.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res := h.Do(req)
		h.Close()
		if res.LocalReply {
			b.Logf("the request stops at %d-%s (status %d): add latency rows 0..%d only", i, s.def.Name, res.Reply.Status, i)
			return
		}
	}
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

// benchHost is harness.BenchHost plus "start-heap-B": the VM's Go heap right after the plugin
// started, before any request. heap-B (after HeapRequests more requests) also counts garbage not
// yet collected; start-heap-B is what each VM costs at rest.
func benchHost(b *testing.B, h *harness.Host, next func(int) harness.Request) {
	start := h.HeapBytes()
	harness.BenchHost(b, h, next) // resets the timer, which drops metrics reported before
	b.ReportMetric(float64(start), "start-heap-B")
}

// BenchmarkChainVsSeparate measures one request through the one-VM chain ("<mode>/chain") and
// through each plugin in its own VM ("<mode>/separate/<i>-<plugin>"). The harness runs one VM at a
// time, so the separate VMs' cost is the sum of their rows: start-heap-B and heap-B over all rows,
// latencies over the rows up to the first filter that answers the request (logged).
func BenchmarkChainVsSeparate(b *testing.B) {
	steps := benchSteps(b)
	cfg := chainConfig(b, steps)
	req := harness.Request{Path: "/public/orders?id=7", Headers: [][2]string{{"user-agent", "bench"}}}
	logFirstDeny(b, steps, req)
	next := func(int) harness.Request { return req }
	dir := b.TempDir()
	for _, mode := range harness.Modes {
		b.Run(string(mode)+"/chain", func(b *testing.B) {
			benchHost(b, harness.MustStart(b, mode, chain.Definition, cfg), next)
		})
		for i, s := range steps {
			b.Run(fmt.Sprintf("%s/separate/%d-%s", mode, i, s.def.Name), func(b *testing.B) {
				opts := harness.Options{WasmPath: ownModule(b, dir, i, s.def.Name)}
				benchHost(b, harness.MustStart(b, mode, s.def, s.cfg, opts), next)
			})
		}
	}
}
