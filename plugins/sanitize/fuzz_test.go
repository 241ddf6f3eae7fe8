package sanitize

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/corazawaf/libinjection-go"

	"github.com/wasmward/wasmward/shared/policy"
)

// Fuzz targets for every decoder and the tokenizer entry points. Run one briefly with
//
//	go test -run '^$' -fuzz FuzzNormalize -fuzztime 10s ./plugins/sanitize

var fuzzSeeds = []string{
	"", "%", "%2", "%zz", "%252e%252e%252f", "%c0%ae", "%u003c", "&lt;script&gt;", "&#x3c;&#60",
	"a+b", "1' OR '1'='1", "<svg onload=alert(1)>", "＜script＞", "ﷺ", "\x00", "..\\..\\",
	"select char(65)", "document /**/ . cookie", "<f o r m", "{\"$ne\":1}",
	";c''at /e?c/p*d", "$(whoami)", "`id`", "{cat,/tmp/x}", "${IFS}", "/???/b?n", "for /f %i in (x) do y",
	"if exist x echo", "() { :; }", "a\r\nSet-Cookie: x", "GET / HTTP/1.1", "{{7*7}}", "<%= 7*7 %>",
	"${${lower:j}ndi:", "${x:-j}", "*)(uid=*", "(&(cn=", "<!ENTITY x SYSTEM \"file:///\">", "%xxe;",
	"sqlmap/1.0", "${PATH#*/}", "[a-z]", "\\",
	"x'|email--", "'alter a", "\\'or'1", "/*!50000select", "and 7639=(", "max(", ") as t from",
	"values ('a',", "x' like '", "'$.a'", "\\x27", "a`;", "1 and ('a'='a",
}

func FuzzPercentDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, plus bool) {
		out, malformed := percentDecode(s, plus)
		if !malformed && strings.Count(s, "%") > 0 && strings.Count(out, "%") > strings.Count(s, "%25") {
			t.Fatalf("a literal %% was kept without reporting a malformed escape: %q -> %q", s, out)
		}
		if len(out) > len(s) {
			t.Fatalf("decoding grew %d -> %d bytes", len(s), len(out))
		}
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, uint8(0))
	}
	n := normalizer{maxIter: DefaultMaxIterations, maxBytes: 4096}
	f.Fuzz(func(t *testing.T, s string, enc uint8) {
		v, _ := n.normalize(s, encoding(enc%3))
		if len(v.text) > max(len(s), n.maxBytes) {
			t.Fatalf("normalized %d bytes to %d, over the bound", len(s), len(v.text))
		}
		if strings.IndexByte(v.text, 0) >= 0 {
			t.Fatal("NUL survived normalization")
		}
	})
}

func FuzzSplitPairs(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s + "&a=b;c")
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps := splitPairs(s, '&', false)
		if got := joinPairs(ps, nil, "&"); len(got) > len(s) {
			t.Fatalf("rejoined pairs longer than input")
		}
		splitPairs(s, ';', true)
	})
}

func FuzzJSONBody(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `"x"`, `{"a":{"b":[1,"<script>",null]}}`, `{"a\u0022":"\\\"x"}`, `[[[[[[[[[[1]]]]]]]]]]`} {
		f.Add(s)
	}
	p, err := Parse([]byte(`{"mode":"sanitize","json":{"maxDepth":4,"maxKeys":8,"maxStringBytes":64}}`))
	if err != nil {
		f.Fatal(err)
	}
	bp := p.(policy.RequestBodyPolicy)
	f.Fuzz(func(t *testing.T, body string) {
		req := policy.NewRequest([][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "application/json"}}, nil, nil)
		req.Body = []byte(body)
		d := bp.OnRequestBody(req)
		if d.ReplaceBody != nil && !json.Valid(d.ReplaceBody) {
			t.Fatalf("sanitized body is not valid JSON: %q -> %q", body, d.ReplaceBody)
		}
		if d.Verdict == policy.Deny && len(body) > 8 && strings.Contains(string(d.Reply.Body), body) {
			t.Fatal("reply echoes the body")
		}
	})
}

