package nginx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// BenchEnv must be set (make bench-nginx does) for TestBenchNginx to run; make e2e-nginx
// leaves it to its own target.
const BenchEnv = "WASMWARD_BENCH_NGINX"

// The bench-nginx load per row: warm-up requests, then the measured ones (benchMeasured); RSS
// is read after each.
const (
	benchWarmup  = 2000
	benchClients = 4
)

// BenchRequestsEnv sets how many requests each row serves in all (warm-up included; default
// 60,000: with upstream keepalive a row serves 10,000–30,000 requests a second, and a measured
// window of a second or less moved a row's req/s by a third from round to round).
// WASMWARD_BENCH_REQUESTS=100000 is the growth check: every row's RSS after 100,000 requests
// against its reading after the warm-up, which must stay within benchGrowthSlack.
const BenchRequestsEnv = "WASMWARD_BENCH_REQUESTS"

// BenchWorkersEnv sets nginx's worker_processes in every row (default 2): per-worker PSS falls
// as more workers share the same pages, per-worker RSS does not.
const BenchWorkersEnv = "WASMWARD_BENCH_WORKERS"

// benchWorkers is the number of workers per nginx (BenchWorkersEnv, default 2).
func benchWorkers(t *testing.T) int { return envCount(t, BenchWorkersEnv, "workers", 2, 64) }

// envCount reads a count of what from the environment variable name: def when unset, else a
// number from 1 to most (anything else fails the test).
func envCount(t *testing.T, name, what string, def, most int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		t.Fatalf("%s=%q: want a number of %s from 1 to %d", name, v, what, most)
	}
	return n
}

// benchGrowthSlack is how much a worker's mean RSS may grow per VM (filter) between the warm-up
// and the end of a row: the Go heaps settle within the warm-up, so more is a leak.
const benchGrowthSlack = 4 << 20

// benchMeasured is the number of measured requests per row (BenchRequestsEnv minus the warm-up).
func benchMeasured(t *testing.T) int {
	total := 60000
	if v := os.Getenv(BenchRequestsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= benchWarmup {
			t.Fatalf("%s=%q: want a number of requests above the %d of the warm-up", BenchRequestsEnv, v, benchWarmup)
		}
		total = n
	}
	return total - benchWarmup
}

// benchRow is one row of the bench-nginx table.
type benchRow struct {
	name    string
	filters []gen.NginxFilter
	debian  string // "", or "plain" / "modsec": Debian's nginx (ModSecurity + CRS)
	// body, when set, makes the row's request a POST of this JSON body (jsonBodyRows).
	body []byte
}

// request is the row's request with headers: a GET of benchPath, or a POST of the row's body.
func (row benchRow) request(headers [][2]string) []byte {
	if row.body != nil {
		return PostRequest(benchPath, "api.example.com", headers, "application/json", row.body)
	}
	return GetRequest(benchPath, "api.example.com", headers)
}

// jsonSuffix ends the name of a row whose requests carry the JSON body (jsonBodyRows).
const jsonSuffix = ", JSON body"

// jsonBodyRows are nginx without wasm, pass-through and sanitize on a POST of sanitize's
// benchmark body (plugins/sanitize/testdata/bench/order.json, the body of BenchmarkSanitizeJSON):
// issue 17's JSON goal on the real host. Their ratios are to the pass-through and plain rows of
// the same body.
func jsonBodyRows(t *testing.T, passthrough, sanitize gen.NginxFilter) []benchRow {
	body, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "plugins", "sanitize", "testdata", "bench", "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	return []benchRow{{name: "nginx without wasm" + jsonSuffix, body: body},
		{name: "passthrough" + jsonSuffix, filters: []gen.NginxFilter{passthrough}, body: body},
		{name: "sanitize" + jsonSuffix, filters: []gen.NginxFilter{sanitize}, body: body}}
}

// benchPath is the path every bench request asks for: a route jwtauthn's, rbac's and the
// chain's preferred configs allow for the bench token (scopes orders.read and orders:read), from
// a managed device behind rbac's trusted proxy (source 172.16.0.5 through the realip module).
const benchPath = "/orders/7/items/1"

