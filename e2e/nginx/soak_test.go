package nginx

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// soakRequests is how many requests each target serves in TestSoak.
const soakRequests = 20000

// soakWarmup is when the first RSS reading is taken: after every module has run its first
// requests and the Go heaps have grown to their working size.
const soakWarmup = 2000

// rssSlack is how much a worker's RSS may grow between the warm-up reading and the end.
const rssSlack = 8 << 20

// target is one soak run: filters on one location.
type target struct {
	name    string
	filters []gen.NginxFilter
	sets    []caseSet // whose requests are replayed
	allowed bool      // replay only the request every stage allows (allowedHeaders)
}

// soakTargets are every plugin with its preferred config, the full chain as separate filters
// and the full chain in one VM, and the one-VM chain again on a request it allows.
func soakTargets(t *testing.T) []target {
	t.Helper()
	root := harness.RepoRoot()
	sets := caseSets(t)
	var err error
	setsOf := func(plugins ...string) []caseSet {
		var out []caseSet
		for _, s := range sets {
			for _, p := range plugins {
				if s.plugin == p {
					out = append(out, s)
				}
			}
		}
		return out
	}
	preferred := func(plugin string) gen.NginxFilter {
		path, err := pluginfiles.Preferred(root, plugin)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		return filterOf(t, plugin, rel, nil)
	}
	var out []target
	for _, def := range gen.Definitions() {
		if def.Name == "chain" {
			continue
		}
		f := preferred(def.Name)
		if ss := setsOf(def.Name); len(ss) > 0 { // its cases' own config: they mix allows and denies
			if f, err = gen.NginxFilterFor(def.Name, ss[0].config); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, target{name: def.Name, filters: []gen.NginxFilter{f}, sets: setsOf(def.Name)})
	}
	var chainFilters []gen.NginxFilter
	for _, p := range pluginfiles.FullChain {
		chainFilters = append(chainFilters, preferred(p))
	}
	out = append(out, target{name: "full chain, separate filters", filters: chainFilters, sets: setsOf(pluginfiles.FullChain...)})
	f := filterOf(t, "chain", gen.OneVMConfigPath, nil)
	f.Config.Name = "full-chain"
	out = append(out, target{name: "full chain, one VM", filters: []gen.NginxFilter{f}, sets: setsOf(pluginfiles.FullChain...)})
	// The cases' requests are mostly refused by the full chain (its rbac allows managed devices
	// behind a trusted proxy, its buckets are small): this target soaks the allow path, every
	// stage passed, with the bench's request and limits (benchSpec, allowedHeaders).
	allowed := filterOf(t, "chain", gen.OneVMConfigPath, func(b []byte) []byte { return benchSpec(t, b) })
	allowed.Config.Name = "full-chain"
	out = append(out, target{name: "full chain, one VM, allowed", filters: []gen.NginxFilter{allowed}, allowed: true})
	return out
}

// TestSoak runs every plugin and the full chain (separate filters and one VM) in real nginx with
// two workers: soakRequests requests each, replaying the plugins' case requests mixed with
// bodies up to 1 MB, four clients at a time. It requires no trap or crash in the error log, no
// transport error, and flat worker RSS; it prints start time, RSS and throughput per target.
func TestSoak(t *testing.T) {
	bin := hostOrSkip(t)
	printVersion(t, bin)
	w := newWorld(t)
	for _, tg := range soakTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			addr, err := FreeAddrs(1)
			if err != nil {
				t.Fatal(err)
			}
			n := w.startNginx(t, bin, 2, []site{{addr: addr[0], filters: tg.filters}})
			reqs := soakMix(tg.sets)
			if tg.allowed {
				reqs = []harness.Request{{Path: benchPath, Authority: "api.example.com", Headers: allowedHeaders()}}
			}
			var warm map[int]int64
			res := load(addr[0], reqs, soakRequests, 4, func(done int) {
				if done == soakWarmup {
					warm = workerRSS(n)
				}
			})
			end := workerRSS(n)
			ensureNoProblems(t, n)
			if res.errors > 0 {
				t.Errorf("%d transport errors (first: %v)", res.errors, res.firstErr)
			}
			if res.internal > 0 {
				t.Errorf("%d internal policy errors (500)", res.internal)
			}
			for pid, before := range warm {
				if after, ok := end[pid]; !ok {
					t.Errorf("worker %d is gone (crashed?)", pid)
				} else if after > before+before/10+rssSlack {
					t.Errorf("worker %d RSS grew from %.1f to %.1f MiB over %d requests", pid, mib(before), mib(after), soakRequests-soakWarmup)
				}
			}
			line := fmt.Sprintf("soak %-30s start %5.1fs  RSS/worker %6.1f → %6.1f MiB  %6.0f req/s  statuses %s",
				tg.name, n.Ready.Seconds(), mib(avg(warm)), mib(avg(end)), res.rate, res.statuses())
			t.Log(line)
			fmt.Println("e2e-nginx " + line)
		})
	}
}

