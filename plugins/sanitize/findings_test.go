package sanitize_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// Regression tests for the security review of issue 16, one test per finding, named after it.
// Each runs its requests through the glue in native, wasm and strict-host mode (make build
// first: dist/sanitize.wasm), attacks next to benign controls that must still pass.

// envelope wraps a spec in the plugin config envelope.
func envelope(spec string) []byte {
	return []byte(`{"apiVersion":"wasmward/v1","plugin":"sanitize","spec":` + spec + `}`)
}

func get(path string) harness.Request { return harness.Request{Path: path} }

func post(path, contentType, body string) harness.Request {
	r := harness.Request{Method: "POST", Path: path, Body: body}
	if contentType != "" {
		r.Headers = [][2]string{{"content-type", contentType}}
	}
	return r
}

func denied(name string, req harness.Request, status int, rule string) harness.Case {
	return harness.Case{Name: name, Request: req, Want: harness.Expect{Status: status, BodyContains: `"rule":"` + rule + `"`}}
}

func passes(name string, req harness.Request) harness.Case {
	return harness.Case{Name: name, Request: req, Want: harness.Expect{Status: 200}}
}

// eachAuditLine sends req in every mode and runs check on the one audit line it must produce.
func eachAuditLine(t *testing.T, spec string, req harness.Request, check func(t *testing.T, line string)) {
	t.Helper()
	harness.EachMode(t, func(t *testing.T, mode harness.Mode) {
		h := harness.MustStart(t, mode, mustDefinition(), envelope(spec))
		h.Do(req)
		lines := h.AuditLines()
		if len(lines) != 1 {
			t.Fatalf("want one audit line, got %d: %v", len(lines), lines)
		}
		check(t, lines[0])
	})
}

// decoys returns n query parameters that each score a finding of rule.
func decoys(n int, value string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "d%d=%s&", i, value)
	}
	return b.String()
}

// jsonDecoys returns n JSON members whose strings (value: JSON string contents) each score a
// finding.
func jsonDecoys(n int, value string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `"d%d":"%s",`, i, value)
	}
	return b.String()
}

const sqliQ = "x%27+UNION+SELECT+password+FROM+users--"

// Finding 1: findings past the 16th were never looked for; decoys that each score a finding
// (in a rule set to detect) hid a real injection after them.
func TestFinding1_DecoysDoNotCapInspection(t *testing.T) {
	cases := []harness.Case{
		denied("sqli after 20 bad_encoding decoys in the query", get("/s?"+decoys(20, "%25zz%zz")+"q="+sqliQ), 403, "sqli"),
		denied("xss after 40 NUL decoys in the query", get("/s?"+decoys(40, "a%00")+"q=%3Csvg+onload%3Dalert(1)%3E"), 403, "xss"),
		denied("sqli after 30 decoy JSON strings", post("/s", "application/json",
			`{`+jsonDecoys(30, `a\u0000`)+`"q":"x' UNION SELECT password FROM users--"}`), 403, "sqli"),
		denied("xss after 30 decoy form fields", post("/s", "application/x-www-form-urlencoded",
			decoys(30, "%25zz%zz")+"q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), 403, "xss"),
		passes("control: 200 benign parameters", get("/s?"+decoys(200, "shoes"))),
		passes("control: benign decoy-shaped values only (detect-mode findings)", get("/s?"+decoys(30, "%25zz%zz"))),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"bad_encoding":"detect","nul_byte":"detect"}}`), cases)

	t.Run("detect mode records every finding", func(t *testing.T) {
		eachAuditLine(t, `{"mode":"detect"}`, get("/s?"+decoys(20, "%3Cscript%3Ealert(1)%3C/script%3E")+"q="+sqliQ),
			func(t *testing.T, line string) {
				if !strings.Contains(line, `"findings":"21"`) || !strings.Contains(line, `"shadow":true`) {
					t.Fatalf("want a shadow deny counting 21 findings: %s", line)
				}
			})
	})
	t.Run("sanitize mode drops every offending parameter", func(t *testing.T) {
		q := decoys(20, "%3Cscript%3Ealert(1)%3C/script%3E") + "keep=1"
		harness.RunCases(t, mustDefinition(), envelope(`{"mode":"sanitize"}`), []harness.Case{{
			Name: "20 xss parameters dropped", Request: get("/s?" + q),
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/s?keep=1"}},
		}})
	})
}

// Finding 1 (second half): the work is capped by a byte budget, and exhausting it denies.
func TestFinding1_InspectionBudgetFailsClosed(t *testing.T) {
	big := strings.Repeat("word ", 400) // 2000 bytes of benign text
	cases := []harness.Case{
		denied("JSON body over the budget", post("/s", "application/json", `{"a":"`+big+`","b":"`+big+`"}`), 413, "inspection_budget"),
		denied("many benign parameters over the budget", get("/s?"+decoys(150, "aaaaaaaa")), 413, "inspection_budget"),
		denied("text body over the budget", post("/s", "text/plain", big+big), 413, "inspection_budget"),
		passes("control: body within the budget", post("/s", "application/json", `{"a":"`+big[:500]+`"}`)),
		passes("control: query within the budget", get("/s?"+decoys(10, "aaaaaaaa"))),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{"limits":{"maxInspectBytes":2048}}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"mode":"detect","limits":{"maxInspectBytes":2048}}`), cases[:1])
}