// allowedHeaders are the headers of a request to benchPath that every plugin's preferred config
// and the full chain allow: a fresh token with the scopes jwtauthn and rbac ask for, a managed
// device, and (with the realip module) rbac's trusted proxy as the source, which vouches for
// the device class.
func allowedHeaders() [][2]string {
	tok := e2ekit.Mint("alice", "admin orders.read orders:read", time.Now(), 2*time.Hour)
	headers := [][2]string{{"authorization", "Bearer " + tok}, {"user-agent", "wasmward-bench"}, {"accept", "*/*"},
		{"x-request-id", "bench"}, {"x-device-class", "managed"}, {"x-forwarded-for", "203.0.113.9"}}
	if realIP {
		headers = append(headers, [2]string{sourceHeader, "172.16.0.5"})
	}
	return headers
}

// floorRowName is the floor's row (benchRows), the baseline of the host's own bound (benchPairs);
// floorHeadersRowName the floor reading the request's header list, the bound of a filter that
// decides on the request's headers.
const (
	floorRowName        = "Go proxy-wasm floor (SDK only)"
	floorHeadersRowName = "Go proxy-wasm floor reading the request headers (SDK only)"
)

// benchRows are the table's rows: nginx without wasm, the floor (the smallest Go proxy-wasm
// filter, e2e/nginx/floor: what ngx_wasm_module and the Go runtime cost before any wasmward
// code), the same module reading the request's header list through the SDK (what any filter
// that decides on the headers pays at least), then every plugin with its preferred config
// (full.json, as the full chain runs it), rate limits raised out of reach (the table measures
// allowed requests: denies skip the upstream), then the full chain as separate filters and in
// one VM. rbac authorizes the identity jwtauthn hands off, bound to the connection (a
// client-signed header is refused), so it runs behind jwtauthn, next to jwtauthn + passthrough:
// rbac's cost is the difference.
func benchRows(t *testing.T) []benchRow {
	t.Helper()
	root := harness.RepoRoot()
	filter := func(plugin, path string) gen.NginxFilter {
		rel, _ := filepath.Rel(root, path)
		return filterOf(t, plugin, rel, func(b []byte) []byte { return benchSpec(t, b) })
	}
	preferred := func(plugin string) gen.NginxFilter {
		path, err := pluginfiles.Preferred(root, plugin)
		if err != nil {
			t.Fatal(err)
		}
		return filter(plugin, path)
	}
	floor := gen.NginxFilter{Plugin: "floor", Module: filepath.Join(root, "dist", "test", "floor.wasm"),
		Config: gen.Config{Name: "floor", Data: []byte(`{}`), Env: &config.Envelope{}}}
	floorHeaders := floor
	floorHeaders.Config.Data = []byte(`{"readRequestHeaders":true}`)
	rows := []benchRow{{name: "nginx without wasm"}, {name: floorRowName, filters: []gen.NginxFilter{floor}},
		{name: floorHeadersRowName, filters: []gen.NginxFilter{floorHeaders}},
		{name: "passthrough", filters: []gen.NginxFilter{preferred("passthrough")}}}
	audited := preferred("passthrough")
	audited.Config.Data = []byte(strings.Replace(string(audited.Config.Data), `"allows":false`, `"allows":true`, 1))
	rows = append(rows, benchRow{name: "passthrough, allows audited", filters: []gen.NginxFilter{audited}})
	var chain []gen.NginxFilter
	for _, p := range pluginfiles.FullChain {
		f := preferred(p)
		chain = append(chain, f)
		if p == "rbac" { // rbac needs jwtauthn's identity, handed off on the same connection
			rows = append(rows, benchRow{name: "jwtauthn + passthrough", filters: []gen.NginxFilter{chain[0], preferred("passthrough")}},
				benchRow{name: "jwtauthn + rbac", filters: []gen.NginxFilter{chain[0], f}})
			continue
		}
		rows = append(rows, benchRow{name: p, filters: []gen.NginxFilter{f}})
	}
	onevm := filter("chain", filepath.Join(root, gen.OneVMConfigPath))
	onevm.Config.Name = "full-chain"
	rows = append(rows, benchRow{name: "full chain, separate filters", filters: chain},
		benchRow{name: "full chain, one VM", filters: []gen.NginxFilter{onevm}})
	return append(rows, jsonBodyRows(t, preferred("passthrough"), preferred("sanitize"))...)
}

