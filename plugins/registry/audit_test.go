package registry_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/audit"
	"github.com/wasmward/wasmward/shared/harness"
)

// auditSchemaURL is the $id of docs/audit.schema.json.
const auditSchemaURL = "https://github.com/wasmward/wasmward/docs/audit.schema.json"

// Credentials and a body every plugin is sent, on top of its own cases: none may appear in an
// audit line. The query token checks that paths are recorded without their query string.
const (
	probeToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdWRpdC1wcm9iZSJ9.c2VjcmV0LXNpZ25hdHVyZQ"
	probeBasic = "Basic YXVkaXQtdXNlcjphdWRpdC1wYXNzd29yZA=="
	probeQuery = "audit-query-secret-7f3a"
	probeBody  = `{"email":"audit.probe@example.com","card":"4111 1111 1111 1111","password":"audit-body-secret"}`
)

// genericRequests are sent to every plugin with every config.
func genericRequests() []harness.Request {
	return []harness.Request{
		{Path: "/audit/probe?access_token=" + probeQuery, Headers: [][2]string{
			{"authorization", "Bearer " + probeToken}, {"x-request-id", "audit-req-1"}}},
		{Method: "POST", Path: "/audit/probe", Body: probeBody, Headers: [][2]string{
			{"authorization", probeBasic}, {"content-type", "application/json"}},
			Upstream: &harness.Reply{Status: 200, Headers: [][2]string{{"content-type", "application/json"}}, Body: probeBody}},
		{Method: "DELETE", Path: "/admin/../etc/passwd", Headers: [][2]string{{"authorization", "Bearer " + probeToken}}},
	}
}

// TestAuditLinesMatchSchema starts every registered plugin natively with each of its
// testdata/valid configs (plus "audit": {"allows": true}, so allowed requests are audited too),
// sends its testdata/cases requests and genericRequests, and checks that every audit line
// validates against docs/audit.schema.json and quotes no credential or body that was sent, and
// that no decision's counter was left to be defined while serving (policy.OutcomeLister).
// Every config field named "env" or "...Env" names a host environment variable (a key): the test sets
// each to a test secret, which no audit line may contain either. A config the plugin still
// refuses to start (a default variable name, a reachable JWKS) is skipped with the refusal logged.
func TestAuditLinesMatchSchema(t *testing.T) {
	sch := compileAuditSchema(t)
	for _, def := range registry.All() {
		t.Run(def.Name, func(t *testing.T) {
			dir := filepath.Join("..", def.Name, "testdata")
			configs, _ := filepath.Glob(filepath.Join(dir, "valid", "*.json"))
			if len(configs) == 0 {
				t.Skipf("skipped: %s has no testdata/valid configs", def.Name)
			}
			reqs := append(caseRequests(t, filepath.Join("..", def.Name)), genericRequests()...)
			started := 0
			for _, path := range configs {
				t.Run(filepath.Base(path), func(t *testing.T) {
					cfg := withAuditAllows(t, path)
					env := envFor(cfg)
					h, err := harness.NewHost(harness.Native, def, cfg, harness.Options{Env: env})
					if err != nil {
						t.Fatal(err)
					}
					defer h.Close()
					if !h.Status {
						t.Skipf("skipped: the plugin refuses this config without host services: %s",
							strings.Join(h.CriticalLogs(), " | "))
					}
					started++
					for _, r := range reqs {
						h.Do(r)
					}
					lines := h.AuditLines()
					if len(lines) == 0 {
						t.Fatalf("no audit line for %d requests with audit.allows", len(reqs))
					}
					secrets := secretsOf(reqs)
					for _, v := range env {
						secrets = append(secrets, v)
					}
					for _, line := range lines {
						checkLine(t, sch, line, def.Name, secrets)
					}
					for _, l := range h.LateCounters() { // every decision's counter was defined at start
						t.Error(l)
					}
				})
			}
			if started == 0 {
				t.Logf("no config of %s could start natively without host services", def.Name)
			}
		})
	}
}

func compileAuditSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "audit.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(auditSchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(auditSchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// checkLine validates one audit line and looks for leaked secrets in it.
func checkLine(t *testing.T, sch *jsonschema.Schema, line, plugin string, secrets []string) {
	t.Helper()
	if err := validateLine(sch, line); err != nil {
		t.Errorf("audit line does not match docs/audit.schema.json: %v\n%s", err, line)
	}
	var fields struct{ Plugin string }
	if json.Unmarshal([]byte(line), &fields); fields.Plugin != plugin {
		t.Errorf("audit line names plugin %q, want %q: %s", fields.Plugin, plugin, line)
	}
	for _, s := range secrets {
		if strings.Contains(line, s) {
			t.Errorf("audit line quotes a credential or body that was sent (%d bytes): %s", len(s), line)
		}
	}
}

