package nginx

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

// TestJWKSColdStart: the first requests after nginx starts are served with the keys they need.
// jwtauthn (testdata/valid/full.json: OIDC discovery on the identity provider) has fetched
// nothing yet; the request that finds no keys starts the discovery and JWKS callouts from its
// own context and waits for them, then is verified. Before, such requests got 401/503 until a
// tick had fetched the keys.
func TestJWKSColdStart(t *testing.T) {
	bin := hostOrSkip(t)
	w := newWorld(t)
	addrs, sites := coldSites(t)
	n := w.startNginx(t, bin, 2, sites)
	tok := e2ekit.Mint("alice", "orders.read", time.Now(), time.Hour)
	for _, addr := range addrs {
		forged := tok[:len(tok)-4] + "AAAA"
		if reply, seen, err := w.roundTrip(addr, harness.Request{Path: "/catalog/42", Authority: "api.example.com",
			Headers: [][2]string{{"authorization", "Bearer " + forged}}}); err != nil || reply.Status != 401 || seen != nil {
			t.Fatalf("%s: a forged token at cold start: %v status %d, upstream reached %v; want 401", addr, err, reply.Status, seen != nil)
		}
	}
	for i := range 12 { // both servers, both workers, each cold at first
		reply, seen, err := w.roundTrip(addrs[i%2], harness.Request{Path: "/catalog/42", Authority: "api.example.com",
			Headers: [][2]string{{"authorization", "Bearer " + tok}}})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if reply.Status != 200 || seen == nil {
			t.Fatalf("request %d: status %d (%q), want 200 with the keys fetched on demand", i, reply.Status, reply.Body)
		}
		if got := seen.Header("x-user"); len(got) != 1 || got[0] != "alice" {
			t.Errorf("request %d: upstream x-user %q, want alice", i, got)
		}
		if got := seen.Header("authorization"); len(got) != 0 {
			t.Errorf("request %d: the verified token reached the upstream", i)
		}
	}
	// Host rules see the client's Host, not nginx's server name (ngx_wasm_module's :authority):
	// full.json's "admin" rule wants a token with scope admin on admin.example.com.
	reply, seen, err := w.roundTrip(addrs[0], harness.Request{Path: "/reports", Authority: "admin.example.com",
		Headers: [][2]string{{"authorization", "Bearer " + tok}}})
	if err != nil || reply.Status != 403 || seen != nil {
		t.Errorf("admin host without scope admin: %v status %d, upstream reached %v; want 403", err, reply.Status, seen != nil)
	}
	ensureNoProblems(t, n)
}

// coldSites are two servers of jwtauthn with testdata/valid/full.json (OIDC discovery on the
// identity provider): the plugin alone, and the same provider inside a one-VM chain, which must
// wait with it, never merge the wait as an allow.
func coldSites(t *testing.T) ([]string, []site) {
	t.Helper()
	f := filterOf(t, "jwtauthn", "plugins/jwtauthn/testdata/valid/full.json", nil)
	chainData := `{"apiVersion":"wasmward/v1","plugin":"chain","spec":{"policies":[{"plugin":"jwtauthn","spec":` +
		string(f.Config.Env.Spec) + `},{"plugin":"passthrough","spec":{}}]}}`
	cf, err := gen.NginxFilterFor("chain", inlineConfig(t, "chain", "coldstart", []byte(chainData)))
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := FreeAddrs(2)
	if err != nil {
		t.Fatal(err)
	}
	return addrs, []site{{addr: addrs[0], filters: []gen.NginxFilter{f}}, {addr: addrs[1], filters: []gen.NginxFilter{cf}}}
}

// TestJWKSColdStartConcurrent: requests that reach a cold worker together are all served. The
// identity provider answers after a delay, so every request arrives while the first one's
// discovery and JWKS callouts are in flight. ngx_wasm_module resumes a paused request only after
// its own callouts, so a request cannot wait on another's fetch: each one that finds the fetch
// in flight fetches the keys itself (jwtauthn's remoteKeys.join) and is resumed by its own
// answer. Before, all but the first got 503 (no_keys): 11 of 12 here.
func TestJWKSColdStartConcurrent(t *testing.T) {
	bin := hostOrSkip(t)
	var fetches atomic.Int64
	idp := e2ekit.IdentityProvider()
	w := newWorldWithIdP(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		time.Sleep(300 * time.Millisecond) // in the test's identity provider, not in a plugin
		idp.ServeHTTP(rw, r)
	}))
	addrs, sites := coldSites(t)
	n := w.startNginx(t, bin, 1, sites)
	tok := e2ekit.Mint("alice", "orders.read", time.Now(), time.Hour)
	const clients = 12 // per server, at once
	statuses := make([]int, 2*clients)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply, err := Send(addrs[i%2], harness.Request{Path: "/catalog/42", Authority: "api.example.com",
				Headers: [][2]string{{"authorization", "Bearer " + tok}}}, 30*time.Second)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
			}
			statuses[i] = reply.Status
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			t.Errorf("client %d (%s): status %d, want 200: a request at a cold worker waits for keys", i, []string{"jwtauthn", "chain"}[i%2], st)
		}
	}
	t.Logf("%d clients at once on each of 2 cold servers (jwtauthn, chain): statuses %v; the identity provider served %d requests", clients, statuses, fetches.Load())
	ensureNoProblems(t, n)
}
