package mask

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// TestParseErrorsNameTheField covers parser-only failures (the schema cannot express them).
func TestParseErrorsNameTheField(t *testing.T) {
	for _, c := range []struct {
		name, spec, field string
	}{
		{"invalid regex", `{"rules":[{"id":"a","patterns":["(unclosed"]}]}`, "rules[0].patterns[0]"},
		{"regex matching empty", `{"rules":[{"id":"a","patterns":["x*"]}]}`, "rules[0].patterns[0]"},
		{"duplicate rule id", `{"rules":[{"id":"a","detectors":["email"]},{"id":"a","detectors":["card"]}]}`, "rules[1].id"},
		{"duplicate member", `{"rules":[],"rules":[]}`, "rules"},
		{"duplicate on", `{"rules":[{"id":"a","detectors":["email"],"on":["request","request"]}]}`, "rules[0].on[1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.spec))
			if err == nil {
				t.Fatal("accepted")
			}
			fes := config.Fields(err)
			if len(fes) == 0 || fes[0].Path != c.field {
				t.Errorf("error %v does not name %s", err, c.field)
			}
		})
	}
}

func respWith(headers ...[2]string) *policy.Response {
	return policy.NewResponse(append([][2]string{{":status", "200"}}, headers...))
}

func reqWith(headers ...[2]string) *policy.Request {
	return policy.NewRequest(append([][2]string{{":method", "POST"}, {":path", "/"}}, headers...), nil, nil)
}