func FuzzFormBody(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("a=" + s + "&b=2")
	}
	p, err := Parse([]byte(`{"mode":"sanitize"}`))
	if err != nil {
		f.Fatal(err)
	}
	bp := p.(policy.RequestBodyPolicy)
	f.Fuzz(func(t *testing.T, body string) {
		req := policy.NewRequest([][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "application/x-www-form-urlencoded"}}, nil, nil)
		req.Body = []byte(body)
		if d := bp.OnRequestBody(req); d.ReplaceBody != nil && len(d.ReplaceBody) > len(body) {
			t.Fatal("sanitized form grew")
		}
	})
}

func FuzzOnRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("/p/"+s+"?q="+s, s)
	}
	p, err := Parse([]byte(`{"mode":"sanitize","commandFields":["query.*"],"inspect":{"headers":["x-a","referer"]}}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, header string) {
		req := policy.NewRequest([][2]string{{":method", "GET"}, {":path", path}, {"x-a", header}, {"cookie", header},
			{"referer", "https://x.example/p?" + header}}, nil, nil)
		d := p.OnRequest(req)
		for k, v := range d.Details {
			if !utf8.ValidString(v) || len(v) > 200 {
				t.Fatalf("audit detail %s not bounded/escaped: %q", k, v)
			}
		}
	})
}

// The libinjection tokenizers and the heuristics are fed the normalizer's output.
func FuzzTokenizers(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		libinjection.IsSQLi(s)
		libinjection.IsXSS(s)
		b := bytesOf(s)
		isSQLHeuristic(lower(s), &b)
		isXSSHeuristic(lower(s))
		isTraversal(lower(s))
		f := lower(s)
		isCmdInjection(f, &b)
		isCRLF(f)
		isSSTI(f)
		isLDAP(f)
		isXXE(f)
		isJNDI(f)
		isNoSQL(f)
		isScanner(f)
		if u := unquoteShell(f); len(u) > len(f)+2*strings.Count(f, "{") {
			t.Fatalf("unquoteShell grew %d -> %d bytes", len(f), len(u))
		}
	})
}

// FuzzGlobMatch checks the wildcard matcher the command detector uses against a reference:
// a pattern without wildcards matches only itself, "*" matches anything, and so does "*" before
// the name itself.
func FuzzGlobMatch(f *testing.F) {
	for _, s := range []string{"c?t", "*", "a*b*c", "???", "ca[t]"} {
		f.Add(s, "cat")
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 64 || len(name) > 64 {
			return
		}
		got := globMatch(pattern, name)
		if !strings.ContainsAny(pattern, "?*") && got != (pattern == name) {
			t.Fatalf("globMatch(%q, %q) = %v without wildcards", pattern, name, got)
		}
		if !globMatch("*", name) || !globMatch("*"+name, name) {
			t.Fatalf("* does not match %q", name)
		}
	})
}

// FuzzMultipart feeds multipart bodies to the body phase: no panic, bounded audit details, and
// the same body behind a first part that holds a SQL injection is always denied, whatever
// follows it (the part is inspected, or the body fails closed as malformed or over the limits).
func FuzzMultipart(f *testing.F) {
	const b = "xYz"
	for _, s := range []string{
		"--xYz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--xYz--\r\n",
		"--xYz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\x00\r\n--xYz--\r\n",
		"--xYz\r\nContent-Disposition: form-data; name=\"q\"\r\nContent-Transfer-Encoding: base64\r\n\r\nPHN2Zz4=\r\n--xYz--\r\n",
		"--xYz\r\nContent-Disposition: form-data; name*=UTF-8''%C3%A9\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=3C=\r\n--xYz--",
		"--xYz\r\n\r\n--xYz\r\nContent-Disposition: form-data\r\n\r\n",
		"preamble\r\n--xYz\r\nX: y\r\n\r\n<a b='c'>d</a>\r\n--xYz--\r\nepilogue",
		"--xYz\r\nContent-Disposition: form-data; name=\"m\"\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\n{\"a\":\"PHN2Zz4K\"}\r\n--in--\r\n\r\n--xYz--\r\n",
	} {
		f.Add(s, "multipart/form-data; boundary="+b)
		f.Add(s, "multipart/mixed; boundary=\""+b+"\"; charset")
	}
	p, err := Parse([]byte(`{"multipart":{"maxParts":8},"rules":{"bad_encoding":"detect","nul_byte":"detect"}}`))
	if err != nil {
		f.Fatal(err)
	}
	bp := p.(policy.RequestBodyPolicy)
	f.Fuzz(func(t *testing.T, body, ctype string) {
		req := policy.NewRequest([][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", ctype}}, nil, nil)
		req.Body = []byte(body)
		d := bp.OnRequestBody(req)
		for k, v := range d.Details {
			if !utf8.ValidString(v) || len(v) > 200 {
				t.Fatalf("audit detail %s not bounded/escaped: %q", k, v)
			}
		}
		attack := "--" + b + "\r\nContent-Disposition: form-data; name=\"z\"\r\n\r\nx' UNION SELECT password FROM users--\r\n"
		req = policy.NewRequest([][2]string{{":method", "POST"}, {":path", "/"}, {"content-type", "multipart/form-data; boundary=" + b}}, nil, nil)
		req.Body = []byte(attack + body)
		if d := bp.OnRequestBody(req); d.Verdict != policy.Deny || d.Shadow {
			t.Fatalf("attack part allowed: %+v", d)
		}
	})
}

// FuzzHeaderValues: the header-value parsers of protocol.go never panic, and a Content-Type
// split into parameters loses no byte.
func FuzzHeaderValues(f *testing.F) {
	for _, s := range []string{
		"multipart/form-data; boundary=\"a;b\"", "text/plain;;charset", "bytes=0-1,-5,9-", "a\"\\",
		"keep-alive, close", "text/html; charset=\"x", "bytes=-,", "%{(#a)}", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var parts []string
		for rest, more := s, true; more; {
			var p string
			p, rest, more = cutMediaParam(rest)
			parts = append(parts, p)
		}
		if got := strings.Join(parts, ";"); got != s {
			t.Fatalf("cutMediaParam(%q) rejoined %q", s, got)
		}
		validContentType(s)
		acceptCharsetsAllowed(s)
		validConnection(s)
		validRange(s, DefaultMaxRanges)
		ambiguousPartName(s, s)
		isIPHost(s)
		base64Gadget(s)
	})
}

// TestValidJSON pins validJSON to encoding/json.Valid on the edge cases of the grammar and
// on nesting at and past encoding/json's limit.
func TestValidJSON(t *testing.T) {
	cases := []string{"", " ", "{}", "[]", `""`, "0", "-0", "01", "-", "1.", "1.e5", "1e", "1e+", "1E-2", ".5", "1.5e+10",
		"true", "tru", "nul", "null ", " false\n", `{"a":1,}`, `[1,]`, `{"a" 1}`, `{a:1}`, `"\u12"`, `"\u12G4"`, `"\x"`,
		`"\/\b\f\n\r\t\"\\"`, "\"\x01\"", "\"\xff\xfe\"", `{"a":[1,{"b":null}]}`, "[1 2]", "\ufeff{}", "{}{}", "{}\x00",
		"[\t1\r,\n2 ]", `{"a":"b"`, "[", "]", "\"", "1 ", " 1", "+1", "0x1", "[-]", "[1e5]", "Infinity", "NaN"}
	for _, depth := range []int{9999, 10000, 10001, 10002} {
		cases = append(cases, strings.Repeat("[", depth)+strings.Repeat("]", depth), strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth))
	}
	for _, c := range cases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.40q) = %v, encoding/json.Valid %v", c, got, want)
		}
	}
}

// FuzzValidJSON checks validJSON against encoding/json.Valid.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u00e9",true,false,null,{}]}`, "[01]", `"\u00"`, "-0.0E+1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, encoding/json.Valid %v", b, got, want)
		}
	})
}
