package ratelimit

import (
	"encoding/json"
	"net/netip"
	"slices"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

func TestClientIP(t *testing.T) {
	proxies := cidrSet{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name, source string
		xff          []string
		hops         int
		want         string
		shared       bool
	}{
		{"peer address without port", "203.0.113.1", nil, 0, "203.0.113.1", false},
		{"peer address with port", "203.0.113.1:443", nil, 0, "203.0.113.1", false},
		{"IPv6 peer", "[2001:db8::1]:443", nil, 0, "2001:db8::1", false},
		{"IPv4-mapped IPv6 is unmapped", "[::ffff:192.0.2.1]:1", nil, 0, "192.0.2.1", false},
		{"no peer address: the anonymous bucket", "", nil, 0, anonymousValue, true},
		{"unix socket peer: the anonymous bucket", "/run/envoy.sock", nil, 1, anonymousValue, true},
		{"XFF ignored with 0 hops", "10.0.0.1:1", []string{"1.2.3.4"}, 0, "10.0.0.1", true},
		{"one hop: rightmost XFF", "10.0.0.1:1", []string{"1.2.3.4, 5.6.7.8"}, 1, "5.6.7.8", false},
		{"two hops across headers", "10.0.0.1:1", []string{"1.2.3.4", "10.0.0.7"}, 2, "1.2.3.4", false},
		{"an untrusted entry ends the walk", "10.0.0.1:1", []string{"1.2.3.4", "5.6.7.8"}, 2, "5.6.7.8", false},
		{"XFF from an untrusted peer ignored", "203.0.113.1:1", []string{"1.2.3.4"}, 1, "203.0.113.1", false},
		{"too few XFF entries: the proxy's bucket", "10.0.0.1:1", []string{"10.0.0.8"}, 2, "10.0.0.8", true},
		{"garbage XFF entry: the proxy's bucket", "10.0.0.1:1", []string{"not-an-ip"}, 1, "10.0.0.1", true},
		{"empty XFF: the proxy's bucket", "10.0.0.1:1", []string{""}, 1, "10.0.0.1", true},
		{"no XFF: the proxy's bucket", "10.0.0.1:1", nil, 1, "10.0.0.1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pairs [][2]string
			for _, v := range tc.xff {
				pairs = append(pairs, [2]string{"x-forwarded-for", v})
			}
			r := policy.NewRequest(pairs, nil, nil)
			r.SetSourceAddress(tc.source)
			got, shared := clientIP(r, tc.hops, proxies)
			if got != tc.want || shared != tc.shared {
				t.Errorf("got %q %v, want %q %v", got, shared, tc.want, tc.shared)
			}
		})
	}
}

// TestHeaderEntriesFirst: a descriptor whose header is missing is skipped before its other parts
// are read, and evaluates as before when the header is there; onMissing "unknown" reads all.
func TestHeaderEntriesFirst(t *testing.T) {
	specs := []EntrySpec{{Key: "path", Type: typePath, Patterns: []string{"/orders/**"}}, {Key: "route", Type: typeRoute},
		{Key: "tenant", Type: typeHeader, Header: "X-Tenant"}}
	for _, tc := range []struct {
		onMissing string
		headers   [][2]string
		want      []string
		ok, first bool
	}{
		{"skip", nil, nil, false, true},
		{"skip", [][2]string{{"x-tenant", ""}}, nil, false, true},
		{"skip", [][2]string{{"x-tenant", "acme"}}, []string{"/orders/**", "r1", "acme"}, true, true},
		{"unknown", nil, []string{"/orders/**", "r1", unknownValue}, true, false},
	} {
		var es config.Errors
		d := compileDescriptor(&es, "descriptor", specs, tc.onMissing)
		if err := es.Err(); err != nil {
			t.Fatal(err)
		}
		props := &routeProps{}
		r := policy.NewRequest(append([][2]string{{":path", "/orders/7"}}, tc.headers...), props, nil)
		vals, ok := d.eval(r, nil)
		if d.headersFirst != tc.first || ok != tc.ok || ok && !slices.Equal(vals, tc.want) {
			t.Errorf("%s %q: headersFirst %v, got %q %v, want %v %q %v", tc.onMissing, tc.headers, d.headersFirst, vals, ok, tc.first, tc.want, tc.ok)
		}
		if !ok && props.reads != 0 {
			t.Errorf("%s %q: skipped, yet the route was read", tc.onMissing, tc.headers)
		}
	}
}

// routeProps answers the route property with "r1" and counts the reads.
type routeProps struct{ reads int }

func (p *routeProps) Property(path ...string) ([]byte, bool) {
	p.reads++
	return []byte("r1"), len(path) == 2 && path[1] == "route_name"
}

