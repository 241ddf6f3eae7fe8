// Command wafbench is `make waf-bench` (issue 17): the same request sets (tools/wafbench/corpus)
// through sanitize (dist/sanitize.wasm in the harness's wazero host, and in real nginx +
// ngx_wasm_module when that host exists), Coraza v3 + CRS v4 at paranoia levels 1 and 2 in
// process, and ModSecurity v3 + CRS 3.3.4 in Debian's nginx on 127.0.0.1 (started here and
// stopped after). It prints one table (also dist/waf-bench.md): detection per attack class and
// false positives per benign set, in-sample and held-out apart, added latency and memory per
// engine, and the goals met or missed.
//
//	go run ./tools/wafbench [-sample N]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	nginx "github.com/wasmward/wasmward/e2e/nginx"
	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/wafbench/corpus"
	"github.com/wasmward/wasmward/tools/wafbench/engine"
)

// sanitizeConfig is sanitize's default config (an empty spec), in process and in nginx alike.
const sanitizeConfig = "plugins/sanitize/testdata/valid/minimal.json"

// engineRun is what one engine did with every item (attacks, then benign).
type engineRun struct {
	name    string
	blocked []bool
	lat     []time.Duration // per item; the latency columns read the benign ones
	base    []time.Duration // the same items through the engine's baseline (nil: none)
	latWhat string          // what the latency is measured against
	memory  string
	notes   []string
	skipped string
}

func main() {
	sample := flag.Int("sample", 1, "keep every Nth item of each set (1: all)")
	out := flag.String("out", "dist/waf-bench.md", "where the table is written too")
	match := flag.String("match", "", "keep only items whose ID starts with this (debugging one class)")
	only := flag.String("only", "", "run only the engines whose name starts with this (debugging one engine)")
	verbose := flag.Bool("v", false, "print every in-sample item each engine let through or blocked wrongly (never a held-out one: tuning must not see them)")
	flag.Parse()
	start := time.Now()
	root := harness.RepoRoot()
	if err := os.Chdir(root); err != nil {
		fail(err)
	}
	dir, err := corpus.CRSDir()
	if err != nil {
		fail(err)
	}
	c, err := corpus.Build(corpus.Options{CRSDir: dir})
	if err != nil {
		fail(err)
	}
	items := append(slices.Clone(c.Attacks), c.Benign...)
	if *match != "" {
		items = slices.DeleteFunc(items, func(it corpus.Item) bool { return !strings.HasPrefix(it.ID, *match) })
		c.Notes = append(c.Notes, "only items "+*match+"*")
	}
	if *sample > 1 {
		var kept []corpus.Item
		for i, it := range items {
			if i%*sample == 0 {
				kept = append(kept, it)
			}
		}
		items = kept
		c.Notes = append(c.Notes, fmt.Sprintf("sampled: every %dth item", *sample))
	}
	fmt.Fprintf(os.Stderr, "waf-bench: %d requests (%d attacks, %d benign before sampling)\n", len(items), len(c.Attacks), len(c.Benign))

	engines := []struct {
		name string
		run  func() engineRun
	}{
		{"sanitize (wasm)", func() engineRun { return runSanitizeWasm(items) }},
		{"sanitize (nginx)", func() engineRun {
			bin, err := nginx.Binary()
			if err != nil {
				return engineRun{name: "sanitize (nginx)", skipped: "no nginx + ngx_wasm_module: " + err.Error()}
			}
			return runSanitizeNginx(bin, items)
		}},
		{"Coraza PL1", func() engineRun { return runCoraza(1, items) }},
		{"Coraza PL2", func() engineRun { return runCoraza(2, items) }},
		{"ModSecurity PL1", func() engineRun { return runModSecurity(items) }},
	}
	var runs []engineRun
	for _, e := range engines {
		if strings.HasPrefix(e.name, *only) {
			runs = append(runs, e.run())
		}
	}
	if *verbose {
		for _, r := range runs {
			for i, it := range items {
				if r.blocked != nil && r.blocked[i] == it.Benign() && !it.HeldOut {
					fmt.Fprintf(os.Stderr, "%s: %s %s %q\n", r.name, map[bool]string{true: "BLOCKED", false: "passed"}[r.blocked[i]], it.ID, clip(it.Req.Raw(true)))
				}
			}
		}
	}

	table := render(items, runs, c.Notes, time.Since(start))
	fmt.Print(table)
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err == nil {
		_ = os.WriteFile(*out, []byte(table), 0o644)
	}
}