// TestResponseClassification: which responses are buffered, and the label each skipped one gets.
func TestResponseClassification(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"e","detectors":["email"]}]}`))
	for _, c := range []struct {
		name   string
		resp   *policy.Response
		wants  bool
		reason string
	}{
		{"json is masked", respWith([2]string{"content-type", "application/json; charset=utf-8"}), true, ""},
		{"problem+json is masked", respWith([2]string{"content-type", "application/problem+json"}), true, ""},
		{"identity encoding is masked", respWith([2]string{"content-type", "application/json"}, [2]string{"content-encoding", "identity"}), true, ""},
		{"gzip json is masked through its encoding", respWith([2]string{"content-type", "application/json"}, [2]string{"content-encoding", "gzip"}), true, ""},
		{"br json is blocked", respWith([2]string{"content-type", "application/json"}, [2]string{"content-encoding", "br"}), false, reasonCompressedBlocked},
		{"html is skipped_not_json", respWith([2]string{"content-type", "text/html"}), false, reasonSkippedNotJSON},
		{"json-looking text is skipped_not_json", respWith([2]string{"content-type", "text/json-ish"}), false, reasonSkippedNotJSON},
		{"no content type is not buffered nor counted", respWith(), false, ""},
		{"upper-case json is masked", respWith([2]string{"content-type", " Application/JSON ;charset=utf-8"}), true, ""},
		{"upper-case +json is masked", respWith([2]string{"content-type", "APPLICATION/VND.API+JSON"}), true, ""},
		{"bare +json subtype is masked", respWith([2]string{"content-type", "application/+json"}), true, ""},
		{"long s is not an s (Unicode folding)", respWith([2]string{"content-type", "application/j\u017fon"}), false, reasonSkippedNotJSON},
		{"non-ASCII subtype ending +json is masked", respWith([2]string{"content-type", "application/\u212a+json"}), true, ""},
		{"+json outside application is skipped", respWith([2]string{"content-type", "text/x+json"}), false, reasonSkippedNotJSON},
		{"application/json prefix of another type is skipped", respWith([2]string{"content-type", "application/jsonx"}), false, reasonSkippedNotJSON},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := reqWith()
			if got := p.WantsResponseBody(req, c.resp); got != c.wants {
				t.Errorf("WantsResponseBody = %v, want %v", got, c.wants)
			}
			if got := p.OnResponse(req, c.resp).Reason; got != c.reason {
				t.Errorf("OnResponse reason = %q, want %q", got, c.reason)
			}
		})
	}
}

// TestHeaderHygiene: default and configured header removal and overwrite, per direction.
func TestHeaderHygiene(t *testing.T) {
	def := startedPolicy(t, []byte(`{}`))
	d := def.OnResponse(reqWith(), respWith())
	if strings.Join(d.RemoveHeaders, ",") != "server,x-powered-by" || d.SetHeaders != nil {
		t.Errorf("default response hygiene: remove %v set %v", d.RemoveHeaders, d.SetHeaders)
	}
	if d := def.OnRequest(reqWith()); d.RemoveHeaders != nil || d.Reason != "" {
		t.Errorf("default request hygiene: %+v", d)
	}
	p := startedPolicy(t, []byte(`{"headers":{"response":{"remove":[],"set":[{"name":"server","value":"edge"}]},
		"request":{"remove":["x-internal-token"],"set":[{"name":"x-masked","value":"1"}]}}}`))
	d = p.OnResponse(reqWith(), respWith())
	if len(d.RemoveHeaders) != 0 || len(d.SetHeaders) != 1 || d.SetHeaders[0] != [2]string{"server", "edge"} {
		t.Errorf("configured response hygiene: %+v", d)
	}
	d = p.OnRequest(reqWith())
	if strings.Join(d.RemoveHeaders, ",") != "x-internal-token" || d.SetHeaders[0] != [2]string{"x-masked", "1"} {
		t.Errorf("configured request hygiene: %+v", d)
	}
}

// TestRequestClassification: request bodies are buffered only for request rules and JSON.
func TestRequestClassification(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"c","detectors":["card"],"action":"hmac","on":["request"]}]}`))
	for _, c := range []struct {
		name   string
		req    *policy.Request
		wants  bool
		reason string
	}{
		{"json body", reqWith([2]string{"content-type", "application/json"}), true, ""},
		{"no body", reqWith(), false, ""},
		{"form body", reqWith([2]string{"content-type", "application/x-www-form-urlencoded"}), false, reasonRequestNotJSON},
		{"gzip json", reqWith([2]string{"content-type", "application/json"}, [2]string{"content-encoding", "gzip"}), false, reasonRequestEncoded},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := p.WantsRequestBody(c.req); got != c.wants {
				t.Errorf("WantsRequestBody = %v, want %v", got, c.wants)
			}
			if got := p.OnRequest(c.req).Reason; got != c.reason {
				t.Errorf("OnRequest reason = %q, want %q", got, c.reason)
			}
		})
	}
	if p.WantsResponseBody(reqWith(), respWith([2]string{"content-type", "application/json"})) {
		t.Error("a request-only rule set buffers responses")
	}
	d := p.OnRequestBody(&policy.Request{Body: []byte(`{"card":"4111 1111 1111 1111"}`)})
	if d.Reason != reasonMaskedRequest || d.Rule != "c" || !strings.Contains(string(d.ReplaceBody), `"card":"tok_`) {
		t.Errorf("OnRequestBody = %+v (%s)", d, d.ReplaceBody)
	}
}