// benchSpec raises every rate-limit bucket and ban threshold in a config (any plugin, the
// chain's embedded specs included) to its schema maximum, and turns the audit of allowed
// requests off, as nginx's access log is off in every row (the "allows audited" row measures
// that line's cost).
func benchSpec(t *testing.T, data []byte) []byte {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["capacity"]; ok { // a bucket: full at any rate
				x["capacity"], x["tokensPerFill"] = 1000000000, 1000000000
			}
			for k, e := range x {
				switch k {
				case "capacity", "tokensPerFill":
				case "threshold":
					x[k] = 1000000
				case "audit":
					if a, ok := e.(map[string]any); ok {
						a["allows"] = false
					}
				default:
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// benchResult is one measured row.
type benchResult struct {
	row             benchRow
	ready           time.Duration
	cached          string // Wasmtime compile cache: "hit", "miss" (compiled at this start), "-"
	rate            float64
	p50, p99        time.Duration
	rssWarm, rssEnd int64
	anonEnd         int64 // the anonymous (not file-backed) part of rssEnd
	pssEnd          Smaps // mean over the workers at the end; pssRead false when unreadable
	pssRead         bool
	pssTotal        int64         // PSS of the master and all workers at the end: what nginx occupies
	cpu             time.Duration // the workers' CPU time per measured request
	statuses        string
	skipped         string
}

// TestBenchNginx is `make bench-nginx`: one table, one run, one machine, each row measured in
// every one of BenchRoundsEnv rounds (three by default) and given as its median. Every row
// starts its own nginx (2 workers, BenchWorkersEnv) on 127.0.0.1 proxying to the same
// in-process upstream (upstream keepalive, as every generated config), serves
// benchWarmup then benchMeasured keep-alive GETs from benchClients clients (a request with a
// valid identity-provider token that every plugin allows), and stops it before the next row.
// Rows: nginx without wasm, pass-through, each plugin, the full chain as separate filters and
// in one VM, Debian's nginx plain and with ModSecurity + CRS (installed with apt-get when
// missing; one line and no row when impossible). Then issue 20's req/s goals are measured again
// as paired comparisons (benchPairs: two nginx running at once, served alternating blocks),
// a second table under the first.
func TestBenchNginx(t *testing.T) {
	if os.Getenv(BenchEnv) == "" {
		t.Skipf("bench-nginx: run `make bench-nginx` (sets %s=1)", BenchEnv)
	}
	bin := hostOrSkip(t)
	// WASMWARD_BENCH_ENV="GOGC=50 GOMEMLIMIT=24MiB": environment of every wasm nginx (nginx's env
	// directive, which the plugins' Go runtimes read at VM start), to measure the memory knobs.
	knobs := strings.Fields(os.Getenv("WASMWARD_BENCH_ENV"))
	for _, kv := range knobs {
		extraMain = append(extraMain, "env "+kv+";")
	}
	// WASMWARD_BENCH_WASMTIME="cranelift_opt_level speed_and_size": Wasmtime flags of every wasm
	// nginx (ngx_wasm_module's `flag` directive in the wasmtime block), comma-separated.
	for _, f := range strings.Split(os.Getenv("WASMWARD_BENCH_WASMTIME"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			extraWasmtime = append(extraWasmtime, "flag "+f+";")
			knobs = append(knobs, "wasmtime flag "+f)
		}
	}
	t.Cleanup(func() { extraMain, extraWasmtime = nil, nil })
	w := newBenchWorld(t)

	rows := benchRows(t)
	rows = append(rows, benchRow{name: "Debian nginx without wasm", debian: "plain"}, benchRow{name: "Debian nginx + ModSecurity + CRS", debian: "modsec"})
	if only := os.Getenv("WASMWARD_BENCH_ROWS"); only != "" {
		rows = selectRows(rows, only)
	}

	headers := allowedHeaders()

	if len(rows) == 0 {
		t.Fatalf("WASMWARD_BENCH_ROWS=%q names no row", os.Getenv("WASMWARD_BENCH_ROWS"))
	}
	rounds := benchRounds(t)
	results := make([]roundResults, len(rows)) // per row, one per round
	modsecErr := error(nil)
	for round := 1; round <= rounds; round++ {
		for i, row := range rows {
			var r benchResult
			req := row.request(headers)
			switch row.debian {
			case "":
				r = benchWasmRow(t, w, bin, row, req)
			default:
				if modsecErr == nil && row.debian == "plain" && round == 1 {
					modsecErr = EnsureModSecurity()
				}
				if modsecErr != nil {
					r = benchResult{row: row, skipped: "skipped: " + modsecErr.Error()}
				} else {
					r = benchDebianRow(t, w, row, req)
				}
			}
			t.Logf("round %d/%d, %s: %.0f req/s, p50 %v, CPU %v/req, RSS %.1f → %.1f MiB (anon %.1f), PSS %.1f MiB (anon/file/shmem %s, total %.1f), start %.2fs (%s) %s %s",
				round, rounds, row.name, r.rate, r.p50, r.cpu, mib(r.rssWarm), mib(r.rssEnd), mib(r.anonEnd), mib(r.pssEnd.PSS), pssParts(r), mib(r.pssTotal),
				r.ready.Seconds(), r.cached, r.statuses, r.skipped)
			results[i] = append(results[i], r)
		}
	}
	paired := runPairs(t, w, bin, rows, headers, benchPairCount(t))
	table := benchTable(t, bin, results, paired, knobs)
	fmt.Print(table)
	_ = os.WriteFile(filepath.Join(harness.RepoRoot(), "dist", "bench-nginx.md"), []byte(table), 0o644)
}

// newBenchWorld is the benchmark's world: the e2e identity provider, and an upstream that
// answers every request with the same small JSON body (the e2e upstream echoes the request).
func newBenchWorld(t *testing.T) *world {
	w := newWorld(t)
	up := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, `{"id":7,"item":"socks"}`)
	}))
	t.Cleanup(up.Close)
	w.upAddr = up.Listener.Addr().String()
	return w
}

