package sanitize_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// Inspection completeness (issue 17 item 3): each test runs attacks next to benign controls
// through the glue in native, wasm and strict-host mode (make build first).

const (
	xssPayload  = "<script>alert(1)</script>"
	sqliPayload = "x' UNION SELECT password FROM users--"
)

func withHeaders(r harness.Request, headers ...[2]string) harness.Request {
	r.Headers = append(r.Headers, headers...)
	return r
}

// TestInspection_ContentTypeLies: a body is inspected as what it is whatever its declared type.
func TestInspection_ContentTypeLies(t *testing.T) {
	cases := []harness.Case{
		denied("declared JSON holding a form", post("/s", "application/json", "q="+url.QueryEscape(xssPayload)), 400, "json_malformed"),
		denied("declared JSON holding XML with a DTD", post("/s", "application/json", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`), 400, "json_malformed"),
		denied("declared form holding JSON", post("/s", "application/x-www-form-urlencoded", `{"q": "`+sqliPayload+`"}`), 403, "sqli"),
		denied("declared form holding XML", post("/s", "application/x-www-form-urlencoded", `<?xml version="1.0"?><r a="`+xssPayload+`"/>`), 403, "xss"),
		denied("declared XML holding JSON", post("/s", "application/xml", `{"q":"\u003cscript\u003ealert(1)\u003c/script\u003e"}`), 403, "xss"),
		denied("text/plain holding a form", post("/s", "text/plain", "a=1&q="+url.QueryEscape(sqliPayload)), 403, "sqli"),
		denied("text/plain holding JSON", post("/s", "text/plain", `{"a":{"b":["`+sqliPayload+`"]}}`), 403, "sqli"),
		denied("text/plain holding XML with a DTD", post("/s", "text/plain", `<!DOCTYPE r [<!ENTITY x SYSTEM "http://evil/">]><r>&x;</r>`), 400, "xml_dtd"),
		denied("declared multipart without parts, holding a form", post("/s", multipartType, "q="+url.QueryEscape(xssPayload)), 400, "multipart_malformed"),
		denied("octet-stream holding a form with one NUL-free payload", post("/s", "application/octet-stream", "q="+url.QueryEscape(xssPayload)), 403, "xss"),
		denied("no content type, '+' for spaces and no '='", post("/s", "", "%22+UnIon+seleCt+password+from+users%0A"), 403, "sqli"),
		denied("text/plain, '+' for spaces", post("/s", "text/plain", "1+union+all+select+1,2,3+from+users--"), 403, "sqli"),
		passes("control: no content type, words joined by '+'", post("/s", "", "select+your+plan+from+the+list")),
		passes("control: text with '+' and spaces", post("/s", "text/plain", "C++ and 1+1=2 are 100% fine")),
		passes("control: form declared as a form", post("/s", "application/x-www-form-urlencoded", "name=O%27Brien&note=Tom+%26+Jerry")),
		passes("control: JSON declared as text/plain", post("/s", "text/plain", `{"name":"O'Brien","tags":["a < b"]}`)),
		passes("control: XML declared as XML", post("/s", "application/xml", `<order id="7"><note>a &lt; b</note></order>`)),
		passes("control: a form whose value starts with a brace", post("/s", "application/x-www-form-urlencoded", "q=%7Bnot+json")),
	}
	// The untyped bodies are read as the backend would read them: content_type_missing (which
	// would refuse them first) only records.
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"content_type_missing":"detect"}}`), cases)
	// In detect mode for the malformed-body rules, the body is still inspected: the attack is
	// found by the detectors, not only by the structure check.
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"json_malformed":"detect","multipart_malformed":"detect"}}`), []harness.Case{
		denied("declared JSON holding a form, json_malformed in detect mode", post("/s", "application/json", "q="+url.QueryEscape(xssPayload)), 403, "xss"),
		denied("declared multipart holding a form, multipart_malformed in detect mode", post("/s", multipartType, "q="+url.QueryEscape(sqliPayload)), 403, "sqli"),
		denied("multipart without boundary holding raw text", post("/s", "multipart/form-data", xssPayload), 403, "xss"),
	})
}

// TestInspection_Multipart: parts, names, file names (RFC 2231 too), part headers, nested
// multipart, odd boundaries, duplicate parameters, preamble and epilogue.
func TestInspection_Multipart(t *testing.T) {
	nested := "--inner\r\n" + field("deep", xssPayload) + "\r\n--inner--\r\n"
	odd := `a'b(c)+_,-./:=? z`
	oddBody := "--" + odd + "\r\n" + field("q", sqliPayload) + "\r\n--" + odd + "--\r\n"
	cases := []harness.Case{
		denied("RFC 2231 filename*", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="f"; filename*=UTF-8''%3Cscript%3Ealert%281%29%3C%2Fscript%3E.png`+"\r\nContent-Type: image/png\r\n\r\n\x00\x01")), 403, "xss"),
		denied("traversal in filename*", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="f"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd`+"\r\n\r\nx")), 403, "path_traversal"),
		denied("duplicate Content-Disposition parameter", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="a"; name="b"`+"\r\n\r\nx")), 400, "multipart_malformed"),
		denied("nested multipart/mixed", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="files"`+"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n"+nested)), 403, "xss"),
		denied("odd boundary (quoted, RFC 2046 characters)", post("/s", `multipart/form-data; boundary="`+odd+`"`, oddBody), 403, "sqli"),
		denied("payload in the preamble", post("/s", multipartType, xssPayload+"\r\n"+multipartBody(field("a", "ok"))), 403, "xss"),
		denied("payload in the epilogue", post("/s", multipartType, multipartBody(field("a", "ok"))+sqliPayload), 403, "sqli"),
		denied("JSON part", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="meta"`+"\r\nContent-Type: application/json\r\n\r\n"+`{"a":{"b":"`+sqliPayload+`"}}`)), 403, "sqli"),
		denied("part header value", post("/s", multipartType, multipartBody("X-Foo: "+sqliPayload+"\r\n"+field("a", "ok"))), 403, "sqli"),
		passes("control: multipart with unicode filename*", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="f"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf`+"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\x00\x01"))),
		passes("control: nested multipart/mixed of plain text", post("/s", multipartType, multipartBody(`Content-Disposition: form-data; name="files"`+"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\n"+field("a", "Meeting at 10:30")+"\r\n--inner--\r\n"))),
		passes("control: whitespace preamble and epilogue", post("/s", multipartType, "\r\n\r\n"+multipartBody(field("a", "ok"))+"\r\n")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
}