// TestMaskDecisionLabels: the decision names the first rule that fired and lists all of them.
func TestMaskDecisionLabels(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"ssn","patterns":["\\d{3}-\\d{2}-\\d{4}"]},{"id":"mail","detectors":["email"]},{"id":"card","detectors":["card"]}]}`))
	d := p.OnResponseBody(reqWith(), &policy.Response{Body: []byte(`{"a":"x@y.io","b":"4111111111111111"}`)})
	if d.Verdict != policy.Allow || d.Rule != "mail" || d.Reason != reasonMasked || d.Details["rules"] != "mail,card" {
		t.Errorf("decision %+v", d)
	}
	if d := p.OnResponseBody(reqWith(), &policy.Response{Body: []byte(`{"a":`)}); d.Reason != reasonInvalidJSON || d.ReplaceBody != nil {
		t.Errorf("invalid JSON decision %+v", d)
	}
	if d := p.OnResponseBody(reqWith(), &policy.Response{Body: []byte(`{"a":1}`)}); d.Reason != "" || d.ReplaceBody != nil {
		t.Errorf("clean body decision %+v", d)
	}
}

// TestMaskDecisionLabelsPerResponse: each response's labels are its own fired rules, whether the
// last response fired the same (the labels are remembered) or others.
func TestMaskDecisionLabelsPerResponse(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"ssn","patterns":["\\d{3}-\\d{2}-\\d{4}"]},{"id":"mail","detectors":["email"]},{"id":"card","detectors":["card"]}]}`))
	for i, tc := range []struct{ body, rule, rules string }{
		{`{"a":"x@y.io","b":"4111111111111111"}`, "mail", "mail,card"},
		{`{"c":"z@w.io","d":"4111111111111111"}`, "mail", "mail,card"},
		{`{"a":"4111111111111111"}`, "card", "card"},
		{`{"a":"123-45-6789","b":"x@y.io"}`, "ssn", "ssn,mail"},
		{`{"a":"x@y.io","b":"4111111111111111"}`, "mail", "mail,card"},
	} {
		d := p.OnResponseBody(reqWith(), &policy.Response{Body: []byte(tc.body)})
		if d.Rule != tc.rule || d.Details["rules"] != tc.rules {
			t.Errorf("response %d: rule %q, rules %q; want %q, %q", i, d.Rule, d.Details["rules"], tc.rule, tc.rules)
		}
	}
}

// TestOverLimit: pass (counted) or block with 502, per response.overLimit.
func TestOverLimit(t *testing.T) {
	pass := startedPolicy(t, []byte(`{"rules":[{"id":"e","detectors":["email"]}]}`))
	if d := pass.OverLimit(nil, nil); d.Verdict != policy.Allow || d.Reason != reasonOverLimit {
		t.Errorf("pass: %+v", d)
	}
	block := startedPolicy(t, []byte(`{"rules":[{"id":"e","detectors":["email"]}],"response":{"overLimit":"block","maxBodyBytes":10}}`))
	if d := block.OverLimit(nil, nil); d.Verdict != policy.Deny || d.Reply.Status != 502 || d.Reason != reasonOverLimit {
		t.Errorf("block: %+v", d)
	}
	if block.ResponseBodyLimit() != 10 || pass.ResponseBodyLimit() != defaultMaxBodyBytes {
		t.Errorf("limits %d %d", block.ResponseBodyLimit(), pass.ResponseBodyLimit())
	}
}

// TestStartHMACKey: hmac rules need a key of at least 32 bytes from the named variable; the
// error names the variable, never the value.
func TestStartHMACKey(t *testing.T) {
	spec := []byte(`{"rules":[{"id":"t","detectors":["card"],"action":"hmac"}],"hmac":{"keyEnv":"CARD_KEY"}}`)
	for _, c := range []struct {
		name, key string
		set, ok   bool
	}{
		{"missing", "", false, false},
		{"short", "short-secret-value", true, false},
		{"good", testKey, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol, _ := Parse(spec)
			h := policytest.NewHost()
			if c.set {
				h.EnvVars["CARD_KEY"] = c.key
			}
			err := pol.(policy.Starter).Start(h)
			if (err == nil) != c.ok {
				t.Fatalf("Start: %v", err)
			}
			if err != nil && (!strings.Contains(err.Error(), "CARD_KEY") || (c.key != "" && strings.Contains(err.Error(), c.key))) {
				t.Errorf("error %q must name the variable and not the value", err)
			}
			for _, l := range h.Lines {
				if c.key != "" && strings.Contains(l, c.key) {
					t.Errorf("log line leaks the key: %s", l)
				}
			}
		})
	}
	if err := startPolicyErr(`{"rules":[{"id":"e","detectors":["email"]}]}`, policytest.NewHost()); err != nil {
		t.Errorf("no hmac rule, no key needed: %v", err)
	}
}

func startPolicyErr(spec string, h *policytest.Host) error {
	pol, err := Parse([]byte(spec))
	if err != nil {
		return err
	}
	return pol.(policy.Starter).Start(h)
}

