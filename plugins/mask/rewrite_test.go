package mask

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/wasmward/wasmward/shared/policytest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*/out.json from the current output")

// testKey is the HMAC key the tests give the plugin (never a real key).
const testKey = "0123456789abcdef0123456789abcdef-test-key"

// startedPolicy parses spec and starts it on a fake host holding testKey in the variables the
// test configs name.
func startedPolicy(t testing.TB, spec []byte) *Policy {
	t.Helper()
	pol, err := Parse(spec)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	p := pol.(*Policy)
	h := policytest.NewHost()
	h.EnvVars[p.keyEnv] = testKey
	if err := p.Start(h); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return p
}

// TestGolden rewrites testdata/golden/<case>/in.json with spec.json's response rules and
// compares with out.json (run with -update to regenerate, then review the diff).
func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/golden/*")
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			spec := mustRead(t, filepath.Join(dir, "spec.json"))
			in := mustRead(t, filepath.Join(dir, "in.json"))
			p := startedPolicy(t, spec)
			out, _, changed, err := p.resp.rewrite(in, p.nrules)
			if err != nil {
				t.Fatalf("rewrite: %v", err)
			}
			if !changed {
				out = in
			}
			if !json.Valid(out) {
				t.Fatalf("output is not valid JSON: %s", out)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join(dir, "out.json")
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := mustRead(t, golden); !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", golden, pretty.String())
			}
		})
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRewriteLeavesCleanBodiesAlone: a body no rule matches is reported unchanged (the glue then
// keeps the original bytes, whitespace included).
func TestRewriteLeavesCleanBodiesAlone(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"e","detectors":["email"]},{"id":"p","paths":["x.y"]}]}`))
	for _, body := range []string{`{"a": 1}`, `[]`, `"text"`, `{"x": {"z": 1}}`, ` {"a" : [1, 2]} `} {
		if _, _, changed, err := p.resp.rewrite([]byte(body), p.nrules); err != nil || changed {
			t.Errorf("rewrite(%s): changed=%v err=%v, want unchanged", body, changed, err)
		}
	}
}

// TestRewriteRejectsInvalidJSON: invalid bodies are reported, never half-rewritten.
func TestRewriteRejectsInvalidJSON(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"e","detectors":["email"]}]}`))
	for _, body := range []string{``, `{`, `{"a":"x@y.com"`, `{"a":1}{"b":2}`, `nul`, "{\"a\":\"\x01\"}"} {
		if _, _, _, err := p.resp.rewrite([]byte(body), p.nrules); err != errNotJSON {
			t.Errorf("rewrite(%q): err=%v, want errNotJSON", body, err)
		}
	}
}

// TestHMACTokensAreStable: the same value always gives the same token, different values
// different tokens, and a token reveals nothing of the value.
func TestHMACTokensAreStable(t *testing.T) {
	p := startedPolicy(t, []byte(`{"rules":[{"id":"t","paths":["a","b","c"],"action":"hmac"}]}`))
	out, _, _, err := p.resp.rewrite([]byte(`{"a":"4111111111111111","b":"4111111111111111","c":"4111111111111112"}`), p.nrules)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m["a"] != m["b"] || m["a"] == m["c"] || !strings.HasPrefix(m["a"], "tok_") || len(m["a"]) != len("tok_")+2*tokenBytes {
		t.Errorf("tokens: %v", m)
	}
	if strings.Contains(string(out), "4111") {
		t.Errorf("token output leaks the value: %s", out)
	}
	other := startedPolicy(t, []byte(`{"rules":[{"id":"t","paths":["a"],"action":"hmac"}],"hmac":{"keyEnv":"OTHER_KEY"}}`))
	other.tok = newTokenizer("tok_", []byte(strings.Repeat("k", 32)))
	out2, _, _, _ := other.resp.rewrite([]byte(`{"a":"4111111111111111"}`), other.nrules)
	if bytes.Contains(out2, []byte(m["a"])) {
		t.Errorf("a different key gave the same token")
	}
}

// FuzzRewrite: for any valid JSON input, the rewrite is valid JSON; invalid input is rejected;
// nothing panics.
func FuzzRewrite(f *testing.F) {
	for _, seed := range []string{
		`{"a":"alice@example.com","b":[1,"4111 1111 1111 1111",{"c":"+14155552671"}]}`,
		`[{"email":"x@y.io","card":4111111111111111},"DE89370400440532013000",null,true]`,
		`"\u00e9\ud83d\ude00 x@y.io \\ \" \u0000"`,
		`{"users":[{"password":"p","cards":["5500000000000004"]}],"session":{"token":"t"}}`,
		`{"":{"":[[],{}]}," a ":-1.5e-3}`,
		"{\"a\":\"\xff\xfe x@y.io\"}",
	} {
		f.Add([]byte(seed))
	}
	p := startedPolicy(f, []byte(`{"rules":[
		{"id":"drop","paths":["users.#.password","session","a"],"detectors":["iban"],"action":"drop"},
		{"id":"part","paths":["users.#.cards","b.1"],"detectors":["card"],"action":"partial","keepLast":2},
		{"id":"tok","paths":["#.email","card"],"detectors":["email"],"action":"hmac"},
		{"id":"red","detectors":["phone"],"patterns":["[0-9]{3,}","é+"]}
	]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, _, changed, err := p.resp.rewrite(body, p.nrules)
		if err == nil && changed && !json.Valid(out) {
			t.Fatalf("invalid output for %q: %q", body, out)
		}
	})
}

// benchBody builds a JSON document of about size bytes: an API listing of customer records with
// names, emails, card numbers, phone numbers, passwords, free text and numbers.
func benchBody(size int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"Customer %d","email":"user%d@example.com","card":"4111 1111 1111 1111",`+
			`"phone":"+1 415 555 %04d","password":"pw-%d","note":"ordered 3 items on 2026-01-01, ref %d","total":%d.50,"active":true}`,
			i, i, i, i%10000, i, 1000000+i, i%997)
	}
	b.WriteString(`]}`)
	return b.String()
}

// benchSpec masks by path and by every detector, as a realistic response policy would.
const benchSpec = `{"rules":[
	{"id":"secrets","paths":["items.#.password"],"action":"drop"},
	{"id":"cards","detectors":["card"],"action":"partial"},
	{"id":"contact","detectors":["email","phone","iban"]}
],"response":{"maxBodyBytes":4194304}}`

// BenchmarkRewrite measures the core rewrite alone (no host), in bytes per second.
func BenchmarkRewrite(b *testing.B) {
	p := startedPolicy(b, []byte(benchSpec))
	for _, size := range []struct {
		name string
		n    int
	}{{"10KiB", 10 << 10}, {"1MiB", 1 << 20}} {
		body := []byte(benchBody(size.n))
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, changed, err := p.resp.rewrite(body, p.nrules); !changed || err != nil {
					b.Fatal(changed, err)
				}
			}
		})
	}
}

// TestPathSyntax: the gjson path forms docs/mask.md promises select the values they name.
func TestPathSyntax(t *testing.T) {
	body := `{"items":[{"type":"card","number":"1"},{"type":"iban","number":"2"}],"ids":[7,8],"user":{"email":"x"}}`
	for _, c := range []struct{ path, want string }{
		{"user.email", `{"items":[{"type":"card","number":"1"},{"type":"iban","number":"2"}],"ids":[7,8],"user":{"email":"R"}}`},
		{"items.#.number", `{"items":[{"type":"card","number":"R"},{"type":"iban","number":"R"}],"ids":[7,8],"user":{"email":"x"}}`},
		{`items.#(type=="card")#.number`, `{"items":[{"type":"card","number":"R"},{"type":"iban","number":"2"}],"ids":[7,8],"user":{"email":"x"}}`},
		{`items.#(type=="iban").number`, `{"items":[{"type":"card","number":"1"},{"type":"iban","number":"R"}],"ids":[7,8],"user":{"email":"x"}}`},
		{"ids.1", `{"items":[{"type":"card","number":"1"},{"type":"iban","number":"2"}],"ids":[7,"R"],"user":{"email":"x"}}`},
		{"ids", `{"items":[{"type":"card","number":"1"},{"type":"iban","number":"2"}],"ids":"R","user":{"email":"x"}}`},
		{"ids.#", ``},
		{"missing.path", ``},
	} {
		t.Run(c.path, func(t *testing.T) {
			spec, _ := json.Marshal(map[string]any{"rules": []any{map[string]any{"id": "p", "paths": []string{c.path}, "replacement": "R"}}})
			p := startedPolicy(t, spec)
			out, _, changed, err := p.resp.rewrite([]byte(body), p.nrules)
			if err != nil || string(out) != c.want || changed != (c.want != "") {
				t.Errorf("rewrite = %s (changed %v, err %v), want %s", out, changed, err, c.want)
			}
		})
	}
}

// TestPathKey: keyOf gives the first key only for paths whose first component gjson
// matches against top-level object keys alone; and the rewriter, which skips such a path when
// the body has no backslash and no quoted key, still finds the key whatever its spelling.
func TestPathKey(t *testing.T) {
	for path, want := range map[string]string{
		"password": "password", "items.#.password": "items", "user.email": "user",
		`items.#(type=="card")#.number`: "items", "a-b.c": "a-b", "_x": "_x", "ids.1": "ids",
		"#.email": "", "0.name": "", "1": "", `pass\.word`: "", "pass*": "", "p?ss": "", "..a": "",
		".a": "", "-a": "", "#(a==1)": "", "a b": "", "é": "", "[a,b]": "", "{a}": "", "!true": "",
	} {
		if got := keyOf(path); got != want {
			t.Errorf("keyOf(%q) = %q, want %q", path, got, want)
		}
	}
	p := startedPolicy(t, []byte(`{"rules":[{"id":"d","paths":["password","items.#.password"],"action":"drop"}]}`))
	for in, want := range map[string]string{
		" \t\r\n{\"password\":\"x\",\"a\":1}":     `{"a":1}`, // leading whitespace trimmed
		`{"password":"x","a":1}`:                  `{"a":1}`,
		`{ "password" : "x" , "a":1}`:             `{"a":1}`,
		`{"pass\u0077ord":"x","a":1}`:             `{"a":1}`,
		`{"a":"\n","password":"x"}`:               `{"a":"\n"}`,
		`{"items":[{"password":"x","a":1}]}`:      `{"items":[{"a":1}]}`,
		`{"it\u0065ms":[{"password":"x","a":1}]}`: `{"it\u0065ms":[{"a":1}]}`,
		`{"a":"password","b":{"password":"x"}}`:   ``, // a value, a nested key: not the path's
		`["password",{"password":"x"}]`:           ``,
		`{"Password":"x","passwords":"y"}`:        ``,
	} {
		out, _, changed, err := p.resp.rewrite([]byte(in), p.nrules)
		if err != nil || string(out) != want || changed != (want != "") {
			t.Errorf("rewrite(%s) = %s (changed %v, err %v), want %s", in, out, changed, err, want)
		}
	}
}

// FuzzPathKey: a path with a first key selects nothing in a valid body without backslashes
// that does not contain the key in quotes, so skipping gjson.Get there changes nothing; and
// containsQuoted answers as strings.Contains with the quotes.
func FuzzPathKey(f *testing.F) {
	for _, seed := range []struct{ body, path string }{
		{`{"password":"x"}`, "password"}, {`{"items":[{"password":1}]}`, "items.#.password"},
		{`[{"a":1},{"a":2}]`, "0.a"}, {`{"a":{"b":"c"}}`, "a.b"}, {`{"ab":1}`, "a*"},
		{`{"a":[1,2]}`, "a.#"}, {`{"x":{"a":1}}`, "..a"}, {`{"items":[{"type":"card","n":1}]}`, `items.#(type=="card")#.n`},
	} {
		f.Add(seed.body, seed.path)
	}
	f.Fuzz(func(t *testing.T, body, path string) {
		key := keyOf(path)
		if key == "" {
			return
		}
		quoted := strings.Contains(body, `"`+key+`"`)
		if containsQuoted(body, key) != quoted {
			t.Fatalf("containsQuoted(%q, %q) = %v", body, key, !quoted)
		}
		if quoted || checkPath(path) != "" || !gjson.Valid(body) || strings.Contains(body, `\`) {
			return
		}
		res := gjson.Get(strings.TrimLeft(body, " \t\r\n"), path)
		if res.Index > 0 || slices.ContainsFunc(res.Indexes, func(i int) bool { return i > 0 }) {
			t.Fatalf("Get(%q, %q) selects %+v though the body has no %s", body, path, res, key)
		}
	})
}