// Finding 2: a malformed escape (lone '%', "%zz") made the whole value skip the detectors when
// bad_encoding was in detect mode; so did NUL bytes and overlong UTF-8 with their rules in detect.
func TestFinding2_MalformedEscapeDoesNotBlindDetectors(t *testing.T) {
	cases := []harness.Case{
		denied("lone percent before sqli", get("/s?q=%25+"+sqliQ+"%"), 403, "sqli"),
		denied("%zz before sqli", get("/s?q=%zz"+sqliQ), 403, "sqli"),
		denied("%zz inside xss", get("/s?q=%3Cscript%3E%zzalert(1)%3C/script%3E"), 403, "xss"),
		denied("lone percent in a form field with xss", post("/s", "application/x-www-form-urlencoded", "c=100%+%3Csvg+onload%3Dalert(1)%3E"), 403, "xss"),
		denied("malformed escape in a cookie with sqli", harness.Request{Path: "/s", Headers: [][2]string{{"cookie", "pref=%zz1'+or+'1'%3D'1"}}}, 403, "sqli"),
		denied("malformed escape in a path segment with traversal", get("/s/%zz/..%2f..%2fetc%2fpasswd"), 403, "path_traversal"),
		denied("NUL in detect mode does not hide xss", get("/s?q=%00%3Cscript%3Ealert(1)%3C/script%3E"), 403, "xss"),
		denied("overlong dots decoded and inspected", get("/s?f=%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd"), 403, "path_traversal"),
		denied("%u escape decoded", get("/s?q=%u003Cscript%u003Ealert(1)%u003C/script%u003E"), 403, "xss"),
		denied("Latin-1 byte does not hide sqli", get("/s?q=%E9"+sqliQ), 403, "sqli"),
		passes("control: malformed escape alone (bad_encoding in detect)", get("/s?q=100%zz")),
		passes("control: lone percent", get("/s?q=50%+off")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"bad_encoding":"detect","nul_byte":"detect"}}`), cases)

	harness.RunCases(t, mustDefinition(), envelope(`{}`), []harness.Case{
		passes("control: Latin-1 café (%E9)", get("/s?q=caf%E9")),
		passes("control: Latin-1 Árbol (%C1)", get("/s?q=%C1rbol")),
		passes("control: Latin-1 À la carte (%C0)", get("/s?q=%C0+la+carte")),
		passes("control: Latin-1 form field", post("/s", "application/x-www-form-urlencoded", "city=Montr%E9al&name=Ren%E9e")),
		denied("malformed escape still rejected by default", get("/s?q=100%zz"), 400, "bad_encoding"),
		denied("overlong UTF-8 still rejected by default", get("/s?f=%c0%ae"), 400, "bad_encoding"),
	})
}

const boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

// part is one multipart part: its extra headers and content.
func multipartBody(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

func field(name, value string) string {
	return `Content-Disposition: form-data; name="` + name + `"` + "\r\n\r\n" + value
}

func file(name, filename, ctype, content string) string {
	return `Content-Disposition: form-data; name="` + name + `"; filename="` + filename + `"` + "\r\nContent-Type: " + ctype + "\r\n\r\n" + content
}

const multipartType = "multipart/form-data; boundary=" + boundary

// Finding 6: bodies were inspected only for three media types; every other body passed.
func TestFinding6_EveryBodyIsInspected(t *testing.T) {
	xss := "<script>alert(1)</script>"
	sqli := "x' UNION SELECT password FROM users--"
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01<a x" + strings.Repeat("\x00\xff", 64)
	cases := []harness.Case{
		denied("no content type, raw sqli", post("/s", "", sqli), 403, "sqli"),
		denied("no content type, JSON", post("/s", "", `{"q":"`+xss+`"}`), 403, "xss"),
		denied("no content type, form", post("/s", "", "q="+url.QueryEscape(sqli)), 403, "sqli"),
		denied("text/plain raw", post("/s", "text/plain", xss), 403, "xss"),
		denied("text/plain hiding JSON with escapes", post("/s", "text/plain", `{"q":"\u003csvg onload=alert(1)\u003e"}`), 403, "xss"),
		denied("text/json", post("/s", "text/json", `{"q":"`+sqli+`"}`), 403, "sqli"),
		denied("application/json; charset (malformed)", post("/s", "application/json; charset", `{"q":"`+sqli+`"}`), 403, "sqli"),
		denied("application/json;; (malformed)", post("/s", "application/json;;", `{"q":"`+xss+`"}`), 403, "xss"),
		denied("upper-case JSON type", post("/s", "Application/JSON", `{"q":"`+xss+`"}`), 403, "xss"),
		denied("image/png lying about a form", post("/s", "image/png", "q="+url.QueryEscape(xss)), 403, "xss"),
		denied("octet-stream text", post("/s", "application/octet-stream", sqli), 403, "sqli"),
		denied("multipart field", post("/s", multipartType, multipartBody(field("q", sqli))), 403, "sqli"),
		denied("multipart second field", post("/s", multipartType, multipartBody(field("a", "ok"), field("q", xss))), 403, "xss"),
		denied("multipart part name", post("/s", multipartType, multipartBody(field("<svg onload=alert(1)>", "x"))), 403, "xss"),
		denied("multipart file name traversal", post("/s", multipartType, multipartBody(file("f", "../../etc/passwd", "image/png", png))), 403, "path_traversal"),
		denied("multipart file name xss", post("/s", multipartType, multipartBody(file("f", `<img src=x onerror=alert(1)>.png`, "image/png", png))), 403, "xss"),
		denied("multipart part header", post("/s", multipartType, multipartBody("X-Note: "+xss+"\r\n"+field("a", "ok"))), 403, "xss"),
		denied("multipart file content (text)", post("/s", multipartType, multipartBody(file("f", "a.txt", "application/octet-stream", xss))), 403, "xss"),
		denied("multipart quoted-printable content", post("/s", multipartType, multipartBody("Content-Transfer-Encoding: quoted-printable\r\n"+field("q", "=3Cscript=3Ealert(1)=3C/script=3E"))), 403, "xss"),
		denied("multipart base64 content", post("/s", multipartType, multipartBody("Content-Transfer-Encoding: base64\r\n"+field("q", "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="))), 403, "xss"),
		denied("multipart with a malformed content type", post("/s", "multipart/form-data; boundary="+boundary+"; charset", multipartBody(field("q", sqli))), 403, "sqli"),
		denied("multipart without boundary", post("/s", "multipart/form-data", multipartBody(field("q", "ok"))), 400, "multipart_malformed"),
		denied("multipart that does not parse", post("/s", multipartType, "--"+boundary+"\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n"+sqli), 400, "multipart_malformed"),
		denied("multipart part with repeated Content-Disposition", post("/s", multipartType, multipartBody("Content-Disposition: form-data; name=\"a\"\r\n"+field("b", "ok"))), 400, "multipart_malformed"),
		denied("multipart over maxParts", post("/s", multipartType, multipartBody(field("a", "1"), field("b", "2"), field("c", "3"), field("d", "4"), field("e", "5"))), 413, "multipart_limits"),
		denied("application/xml text", post("/s", "application/xml", "<user><name>"+sqli+"</name></user>"), 403, "sqli"),
		denied("text/xml entity-encoded text", post("/s", "text/xml", "<a><b>&lt;script&gt;alert(1)&lt;/script&gt;</b></a>"), 403, "xss"),
		denied("XML attribute value", post("/s", "application/xml", `<a href="javascript:alert(1)">x</a>`), 403, "xss"),
		denied("XML CDATA", post("/s", "application/soap+xml", "<a><![CDATA["+xss+"]]></a>"), 403, "xss"),
		denied("XML external entity (XXE)", post("/s", "application/xml", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>`), 400, "xml_dtd"),
		denied("sniffed XML without a type, DOCTYPE", post("/s", "", `<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>`), 400, "xml_dtd"),
		passes("control: benign text/plain prose", post("/s", "text/plain", "Hello, it's me -- I'd like to select a plan & pay by card.")),
		passes("control: benign JSON without a type", post("/s", "", `{"name":"O'Brien","note":"a < b"}`)),
		passes("control: benign JSON with a malformed type", post("/s", "application/json; charset", `{"name":"Siobhán"}`)),
		passes("control: benign multipart with a binary image", post("/s", multipartType, multipartBody(field("title", "My holiday"), file("photo", "beach (1).png", "image/png", png)))),
		passes("control: benign multipart text file", post("/s", multipartType, multipartBody(file("doc", "notes.txt", "text/plain", "Meeting at 10:30 -- bring the Q3 numbers.")))),
		passes("control: benign XML", post("/s", "application/xml", `<?xml version="1.0" encoding="UTF-8"?><order id="7"><item sku="A-1" qty="2">T-shirt &amp; cap</item><note>a &lt; b</note><!-- comment --></order>`)),
		passes("control: binary upload", post("/s", "application/octet-stream", png)),
		passes("control: empty body", post("/s", "text/plain", "")),
	}
	// content_type_missing (on by default) would refuse the untyped bodies before they are
	// read: in detect mode they are inspected as the backend would read them.
	harness.RunCases(t, mustDefinition(), envelope(`{"multipart":{"maxParts":4},"rules":{"content_type_missing":"detect"}}`), cases)
}

