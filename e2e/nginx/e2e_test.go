package nginx

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// RunEnv must be set (make e2e-nginx does) for these tests to start nginx: `go test ./...`
// (make test) leaves the real host to its own target.
const RunEnv = "WASMWARD_E2E_NGINX"

// startTimeout bounds a start: Wasmtime compiles every module once per worker.
const startTimeout = 15 * time.Minute

// hostOrSkip returns the nginx binary, or skips the test with one line saying how to get one.
func hostOrSkip(t *testing.T) string {
	t.Helper()
	if os.Getenv(RunEnv) == "" {
		t.Skipf("real-host e2e: run `make e2e-nginx` (sets %s=1)", RunEnv)
	}
	bin, err := Binary()
	if err != nil {
		t.Skipf("e2e-nginx: skipped: %v", err)
	}
	realIP = strings.Contains(ConfigureArguments(bin), "http_realip_module")
	for _, def := range gen.Definitions() {
		if _, err := os.Stat(harness.WasmPath(def.Name)); err != nil {
			harness.FailOrSkipMissing(t, harness.ErrNoWasm)
		}
	}
	return bin
}

// world is what every e2e nginx proxies to: the echoing upstream and the identity provider.
type world struct {
	upstream *e2ekit.Upstream
	upAddr   string
	idpAddr  string
	shmKV    string // the shm_kv zone's size; empty: the shipped examples' (gen.ShmKVSize)
}

func newWorld(t *testing.T) *world { return newWorldWithIdP(t, e2ekit.IdentityProvider()) }

// newWorldWithIdP is newWorld with idp serving the identity provider's documents.
func newWorldWithIdP(t *testing.T, idpHandler http.Handler) *world {
	t.Helper()
	w := &world{upstream: &e2ekit.Upstream{}}
	up := httptest.NewServer(w.upstream)
	// ngx_wasm_module calls out over TLS when the callout's :scheme is https, as jwtauthn's are
	// (an identity provider is https); it does not verify the certificate unless told to.
	idp := httptest.NewTLSServer(idpHandler)
	t.Cleanup(up.Close)
	t.Cleanup(idp.Close)
	w.upAddr, w.idpAddr = up.Listener.Addr().String(), idp.Listener.Addr().String()
	return w
}

// site is one server of an e2e nginx: its address and filters.
type site struct {
	addr       string
	filters    []gen.NginxFilter
	bodyBuffer int // client_body_buffer_size, when not what the filters need
}

// startNginx renders sites into one nginx.conf (tools/genconfigs' renderer, as the shipped
// examples) and starts it with workers workers, stopping it at cleanup. Callout clusters in the
// configs are pointed at the identity provider. It fails the test when nginx does not serve.
func (w *world) startNginx(t *testing.T, bin string, workers int, sites []site) *Nginx {
	t.Helper()
	cache, err := WasmtimeCache()
	if err != nil {
		t.Fatal(err)
	}
	if len(extraWasmtime) > 0 { // inside WasmtimeCache's wasmtime block
		cache = []string{strings.TrimSuffix(cache[0], "}") + strings.Join(extraWasmtime, " ") + " }"}
	}
	conf := gen.NginxConf{Note: "the real-host e2e (e2e/nginx)", Main: append(Main(workers), extraMain...), HTTP: HTTP, Wasm: cache,
		WasmDir: filepath.Join(harness.RepoRoot(), "dist"), Upstream: w.upAddr, ShmKV: w.shmKV}
	if realIP {
		conf.HTTP = append(slices.Clone(conf.HTTP), "set_real_ip_from 127.0.0.1;", "real_ip_header "+sourceHeader+";")
	}
	env := append(testEnv(), mallocEnv()...)
	var ready []string
	for _, s := range sites {
		srv := gen.NginxServer{Listen: s.addr, BodyBuffer: s.bodyBuffer}
		for _, f := range s.filters {
			f.Config.Data = []byte(w.pointClusters(string(f.Config.Data)))
			if name, line, long := gen.NginxArgument(f.Plugin, f.Config); long {
				env = append(env, strings.TrimPrefix(name, "env:")+"="+line)
			}
			srv.Filters = append(srv.Filters, f)
		}
		conf.Servers = append(conf.Servers, srv)
		ready = append(ready, s.addr)
	}
	n, err := Start(bin, t.TempDir(), conf.Render(), env, ready, startTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("error log tail:\n%s", n.ErrorLogTail(40))
		}
	})
	return n
}