// TestInspection_XML: XML bodies are inspected and DTDs denied by default.
func TestInspection_XML(t *testing.T) {
	cases := []harness.Case{
		denied("DOCTYPE with external entity", post("/s", "application/xml", `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`), 400, "xml_dtd"),
		denied("lower-case doctype", post("/s", "text/xml", `<?xml version="1.0"?><!doctype r SYSTEM "http://evil/x.dtd"><r/>`), 400, "xml_dtd"),
		denied("parameter entity", post("/s", "application/soap+xml", `<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil/p.dtd"> %p;]><r/>`), 400, "xml_dtd"),
		denied("DOCTYPE after a comment", post("/s", "application/xml", `<!-- hi --><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`), 400, "xml_dtd"),
		denied("payload in a nested element", post("/s", "application/xml", `<a><b><c>`+sqliPayload+`</c></b></a>`), 403, "sqli"),
		passes("control: SOAP envelope", post("/s", "application/soap+xml", `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><m:GetPrice xmlns:m="https://example.com/prices"><m:Item>Apples &amp; pears</m:Item></m:GetPrice></soap:Body></soap:Envelope>`)),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"xml_dtd":"detect"}}`), []harness.Case{
		passes("DTD allowed in detect mode", post("/s", "application/xml", `<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`)),
	})
}

// TestInspection_NestedValues: JSON in form, query, multipart and JSON string values, and base64
// values, are decoded once and inspected.
func TestInspection_NestedValues(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	b64url := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	jsonXSS := `{"user":{"bio":"` + xssPayload + `"}}`
	cases := []harness.Case{
		denied("JSON in a form value", post("/s", "application/x-www-form-urlencoded", "data="+url.QueryEscape(jsonXSS)), 403, "xss"),
		denied("JSON in a query value", get("/s?filter="+url.QueryEscape(`{"name":{"first":"`+sqliPayload+`"}}`)), 403, "sqli"),
		denied("JSON in a multipart part", post("/s", multipartType, multipartBody(field("payload", jsonXSS))), 403, "xss"),
		denied("JSON in a JSON string", post("/s", "application/json", `{"payload":"{\"a\":\"`+sqliPayload+`\"}"}`), 403, "sqli"),
		denied("base64 in a query value", get("/s?q="+url.QueryEscape(b64(sqliPayload))), 403, "sqli"),
		denied("base64 in a form value", post("/s", "application/x-www-form-urlencoded", "q="+url.QueryEscape(b64(xssPayload))), 403, "xss"),
		denied("base64url without padding in a JSON value", post("/s", "application/json", `{"q":"`+b64url(xssPayload)+`"}`), 403, "xss"),
		denied("base64 in a cookie", withHeaders(get("/s"), [2]string{"cookie", "prefs=" + b64("../../../etc/passwd")}), 403, "path_traversal"),
		denied("base64 in a header", withHeaders(get("/s"), [2]string{"x-data", b64(sqliPayload)}), 403, "sqli"),
		passes("control: JSON in a form value", post("/s", "application/x-www-form-urlencoded", "data="+url.QueryEscape(`{"name":"O'Brien","tags":["a < b"]}`))),
		passes("control: base64 of prose", get("/s?q="+url.QueryEscape(b64("Hello, it's me. I'd like to select a plan.")))),
		passes("control: random tokens", get("/s?sid=dGhpcyBpcyBhIHRlc3Q&t=Zk9vQmFyQmF6UXV4&k=a8F3kLmQ9zX2pR7sT4vW&h=3q2+7wAAAAEAAQ")),
		passes("control: base64 image", post("/s", "application/json", `{"avatar":"`+base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"))+`"}`)),
		passes("control: a long camel-case word", get("/s?q=ThisIsALongCamelCaseIdentifier")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	// Sanitize mode acts on the outer value: the form field holding the JSON is removed.
	harness.RunCases(t, mustDefinition(), envelope(`{"mode":"sanitize"}`), []harness.Case{
		{Name: "sanitize drops the form field holding JSON", Request: post("/s", "application/x-www-form-urlencoded", "a=1&data="+url.QueryEscape(jsonXSS)+"&b=2"),
			Want: harness.Expect{Status: 200, ForwardedBody: ptr("a=1&b=2")}},
	})
}