// liveHeap is the Go heap still referenced: two collections first, so that finalizers queued by
// the first have run.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func clip(b []byte) []byte { return b[:min(len(b), 800)] }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "waf-bench:", err)
	os.Exit(1)
}

func progress(name string, t0 time.Time) {
	fmt.Fprintf(os.Stderr, "waf-bench: %s done in %.0fs\n", name, time.Since(t0).Seconds())
}

// harnessRequest is a corpus request for the harness: the request-target as the path, the Host
// header as the authority, the protocol as the host property request.protocol (set on every
// request: the harness keeps a property from one request to the next).
func harnessRequest(r corpus.Request) harness.Request {
	hr := harness.Request{Method: r.Method, Path: r.Target, Body: string(r.Body), Authority: corpus.DefaultHost,
		Properties: map[string]string{"request/protocol": r.Protocol()}}
	for _, h := range r.WireHeaders() {
		if strings.EqualFold(h[0], "host") {
			hr.Authority = h[1]
			continue
		}
		hr.Headers = append(hr.Headers, [2]string{strings.ToLower(h[0]), h[1]})
	}
	return hr
}

// runSanitizeWasm runs dist/sanitize.wasm (default config) and, for the latency baseline,
// dist/passthrough.wasm, on the harness's wazero host, side by side: harness.Alternate's blocks of
// items, each block through both modules in turn, each module's VM warmed up before the first.
func runSanitizeWasm(items []corpus.Item) engineRun {
	t0 := time.Now()
	r := engineRun{name: "sanitize (wasm)", latWhat: "in process (wazero, proxy-wasm emulator): per request, minus dist/passthrough.wasm on the same requests, the two alternating in blocks"}
	cfg, err := os.ReadFile(sanitizeConfig)
	if err != nil {
		r.skipped = err.Error()
		return r
	}
	start := func(role int) (*harness.Host, error) {
		def, cfg := sanitize.Definition, cfg
		if role == 0 {
			def, cfg = harness.Baseline, harness.BaselineConfig
		}
		h, err := harness.NewHost(harness.Wasm, def, cfg, harness.Options{})
		if err == nil && !h.Status {
			h.Close()
			err = fmt.Errorf("%s refused its config: %s", def.Name, strings.Join(h.CriticalLogs(), "; "))
		}
		return h, err
	}
	next := func(i int) harness.Request { return harnessRequest(items[i%len(items)].Req) }
	r.blocked, r.lat, r.base = make([]bool, len(items)), make([]time.Duration, len(items)), make([]time.Duration, len(items))
	var heap [2]uint64 // passthrough.wasm's, sanitize.wasm's
	err = harness.Alternate(len(items), altBlocks, start, next, func(role int, h *harness.Host, first, last int) {
		lat := r.base
		if role == 1 {
			lat = r.lat
		}
		for i := first; i < last; i++ {
			t := time.Now()
			res := h.Do(next(i))
			lat[i] = time.Since(t)
			if role == 1 {
				r.blocked[i] = res.LocalReply || res.HostReply
			}
		}
		heap[role] = h.HeapBytes()
	})
	if err != nil {
		r.skipped = err.Error()
		return r
	}
	r.memory = fmt.Sprintf("guest Go heap after the run %s (passthrough.wasm %s)", mib(int64(heap[1])), mib(int64(heap[0])))
	progress(r.name, t0)
	return r
}