// filterOf is the nginx filter for a config file of plugin (path relative to the repository),
// its data passed through edit when edit is not nil.
func filterOf(t *testing.T, plugin, path string, edit func([]byte) []byte) gen.NginxFilter {
	t.Helper()
	root := harness.RepoRoot()
	c, err := gen.LoadConfig(root, plugin, filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		c.Data = edit(c.Data)
	}
	f, err := gen.NginxFilterFor(plugin, c)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// inlineConfig is a config written in a test (data, for plugin), named name, its envelope parsed.
func inlineConfig(t *testing.T, plugin, name string, data []byte) gen.Config {
	t.Helper()
	env, err := config.ParseEnvelope(data, plugin)
	if err != nil {
		t.Fatal(err)
	}
	return gen.Config{Name: name, Path: "(test)", Data: data, Env: env}
}

// pointClusters points every callout cluster of a config at the identity provider.
func (w *world) pointClusters(cfg string) string {
	return string(gen.WithCallouts(gen.Config{Data: []byte(cfg)}, w.idpAddr).Data)
}

// testEnv is the environment of every e2e nginx: the secrets the testdata configs name, with
// values for tests only.
func testEnv() []string {
	return []string{
		"WASMWARD_HANDOFF_KEY=e2e-handoff-key-0123456789abcdef0123456789",
		"JWT_HMAC_SECRET=ZTJlLWhtYWMtc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY",
		"JWT_SECRET=e2e-jwt-secret-0123456789abcdef",
		"CARD_TOKEN_KEY=e2e-card-token-key-0123456789abcdef",
		"RATELIMIT_HASH_KEY=e2e-ratelimit-hash-key-0123456789",
	}
}

// sourceHeader carries a case's source address to nginx's realip module, which makes it the
// connection's address (source.address) as the emulator sets it.
const sourceHeader = "x-e2e-source"

// realIP is set when the nginx binary has the realip module (hostOrSkip).
var realIP bool

// roundTrip sends req through the nginx server at addr with the upstream primed with the case's
// reply, and returns what the client got and what reached the upstream (nil: nothing).
func (w *world) roundTrip(addr string, req harness.Request) (harness.Reply, *e2ekit.Seen, error) {
	up := e2ekit.Reply{Status: 200}
	if req.Upstream != nil {
		up = e2ekit.Reply{Status: req.Upstream.Status, Headers: req.Upstream.Headers, Body: req.Upstream.Body}
	}
	w.upstream.Queue(up)
	if req.Source != "" {
		host, _, err := net.SplitHostPort(req.Source)
		if err != nil {
			host = req.Source
		}
		req.Headers = append(slices.Clone(req.Headers), [2]string{sourceHeader, strings.Trim(host, "[]")})
	}
	reply, err := Send(addr, req, 30*time.Second)
	return reply, w.upstream.Last(), err
}

// ensureNoProblems fails the test on error-log lines that mean traps or crashes.
func ensureNoProblems(t *testing.T, n *Nginx) {
	t.Helper()
	for _, p := range Problems(n.ErrorLog()) {
		t.Errorf("error log: %s", p)
	}
}

var printOnce sync.Once

func printVersion(t *testing.T, bin string) {
	printOnce.Do(func() { t.Logf("host: %s", Version(bin, 2)) })
}