// browserHeaders are the headers of a real browser request: none may be a finding now that
// every header is inspected.
var browserHeaders = [][2]string{
	{"user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"},
	{"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"},
	{"accept-language", "en-GB,en;q=0.9,de-DE;q=0.8,de;q=0.7"}, {"accept-encoding", "gzip, deflate, br, zstd"},
	{"referer", "https://www.example.com/search?q=select+your+plan&page=2"},
	{"sec-ch-ua", `"Not/A)Brand";v="8", "Chromium";v="126", "Google Chrome";v="126"`},
	{"sec-ch-ua-mobile", "?0"}, {"sec-ch-ua-platform", `"Windows"`}, {"sec-fetch-site", "same-origin"},
	{"sec-fetch-mode", "navigate"}, {"sec-fetch-user", "?1"}, {"sec-fetch-dest", "document"},
	{"upgrade-insecure-requests", "1"}, {"cache-control", "max-age=0"}, {"priority", "u=0, i"},
	{"if-none-match", `W/"5e-1b2c3d4e"`}, {"if-modified-since", "Tue, 03 Dec 2026 10:00:00 GMT"},
	{"x-forwarded-for", "203.0.113.7, 10.0.0.1"}, {"x-forwarded-proto", "https"},
	{"x-request-id", "7f9c2ba4-e88f-11ee-9d9a-0242ac120002"}, {"origin", "https://www.example.com"},
	{"content-type", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"},
	{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
	{"dnt", "1"}, {"forwarded", `for=192.0.2.60;proto=http;by=203.0.113.43`},
	{"authorization", "Bearer ' OR 1=1-- <script>"}, {"x-api-key", "' UNION SELECT 1--"},
	{"x-csrf-token", "<script>alert(1)</script>"},
}

// TestInspection_Headers: every header but credentials is inspected by default.
func TestInspection_Headers(t *testing.T) {
	cases := []harness.Case{
		denied("sqli in an arbitrary header", withHeaders(get("/s"), [2]string{"x-custom", sqliPayload}), 403, "sqli"),
		denied("xss in accept-language", withHeaders(get("/s"), [2]string{"accept-language", xssPayload}), 403, "xss"),
		denied("traversal in x-original-url", withHeaders(get("/s"), [2]string{"x-original-url", "/../../etc/passwd"}), 403, "path_traversal"),
		denied("sqli in x-forwarded-for", withHeaders(get("/s"), [2]string{"x-forwarded-for", "1.2.3.4' or '1'='1"}), 403, "sqli"),
		denied("xss in the user agent", withHeaders(get("/s"), [2]string{"user-agent", xssPayload}), 403, "xss"),
		passes("control: browser headers, credentials holding attack text are not inspected", withHeaders(get("/s"), browserHeaders...)),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"inspect":{"headers":["user-agent"]}}`), []harness.Case{
		passes("an explicit list inspects only its headers", withHeaders(get("/s"), [2]string{"x-custom", sqliPayload})),
		denied("an explicit list inspects its headers", withHeaders(get("/s"), [2]string{"user-agent", sqliPayload}), 403, "sqli"),
	})
	harness.RunCases(t, mustDefinition(), envelope(`{"mode":"sanitize","inspect":{"headers":["*","x-search"]}}`), []harness.Case{
		{Name: "sanitize removes a named header", Request: withHeaders(get("/s"), [2]string{"x-search", sqliPayload}),
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-search"}}},
		denied("a header matched only by * cannot be removed: rejected", withHeaders(get("/s"), [2]string{"x-other", sqliPayload}), 403, "sqli"),
	})
}

// TestInspection_RequestLine: unusual methods, method override headers and protocols.
func TestInspection_RequestLine(t *testing.T) {
	// Every request sets the protocol: the emulator keeps a property across requests.
	http11 := map[string]string{"request/protocol": "HTTP/1.1"}
	method := func(m string) harness.Request { return harness.Request{Method: m, Path: "/s", Properties: http11} }
	override := func(name, value string) harness.Request {
		return harness.Request{Method: "POST", Path: "/s", Properties: http11, Headers: [][2]string{{name, value}}}
	}
	proto := func(p string) harness.Request {
		return harness.Request{Path: "/s", Properties: map[string]string{"request/protocol": p}}
	}
	cases := []harness.Case{
		denied("TRACE", method("TRACE"), 405, "method_unusual"),
		denied("TRACK", method("TRACK"), 405, "method_unusual"),
		denied("DEBUG", method("DEBUG"), 405, "method_unusual"),
		denied("CONNECT", method("CONNECT"), 405, "method_unusual"),
		denied("made-up method", method("FOOBAR"), 405, "method_unusual"),
		denied("lower-case get", method("get"), 405, "method_unusual"),
		denied("override to TRACE", override("x-http-method-override", "TRACE"), 405, "method_unusual"),
		denied("override to a non-token", override("x-http-method", "GET /admin"), 405, "method_unusual"),
		denied("HTTP/0.9", proto("HTTP/0.9"), 505, "protocol"),
		denied("HTTP/1.2", proto("HTTP/1.2"), 505, "protocol"),
		denied("not HTTP", proto("FOO/1.0"), 505, "protocol"),
		passes("control: PATCH", method("PATCH")),
		passes("control: OPTIONS", method("OPTIONS")),
		passes("control: override to DELETE (lower case)", override("x-http-method-override", "delete")),
		passes("control: HTTP/1.1", proto("HTTP/1.1")),
		passes("control: nginx HTTP/2.0", proto("HTTP/2.0")),
		passes("control: Envoy HTTP/2", proto("HTTP/2")),
		passes("control: HTTP/3", proto("HTTP/3")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"limits":{"methods":["GET","POST","PROPFIND"]}}`), []harness.Case{
		passes("a method listed in limits.methods is allowed", method("PROPFIND")),
		denied("limits.methods applies to overrides", override("x-http-method-override", "DELETE"), 405, "method"),
	})
}

