package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	nginx "github.com/wasmward/wasmward/e2e/nginx"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// upstream is the application behind every nginx: it counts the requests that reach it, so a
// request is blocked exactly when the count did not move (whatever status or broken reply the
// client saw; requests are sent one at a time).
type upstream struct {
	ln   net.Listener
	hits atomic.Int64
}

func startUpstream() (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &upstream{ln: ln}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok\n"))
	}))
	return u, nil
}

func (u *upstream) addr() string { return u.ln.Addr().String() }

// client sends raw requests over one keep-alive connection, redialling when nginx closes it.
type client struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
}

// send writes the request's bytes as they are (no normalisation) and reads one reply; it returns
// the status (0: no parseable reply) and the time to the reply.
func (c *client) send(r corpus.Request) (int, time.Duration) {
	raw := r.Raw(true)
	for attempt := 0; attempt < 2; attempt++ {
		if c.conn == nil {
			conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
			if err != nil {
				return 0, 0
			}
			c.conn, c.br = conn, bufio.NewReader(conn)
		}
		start := time.Now()
		c.conn.SetDeadline(start.Add(10 * time.Second))
		status, keepAlive, err := nginx.RoundTrip(c.conn, c.br, raw)
		d := time.Since(start)
		if err != nil {
			c.close()
			if attempt == 0 {
				continue // a keep-alive connection nginx had closed: once more on a new one
			}
			return 0, d
		}
		if !keepAlive {
			c.close()
		}
		return status, d
	}
	return 0, 0
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// httpEngine is one nginx the requests go through over loopback.
type httpEngine struct {
	n    *nginx.Nginx
	addr string
}

// site is a free loopback address and a fresh prefix directory for one nginx.
func site() (addr, dir string, err error) {
	addrs, err := nginx.FreeAddrs(1)
	if err != nil {
		return "", "", err
	}
	dir, err = os.MkdirTemp("", "wafbench-nginx-")
	return addrs[0], dir, err
}

// startDebian starts Debian's nginx (1 worker) on 127.0.0.1, with ModSecurity + CRS when modsec.
func startDebian(up *upstream, modsec bool) (*httpEngine, error) {
	addr, dir, err := site()
	if err != nil {
		return nil, err
	}
	conf, err := nginx.ModSecConf(dir, nginx.Main(1), addr, up.addr(), modsec)
	if err != nil {
		return nil, err
	}
	n, err := nginx.Start(nginx.DebianNginx, dir, conf, nil, []string{addr}, 2*time.Minute)
	if err != nil {
		return nil, err
	}
	return &httpEngine{n: n, addr: addr}, nil
}

// startWasmNginx starts nginx + ngx_wasm_module (1 worker) with sanitize's config at cfgPath, or
// without a filter when cfgPath is "".
func startWasmNginx(bin string, up *upstream, cfgPath string) (*httpEngine, error) {
	addr, dir, err := site()
	if err != nil {
		return nil, err
	}
	root := harness.RepoRoot()
	cache, err := nginx.WasmtimeCache()
	if err != nil {
		return nil, err
	}
	srv := gen.NginxServer{Listen: addr}
	if cfgPath != "" {
		c, err := gen.LoadConfig(root, "sanitize", filepath.Join(root, cfgPath))
		if err != nil {
			return nil, err
		}
		f, err := gen.NginxFilterFor("sanitize", c)
		if err != nil {
			return nil, err
		}
		srv.Filters = []gen.NginxFilter{f}
	}
	conf := gen.NginxConf{Note: "make waf-bench (tools/wafbench)", Main: nginx.Main(1), HTTP: nginx.HTTP, Wasm: cache,
		WasmDir: filepath.Join(root, "dist"), Upstream: up.addr(), Servers: []gen.NginxServer{srv}}
	// Started as nginx/README.md recommends and make bench-nginx measures (nginx.MallocEnv), so
	// that its worker RSS compares with docs/performance.md.
	n, err := nginx.Start(bin, dir, conf.Render(), []string{nginx.MallocEnv}, []string{addr}, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	return &httpEngine{n: n, addr: addr}, nil
}

// workerRSS is the mean RSS of the nginx workers.
func (e *httpEngine) workerRSS() int64 {
	var sum int64
	ws := e.n.Workers()
	for _, pid := range ws {
		sum += nginx.RSS(pid)
	}
	if len(ws) == 0 {
		return 0
	}
	return sum / int64(len(ws))
}

func (e *httpEngine) stop() {
	e.n.Stop()
	os.RemoveAll(e.n.Dir)
}

// httpRun is what one engine did with the items: whether each reached the upstream, the time
// to each reply, and the statuses of the blocked ones.
type httpRun struct {
	blocked  []bool
	lat      []time.Duration
	statuses map[int]int
}

// runInterleaved sends every item through each engine in turn, one request at a time, and
// records per engine and item whether it reached the upstream and the time to the reply. The
// engine that goes first alternates from item to item. Interleaved, a drift of the machine's
// speed during the run falls on every engine alike: measured one after the other (each for
// minutes), the same sanitize (nginx) engine's p50 added latency read 72 to 153 µs between runs.
func runInterleaved(up *upstream, engines []*httpEngine, items []corpus.Item) []httpRun {
	runs := make([]httpRun, len(engines))
	clients := make([]*client, len(engines))
	for k, e := range engines {
		runs[k] = httpRun{make([]bool, len(items)), make([]time.Duration, len(items)), map[int]int{}}
		clients[k] = &client{addr: e.addr}
		defer clients[k].close()
	}
	for i, it := range items {
		for j := range engines {
			k := (i + j) % len(engines)
			before := up.hits.Load()
			st, d := clients[k].send(it.Req)
			runs[k].lat[i] = d
			if up.hits.Load() == before {
				runs[k].blocked[i] = true
				runs[k].statuses[st]++
			}
		}
	}
	return runs
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
