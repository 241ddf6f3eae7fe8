package sanitize_test

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// Header-value checks (protocol.go), method override parameters, ambiguous multipart names and
// backup file names, native and wasm: what no browser or API client sends is refused by
// default, next to the ordinary traffic that must still pass; the checks that ordinary traffic
// may trip are off unless configured.
func TestHeaderChecksDefaultOn(t *testing.T) {
	h := func(name, value string) harness.Request { return withHeader("/s", name, value) }
	mp := func(disposition string) harness.Request {
		return post("/s", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; "+disposition+"\r\n\r\nx\r\n--b--\r\n")
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), []harness.Case{
		denied("httpoxy Proxy header", h("proxy", "http://evil.example:8080"), 400, "header_denied"),
		denied("Request-Range", h("request-range", "bytes=0-1023"), 400, "header_denied"),
		denied("Range ending before it starts", h("range", "bytes=5-0"), 400, "header_invalid"),
		denied("too many ranges", h("range", "bytes=0-1,2-3,4-5,6-7,8-9,10-11"), 400, "header_invalid"),
		denied("Connection keep-alive and close", h("connection", "keep-alive, close"), 400, "header_invalid"),
		denied("Content-Type without a subtype", post("/s", "application", "a=b"), 400, "header_invalid"),
		denied("Content-Type OGNL", h("content-type", "%{(#nike='multipart/form-data')}"), 400, "header_invalid"),
		denied("Content-Type charset twice", post("/s", "application/x-www-form-urlencoded; charset=utf-8; charset=utf-7", "a=b"), 400, "header_invalid"),
		denied("EBCDIC form", post("/s", "application/x-www-form-urlencoded;charset=ibm037", "a=b"), 400, "header_invalid"),
		denied("Accept in EBCDIC", h("accept", "text/html; charset=CP1026"), 400, "header_invalid"),
		denied("_method=TRACE in a query", harness.Request{Method: "POST", Path: "/s?_method=TRACE"}, 405, "method_unusual"),
		denied("_method encoded in a form", post("/s", "application/x-www-form-urlencoded", "_method=%50%52%4F%50%46%49%4E%44"), 405, "method_unusual"),
		denied("multipart field name with ';'", mp(`name=";zzz"; filename="t"`), 400, "multipart_malformed"),
		denied("multipart file name with escapes", mp(`name="f"; filename="1.j\s\p"`), 400, "multipart_malformed"),
		denied("backup file in the path", get("/app/index.php~"), 403, "path_traversal"),
		denied("Content-Encoding on a GET", h("content-encoding", "deflate"), 400, "header_invalid"),
		denied("WebDAV If on a GET", h("if", "(<urn:uuid:x>)"), 400, "header_invalid"),
		denied("huge Accept-Encoding", h("accept-encoding", strings.Repeat("gzip,", 30)), 400, "header_invalid"),
		passes("control: gzip upload", harness.Request{Method: "POST", Path: "/s", Headers: [][2]string{{"content-encoding", "identity"}, {"content-type", "text/plain"}}, Body: "hi"}),
		passes("control: WebDAV PUT with If", harness.Request{Method: "PUT", Path: "/s", Headers: [][2]string{{"if", "(<urn:uuid:x>)"}, {"content-type", "text/plain"}}, Body: "hi"}),
		denied("RFC 2109 cookie", h("cookie", `$Version=1; session="deadbeef; PHPSESSID=secret"`), 400, "header_invalid"),
		denied("media type in a boundary", post("/s", `application/x-www-form-urlencoded;boundary="application/json"`, "a=b"), 400, "header_invalid"),
		denied("line break in a parameter name", get("/s?parameter%0d%0a=test"), 403, "crlf"),
		denied("database dump in the path", get("/backup/db.sql"), 403, "path_traversal"),
		passes("control: browser headers", harness.Request{Path: "/s", Headers: [][2]string{
			{"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"},
			{"connection", "keep-alive, Upgrade"}, {"range", "bytes=0-"}, {"accept-encoding", "gzip, deflate, br, zstd"},
		}}),
		passes("control: multipart from Java mail", post("/s", "multipart/form-data; boundary=----=_Part_0_1", "------=_Part_0_1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n------=_Part_0_1--\r\n")),
		passes("control: JSON with charset", post("/s", "application/json; charset=UTF-8", `{"a":1}`)),
		passes("control: _method=DELETE", post("/s", "application/x-www-form-urlencoded", "_method=DELETE&id=1")),
		passes("control: file names users choose", mp(`name="f"; filename="Mom's notes; v2=final.txt"`)),
		passes("control: old IE's Windows path", mp(`name="f"; filename="C:\Users\a\cv.pdf"`)),
		passes("control: custom range unit", h("range", "items=0-24")),
		passes("control: Host as an IP address", harness.Request{Path: "/s", Authority: "127.0.0.1:8080"}),
		passes("control: user directory", get("/~alice/notes.txt")),
	})
	harness.RunCases(t, mustDefinition(), envelope(`{"limits":{"requireHostName":true,"deniedHeaders":["content-encoding"],"maxRanges":2}}`), []harness.Case{
		denied("requireHostName: IPv4", harness.Request{Path: "/s", Authority: "127.0.0.1"}, 400, "header_invalid"),
		denied("requireHostName: IPv6", harness.Request{Path: "/s", Authority: "[::1]:80"}, 400, "header_invalid"),
		denied("deniedHeaders replaces the default list", h("content-encoding", "gzip"), 400, "header_denied"),
		denied("maxRanges", h("range", "bytes=0-1,2-3,4-5"), 400, "header_invalid"),
		passes("control: a host name", harness.Request{Path: "/s", Authority: "api.example.com"}),
		passes("control: Proxy no longer denied", h("proxy", "x")),
		passes("control: typed body", post("/s", "text/plain", "hello")),
	})
}
