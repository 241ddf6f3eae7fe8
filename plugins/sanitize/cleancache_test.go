package sanitize

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestCleanHeaders checks that a header value is remembered only when its inspection found
// nothing and decoded nothing inside it, per route, and that a remembered value decides a
// repeated request as the first inspection did.
func TestCleanHeaders(t *testing.T) {
	p, err := Parse([]byte(`{"routes":[{"id":"lenient","pathPrefix":"/lenient",
		"allow":[{"rule":"xss","location":"header.x-note"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	pol := p.(*Policy)
	ua := "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	nested := base64.StdEncoding.EncodeToString([]byte("hello there, a plain sentence"))
	for _, tc := range []struct {
		name, path, header, value string
		kept, denied              bool
	}{
		{"clean", "/", "user-agent", ua, true, false},
		{"attack", "/", "user-agent", "sqlmap/1.7", false, true},
		{"allowed on a route", "/lenient/x", "x-note", "<script>alert(1)</script>", true, false},
		{"not allowed on another", "/", "x-note", "<script>alert(1)</script>", false, true},
		{"decoded inside", "/", "x-data", nested, false, false},
		{"referer query", "/", "referer", "https://shop.example/search?q=1%20HAVING%205914%3D5914%20%23%20x", true, true},
		{"credential", "/", "x-session-token", "plain", false, false},
		{"long", "/", "x-long", strings.Repeat("a ", maxCleanValue), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func() *policy.Request {
				return policy.NewRequest([][2]string{{":method", "GET"}, {":path", tc.path}, {tc.header, tc.value}}, nil, nil)
			}
			first := p.OnRequest(req())
			r := pol.route(req())
			if got := pol.clean.has(r, "header."+tc.header, tc.value, "value"); got != tc.kept {
				t.Errorf("kept = %v, want %v", got, tc.kept)
			}
			second := p.OnRequest(req())
			if denied := first.Verdict == policy.Deny; denied != tc.denied || (second.Verdict == policy.Deny) != denied || first.Reason != second.Reason {
				t.Errorf("decisions %v %q then %v %q, want denied %v both times", first.Verdict, first.Reason, second.Verdict, second.Reason, tc.denied)
			}
		})
	}
}

// TestCleanNamesAndSegments checks what the body and path phases remember: short path segments
// and field names found clean, never values that are not headers or segments, never a name for
// a value (a value is decoded inside, a name is not), and that each request decides the same the
// first and the second time.
func TestCleanNamesAndSegments(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	pol := p.(*Policy)
	xss := base64.StdEncoding.EncodeToString([]byte("<script>alert(1)</script>"))
	long := strings.Repeat("k", maxCleanName+1)
	type memo struct {
		loc, raw, part string
		kept           bool
	}
	for _, tc := range []struct {
		name, path, body string
		denied           bool
		memos            []memo
	}{
		{"segments", "/api/orders", "", false, []memo{{"path[0]", "api", "value", true}, {"path[1]", "orders", "value", true}, {"path", "/api/orders", "value", true}}},
		{"attack segment", "/api/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", true,
			[]memo{{"path[1]", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "value", false}, {"path", "/api/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "value", false}}},
		{"hidden segment", "/app/.env", "", true, []memo{{"path[0]", "app", "value", true}, {"path", "/app/.env", "value", false}}},
		{"traversal across segments", "/a/%2e%2e/etc/passwd", "", true, []memo{{"path", "/a/%2e%2e/etc/passwd", "value", false}}},
		{"long path", "/" + strings.Repeat("a/", maxCleanValue/2), "", false, []memo{{"path", "/" + strings.Repeat("a/", maxCleanValue/2), "value", false}}},
		{"keys, not values", "/x", `{"customer":{"city":"Dublin"}}`, false,
			[]memo{{"json.customer", "customer", "name", true}, {"json.customer.city", "city", "name", true}, {"json.customer.city", "Dublin", "value", false}}},
		{"long key", "/x", `{"` + long + `":1}`, false, []memo{{"json." + long, long, "name", false}}},
		{"attack key", "/x", `{"<script>alert(1)</script>":1}`, true, []memo{{"json.<script>alert(1)</script>", "<script>alert(1)</script>", "name", false}}},
		// The same base64 text as a key and as its value: the key is clean as a name and kept,
		// the value must still be decoded and refused.
		{"name is no value", "/x", `{"` + xss + `":"` + xss + `"}`, true,
			[]memo{{"json." + xss, xss, "name", true}, {"json." + xss, xss, "value", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decide := func() policy.Decision {
				h := [][2]string{{":method", "GET"}, {":path", tc.path}}
				if tc.body != "" {
					h = [][2]string{{":method", "POST"}, {":path", tc.path}, {"content-type", "application/json"}}
				}
				req := policy.NewRequest(h, nil, nil)
				d := p.OnRequest(req)
				if d.Verdict == policy.Deny || tc.body == "" {
					return d
				}
				req.Body = []byte(tc.body)
				return p.(policy.RequestBodyPolicy).OnRequestBody(req)
			}
			first := decide()
			for _, m := range tc.memos {
				if got := pol.clean.has(pol.def, m.loc, m.raw, m.part); got != m.kept {
					t.Errorf("%s %q at %s kept = %v, want %v", m.part, m.raw, m.loc, got, m.kept)
				}
			}
			second := decide()
			if denied := first.Verdict == policy.Deny; denied != tc.denied || (second.Verdict == policy.Deny) != denied || first.Reason != second.Reason {
				t.Errorf("decisions %v %q then %v %q, want denied %v both times", first.Verdict, first.Reason, second.Verdict, second.Reason, tc.denied)
			}
		})
	}
}

// TestCleanPathCharge checks that a remembered path is charged to the inspection budget what its
// walk charged (a segment decoded inside included), and that a phase whose budget is too small
// for that walks the path again and records inspection_budget where the walk runs out.
func TestCleanPathCharge(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	pol := p.(*Policy)
	path := "/api/" + base64.StdEncoding.EncodeToString([]byte("hello there, a plain sentence")) + "/x"
	first := newScan(pol.def, pol.norm, pol.clean)
	first.inspectPath(path)
	charge, ok := pol.clean.charged(pol.def, "path", path, "value")
	if spent := pol.def.inspectBudget() - first.budget; !ok || charge != spent || first.count != 0 {
		t.Fatalf("kept %v with charge %d, the walk charged %d and found %d", ok, charge, spent, first.count)
	}
	if charge <= len(path)*2 {
		t.Errorf("charge %d: the segment decoded inside was not charged", charge)
	}
	second := newScan(pol.def, pol.norm, pol.clean)
	second.inspectPath(path)
	if second.budget != first.budget || second.count != 0 {
		t.Errorf("remembered path: budget %d, %d findings; the walk left %d, none", second.budget, second.count, first.budget)
	}
	short := newScan(pol.def, pol.norm, pol.clean)
	short.budget = charge - 1
	short.inspectPath(path)
	if !short.exhausted || short.count != 1 || short.sample[0].rule != RuleInspectionBudget {
		t.Errorf("budget short of the charge: exhausted %v, %d findings", short.exhausted, short.count)
	}
}

// collidingNames returns n JSON keys whose names, at the body's top level ("json.<key>"), fall
// in the same set of c.
func collidingNames(c *cleanValues, n int) []string {
	bySet := map[uint64][]string{}
	for i := 0; ; i++ {
		k := fmt.Sprintf("key%d", i)
		set := c.hash("json."+k, k, true) % cleanSets
		if bySet[set] = append(bySet[set], k); len(bySet[set]) == n {
			return bySet[set]
		}
	}
}

// TestCleanCollisions checks that JSON keys whose hashes share a set all stay remembered after
// a request that holds them all (a direct-mapped table kept one of each colliding pair, and
// inspected the other on every request), and that a set that is full replaces its least
// recently used value.
func TestCleanCollisions(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	pol := p.(*Policy)
	keys := collidingNames(pol.clean, cleanWays+1)
	var body strings.Builder
	for i, k := range keys[:cleanWays] {
		fmt.Fprintf(&body, `%s"%s":%d`, map[bool]string{true: "{", false: ","}[i == 0], k, i)
	}
	body.WriteString("}")
	req := policy.NewRequest([][2]string{{":method", "POST"}, {":path", "/x"}, {"content-type", "application/json"}}, nil, nil)
	p.OnRequest(req)
	req.Body = []byte(body.String())
	if d := p.(policy.RequestBodyPolicy).OnRequestBody(req); d.Verdict == policy.Deny {
		t.Fatalf("%s denied: %s", body.String(), d.Reason)
	}
	kept := func(k string) bool { return pol.clean.has(pol.def, "json."+k, k, "name") }
	for _, k := range keys[:cleanWays] {
		if !kept(k) {
			t.Errorf("%s (one of %d keys of one set) not kept", k, cleanWays)
		}
	}
	// keys[0] was used least recently once the others are looked up again: the next key of
	// the set replaces it, and only it.
	for _, k := range keys[1:cleanWays] {
		kept(k)
	}
	last := keys[cleanWays]
	pol.clean.add(pol.def, "json."+last, last, "name", 0)
	for i, k := range keys {
		if want := i != 0; kept(k) != want {
			t.Errorf("after adding %s to a full set: %s kept = %v, want %v", last, k, !want, want)
		}
	}
}