// Finding 9: audit excerpts quoted secrets (password fields, Authorization values).
func TestFinding9_AuditExcerptsRedactSecrets(t *testing.T) {
	spec := `{"inspect":{"headers":["user-agent","authorization","x-api-key"]}}`
	for _, tc := range []struct {
		name   string
		req    harness.Request
		secret string
	}{
		{"password form field", post("/login", "application/x-www-form-urlencoded", "user=ann&password=Hunter2SECRET%27+or+%271%27%3D%271"), "Hunter2SECRET"},
		{"Password JSON member (case-insensitive)", post("/login", "application/json", `{"user":{"NewPassword":"Hunter2SECRET' or '1'='1"}}`), "Hunter2SECRET"},
		{"api_key query parameter", get("/s?api_key=KEYSECRET%3Cscript%3Ealert(1)%3C/script%3E"), "KEYSECRET"},
		{"access_token query parameter", get("/s?access_token=TOKSECRET%27+or+%271%27%3D%271"), "TOKSECRET"},
		{"session cookie", harness.Request{Path: "/s", Headers: [][2]string{{"cookie", "session=SESSSECRET<script>alert(1)</script>"}}}, "SESSSECRET"},
		{"authorization header", harness.Request{Path: "/s", Headers: [][2]string{{"authorization", "Bearer BEARERSECRET' or '1'='1"}}}, "BEARERSECRET"},
		{"bearer credential in a plain field", get("/s?q=Bearer+eyJBEARERSECRET%27+or+%271%27%3D%271"), "BEARERSECRET"},
		{"credit card field", post("/pay", "application/json", `{"card_number":"4111CARDSECRET' or '1'='1"}`), "CARDSECRET"},
		{"multipart secret part", post("/s", multipartType, multipartBody(field("client_secret", "MPSECRET' or '1'='1"))), "MPSECRET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachAuditLine(t, spec, tc.req, func(t *testing.T, line string) {
				if strings.Contains(line, tc.secret) {
					t.Fatalf("audit line quotes the secret: %s", line)
				}
				if !strings.Contains(line, `"reason":"sqli"`) && !strings.Contains(line, `"reason":"xss"`) {
					t.Fatalf("want an injection finding: %s", line)
				}
			})
		})
	}
	t.Run("control: other fields keep their excerpt", func(t *testing.T) {
		eachAuditLine(t, spec, get("/s?comment=%3Cscript%3Ealert(1)%3C/script%3E"), func(t *testing.T, line string) {
			if !strings.Contains(line, `"excerpt":"%3Cscript%3Ealert(1)%3C/script%3E"`) {
				t.Fatalf("excerpt missing for a non-secret field: %s", line)
			}
		})
	})
}

