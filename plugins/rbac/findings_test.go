package rbac_test

import (
	"os"
	"testing"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// Tests named after finding 11 of the security review (issue 16). Each case table runs
// natively, in wasm and in the strict host. Properties persist between the cases of a table
// (one worker serves them all), so every case sets the ones it relies on.

func rbacConfig(spec string) []byte {
	return []byte(`{"apiVersion":"wasmward/v1","plugin":"rbac","spec":` + spec + `}`)
}

// props builds a case's properties: the identity (nil: none), the peer URI SAN ("": none) and
// the destination port ("": absent as far as the case is concerned).
func props(t *testing.T, id *policy.Identity, uriSAN, port string) map[string]string {
	t.Helper()
	m := map[string]string{identity.PropertyName: "{}", "connection/uri_san_peer_certificate": "\x00", "destination/port": "\x00"}
	if id != nil {
		b, err := identity.Marshal(id)
		if err != nil {
			t.Fatal(err)
		}
		m[identity.PropertyName] = string(b)
	}
	if uriSAN != "" {
		m["connection/uri_san_peer_certificate"] = uriSAN
	}
	if port != "" {
		m["destination/port"] = port
	}
	return m
}

var nginxDenies = map[string]harness.Expect{"nginx": {Status: 403}}

// (a) The port is the connection's (destination.port), never the Host header's.
func TestFinding11_PortFromConnectionNotHostHeader(t *testing.T) {
	cfg := rbacConfig(`{"rules":[{"id":"admin-port","action":"ALLOW","principals":[{"any":true}],
	  "permissions":[{"and":[{"port":[9443]},{"path":{"prefix":"/admin"}}]}]}]}`)
	envoyPort := string([]byte{0xe3, 0x24, 0, 0, 0, 0, 0, 0}) // 9443 as Envoy's 8-byte little-endian int64
	harness.RunCases(t, rbac.Definition, cfg, []harness.Case{
		{Name: "Host header names the admin port, the connection is 443", Request: harness.Request{Path: "/admin", Authority: "api.example.com:9443", Properties: props(t, nil, "", "443")},
			Want: harness.Expect{Status: 403}},
		{Name: "Host header names the admin port, the host gives no port", Request: harness.Request{Path: "/admin", Authority: "api.example.com:9443", Properties: props(t, nil, "", "")},
			Want: harness.Expect{Status: 403}},
		{Name: "control: connection on the admin port (decimal property)", Request: harness.Request{Path: "/admin", Authority: "api.example.com", Properties: props(t, nil, "", "9443")},
			Want: harness.Expect{Status: 200}},
		{Name: "control: connection on the admin port (Envoy int64 property)", Request: harness.Request{Path: "/admin", Authority: "api.example.com:443", Properties: props(t, nil, "", envoyPort)},
			Want: harness.Expect{Status: 200}},
	})
}

// (b) A negated condition over an attribute the request lacks never grants.
func TestFinding11_NegationOnMissingAttributeNeverGrants(t *testing.T) {
	cfg := rbacConfig(`{"trustedProxyHops":1,"trustedProxies":["172.16.0.0/12"],"rules":[
	  {"id":"not-web","action":"ALLOW","principals":[{"not":{"peer":{"uriSan":{"prefix":"spiffe://corp.example/ns/web/"}}}}],"permissions":[{"path":{"prefix":"/mesh"}}]},
	  {"id":"not-blocked","action":"ALLOW","principals":[{"not":{"remoteIp":["192.0.2.0/24"]}}],"permissions":[{"path":{"prefix":"/net"}}]},
	  {"id":"not-admin-port","action":"ALLOW","principals":[{"any":true}],"permissions":[{"and":[{"path":{"prefix":"/port"}},{"not":{"port":[9443]}}]}]},
	  {"id":"deny-unless-payments","action":"DENY","principals":[{"not":{"peer":{"uriSan":{"prefix":"spiffe://corp.example/ns/payments/"}}}}],"permissions":[{"path":{"prefix":"/pay"}}]},
	  {"id":"pay","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"prefix":"/pay"}}]}]}`)
	harness.RunCases(t, rbac.Definition, cfg, []harness.Case{
		{Name: "not peer: no client certificate", Request: harness.Request{Path: "/mesh", Source: "198.51.100.1:1", Properties: props(t, nil, "", "443")},
			Want: harness.Expect{Status: 403}},
		{Name: "not remoteIp: no client address (trusted proxy, unparsable XFF)", Request: harness.Request{Path: "/net", Source: "172.16.0.5:1",
			Headers: [][2]string{{"x-forwarded-for", "unknown"}}, Properties: props(t, nil, "", "443")}, Want: harness.Expect{Status: 403}},
		{Name: "not port: no destination port", Request: harness.Request{Path: "/port", Source: "198.51.100.1:1", Properties: props(t, nil, "", "")},
			Want: harness.Expect{Status: 403}},
		{Name: "deny unless payments: no certificate is denied", Request: harness.Request{Path: "/pay", Source: "198.51.100.1:1", Properties: props(t, nil, "", "443")},
			Want: harness.Expect{Status: 403}},
		{Name: "control: not peer, another namespace's certificate", Request: harness.Request{Path: "/mesh", Source: "198.51.100.1:1", Properties: props(t, nil, "spiffe://corp.example/ns/payments/sa/api", "443")},
			Want: harness.Expect{Status: 200}, WantOn: nginxDenies},
		{Name: "control: not peer, the excluded namespace", Request: harness.Request{Path: "/mesh", Source: "198.51.100.1:1", Properties: props(t, nil, "spiffe://corp.example/ns/web/sa/x", "443")},
			Want: harness.Expect{Status: 403}},
		{Name: "control: not remoteIp, a known address outside the range", Request: harness.Request{Path: "/net", Source: "198.51.100.1:1", Properties: props(t, nil, "", "443")},
			Want: harness.Expect{Status: 200}},
		{Name: "control: not remoteIp, inside the range", Request: harness.Request{Path: "/net", Source: "192.0.2.1:1", Properties: props(t, nil, "", "443")},
			Want: harness.Expect{Status: 403}},
		{Name: "control: not port, another port", Request: harness.Request{Path: "/port", Source: "198.51.100.1:1", Properties: props(t, nil, "", "443")},
			Want: harness.Expect{Status: 200}},
		{Name: "control: payments certificate passes the deny", Request: harness.Request{Path: "/pay", Source: "198.51.100.1:1", Properties: props(t, nil, "spiffe://corp.example/ns/payments/sa/api", "443")},
			Want: harness.Expect{Status: 200}, WantOn: nginxDenies},
	})
}

// (c) Underscore spellings of the headers the policy reads never reach the upstream.
func TestFinding11_UnderscoreHeaderAliasesStripped(t *testing.T) {
	cfg := rbacConfig(`{"rules":[{"id":"alice","action":"ALLOW","principals":[{"header":{"name":"x-user","exact":"alice"}}],"permissions":[{"any":true}]}]}`)
	harness.RunCases(t, rbac.Definition, cfg, []harness.Case{
		{Name: "x_user next to x-user is removed", Request: harness.Request{Path: "/", Headers: [][2]string{{"x-user", "alice"}, {"x_user", "root"}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-user": "alice"}, ForwardedAbsent: []string{"x_user"}}},
		{Name: "x_user alone grants nothing", Request: harness.Request{Path: "/", Headers: [][2]string{{"x_user", "alice"}}},
			Want: harness.Expect{Status: 403}},
		{Name: "control: unrelated underscore headers stay", Request: harness.Request{Path: "/", Headers: [][2]string{{"x-user", "alice"}, {"x_trace_id", "7"}}},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x_trace_id": "7", "x-user": "alice"}}},
	})
}

// (d) With the shipped full config, the adaptive conditions (office network, managed device)
// trust only what a trusted proxy (trustedProxies) says.
func TestFinding11_AdaptiveConditionsTrustOnlyTrustedHops(t *testing.T) {
	cfg, err := os.ReadFile("testdata/valid/full.json")
	if err != nil {
		t.Fatal(err)
	}
	reader := &policy.Identity{Subject: "svc", Issuer: "https://idp.example", Provider: "corp", Claims: []byte(`{"sub":"svc"}`), Scopes: []string{"orders:read"}}
	req := func(source string, headers ...[2]string) harness.Request {
		return harness.Request{Path: "/orders/1", Source: source, Headers: headers, Properties: props(t, reader, "", "443")}
	}
	const client, proxy = "203.0.113.9:4000", "172.16.0.5:4000"
	deny := func(name string, r harness.Request) harness.Case {
		return harness.Case{Name: name, Request: r, Want: harness.Expect{Status: 403}}
	}
	harness.RunCases(t, rbac.Definition, cfg, []harness.Case{
		deny("X-Forwarded-For names the office network", req(client, [2]string{"x-forwarded-for", "10.0.0.1"})),
		deny("X-Forwarded-For with the office address last of several", req(client, [2]string{"x-forwarded-for", "198.51.100.1, 10.0.0.1"})),
		deny("X-Forwarded-For, IPv6 office range", req(client, [2]string{"x-forwarded-for", "2001:db8::1"})),
		deny("x-device-class: managed from the client", req(client, [2]string{"x-device-class", "managed"})),
		deny("x-device-class in upper case from the client", req(client, [2]string{"x-device-class", "MANAGED"})),
		deny("x_device_class from the client", req(client, [2]string{"x_device_class", "managed"})),
		deny("a mobile user agent from the client", req(client, [2]string{"user-agent", "Mozilla/5.0 (iPhone)"})),
		deny("through the proxy, office address spoofed left of the real one", req(proxy, [2]string{"x-forwarded-for", "10.0.0.1, 203.0.113.9"})),
		deny("through the proxy, no XFF: the proxy is no office client", req(proxy)),
		{Name: "control: office client connecting directly", Request: req("10.1.2.3:5000"), Want: harness.Expect{Status: 200}},
		{Name: "control: office client through the trusted proxy", Request: req(proxy, [2]string{"x-forwarded-for", "10.1.2.3"}), Want: harness.Expect{Status: 200}},
		{Name: "control: device class set by the trusted proxy reaches the upstream", Request: req(proxy, [2]string{"x-forwarded-for", "203.0.113.9"}, [2]string{"x-device-class", "managed"}),
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-device-class": "managed"}}},
		{Name: "a client's device header is removed even when the request passes", Request: req("10.1.2.3:5000", [2]string{"x-device-class", "managed"}, [2]string{"x_device_class", "managed"}),
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-device-class", "x_device_class"}}},
	})
}