// soakMix is the requests a soak replays: every case request of the sets that can be sent over
// HTTP, and POSTs of 16 KB, 256 KB and 1 MB JSON bodies.
func soakMix(sets []caseSet) []harness.Request {
	var out []harness.Request
	for _, s := range sets {
		for _, c := range s.cases {
			if hostLimit(c) == "" {
				out = append(out, onTheWire(c.Request))
			}
		}
	}
	tok := e2ekit.Mint("alice", "orders.read", time.Now(), time.Hour) // the identity provider's
	for _, p := range []string{"/orders/7/items/1", "/catalog/3", "/api/items?q=socks"} {
		out = append(out, harness.Request{Path: p, Authority: "api.example.com",
			Headers: [][2]string{{"authorization", "Bearer " + tok}, {"x-request-id", "soak"}}})
	}
	for _, size := range []int{16 << 10, 256 << 10, 1 << 20} {
		body := `{"note":"` + strings.Repeat("a", size-12) + `"}`
		out = append(out, onTheWire(harness.Request{Method: "POST", Path: "/api/items",
			Headers: [][2]string{{"content-type", "application/json"}}, Body: body}))
	}
	if len(out) == 0 {
		out = append(out, harness.Request{Path: "/"})
	}
	return out
}

type loadResult struct {
	errors, internal int64
	firstErr         error
	rate             float64
	mu               sync.Mutex
	byStatus         map[int]int
}

func (r *loadResult) statuses() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var parts []string
	for _, s := range []int{200, 400, 401, 403, 404, 405, 413, 415, 429, 500, 502, 503} {
		if n := r.byStatus[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d×%d", s, n))
		}
	}
	return strings.Join(parts, " ")
}

// load sends n requests (cycling through reqs) with c concurrent clients and calls progress
// after each completed request with the count so far.
func load(addr string, reqs []harness.Request, n, c int, progress func(done int)) *loadResult {
	res := &loadResult{byStatus: map[int]int{}}
	var next, done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				reply, err := Send(addr, reqs[i%int64(len(reqs))], 30*time.Second)
				res.mu.Lock()
				switch {
				case err != nil:
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				default:
					res.byStatus[reply.Status]++
					if reply.Status == 500 && strings.Contains(reply.Body, "internal policy error") {
						res.internal++
					}
				}
				res.mu.Unlock()
				progress(int(done.Add(1)))
			}
		}()
	}
	wg.Wait()
	res.rate = float64(n) / time.Since(start).Seconds()
	return res
}

// workerRSS reads every worker's RSS.
func workerRSS(n *Nginx) map[int]int64 {
	out := map[int]int64{}
	for _, pid := range n.Workers() {
		out[pid] = RSS(pid)
	}
	return out
}

func avg(m map[int]int64) int64 {
	if len(m) == 0 {
		return 0
	}
	var sum int64
	for _, v := range m {
		sum += v
	}
	return sum / int64(len(m))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
