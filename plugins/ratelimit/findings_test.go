package ratelimit_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/harness"
)

// Tests named after finding 7 of the security review (issue 16): keys that vanish. Each case
// table runs natively, in wasm and in the strict host.

func rlConfig(spec string) []byte {
	return []byte(`{"apiVersion": "wasmward/v1", "plugin": "ratelimit", "spec": ` + spec + `}`)
}

// repeat returns n cases sending req, the last one wanting last and the others 200.
func repeat(name string, n int, last int, req func(i int) harness.Request) []harness.Case {
	var out []harness.Case
	for i := range n {
		want := 200
		if i == n-1 {
			want = last
		}
		out = append(out, harness.Case{Name: name + " #" + string(rune('1'+i)), Request: req(i), Want: harness.Expect{Status: want}})
	}
	return out
}

func TestFinding7_KeysNeverVanish(t *testing.T) {
	cfg := rlConfig(`{"trustedProxies": ["10.0.0.0/8"],
	  "limits": [{"id": "per-client", "descriptor": [{"key": "remote_address", "type": "sourceIP", "trustedHops": 1}],
	              "bucket": {"capacity": 2, "fillInterval": "1h"}}]}`)
	xff := func(src, v string) harness.Request {
		r := harness.Request{Source: src, Path: "/api"}
		if v != "" {
			r.Headers = [][2]string{{"x-forwarded-for", v}}
		}
		return r
	}
	var cases []harness.Case
	// Attacks: no XFF, spoofed and rotating XFF from a client that is no proxy, garbage XFF
	// through the proxy. Each third request must be limited.
	cases = append(cases, repeat("direct client without XFF", 3, 429, func(int) harness.Request { return xff("198.51.100.7:1", "") })...)
	cases = append(cases, repeat("direct client rotating spoofed XFF", 3, 429, func(i int) harness.Request {
		return xff("198.51.100.8:1", []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"}[i])
	})...)
	cases = append(cases, repeat("direct client with an unparsable XFF", 3, 429, func(i int) harness.Request {
		return xff("198.51.100.9:1", []string{"unknown", "1.2.3.4:x", "fe80::1%eth0"}[i])
	})...)
	cases = append(cases, repeat("through the proxy with garbage XFF: the proxy's shared bucket", 3, 429, func(i int) harness.Request {
		return xff("10.0.0.5:1", []string{"unknown", "", "not-an-ip"}[i])
	})...)
	// Controls: clients behind the proxy are told apart by the entry the proxy appended.
	cases = append(cases, repeat("control: client A behind the proxy", 3, 429, func(int) harness.Request {
		return xff("10.0.0.6:1", "6.6.6.6, 203.0.113.1")
	})...)
	cases = append(cases, repeat("control: client B behind the same proxy has its own bucket", 2, 200, func(int) harness.Request {
		return xff("10.0.0.6:1", "203.0.113.2")
	})...)
	harness.RunCases(t, ratelimit.Definition, cfg, cases)
}

func TestFinding7_BanNeverKeysOnAProxy(t *testing.T) {
	cfg := rlConfig(`{"trustedProxies": ["10.0.0.0/8"],
	  "bans": [{"id": "auth", "descriptor": [{"key": "remote_address", "type": "sourceIP", "trustedHops": 1}],
	            "statuses": [401], "threshold": 2, "window": "1m", "duration": "10m"}]}`)
	fail := &harness.Reply{Status: 401}
	var cases []harness.Case
	for i := range 3 { // failures through the proxy without a client address: not counted
		cases = append(cases, harness.Case{Name: "failure through the proxy without XFF #" + string(rune('1'+i)),
			Request: harness.Request{Source: "10.0.0.5:1", Path: "/login", Upstream: fail}, Want: harness.Expect{Status: 401}})
	}
	cases = append(cases,
		harness.Case{Name: "the proxy is not banned", Request: harness.Request{Source: "10.0.0.5:1", Path: "/"}, Want: harness.Expect{Status: 200}},
		harness.Case{Name: "a client behind the proxy is not banned", Request: harness.Request{Source: "10.0.0.5:1", Path: "/",
			Headers: [][2]string{{"x-forwarded-for", "203.0.113.50"}}}, Want: harness.Expect{Status: 200}},
	)
	bad := [][2]string{{"x-forwarded-for", "203.0.113.66"}}
	cases = append(cases,
		harness.Case{Name: "control: client failure 1", Request: harness.Request{Source: "10.0.0.5:1", Path: "/login", Headers: bad, Upstream: fail}, Want: harness.Expect{Status: 401}},
		harness.Case{Name: "control: client failure 2", Request: harness.Request{Source: "10.0.0.5:1", Path: "/login", Headers: bad, Upstream: fail}, Want: harness.Expect{Status: 401}},
		harness.Case{Name: "control: the failing client is banned", Request: harness.Request{Source: "10.0.0.5:1", Path: "/", Headers: bad}, Want: harness.Expect{Status: 429}},
	)
	harness.RunCases(t, ratelimit.Definition, cfg, cases)
}

func TestFinding7_UnsafeKeysRefusedAtConfigTime(t *testing.T) {
	banOn := func(proxies string, hops int) string {
		h := ""
		if hops > 0 {
			h = `, "trustedHops": 1`
		}
		return `{` + proxies + `"bans": [{"id": "b", "descriptor": [{"key": "ip", "type": "sourceIP"` + h + `}],
		  "statuses": [401], "threshold": 5, "window": "1m", "duration": "10m"}]}`
	}
	for _, tc := range []struct{ name, spec, field string }{
		{"ban on the peer address while every peer is a trusted proxy", banOn(`"trustedProxies": ["0.0.0.0/0", "::/0"], `, 0), "bans[0].descriptor[0].trustedHops"},
		{"ban on the peer address while some peers are proxies", banOn(`"trustedProxies": ["10.0.0.0/8"], `, 0), "bans[0].descriptor[0].trustedHops"},
		{"trusted hops without trusted proxies", `{"limits": [{"id": "l", "descriptor": [{"key": "ip", "type": "sourceIP", "trustedHops": 2}],
		  "bucket": {"capacity": 1, "fillInterval": "1s"}}]}`, "limits[0].descriptor[0].trustedHops"},
		{"ban on XFF without trusted proxies", banOn("", 1), "bans[0].descriptor[0].trustedHops"},
		{"bad trusted proxy", `{"trustedProxies": ["10.0.0.1/8"], "limits": [{"id": "l", "descriptor": [{"key": "ip", "type": "sourceIP"}],
		  "bucket": {"capacity": 1, "fillInterval": "1s"}}]}`, "trustedProxies[0]"},
	} {
		if _, err := ratelimit.Parse([]byte(tc.spec)); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.field)
		}
	}
	for _, spec := range []string{banOn(`"trustedProxies": ["10.0.0.0/8"], `, 1), banOn("", 0)} {
		if _, err := ratelimit.Parse([]byte(spec)); err != nil {
			t.Errorf("control: %s refused: %v", spec, err)
		}
	}
}

// TestFinding7_ShippedConfigsTrustOnlyExistingHops: no shipped config reads X-Forwarded-For
// without naming the proxies it trusts (the generated Envoy configs put no proxy in front).
func TestFinding7_ShippedConfigsTrustOnlyExistingHops(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Spec ratelimit.Spec `json:"spec"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var descs [][]ratelimit.EntrySpec
		for _, l := range env.Spec.Limits {
			descs = append(descs, l.Descriptor)
		}
		for _, b := range env.Spec.Bans {
			descs = append(descs, b.Descriptor)
		}
		for _, d := range descs {
			for _, e := range d {
				if e.TrustedHops != nil && *e.TrustedHops > 0 && len(env.Spec.TrustedProxies) == 0 {
					t.Errorf("%s: entry %q trusts %d X-Forwarded-For hops but names no trusted proxy", f, e.Key, *e.TrustedHops)
				}
			}
		}
	}
}