// Finding 12: a closing quote followed by a SQL comment (the classic login bypass) passed.
func TestFinding12_QuoteThenCommentIsSQLi(t *testing.T) {
	cases := []harness.Case{
		denied("admin'# in the query", get("/login?user=admin%27%23"), 403, "sqli"),
		denied("admin' # in the query", get("/login?user=admin%27+%23"), 403, "sqli"),
		denied("admin'-- (space) in the query", get("/login?user=admin%27--%20"), 403, "sqli"),
		denied("admin'--+ in the query", get("/login?user=admin'--+"), 403, "sqli"),
		denied("admin'--+ form-encoded", post("/login", "application/x-www-form-urlencoded", "user=admin'--+&pass=x"), 403, "sqli"),
		denied("admin'# in JSON", post("/login", "application/json", `{"user":"admin'#","pass":"x"}`), 403, "sqli"),
		denied("admin'-- in JSON", post("/login", "application/json", `{"user":"admin'-- ","pass":"x"}`), 403, "sqli"),
		denied(`admin"# in JSON`, post("/login", "application/json", `{"user":"admin\"#"}`), 403, "sqli"),
		denied("admin')# in the query", get("/login?user=admin%27)%23"), 403, "sqli"),
		denied("admin'/* in the query", get("/login?user=admin%27/*"), 403, "sqli"),
		passes("control: O'Brien", get("/s?name=O%27Brien")),
		passes("control: #hashtag", get("/s?q=%23hashtag")),
		passes("control: it's -- fine", get("/s?q=it%27s+--+fine")),
		passes("control: my '#1' pick", get("/s?q=my+%27%231%27+pick")),
		passes("control: prose in JSON", post("/s", "application/json", `{"note":"it's -- fine, #1 O'Brien"}`)),
		passes("control: C# and F#", get("/s?q=C%23+and+F%23")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
}