// selectRows keeps the rows WASMWARD_BENCH_ROWS names, for profiling one row: the one row
// named exactly (names hold commas: "sanitize, JSON body"), else those whose names start with
// one of its comma-separated prefixes.
func selectRows(rows []benchRow, only string) []benchRow {
	for _, r := range rows {
		if r.name == only {
			return []benchRow{r}
		}
	}
	var keep []benchRow
	for _, r := range rows {
		for _, p := range strings.Split(only, ",") {
			if strings.HasPrefix(r.name, p) {
				keep = append(keep, r)
				break
			}
		}
	}
	return keep
}

// benchWasmRow measures one row on the ngx_wasm_module nginx.
func benchWasmRow(t *testing.T, w *world, bin string, row benchRow, req []byte) benchResult {
	t.Helper()
	n, addr, cached := startRow(t, w, bin, row)
	defer n.Stop()
	r := benchResult{row: row, ready: n.Ready, cached: cached}
	measure(t, n, addr, req, &r)
	return r
}

// startRow starts the row's nginx on a free address; cached is whether its modules came from
// Wasmtime's compile cache ("hit", "miss", "-" without modules). A start that compiled them is
// stopped and started again: its workers would keep the compiler's memory (and the warm-up's
// CPU ran the compiler), so a row is measured from a start that loads them from the cache.
func startRow(t *testing.T, w *world, bin string, row benchRow) (n *Nginx, addr, cached string) {
	t.Helper()
	addrs, err := FreeAddrs(1)
	if err != nil {
		t.Fatal(err)
	}
	before := cacheEntries()
	n = w.startNginx(t, bin, benchWorkers(t), []site{{addr: addrs[0], filters: row.filters}})
	if len(row.filters) > 0 && cacheEntries() != before {
		t.Logf("%s: compile cache miss (start %.2fs); started again", row.name, n.Ready.Seconds())
		n.Stop()
		before = cacheEntries()
		n = w.startNginx(t, bin, benchWorkers(t), []site{{addr: addrs[0], filters: row.filters}})
	}
	cached = "-"
	if len(row.filters) > 0 {
		cached = "hit"
		if cacheEntries() != before {
			cached = "miss"
		}
	}
	return n, addrs[0], cached
}