// TestInspection_NoCap: no cap on findings; the budget fails closed (see also Finding 1).
func TestInspection_NoCap(t *testing.T) {
	q := strings.Repeat("a=ok&", 500) + "z=" + url.QueryEscape(sqliPayload)
	harness.RunCases(t, mustDefinition(), envelope(`{"limits":{"maxQueryBytes":8192}}`), []harness.Case{
		denied("an attack after 500 clean parameters", get("/s?"+q), 403, "sqli"),
	})
}

func ptr(s string) *string { return &s }

func compress(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func deflate(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func encoded(coding string, r harness.Request) harness.Request {
	return withHeaders(r, [2]string{"content-encoding", coding})
}

// TestInspection_Compressed: gzip and deflate bodies are inspected decompressed, bounded.
func TestInspection_Compressed(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	cases := []harness.Case{
		denied("gzip form", encoded("gzip", post("/s", form, compress("q="+url.QueryEscape(xssPayload)))), 403, "xss"),
		denied("gzip JSON", encoded("x-gzip", post("/s", "application/json", compress(`{"a":["`+sqliPayload+`"]}`))), 403, "sqli"),
		denied("deflate (zlib) form", encoded("deflate", post("/s", form, deflate("q="+url.QueryEscape(sqliPayload)))), 403, "sqli"),
		denied("gzip bomb past maxBodyBytes", encoded("gzip", post("/s", form, compress("q="+strings.Repeat("a", 5000)))), 413, "body_too_large"),
		passes("control: gzip JSON", encoded("gzip", post("/s", "application/json", compress(`{"name":"O'Brien","note":"a < b"}`)))),
		passes("control: deflate form", encoded("deflate", post("/s", form, deflate("name=O%27Brien&city=Dublin")))),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{"limits":{"maxBodyBytes":4096}}`), cases)
}

// TestInspection_SessionFixation: a session identifier in the query or a form, from another
// site or from no page, is session_fixation; the same from the application's own pages, or a
// parameter that merely mentions a session, is not.
func TestInspection_SessionFixation(t *testing.T) {
	page := func(path string, headers ...[2]string) harness.Request {
		return harness.Request{Path: path, Authority: "app.example.com", Headers: headers}
	}
	form := func(body string, headers ...[2]string) harness.Request {
		r := post("/login", "application/x-www-form-urlencoded", body)
		r.Authority = "app.example.com"
		r.Headers = append(r.Headers, headers...)
		return r
	}
	evil := [2]string{"referer", "https://app.example.com.attacker.net/x"}
	own := [2]string{"referer", "https://app.example.com:8443/account"}
	cases := []harness.Case{
		denied("jsessionid without a referer", page("/login.php?jsessionid=74B0CB414BD77D17B5680A6386EF1666"), 403, "session_fixation"),
		denied("PHPSESSID, mixed case, from a lookalike host", page("/get?PHPSESSid=abc123", evil), 403, "session_fixation"),
		denied("percent-encoded name", page("/auth?connect%2Esid=s%3Aj8jK9", evil), 403, "session_fixation"),
		denied("sessionid in a login form from another site", form("sessionid=abc123&username=test", evil), 403, "session_fixation"),
		denied("unparsable referer", page("/?laravel_session=eyJpdiI6", [2]string{"referer", "http://%zz"}), 403, "session_fixation"),
		passes("control: the same parameter from the application's own page", page("/login.php?jsessionid=74B0CB41", own)),
		passes("control: a login form from the application's own page", form("sessionid=abc123&username=test", own)),
		passes("control: a parameter that only mentions a session", page("/help?topic=session+id&session_length=30")),
		passes("control: a session cookie is where it belongs", page("/", [2]string{"cookie", "JSESSIONID=74B0CB41"})),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"allow":[{"rule":"session_fixation","location":"query.jsessionid"}]}`), []harness.Case{
		passes("allow-listed location", page("/login.php?jsessionid=74B0CB41")),
		denied("another session parameter is still refused", page("/?phpsessid=abc"), 403, "session_fixation"),
	})
}

// TestInspection_MultipartCharset: a part in a charset the detectors do not read (UTF-7 hides
// "<script>" as "+ADw-script+AD4-"), declared on the part or through the "_charset_" field, is
// multipart_charset; UTF-8, ASCII and Latin-1 parts pass.
func TestInspection_MultipartCharset(t *testing.T) {
	typed := func(name, ctype, content string) string {
		return `Content-Disposition: form-data; name="` + name + `"` + "\r\nContent-Type: " + ctype + "\r\n\r\n" + content
	}
	cases := []harness.Case{
		denied("a UTF-7 part", post("/s", multipartType, multipartBody(typed("q", "text/plain; charset=utf-7", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"))), 400, "multipart_charset"),
		denied("a quoted UTF-16 charset", post("/s", multipartType, multipartBody(typed("q", `text/plain; charset="UTF-16"`, "x"))), 400, "multipart_charset"),
		denied("the form's _charset_ field", post("/s", multipartType, multipartBody(field("_charset_", "utf-7"), field("q", "+ADw-script+AD4-"))), 400, "multipart_charset"),
		denied("a Shift_JIS file part", post("/s", multipartType, multipartBody(file("f", "a.txt", "text/plain; charset=shift_jis", "x"))), 400, "multipart_charset"),
		passes("control: a UTF-8 part", post("/s", multipartType, multipartBody(typed("q", "text/plain; charset=utf-8", "Crème brûlée")))),
		passes("control: a Latin-1 part", post("/s", multipartType, multipartBody(typed("q", "text/plain; charset=ISO-8859-1", "caf\xe9")))),
		passes("control: _charset_ UTF-8 as browsers send it", post("/s", multipartType, multipartBody(field("_charset_", "UTF-8"), field("q", "hello")))),
		passes("control: a part without a charset", post("/s", multipartType, multipartBody(file("f", "a.png", "image/png", "\x89PNG\x00\x01")))),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
}

// TestInspection_ContentTypeMissing: a body without a Content-Type is content_type_missing
// (415), whatever it holds and however its length is announced; requests without a body, an
// empty one or a typed one pass, and in detect mode the untyped body is still inspected.
func TestInspection_ContentTypeMissing(t *testing.T) {
	chunked := func(r harness.Request) harness.Request {
		return withHeaders(r, [2]string{"transfer-encoding", "chunked"})
	}
	cases := []harness.Case{
		denied("prose without a type", post("/s", "", "is this your parents' or yours?"), 415, "content_type_missing"),
		denied("SQL keywords without a type", post("/s", "", "1 IS NULL"), 415, "content_type_missing"),
		denied("a form without a type", post("/s", "", "a=1&b=2"), 415, "content_type_missing"),
		denied("JSON without a type", post("/s", "", `{"a":1}`), 415, "content_type_missing"),
		denied("a PUT upload without a type", harness.Request{Method: "PUT", Path: "/files/a.bin", Body: "\x89PNG\r\n"}, 415, "content_type_missing"),
		denied("chunked without a type", chunked(post("/s", "", "a=1")), 415, "content_type_missing"),
		passes("control: a GET without a body", get("/s?q=1")),
		passes("control: a POST with an empty body", post("/s", "", "")),
		passes("control: a typed form", post("/s", "application/x-www-form-urlencoded", "a=1&b=2")),
		passes("control: a typed binary upload", harness.Request{Method: "PUT", Path: "/files/a.bin", Body: "\x89PNG\r\n", Headers: [][2]string{{"content-type", "application/octet-stream"}}}),
		passes("control: a malformed but present type", post("/s", "application/json; charset", `{"a":1}`)),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"content_type_missing":"detect"}}`), []harness.Case{
		passes("detect mode: a benign untyped body passes", post("/s", "", "a=1&b=2")),
		denied("detect mode: an untyped body is still inspected", post("/s", "", "q="+url.QueryEscape(sqliPayload)), 403, "sqli"),
	})
}

// TestInspection_WholePath: SQL injection split into path segments by '/' is found in the whole
// decoded path; ordinary paths whose words are SQL keywords pass.
func TestInspection_WholePath(t *testing.T) {
	cases := []harness.Case{
		denied("comments as spaces between segments", get("/items/1/**/union/**/select/**/password/**/from/**/users"), 403, "sqli"),
		denied("encoded comments between segments", get("/items/%2A%2A/or/%2A%2A/1%3D1"), 403, "sqli"),
		denied("tautology across segments", get("/api/files/x'/or/'1'='1"), 403, "sqli"),
		denied("double-encoded comments between segments", get("/items/%252A%252A/or/%252A%252A/1%253D1"), 403, "sqli"),
		denied("fullwidth equals between segments", get("/items/**/or/**/1%EF%BC%9D1"), 403, "sqli"),
		denied("encoded slashes: one segment", get("/items/1%2F%2A%2A%2Funion%2F%2A%2A%2Fselect%2F%2A%2A%2Fpassword%2F%2A%2A%2Ffrom%2F%2A%2A%2Fusers"), 403, "sqli"),
		passes("control: keywords as path words", get("/select/union-station/")),
		passes("control: a blog path", get("/blog/2024/05/select-a-plan/or/drop-the-old-one")),
		passes("control: parentheses in a wiki title", get("/wiki/Order_(disambiguation)/history")),
		passes("control: a query after such a path", get("/select/union-station/?q=timetable")),
		passes("control: a sort path", get("/products/sort/price/desc/page/2")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"allow":[{"rule":"sqli","location":"path"}]}`), []harness.Case{
		passes("allowed at path", get("/items/1/**/union/**/select/**/password/**/from/**/users")),
	})
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"bad_encoding":"detect"}}`), []harness.Case{
		denied("a malformed escape in another segment hides nothing", get("/items/%zz/**/or/**/1=1"), 403, "sqli"),
	})
}

// TestInspection_RefererQuery: the query parameters of a Referer or Origin URL are inspected
// decoded, as values of the header; ordinary search Referers pass.
func TestInspection_RefererQuery(t *testing.T) {
	ref := func(name, value string) harness.Request {
		return withHeaders(get("/api/items/7"), [2]string{name, value})
	}
	cases := []harness.Case{
		denied("percent-encoded tautology", ref("referer", "https://shop.example/search?q=1%27%20or%20%271%27%3D%271"), 403, "sqli"),
		denied("plus as space, second parameter", ref("referer", "https://shop.example/search?page=2&q=1+HAVING+5914%3D5914+%23+x"), 403, "sqli"),
		denied("union select", ref("referer", "http://localhost:3000/list?id=1%20UNION%20SELECT%20password%20FROM%20users--"), 403, "sqli"),
		denied("before a fragment", ref("referer", "https://shop.example/?q=1%27%20or%20%271%27%3D%271#top"), 403, "sqli"),
		denied("xss in a Referer parameter", ref("referer", "https://shop.example/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), 403, "xss"),
		denied("in an Origin", ref("origin", "https://shop.example?id=1%27%20or%20%271%27%3D%271"), 403, "sqli"),
		passes("control: a search engine Referer", ref("referer", "https://www.google.com/search?q=select+a+plan&hl=en")),
		passes("control: a sort order", ref("referer", "https://shop.example/list?sort=price&order=desc&page=3")),
		passes("control: prose with an apostrophe", ref("referer", "https://www.example.com/search?q=don%27t+drop+the+ball")),
		passes("control: a URL parameter", ref("referer", "https://app.example/login?next=https%3A%2F%2Fapp.example%2Fhome%3Ftab%3D1")),
		passes("control: an Origin", ref("origin", "https://shop.example")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
	harness.RunCases(t, mustDefinition(), envelope(`{"allow":[{"rule":"sqli","location":"header.referer*"}]}`), []harness.Case{
		passes("allowed at the header and what it holds", ref("referer", "https://shop.example/search?q=1%27%20or%20%271%27%3D%271")),
	})
	harness.RunCases(t, mustDefinition(), envelope(`{"mode":"sanitize","inspect":{"headers":["*","referer"]}}`), []harness.Case{
		{Name: "sanitize removes the Referer", Request: ref("referer", "https://shop.example/search?q=1%27%20or%20%271%27%3D%271"),
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"referer"}}},
	})
}
