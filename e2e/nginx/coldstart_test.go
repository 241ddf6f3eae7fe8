package nginx

import (
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/config"
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
	f := filterOf(t, "jwtauthn", "plugins/jwtauthn/testdata/valid/full.json", nil)
	// The same provider inside a one-VM chain: the chain must wait with it, never merge the
	// wait as an allow.
	chainData := `{"apiVersion":"wasmward/v1","plugin":"chain","spec":{"policies":[{"plugin":"jwtauthn","spec":` +
		string(f.Config.Env.Spec) + `},{"plugin":"passthrough","spec":{}}]}}`
	chainEnv, err := config.ParseEnvelope([]byte(chainData), "chain")
	if err != nil {
		t.Fatal(err)
	}
	cf, err := gen.NginxFilterFor("chain", gen.Config{Name: "coldstart", Path: "(test)", Data: []byte(chainData), Env: chainEnv})
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := FreeAddrs(2)
	if err != nil {
		t.Fatal(err)
	}
	n := w.startNginx(t, bin, 2, []site{{addr: addrs[0], filters: []gen.NginxFilter{f}}, {addr: addrs[1], filters: []gen.NginxFilter{cf}}})
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