// altBlocks is how many blocks of the corpus runSanitizeWasm alternates.
const altBlocks = 20

// runSanitizeNginx sends every item through real nginx + ngx_wasm_module with sanitize, and
// through the same nginx without a filter for the latency baseline.
func runSanitizeNginx(bin string, items []corpus.Item) engineRun {
	r := engineRun{name: "sanitize (nginx)", latWhat: "over HTTP on loopback, 1 worker: minus the same nginx + ngx_wasm_module without a filter"}
	return runHTTP(r, items, func(up *upstream, waf bool) (*httpEngine, error) {
		cfg := ""
		if waf {
			cfg = sanitizeConfig
		}
		return startWasmNginx(bin, up, cfg)
	}, true)
}

// runCoraza runs Coraza + CRS v4 at paranoia level pl in process.
func runCoraza(pl int, items []corpus.Item) engineRun {
	t0 := time.Now()
	r := engineRun{name: fmt.Sprintf("Coraza PL%d", pl), latWhat: "in process (Go): the engine's own time per request"}
	before := liveHeap()
	waf, err := engine.NewCoraza(pl)
	if err != nil {
		r.skipped = err.Error()
		return r
	}
	r.memory = fmt.Sprintf("Go heap of the compiled WAF %s", mib(int64(liveHeap())-int64(before)))
	if pl > 1 {
		r.memory += " (beyond PL1's: Coraza memoizes compiled regexes process-wide)"
	}
	defer runtime.KeepAlive(waf)
	r.blocked, r.lat = make([]bool, len(items)), make([]time.Duration, len(items))
	for i, it := range items {
		t := time.Now()
		r.blocked[i] = engine.CorazaBlocked(waf, it.Req)
		r.lat[i] = time.Since(t)
	}
	progress(r.name, t0)
	return r
}

// runModSecurity sends every item through Debian's nginx with ModSecurity + CRS (installed with
// apt-get when missing) and through the same nginx without it for the latency baseline.
func runModSecurity(items []corpus.Item) engineRun {
	r := engineRun{name: "ModSecurity PL1", latWhat: "over HTTP on loopback, 1 worker: minus Debian's nginx without ModSecurity"}
	if err := nginx.EnsureModSecurity(); err != nil {
		r.skipped = err.Error()
		return r
	}
	return runHTTP(r, items, startDebian, false)
}

// runHTTP measures the nginx that start starts on a fresh upstream without the WAF (the latency
// and memory baseline) and with it, both running, each item sent to one and then the other
// (runInterleaved). wasmHost: the error log is searched for traps and crashes (ModSecurity's own
// log lines quote the requests, which trip that search).
func runHTTP(r engineRun, items []corpus.Item, start func(up *upstream, waf bool) (*httpEngine, error), wasmHost bool) engineRun {
	t0 := time.Now()
	up, err := startUpstream()
	if err != nil {
		r.skipped = err.Error()
		return r
	}
	defer up.ln.Close()
	plain, err := start(up, false)
	if err != nil {
		r.skipped = "without the WAF: " + err.Error()
		return r
	}
	defer plain.stop()
	e, err := start(up, true)
	if err != nil {
		r.skipped = err.Error()
		return r
	}
	defer e.stop()
	runs := runInterleaved(up, []*httpEngine{plain, e}, items)
	r.base, r.blocked, r.lat = runs[0].lat, runs[1].blocked, runs[1].lat
	r.memory = fmt.Sprintf("worker RSS %s (without the WAF %s)", mib(e.workerRSS()), mib(plain.workerRSS()))
	r.notes = append(r.notes, fmt.Sprintf("%s: statuses of the blocked requests (nginx's own 400/405/505 count as blocked too): %v", r.name, runs[1].statuses))
	if p := nginx.Problems(e.n.ErrorLog()); wasmHost && len(p) > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%s: error log: %d problem lines, first: %s", r.name, len(p), p[0]))
	}
	progress(r.name, t0)
	return r
}