// secretsOf lists what no audit line may contain: every Authorization value sent, its
// credential without the scheme, every request body, and the query secret; each also in its
// JSON-escaped form, since audit lines are JSON.
func secretsOf(reqs []harness.Request) []string {
	var raw []string
	for _, r := range reqs {
		for _, h := range r.Headers {
			if strings.EqualFold(h[0], "authorization") {
				raw = append(raw, h[1])
				if _, cred, ok := strings.Cut(h[1], " "); ok {
					raw = append(raw, cred)
				}
			}
		}
		raw = append(raw, r.Body)
	}
	raw = append(raw, probeQuery)
	var out []string
	for _, s := range raw {
		if len(s) < 8 { // too short to tell a leak from a coincidence ("{}", "ok")
			continue
		}
		esc, _ := json.Marshal(s)
		out = append(out, s, string(esc[1:len(esc)-1]))
	}
	return out
}

// caseRequests reads the requests of every case file of the plugin in dir (plugins/<name>).
// Only the requests matter here: they run against every config, not just their own.
func caseRequests(t *testing.T, dir string) []harness.Request {
	t.Helper()
	sets, err := harness.LoadCaseSets(dir)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []harness.Request
	for _, s := range sets {
		for _, c := range s.Cases {
			reqs = append(reqs, c.Request)
		}
	}
	return reqs
}

// testSecret is the value given to every environment variable a config names.
const testSecret = "audit-test-secret-0123456789abcdef0123456789abcd"

// envFor finds the environment variables a config names (string members whose key is "env" or
// ends in "Env", the project's convention: hmac.keyEnv, keys.hashKeyEnv, hmac.env) and gives
// each testSecret (valid base64url too, for keys given in that encoding).
func envFor(cfg []byte) map[string]string {
	env := map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, el := range x {
				if name, ok := el.(string); ok && (k == "env" || strings.HasSuffix(k, "Env")) && name != "" {
					env[name] = testSecret
				}
				walk(el)
			}
		case []any:
			for _, el := range x {
				walk(el)
			}
		}
	}
	var doc any
	if json.Unmarshal(cfg, &doc) == nil {
		walk(doc)
	}
	return env
}

// withAuditAllows returns the config at path with "audit": {"allows": true} in its envelope.
func withAuditAllows(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	env["audit"] = json.RawMessage(`{"allows":true}`)
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuditSchemaDescribesEncode checks the schema against lines built by audit.Encoder
// itself (every field set, shadow deny, internal error) and against lines the glue never writes.
func TestAuditSchemaDescribesEncode(t *testing.T) {
	sch := compileAuditSchema(t)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	valid := map[string]audit.Line{
		"deny with every field": {Time: at, Plugin: "jwtauthn", Decision: "deny", Rule: "api", Reason: "expired",
			Status: 401, RequestID: audit.Excerpt(strings.Repeat("r", 300), 128), Route: "orders", Method: "GET",
			Path: audit.Path("/orders/" + strings.Repeat("é", 200) + "?access_token=x"), Principal: audit.Principal("iss", "alice"),
			Details: map[string]string{"location": "query.q"}},
		"shadow deny":    {Time: at, Plugin: "waf", Decision: "deny", Shadow: true, Rule: "sqli", Reason: "matched", Status: 403},
		"internal error": {Time: at, Plugin: "mask", Decision: "error", Reason: "internal_error", Method: "POST", Path: "/"},
		"plain allow":    {Time: at, Plugin: "passthrough", Decision: "allow"},
	}
	for name, l := range valid {
		t.Run("valid/"+name, func(t *testing.T) {
			line := string(new(audit.Encoder).Encode(&l))
			if err := validateLine(sch, line); err != nil {
				t.Errorf("%v\n%s", err, line)
			}
		})
	}
	for name, line := range map[string]string{
		"unknown decision":      `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"maybe","shadow":false}`,
		"missing shadow":        `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow"}`,
		"deny without status":   `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"deny","shadow":false}`,
		"allow with status":     `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"status":200}`,
		"shadow allow":          `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":true}`,
		"path with query":       `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"path":"/a?token=x"}`,
		"raw principal":         `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"principal":"alice"}`,
		"label with spaces":     `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"reason":"bad reason"}`,
		"local time":            `{"time":"2026-11-23T10:00:00.000+01:00","plugin":"mask","decision":"allow","shadow":false}`,
		"unknown field":         `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"token":"x"}`,
		"non-string detail":     `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"details":{"n":1}}`,
		"control char in route": `{"time":"2026-11-23T09:00:00.000Z","plugin":"mask","decision":"allow","shadow":false,"route":"a\nb"}`,
	} {
		t.Run("invalid/"+name, func(t *testing.T) {
			if validateLine(sch, line) == nil {
				t.Errorf("schema accepts %s", line)
			}
		})
	}
}

func validateLine(sch *jsonschema.Schema, line string) error {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
