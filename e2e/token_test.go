package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestMintedTokenVerifies checks, without Docker, that the e2e identity provider's tokens verify
// in jwtauthn (inline JWKS from e2ekit.JWKS, in the embedded host), so that a TestFullChain
// failure in Envoy is never a broken test token.
func TestMintedTokenVerifies(t *testing.T) {
	def, ok := registry.Lookup("jwtauthn")
	if !ok {
		t.Skip("jwtauthn not registered yet")
	}
	cfg := fmt.Appendf(nil, `{"apiVersion":"wasmward/v1","plugin":"jwtauthn","spec":{
		"providers":[{"id":"idp","issuer":%q,"audiences":[%q],"algorithms":["EdDSA"],"jwks":%s}],
		"rules":[{"id":"all","match":{"path":{"prefix":"/"}},"requires":{"provider":"idp"}}]}}`,
		e2ekit.Issuer, e2ekit.Audience, e2ekit.JWKS())
	h := harness.MustStart(t, harness.Native, def, cfg)
	token := e2ekit.Mint("alice", "orders.read", h.Now(), 5*time.Minute)
	if res := h.Do(harness.Request{Path: "/orders", Headers: [][2]string{{"authorization", "Bearer " + token}}}); res.Reply.Status != 200 {
		t.Errorf("minted token: status %d body %q", res.Reply.Status, res.Reply.Body)
	}
	if res := h.Do(harness.Request{Path: "/orders"}); res.Reply.Status != 401 {
		t.Errorf("no token: status %d, want 401", res.Reply.Status)
	}
}