func (p *routeProps) PropertyString(path ...string) (string, bool) {
	v, ok := p.Property(path...)
	return string(v), ok
}

// TestSourceIPRemembersThePeerOnly: one descriptor asked about a run of requests answers each as
// clientIP does, whether the peer repeats, changes, is missing or is a trusted proxy; with
// trusted hops the same peer behind different X-Forwarded-For values gives different answers.
func TestSourceIPRemembersThePeerOnly(t *testing.T) {
	d := descriptor{proxies: cidrSet{netip.MustParsePrefix("10.0.0.0/8")}}
	for i, tc := range []struct {
		source, xff string
		hops        int
	}{
		{"203.0.113.1:1", "", 0}, {"203.0.113.1:1", "", 0}, {"203.0.113.1:2", "", 0},
		{"10.0.0.1:1", "1.2.3.4", 0}, {"10.0.0.1:1", "1.2.3.4", 1}, {"10.0.0.1:1", "5.6.7.8", 1},
		{"10.0.0.1:1", "5.6.7.8", 0}, {"", "", 0}, {"", "", 0}, {"[2001:db8::1]:443", "", 0},
		{"203.0.113.1:1", "", 0}, {"not-an-address", "", 0},
	} {
		var pairs [][2]string
		if tc.xff != "" {
			pairs = [][2]string{{"x-forwarded-for", tc.xff}}
		}
		r := policy.NewRequest(pairs, nil, nil)
		r.SetSourceAddress(tc.source)
		got, shared := d.sourceIP(r, tc.hops)
		want, wantShared := clientIP(r, tc.hops, d.proxies)
		if got != want || shared != wantShared {
			t.Errorf("request %d (%q, xff %q, hops %d): got %q %v, want %q %v", i, tc.source, tc.xff, tc.hops, got, shared, want, wantShared)
		}
	}
}

func TestPathPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/orders/*", "/orders/7", true},
		{"/orders/*", "/orders/", false},
		{"/orders/*", "/orders/7/items", false},
		{"/orders/*/items", "/orders/7/items", true},
		{"/orders/**", "/orders", true},
		{"/orders/**", "/orders/7/items/3", true},
		{"/orders/**", "/ordersx", false},
		{"/", "/", true},
		{"/", "/a", false},
		{"/**", "/anything/at/all", true},
		{"/a", "a", false},
	} {
		pp, err := compilePattern(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if got := pp.match(tc.path); got != tc.want {
			t.Errorf("%s ~ %s: got %v", tc.pattern, tc.path, got)
		}
	}
}

// FuzzDescriptor compiles a fuzzed descriptor and evaluates it on a fuzzed request: neither may
// panic, and a compiled descriptor yields exactly one value per entry.
func FuzzDescriptor(f *testing.F) {
	f.Add(`[{"key":"ip","type":"sourceIP","trustedHops":1}]`, "1.2.3.4, 5.6.7.8", "203.0.113.1:1", "/orders/7", `{"tier":"gold"}`)
	f.Add(`[{"key":"p","type":"path","patterns":["/a/*","/b/**"]},{"key":"t","type":"claim","claim":"org.tier"}]`, "", "[::1]:2", "/b/x/y?z", `{"org":{"tier":1}}`)
	f.Add(`[{"key":"h","type":"header","header":"x-forwarded-for"},{"key":"m","type":"method"},{"key":"g","type":"literal","value":"v"}]`, ",,", "", "", `null`)
	f.Fuzz(func(t *testing.T, desc, xff, source, path, claims string) {
		var specs []EntrySpec
		if err := config.DecodeStrict([]byte(`{"d":`+desc+`}`), &struct {
			D *[]EntrySpec `json:"d"`
		}{&specs}); err != nil {
			return
		}
		for _, onMissing := range []string{"skip", "unknown"} {
			var es config.Errors
			d := compileDescriptor(&es, "descriptor", specs, onMissing)
			if es.Err() != nil {
				continue
			}
			r := policy.NewRequest([][2]string{{":method", "GET"}, {":path", path}, {"x-forwarded-for", xff}}, nil, nil)
			r.SetSourceAddress(source)
			r.SetIdentity(&policy.Identity{Claims: json.RawMessage(claims)})
			vals, ok := d.eval(r, nil)
			plain := d
			plain.headersFirst = false // the header pre-check must not change the answer
			if pv, pok := plain.eval(r, nil); pok != ok || ok && !slices.Equal(pv, vals) {
				t.Fatalf("with header pre-check %q %v, without %q %v", vals, ok, pv, pok)
			}
			if ok && len(vals) != len(d.entries) {
				t.Fatalf("%d values for %d entries", len(vals), len(d.entries))
			}
			if onMissing == "unknown" && !ok {
				t.Fatal("unknown mode skipped a request")
			}
			if ok && len(appendKey(nil, "id", &d, vals)) == 0 {
				t.Fatal("empty hash input")
			}
		}
	})
}