// benchDebianRow measures Debian's nginx, plain or with ModSecurity + CRS.
func benchDebianRow(t *testing.T, w *world, row benchRow, req []byte) benchResult {
	t.Helper()
	addr, err := FreeAddrs(1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf, err := ModSecConf(dir, Main(benchWorkers(t)), addr[0], w.upAddr, row.debian == "modsec")
	if err != nil {
		return benchResult{row: row, skipped: "skipped: " + err.Error()}
	}
	n, err := Start(DebianNginx, dir, conf, nil, addr, startTimeout)
	if err != nil {
		return benchResult{row: row, skipped: "skipped: " + strings.SplitN(err.Error(), "\n", 2)[0]}
	}
	defer n.Stop()
	r := benchResult{row: row, ready: n.Ready, cached: "-"}
	measure(t, n, addr[0], req, &r)
	return r
}

// measure runs the warm-up and the measured load against a started nginx.
func measure(t *testing.T, n *Nginx, addr string, req []byte, r *benchResult) {
	t.Helper()
	warm := warmUp(addr, req)
	r.rssWarm = avg(workerRSS(n))
	cpu0 := workersCPU(n)
	res := Load{Addr: addr, Request: req, Clients: benchClients, Requests: benchMeasured(t)}.Run()
	r.rssEnd = avg(workerRSS(n))
	anon := map[int]int64{}
	for _, pid := range n.Workers() {
		anon[pid] = RSSAnon(pid)
	}
	r.anonEnd = avg(anon)
	r.pssEnd, r.pssTotal, r.pssRead = nginxPSS(n)
	if res.Requests > 0 {
		r.cpu = (workersCPU(n) - cpu0) / time.Duration(res.Requests)
	}
	if r.rssEnd > r.rssWarm+int64(max(1, len(r.row.filters)))*benchGrowthSlack {
		t.Errorf("%s: worker RSS grew from %.1f to %.1f MiB over %d requests", r.row.name, mib(r.rssWarm), mib(r.rssEnd), res.Requests)
	}
	r.rate, r.p50, r.p99 = res.Rate(), res.Percentile(50), res.Percentile(99)
	r.statuses = res.StatusLine()
	if res.Statuses[200] != res.Requests { // say who refused: the last audit line of a deny
		lines := strings.Split(n.ErrorLog(), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.Contains(lines[i], `"deny"`) || strings.Contains(lines[i], `"plugin":"jwtauthn"`) {
				t.Logf("%s: not every request allowed; last deny: %s", r.row.name, lines[i])
				break
			}
		}
	}
	if warm.Errors+res.Errors > 0 {
		t.Errorf("%s: %d transport errors", r.row.name, warm.Errors+res.Errors)
	}
	ensureNoProblems(t, n)
}

// warmUp settles a started nginx, then serves the rest of benchWarmup requests of req; it
// returns the load after settling. Settling: jwtauthn fetches its keys per worker at the first
// requests, and nginx answers the requests arriving meanwhile 503 (only the fetching request can
// wait there); up to 10 s of 200-request rounds until three in a row are all allowed. Each
// settling request comes on a connection of its own (Connection: close), so that every worker
// accepts some: keep-alive clients can all land on one worker, and the other then fetched its
// keys in the measured load (503s in the table's statuses). They count in the warm-up.
func warmUp(addr string, req []byte) LoadResult {
	settleReq := closing(req)
	settled, clean := 0, 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && clean < 3; {
		res := Load{Addr: addr, Request: settleReq, Clients: benchClients, Requests: 200}.Run()
		settled += res.Requests
		clean++
		if res.Statuses[503] > 0 {
			clean = 0
		}
	}
	return Load{Addr: addr, Request: req, Clients: benchClients, Requests: max(0, benchWarmup-settled)}.Run()
}

// closing is req asking the server to close the connection after answering (a header after the
// request line).
func closing(req []byte) []byte {
	line, rest, _ := bytes.Cut(req, []byte("\r\n"))
	return slices.Concat(line, []byte("\r\nConnection: close\r\n"), rest)
}

// nginxPSS reads smaps_rollup of every process of n: the mean over the workers and the PSS of
// the master and the workers together. ok is false when one cannot be read (a kernel without
// smaps_rollup, before Linux 4.14, or a process gone).
func nginxPSS(n *Nginx) (mean Smaps, total int64, ok bool) {
	workers := n.Workers()
	if len(workers) == 0 {
		return Smaps{}, 0, false
	}
	mean.HasBreakdown = true
	for _, pid := range append([]int{n.Master()}, workers...) {
		s, err := ReadSmaps(pid)
		if err != nil {
			return Smaps{}, 0, false
		}
		total += s.PSS
		if pid == n.Master() {
			continue
		}
		mean.RSS += s.RSS
		mean.PSS += s.PSS
		mean.PSSAnon += s.PSSAnon
		mean.PSSFile += s.PSSFile
		mean.PSSShmem += s.PSSShmem
		mean.HasBreakdown = mean.HasBreakdown && s.HasBreakdown
	}
	k := int64(len(workers))
	mean.RSS, mean.PSS, mean.PSSAnon, mean.PSSFile, mean.PSSShmem = mean.RSS/k, mean.PSS/k, mean.PSSAnon/k, mean.PSSFile/k, mean.PSSShmem/k
	return mean, total, true
}

// pssParts renders a row's mean worker PSS breakdown as "anon / file / shmem" MiB, "-" when
// the kernel gives none.
func pssParts(r benchResult) string {
	if !r.pssRead || !r.pssEnd.HasBreakdown {
		return "-"
	}
	return fmt.Sprintf("%.1f / %.1f / %.1f", mib(r.pssEnd.PSSAnon), mib(r.pssEnd.PSSFile), mib(r.pssEnd.PSSShmem))
}

// workersCPU is the CPU time all of nginx's workers have used so far.
func workersCPU(n *Nginx) time.Duration {
	var sum time.Duration
	for _, pid := range n.Workers() {
		sum += CPUTime(pid)
	}
	return sum
}

// cacheEntries counts the files in the Wasmtime compile cache (WasmtimeCache): a start that
// compiled a module adds one.
func cacheEntries() int {
	home, _ := os.UserHomeDir()
	count := 0
	filepath.WalkDir(filepath.Join(home, ".cache", "wasmward", "wasmtime", "modules"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			count++
		}
		return nil
	})
	return count
}

