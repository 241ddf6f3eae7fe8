package sanitize_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
)

func request(method, path string, headers ...[2]string) *policy.Request {
	return policy.NewRequest(append([][2]string{{":method", method}, {":path", path}, {":authority", "example.com"}}, headers...), nil, nil)
}

// Table of header-phase rules: each row names the rule it checks.
func TestOnRequestRules(t *testing.T) {
	p := mustParse(t, `{"limits":{"methods":["GET","POST"],"maxHeaders":4,"maxHeaderNameBytes":16,"maxHeaderValueBytes":64,"maxPathBytes":32},
		"inspect":{"headers":["x-q"]},"commandFields":["query.host"],"rules":{"cmd_injection":"detect"}}`)
	for _, tc := range []struct {
		name, rule string
		req        *policy.Request
		status     int
		shadow     bool
	}{
		{"clean request is allowed", "", request("GET", "/a/b?x=1"), 0, false},
		{"method", "method", request("PUT", "/"), 405, false},
		{"header_count", "header_count", request("GET", "/", [2]string{"a", "1"}, [2]string{"b", "1"}, [2]string{"c", "1"}, [2]string{"d", "1"}, [2]string{"e", "1"}), 431, false},
		{"header_size value", "header_size", request("GET", "/", [2]string{"a", strings.Repeat("v", 65)}), 431, false},
		{"header_size name", "header_size", request("GET", "/", [2]string{strings.Repeat("n", 17), "v"}), 431, false},
		{"header_crlf", "header_crlf", request("GET", "/", [2]string{"a", "x\r\nset-cookie: y"}), 400, false},
		{"nul_byte in header", "nul_byte", request("GET", "/", [2]string{"a", "x\x00y"}), 400, false},
		{"path_length", "path_length", request("GET", "/"+strings.Repeat("p", 40)), 414, false},
		{"bad_encoding in path", "bad_encoding", request("GET", "/a%2"), 400, false},
		{"sqli in inspected header", "sqli", request("GET", "/", [2]string{"x-q", "1' or '1'='1"}), 403, false},
		{"path_traversal in path", "path_traversal", request("GET", "/a/..%2f..%2fb"), 403, false},
		{"cmd_injection in detect mode is a shadow deny", "cmd_injection", request("GET", "/?host=a;id"), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.OnRequest(tc.req)
			if tc.rule == "" {
				if d.Verdict != policy.Allow || d.Reason != "" {
					t.Fatalf("want allow, got %+v", d)
				}
				return
			}
			if d.Verdict != policy.Deny || d.Reason != tc.rule || d.Shadow != tc.shadow {
				t.Fatalf("want deny %s (shadow %v), got %v %s (shadow %v)", tc.rule, tc.shadow, d.Verdict, d.Reason, d.Shadow)
			}
			if !tc.shadow && d.Reply.Status != tc.status {
				t.Errorf("status: want %d, got %d", tc.status, d.Reply.Status)
			}
			if d.Rule != "default" || d.Details["rule"] != tc.rule {
				t.Errorf("labels: rule %q, details %v", d.Rule, d.Details)
			}
		})
	}
}

// Audit details carry the rule, the location and a short escaped excerpt, never the whole input;
// the reply names the rule only.
func TestAuditDetailsAreBounded(t *testing.T) {
	p := mustParse(t, `{}`)
	payload := "1' UNION SELECT secret_column FROM secret_table WHERE '1'='1" + strings.Repeat(" AND 1=1", 40) + "\n"
	d := p.OnRequest(request("GET", "/s?q="+queryEscape(payload)))
	if d.Reason != "sqli" {
		t.Fatalf("want sqli, got %+v", d)
	}
	if got := d.Details["location"]; got != "query.q" {
		t.Errorf("location: %q", got)
	}
	ex := d.Details["excerpt"]
	if len(ex) > 64 || strings.Contains(ex, "secret_table WHERE") || !strings.HasSuffix(ex, "…") {
		t.Errorf("excerpt not truncated: %q", ex)
	}
	if strings.ContainsAny(ex, "\n\r\x00") {
		t.Errorf("excerpt not escaped: %q", ex)
	}
	if strings.Contains(string(d.Reply.Body), "secret") || !strings.Contains(string(d.Reply.Body), `"rule":"sqli"`) {
		t.Errorf("reply: %q", d.Reply.Body)
	}
}