// TestHostDetection: what the plugin does on a host that cannot pause the response phase (the
// glue's capabilities say which host it is).
func TestHostDetection(t *testing.T) {
	ngx := func() *policytest.Host {
		h := policytest.NewHost()
		h.Caps = policy.NginxCapabilities(true)
		return h
	}
	if err := startPolicyErr(`{"rules":[{"id":"e","detectors":["email"]}]}`, ngx()); err != nil {
		t.Errorf("ngx buffers response bodies: response rules must start, got %v", err)
	}
	if err := startPolicyErr(`{"rules":[{"id":"e","detectors":["email"],"on":["request"]}]}`, ngx()); err != nil {
		t.Errorf("ngx with request rules only must start: %v", err)
	}
	h := ngx()
	pol, _ := Parse([]byte(`{"rules":[{"id":"e","detectors":["email"]}],"unsupportedHost":"requestOnly"}`))
	p := pol.(*Policy)
	if err := p.Start(h); err != nil {
		t.Fatalf("requestOnly must start: %v", err)
	}
	json := respWith([2]string{"content-type", "application/json"})
	if p.WantsResponseBody(reqWith(), json) {
		t.Error("requestOnly on ngx still buffers responses")
	}
	if d := p.OnResponse(reqWith(), json); d.Reason != reasonUnprotectedHost {
		t.Errorf("requestOnly on ngx: reason %q, want %q", d.Reason, reasonUnprotectedHost)
	}
	if len(h.Lines) == 0 || !strings.Contains(h.Lines[0], "NOT masked") {
		t.Errorf("requestOnly must warn at start: %v", h.Lines)
	}
}

// FuzzParse: any spec either fails with field errors or gives a policy that starts and masks a
// body into valid JSON without panicking.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"rules":[{"id":"a","paths":["x.#.y"],"detectors":["email","card","phone","iban"],"action":"partial","keepLast":2}]}`,
		`{"rules":[{"id":"a","patterns":["[0-9]+"],"action":"hmac","on":["request","response"]}],"hmac":{"tokenPrefix":"t_"}}`,
		`{"rules":[{"id":"a","paths":["@reverse"]}],"response":{"overLimit":"block","maxBodyBytes":5}}`,
		`{"headers":{"response":{"remove":["server"],"set":[{"name":"x","value":"y"}]}},"unsupportedHost":"requestOnly"}`,
		`{"rules":[{"id":"a","paths":["a|b"]}]`,
	} {
		f.Add([]byte(seed))
	}
	body := []byte(`{"x":[{"y":"alice@example.com"},{"y":4111111111111111}],"z":"+1 415 555 2671","w":null}`)
	f.Fuzz(func(t *testing.T, spec []byte) {
		pol, err := Parse(spec)
		if err != nil {
			if len(config.Fields(err)) == 0 {
				t.Fatalf("error without field errors: %v", err)
			}
			return
		}
		p := pol.(*Policy)
		h := policytest.NewHost()
		h.EnvVars[p.keyEnv] = testKey
		if err := p.Start(h); err != nil {
			t.Fatalf("Start: %v", err)
		}
		for _, set := range []*ruleSet{p.resp, p.req} {
			if set == nil {
				continue
			}
			out, _, changed, err := set.rewrite(body, p.nrules)
			if err != nil || (changed && !json.Valid(out)) {
				t.Fatalf("rewrite: err %v, output %q", err, out)
			}
		}
	})
}

// TestHMACWithoutStartRedacts: a policy used without Start (no key read) redacts rather than
// panicking on the request path.
func TestHMACWithoutStartRedacts(t *testing.T) {
	pol, err := Parse([]byte(`{"rules":[{"id":"t","paths":["card"],"action":"hmac"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := pol.(*Policy)
	out, _, changed, err := p.resp.rewrite([]byte(`{"card":"4111111111111111"}`), p.nrules)
	if err != nil || !changed || string(out) != `{"card":"[redacted]"}` {
		t.Errorf("rewrite = %s, %v, %v", out, changed, err)
	}
}