// benchTable renders the results as one Markdown table, the paired comparisons, the .wasm sizes
// and the versions.
func benchTable(t *testing.T, bin string, results []roundResults, paired []pairResult, knobs []string) string {
	total := benchWarmup + benchMeasured(t)
	// The plain and pass-through rows of each request kind (GET, JSON body), and Debian's plain
	// nginx (ModSecurity's reference).
	base, pass := map[bool]roundResults{}, map[bool]roundResults{}
	var debianPlain roundResults
	for _, rs := range results {
		switch strings.TrimSuffix(rs[0].row.name, jsonSuffix) {
		case "nginx without wasm":
			base[rs[0].row.body != nil] = rs
		case "passthrough":
			pass[rs[0].row.body != nil] = rs
		}
		if rs[0].row.debian == "plain" {
			debianPlain = rs
		}
	}
	us := func(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d.Nanoseconds())/1e3) }
	var b strings.Builder
	env := "none"
	if len(knobs) > 0 {
		env = strings.Join(knobs, " ")
	}
	malloc := "glibc's default malloc (" + MallocDefaultEnv + "=default)"
	if m := mallocEnv(); len(m) > 0 {
		malloc = m[0]
	}
	rounds := len(results[0])
	fmt.Fprintf(&b, "\nbench-nginx %s — %s; %d workers, loopback, %d keep-alive clients, %d warm-up + %d measured requests per row (GETs; POSTs of a JSON body in the rows so named), %d rounds (each column a row's median over them; ratios: the median of the rounds' ratios, their range in parentheses); plugin environment: %s; wasm nginx started with %s\n\n",
		time.Now().UTC().Format("2006-01-02"), Version(bin, 1), benchWorkers(t), benchClients, benchWarmup, total-benchWarmup, rounds, env, malloc)
	fmt.Fprintf(&b, "nginx %s\n\n", ConfigureArguments(bin))
	b.WriteString("| target | req/s | × nginx | × pass-through | p50 µs | p99 µs | added p50 µs | added p99 µs | worker CPU µs/req | RSS/worker warm MiB | RSS/worker @" + kilo(total) + " MiB | of which anonymous MiB | PSS/worker @" + kilo(total) + " MiB | PSS anon / file / shmem MiB | PSS master + workers MiB | start s | compile cache | statuses |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	medians := map[string]benchResult{}
	for _, rs := range results {
		r := rs.median()
		medians[r.row.name] = r
		if r.skipped != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", r.row.name, r.skipped)
			continue
		}
		ref := base[r.row.body != nil]
		if r.row.debian == "modsec" && debianPlain != nil {
			ref = debianPlain
		}
		refMedian := ref.median()
		added := func(a, b time.Duration) string {
			if b == 0 || r.row.name == refMedian.row.name {
				return "-"
			}
			return us(a - b)
		}
		pss, pssTotal := "-", "-"
		if r.pssRead {
			pss, pssTotal = fmt.Sprintf("%.1f", mib(r.pssEnd.PSS)), fmt.Sprintf("%.1f", mib(r.pssTotal))
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %.2f | %s | %s |\n",
			r.row.name, r.rate, rs.rateRatio(base[r.row.body != nil]), rs.rateRatio(pass[r.row.body != nil]), us(r.p50), us(r.p99),
			added(r.p50, refMedian.p50), added(r.p99, refMedian.p99), us(r.cpu), mib(r.rssWarm), mib(r.rssEnd), mib(r.anonEnd),
			pss, pssParts(r), pssTotal, r.ready.Seconds(), r.cached, r.statuses)
	}
	b.WriteString("\nadded: against nginx without wasm (ModSecurity: against Debian's nginx without it). RSS: mean over the\n")
	fmt.Fprintf(&b, "workers, after the warm-up and after %d requests (a worker that compiled a module itself keeps the\n", total)
	b.WriteString("compiler's memory, about 70 MiB more: a row whose start missed the compile cache is started again).\n")
	b.WriteString("anonymous: the part of that RSS that is the worker's own (RssAnon); the rest is file-backed pages\n")
	b.WriteString("(nginx, libraries, compiled modules mapped from Wasmtime's cache file) held once in the page cache.\n")
	b.WriteString("RSS counts every page a worker maps in full, shared ones too (the 4 MiB shm_kv zone, nginx and\n")
	b.WriteString("its libraries, pages shared with the master since fork): the issue's goals are stated in RSS.\n")
	b.WriteString("PSS (/proc/<pid>/smaps_rollup) charges a shared page to each process mapping it in equal parts:\n")
	b.WriteString("PSS/worker is the mean worker's share (anon / file / shmem: Pss_Anon, Pss_File, Pss_Shmem), and\n")
	b.WriteString("master + workers is nginx's whole footprint, what sizing a machine needs; both fall as workers\n")
	b.WriteString("are added while RSS/worker does not. Pages shared with other programs (libc) are split with them.\n")
	b.WriteString("worker CPU: user + system time of all workers over the measured requests, per request (less\n")
	b.WriteString("sensitive to the machine's other load than req/s).\n")
	b.WriteString("start: nginx started → first request served; compile cache: Wasmtime's, hit or miss at that start.\n")
	b.WriteString("JSON body rows: POSTs of plugins/sanitize/testdata/bench/order.json (BenchmarkSanitizeJSON's body);\n")
	b.WriteString("their ratios and added columns are to the plain and pass-through rows of the same body.\n")
	if p, s, n := pass[true].median(), medians["sanitize"+jsonSuffix], base[true].median(); p.cpu > n.cpu && s.cpu > 0 {
		fmt.Fprintf(&b, "JSON body, added worker CPU per request (over nginx without wasm): sanitize %s µs, pass-through %s µs: %.2f × (issue 17: ≤ 3 ×).\n",
			us(s.cpu-n.cpu), us(p.cpu-n.cpu), float64(s.cpu-n.cpu)/float64(p.cpu-n.cpu))
	}
	b.WriteString(pairsTable(paired))
	b.WriteString("\n")
	b.WriteString("| module | size MiB |\n|---|---:|\n")
	mods, _ := filepath.Glob(filepath.Join(harness.RepoRoot(), "dist", "*.wasm"))
	for _, m := range append(mods, filepath.Join(harness.RepoRoot(), "dist", "test", "floor.wasm")) {
		if st, err := os.Stat(m); err == nil {
			fmt.Fprintf(&b, "| %s | %.1f |\n", filepath.Base(m), float64(st.Size())/(1<<20))
		}
	}
	return b.String()
}

// kilo renders a request count as a column heading does: 20000 → "20k".
func kilo(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// extraMain are top-level directives added to every e2e nginx (TestBenchNginx's knobs).
var extraMain []string

// extraWasmtime are directives added to the wasmtime block of every e2e nginx (TestBenchNginx's
// Wasmtime flags).
var extraWasmtime []string
