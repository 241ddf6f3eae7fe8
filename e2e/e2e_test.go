package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/e2e/e2ekit"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
	"github.com/wasmward/wasmward/tools/wasmward/policytests"
)

// portable reports whether a harness case can run against a real Envoy: host properties and the
// source address cannot be set from outside.
func portable(c harness.Case) bool {
	return len(c.Request.Properties) == 0 && c.Request.Source == ""
}

// clockBound lists the plugins whose case files carry tokens signed for the harness clock
// (harness.StartTime); a real Envoy runs on the wall clock, so TestFullChain covers them with
// freshly minted tokens instead.
var clockBound = map[string]bool{"jwtauthn": true}

// TestExamples runs every shipped policy test (examples/policy-tests) against Envoy started with
// the plugin's generated config for the same testdata config (envoy/<plugin>/<config>.yaml), and
// checks that Envoy's Prometheus output carries the plugin's decision counters as labels.
func TestExamples(t *testing.T) {
	needDocker(t)
	buildServers(t)
	files, _ := filepath.Glob(filepath.Join("..", "examples", "policy-tests", "*.json"))
	for _, f := range files {
		suite, err := policytests.Load(f, gen.Lookup)
		if err != nil {
			t.Fatal(err)
		}
		if clockBound[suite.Def.Name] {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			config := suite.Def.Name + "/" + strings.TrimSuffix(filepath.Base(suite.ConfigFrom), ".json") + ".yaml"
			startEnvoy(t, config)
			ran := 0
			for _, c := range suite.Cases {
				if !portable(c) {
					continue
				}
				ran++
				t.Run(c.Name, func(t *testing.T) {
					res, err := do(c.Request)
					if err != nil {
						t.Fatal(err)
					}
					for _, d := range c.Want.Check(res) {
						t.Error(d)
					}
				})
			}
			if ran == 0 {
				t.Skip("no case runs outside the harness")
			}
			requireCounter(t, `plugin="`+suite.Def.Name+`"`)
		})
	}
}

// TestFullChain runs the full chain, as separate filters and in one VM, with tokens minted by the
// e2e identity provider (discovery and JWKS fetched by the plugin over the "idp" cluster).
func TestFullChain(t *testing.T) {
	needDocker(t)
	buildServers(t)
	for _, tc := range []struct{ config, denier string }{
		{"full-chain.yaml", "jwtauthn"},
		{"full-chain-onevm.yaml", "chain"},
	} {
		t.Run(tc.config, func(t *testing.T) {
			startEnvoy(t, tc.config)
			if _, ok := gen.Lookup("jwtauthn"); !ok {
				t.Skip("jwtauthn not registered yet")
			}
			res := mustDo(t, harness.Request{Path: "/orders/7"})
			if res.Reply.Status != 401 || !res.LocalReply {
				t.Errorf("no token: status %d (local reply %v), want a 401 from jwtauthn", res.Reply.Status, res.LocalReply)
			}
			token := e2ekit.Mint("alice", "orders.read", time.Now(), 5*time.Minute)
			// The first requests may race the first JWKS fetch (on the first tick): retry briefly.
			deadline := time.Now().Add(10 * time.Second)
			for {
				res = mustDo(t, harness.Request{Path: "/orders/7", Headers: [][2]string{{"authorization", "Bearer " + token}}})
				if res.Reply.Status != 401 && res.Reply.Status != 503 || time.Now().After(deadline) {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if res.Reply.Status == 401 || res.Reply.Status >= 500 {
				t.Errorf("valid token: status %d body %q, want it authenticated", res.Reply.Status, res.Reply.Body)
			}
			if res.Forwarded != nil {
				if _, ok := res.Forwarded.Header("authorization"); ok {
					t.Error("authorization forwarded although removeAuthorization is set")
				}
			}
			requireCounter(t, `plugin="`+tc.denier+`"`, `decision="deny"`)
		})
	}
}

func mustDo(t *testing.T, r harness.Request) harness.Result {
	t.Helper()
	res, err := do(r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// requireCounter fails unless a non-zero decision counter line carries every label given.
func requireCounter(t *testing.T, labels ...string) {
	t.Helper()
	lines, err := decisionLines()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		ok := true
		for _, want := range labels {
			ok = ok && strings.Contains(l, want)
		}
		if ok {
			return
		}
	}
	t.Errorf("no envoy_wasmcustom_wasmward_decisions line with %v among:\n%s", labels, strings.Join(lines, "\n"))
}