// FuzzParseIP checks parseIP's shortcuts against the plain forms: the address netip reads from
// the text (bare, then with a port), and its String for the text.
func FuzzParseIP(f *testing.F) {
	for _, tc := range parseIPCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantOK := plainParseIP(s)
		got, text, ok := parseIP(s)
		if ok != wantOK || got != want {
			t.Fatalf("parseIP(%q) = %v, %v; want %v, %v", s, got, ok, want, wantOK)
		}
		if text != "" && text != got.String() {
			t.Fatalf("parseIP(%q) text %q; want %q", s, text, got.String())
		}
	})
}

// parseIPCases are adversarial texts for parseIP; short says that its IPv4 shortcut reads them
// (and gives the text without building it).
var parseIPCases = []struct {
	in    string
	short bool
}{
	{"203.0.113.7", true}, {"203.0.113.7:4711", true}, {"0.0.0.0:0", true}, {"255.255.255.255:65535", true},
	{"1.2.3.4:00080", true}, {"10.0.0.1:1", true},
	{"1.2.3.4:000080", false}, // netip's port: any number of digits
	{"01.2.3.4", false}, {"1.02.3.4", false}, {"1.2.3.00", false}, {"1.2.3.4.", false}, {".1.2.3.4", false},
	{"1..2.3", false}, {"1.2.3", false}, {"1.2.3.4.5", false}, {"256.1.1.1", false}, {"1.2.3.1000", false},
	{"1.2.3.4:", false}, {"1.2.3.4:65536", false}, {"1.2.3.4:99999", false}, {"1.2.3.4:-1", false},
	{"1.2.3.4:+1", false}, {"1.2.3.4:1_0", false}, {"1.2.3.4:80:90", false}, {"1.2.3.4::80", false},
	{" 1.2.3.4", false}, {"1.2.3.4 ", false}, {"1.2.3.4: 80", false}, {"1.2.3.4%x", false},
	{"1.2.3.4%eth0:80", false}, {"[1.2.3.4]:5", false}, {"1.2.3.4/8", false}, {"1.2.3.-4", false},
	{"::ffff:1.2.3.4", false}, {"[::ffff:1.2.3.4]:9", false}, {"2001:db8::1", false}, {"[2001:db8::1]:80", false},
	{"2001:DB8::A", false}, {"fe80::1%eth0", false}, {"[fe80::1%eth0]:1", false}, {"::", false},
	{"", false}, {":", false}, {":80", false}, {".", false}, {"...", false}, {"1.2.3.4\x00", false},
	{"\uff11.2.3.4", false}, {"/run/envoy.sock", false}, {"localhost:80", false},
}

// TestParseIP: parseIP answers as netip on adversarial texts, and its shortcut reads the common
// forms.
func TestParseIP(t *testing.T) {
	for _, tc := range parseIPCases {
		want, wantOK := plainParseIP(tc.in)
		got, text, ok := parseIP(tc.in)
		if ok != wantOK || got != want {
			t.Errorf("parseIP(%q) = %v, %v; want %v, %v", tc.in, got, ok, want, wantOK)
		}
		if _, _, short := parseIPv4Port(tc.in); short != tc.short {
			t.Errorf("parseIPv4Port(%q) ok %v; want %v", tc.in, short, tc.short)
		}
		if tc.short && text != want.String() {
			t.Errorf("parseIP(%q) text %q; want %q", tc.in, text, want.String())
		}
	}
}

// plainParseIP is parseIP without its shortcut: the address, else the address and port.
func plainParseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Every entry type is classified by headerFree: a type added to entryTypes must be named here,
// where whether it reads the request's headers is decided (a header-free config's requests are
// decided before the glue reads them, policy.HeaderFreeDecider).
func TestHeaderFreeByEntryType(t *testing.T) {
	want := map[string]bool{typeSourceIP: true, typeRoute: true, typeLiteral: true,
		typeHeader: false, typeClaim: false, typePath: false, typeMethod: false}
	for _, typ := range entryTypes {
		w, ok := want[typ]
		if !ok {
			t.Fatalf("entry type %q: say whether it reads the request's headers (headerFree)", typ)
		}
		d := descriptor{entries: []entry{{typ: typ}, {typ: typeLiteral}}}
		if got := d.headerFree(); got != w {
			t.Errorf("%s: headerFree %v, want %v", typ, got, w)
		}
	}
	hops := descriptor{entries: []entry{{typ: typeSourceIP, hops: 1}}}
	if hops.headerFree() {
		t.Error("sourceIP with trustedHops reads x-forwarded-for: not header-free")
	}
}
