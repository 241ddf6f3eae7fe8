package nginx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchABEnv asks TestBenchNginxAB for an A/B of builds on the real host: a row of
// TestBenchNginx and the modules of its last filter, "<row>=<old.wasm>,<new.wasm>[,<new.wasm>...]"
// (absolute paths; an empty old is the row's own module, dist/<plugin>.wasm). Each new module is
// a paired comparison against the old (BenchPairsEnv pairs of pairBlock requests).
const BenchABEnv = "WASMWARD_BENCH_AB"

// errABSpec is a BenchABEnv value TestBenchNginxAB cannot read.
var errABSpec = errors.New(BenchABEnv + ` must be "<row>=<old.wasm>,<new.wasm>[,<new.wasm>...]", absolute paths`)

// parseAB reads a BenchABEnv value: the row's name and the modules, old first.
func parseAB(spec string) (row string, modules []string, err error) {
	row, list, ok := strings.Cut(spec, "=")
	modules = strings.Split(list, ",")
	if !ok || strings.TrimSpace(row) == "" || len(modules) < 2 {
		return "", nil, errABSpec
	}
	for i, m := range modules {
		modules[i] = strings.TrimSpace(m)
		if (i > 0 || modules[i] != "") && !filepath.IsAbs(modules[i]) { // nginx reads them from its prefix
			return "", nil, errABSpec
		}
	}
	return strings.TrimSpace(row), modules, nil
}

// withModule is row with its last filter loaded from module ("": the row's own).
func withModule(row benchRow, module string) benchRow {
	row.filters = append(row.filters[:0:0], row.filters...)
	if module != "" {
		row.filters[len(row.filters)-1].Module = module
	}
	return row
}

// TestBenchNginxAB measures what a change to a module does on the real host: the row's nginx
// with the old module and one with a new module run at once and serve alternating blocks, as
// TestBenchNginx's paired comparisons do (docs/performance.md, "Two builds or two configs on the
// real host"). The old module against a copy of itself is the run's own error.
func TestBenchNginxAB(t *testing.T) {
	spec := os.Getenv(BenchABEnv)
	if spec == "" {
		t.Skipf("bench A/B: set %s=\"<row>=<old.wasm>,<new.wasm>\" (and %s=1)", BenchABEnv, RunEnv)
	}
	name, modules, err := parseAB(spec)
	if err != nil {
		t.Fatal(err)
	}
	bin := hostOrSkip(t)
	w := newBenchWorld(t)
	rows := selectRows(benchRows(t), name)
	if len(rows) != 1 || rows[0].name != name || len(rows[0].filters) == 0 {
		t.Fatalf("%s: %q is not the name of one wasm row of TestBenchNginx", BenchABEnv, name)
	}
	old, oldName := withModule(rows[0], modules[0]), modules[0]
	if oldName == "" {
		oldName = "the row's own module"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| %s: new over old (old %s) | req/s | its median's 95 %% interval | worker CPU per request |\n|---|---:|---:|---:|\n", name, oldName)
	for _, m := range modules[1:] {
		r := runPair(t, w, bin, [2]benchRow{old, withModule(rows[0], m)}, allowedHeaders(), max(1, benchPairCount(t)), pairBlock)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m, spread(r.rates), interval(r.rates), spread(r.cpus))
	}
	fmt.Print(b.String())
}

func TestParseAB(t *testing.T) {
	for _, c := range []struct {
		spec, row string
		modules   []string
	}{
		{"passthrough=/a.wasm,/b.wasm", "passthrough", []string{"/a.wasm", "/b.wasm"}},
		{"jwtauthn + rbac=,/b.wasm, /c.wasm", "jwtauthn + rbac", []string{"", "/b.wasm", "/c.wasm"}},
		{"sanitize, JSON body=/a.wasm,/b.wasm", "sanitize, JSON body", []string{"/a.wasm", "/b.wasm"}},
	} {
		row, modules, err := parseAB(c.spec)
		if err != nil || row != c.row || strings.Join(modules, "|") != strings.Join(c.modules, "|") {
			t.Errorf("parseAB(%q) = %q, %q, %v", c.spec, row, modules, err)
		}
	}
	for _, bad := range []string{"", "passthrough", "passthrough=/a.wasm", "=/a.wasm,/b.wasm", "passthrough=/a.wasm,", "passthrough=,b.wasm", "passthrough=a.wasm,/b.wasm"} {
		if _, _, err := parseAB(bad); !errors.Is(err, errABSpec) {
			t.Errorf("parseAB(%q): %v, want errABSpec", bad, err)
		}
	}
}