func TestJSONLocationsAndAllowList(t *testing.T) {
	p := mustParse(t, `{"allow":[{"rule":"xss","location":"json.user.bio"}]}`).(policy.RequestBodyPolicy)
	for _, tc := range []struct{ name, body, rule, loc string }{
		{"nested member", `{"user":{"name":"<script>alert(1)</script>"}}`, "xss", "json.user.name"},
		{"array element", `{"items":[{"q":"ok"},{"q":"1' or '1'='1"}]}`, "sqli", "json.items[1].q"},
		// Locations are views of the walker's buffer, which later siblings overwrite: the
		// finding keeps its own copy.
		{"first of several elements", `{"items":[{"q":"1' or '1'='1"},{"q":"ok"},{"long_name":"x"}],"z":1}`, "sqli", "json.items[0].q"},
		{"member before a longer sibling", `{"a":{"b":"<script>alert(1)</script>","longer_key":{"c":1}}}`, "xss", "json.a.b"},
		{"allow-listed location", `{"user":{"bio":"<script>alert(1)</script>"}}`, "", ""},
		{"escaped string decoded before detection", `{"a":"\u003cscript\u003ealert(1)\u003c/script\u003e"}`, "xss", "json.a"},
		{"injection in a key", `{"<svg onload=alert(1)>":1}`, "xss", "json.<svg onload=alert(1)>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := request("POST", "/", [2]string{"content-type", "application/json"})
			req.Body = []byte(tc.body)
			d := p.OnRequestBody(req)
			if d.Reason != tc.rule || d.Details["location"] != tc.loc {
				t.Fatalf("want %s at %s, got %s at %q", tc.rule, tc.loc, d.Reason, d.Details["location"])
			}
		})
	}
}

func TestRouteSelection(t *testing.T) {
	p := mustParse(t, `{"routes":[{"id":"by-name","route":"legacy","mode":"detect"},{"id":"api","pathPrefix":"/api/"}]}`)
	req := request("GET", "/api/x?q=1'+or+'1'='1")
	if d := p.OnRequest(req); d.Rule != "api" || d.Shadow {
		t.Fatalf("prefix route: %+v", d)
	}
	req = request("GET", "/other?q=1'+or+'1'='1")
	req.SetRoute("legacy")
	if d := p.OnRequest(req); d.Rule != "by-name" || !d.Shadow {
		t.Fatalf("route-name route: %+v", d)
	}
}

// One audit line per decision through the glue, with the rule as the metric reason.
func TestAuditLineAndMetric(t *testing.T) {
	h := harness.MustStart(t, harness.Native, mustDefinition(), []byte(`{"apiVersion":"wasmward/v1","plugin":"sanitize","spec":{}}`))
	res := h.Do(harness.Request{Path: "/s?q=%3Cscript%3Ealert(1)%3C/script%3E"})
	if res.Reply.Status != 403 {
		t.Fatalf("status %d", res.Reply.Status)
	}
	lines := h.AuditLines()
	if len(lines) != 1 || !strings.Contains(lines[0], `"location":"query.q"`) || !strings.Contains(lines[0], `"reason":"xss"`) {
		t.Fatalf("audit lines: %v", lines)
	}
	if strings.Contains(lines[0], "alert(1)</script>") && !strings.Contains(lines[0], `"excerpt"`) {
		t.Fatalf("audit line quotes input outside the excerpt: %s", lines[0])
	}
	if n := h.Counter("wasmward.decisions.plugin=sanitize.rule=default.reason=xss.decision=deny"); n != 1 {
		t.Fatalf("deny counter = %d", n)
	}
}

// TestBodyNotAliased: the JSON walk reads the body in place (jsonWalker.text is a view of it),
// so what a decision keeps must not point into the body's bytes: a body rewritten in place
// after its request (a buffer reused, as a host might) must not change what the decision reports.
func TestBodyNotAliased(t *testing.T) {
	p := mustParse(t, `{}`).(interface {
		policy.Policy
		policy.RequestBodyPolicy
	})
	req := request("POST", "/api/orders", [2]string{"content-type", "application/json"})
	p.OnRequest(req)
	req.Body = []byte(`{"customer":"' OR 1=1--","note":"ring twice"}`)
	d := p.OnRequestBody(req)
	if d.Verdict != policy.Deny || d.Details["excerpt"] == "" {
		t.Fatalf("want a deny with an excerpt, got %v %q %v", d.Verdict, d.Reason, d.Details)
	}
	before := fmt.Sprintf("%v %q %q %v", d.Verdict, d.Reason, d.Reply.Body, d.Details)
	for i := range req.Body {
		req.Body[i] = 'x'
	}
	if after := fmt.Sprintf("%v %q %q %v", d.Verdict, d.Reason, d.Reply.Body, d.Details); after != before {
		t.Fatalf("decision changed with its body's bytes:\nbefore %s\nafter  %s", before, after)
	}
}
