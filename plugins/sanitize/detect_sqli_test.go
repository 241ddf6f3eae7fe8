package sanitize_test

import (
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// The SQL injection shapes of detect_sqli.go through the glue in native, wasm and strict-host
// mode (make build first: dist/sanitize.wasm): each in several positions, encodings and body
// types (a body without a content type, one whose type lies), next to prose and code that must
// pass with the default config.
func TestSQLiShapes(t *testing.T) {
	const json, text = "application/json", "text/plain"
	cases := []harness.Case{
		// a string literal closed, extended and commented out
		denied("quote, or, comment in a query", get("/s?email=z%27or%20email%20notnull--"), 403, "sqli"),
		denied("quote, pipe, comment double-encoded", get("/s?v=x%27%257Cemail--"), 403, "sqli"),
		denied("quote, collate, comment in JSON", post("/s", json, `{"v":"user'collate nocase--"}`), 403, "sqli"),
		denied("quote, and, comment in a body without a type", post("/s", "", "email=admin%40juice-sh.op'%20and%20email%20ilike%20email--"), 403, "sqli"),
		denied("quote, or, comment in a cookie", withHeader("/s", "cookie", "id=x'%20or%20true--"), 403, "sqli"),
		denied("quote, glob, ';' in a query", get("/s?var=%27glob%201%3b"), 403, "sqli"),
		// a stray leading quote, an escaped quote, a hex-escaped quote
		denied("leading quote and ALTER in a text body", post("/s", text, "'ALTER A"), 403, "sqli"),
		denied("leading quote and a comment in a header", withHeader("/s", "x-user", "'#mysql"), 403, "sqli"),
		denied("HTML-entity quote and OR", get("/s?q=%26apos%3B%20OR"), 403, "sqli"),
		denied("escaped quote and or in a form", post("/s", form, "var=%5C'or'1"), 403, "sqli"),
		denied("hex-escaped quote and OR", get("/s?q=%5Cx27%5Cx4F%5Cx52%20SELECT%20*"), 403, "sqli"),
		// comments
		denied("MySQL executable comment", get("/s?id=9999+or+%7Bif+length((/*!5000select+username/*!50000from*/user+where+id=1))%3E0%7D"), 403, "sqli"),
		denied("keywords glued to comments in JSON", post("/s", json, `{"t":"SELECT/*avoid-spaces*/password/**/FROM/**/Members"}`), 403, "sqli"),
		denied("commented contradiction", get("/s?q=/*ora_mysql*/and/**/2=0"), 403, "sqli"),
		// tautologies, open comparisons and calls
		denied("string tautology", get("/s?q=1%27))%20AND%20((%27vXqT%27=%27vXqT"), 403, "sqli"),
		denied("open comparison in a body without a type", post("/s", "", "pay%3DAND+7639%3D%28"), 403, "sqli"),
		denied("open comparison in a form", post("/s", form, "pay=and+object_type+%3D+%27"), 403, "sqli"),
		denied("open call in a form", post("/s", form, "pay=MAX%28"), 403, "sqli"),
		denied("empty call in a query", get("/s?q=now%28%29"), 403, "sqli"),
		denied("empty call with spaces in JSON", post("/s", json, `{"v":" VERSION ( ) "}`), 403, "sqli"),
		denied("empty call in a Referer's query", withHeader("/s", "referer", "https://shop.example/?q=database%28%29"), 403, "sqli"),
		denied("empty call in a path segment", get("/s/current_user()"), 403, "sqli"),
		passes("control: a call in a sentence", get("/s?q=call+now%28%29+to+get+the+time")),
		passes("control: a JavaScript method", post("/s", json, `{"t":"Date.now()"}`)),
		passes("control: another empty call", post("/s", json, `{"t":"open()"}`)),
		passes("control: an empty parenthesis alone", get("/s?q=%28+%29")),
		denied("escaped call parenthesis", post("/s", form, "pay=md5%5C%28"), 403, "sqli"),
		// statement pieces
		denied("closed subquery alias in a text body", post("/s", text, ") AS orders FROM"), 403, "sqli"),
		denied("value list", post("/s", json, `{"v":"VALUES ('192.168.0.1', 'test')"}`), 403, "sqli"),
		denied("terminated statement in a header", withHeader("/s", "someheader", "DELETE FROM users;--"), 403, "sqli"),
		denied("backtick and ';'", post("/s", form, "email=admin%40juice-sh.op%60%3B"), 403, "sqli"),
		denied("quote, comment, ';'", post("/s", form, "email=root%40example.com%27%2F%2A%20comment%20%2A%2F%3B"), 403, "sqli"),
		denied("JSON path comparison", get("/s?q='%7B%22a%22:2%7D'%20%3C%20'$.c%5B2%5D.f'%20=%207"), 403, "sqli"),
		denied("union select in a path segment with '+'", get("/s/24'union+all+select+1,2,3+from+aa"), 403, "sqli"),
		denied("magic number", get("/s?i=2.2250738585072011e-308"), 403, "sqli"),
		// MySQL charset introducers (libinjection-go v0.3.6 reads _utf8mb4, _ucs2 and others as
		// types, as MySQL does)
		denied("utf8mb4 introducer after OR NOT in a query", get("/s?q=%27%20OR%20NOT%20_utf8mb4%27%27%23"), 403, "sqli"),
		denied("ucs2 introducer after OR NOT in JSON", post("/s", json, `{"v":"' OR NOT _ucs2''#"}`), 403, "sqli"),
		passes("control: a charset named in prose", get("/s?q=convert+the+table+to+utf8mb4+before+the+upgrade")),
		// controls: prose with quotes, operators and SQL words; code; Markdown; HTML
		passes("control: possessive and or", get("/s?q=is+this+your+parents%27+or+yours%3F")),
		passes("control: quoted phrase", post("/s", json, `{"t":"'Select' your plan or update it"}`)),
		passes("control: GNU quoting and a dash run", post("/s", json, "{\"t\":\"The terminal type `linux' is now recognized---\"}")),
		passes("control: Markdown code and ';'", post("/s", json, "{\"t\":\"Use `--start` and `--stop` to set the first entry;\"}")),
		passes("control: JavaScript line", post("/s", json, `{"t":"process.chdir('/non-existent-path');"}`)),
		passes("control: HTML and a trailing --", post("/s", json, `{"t":"<code class=\"x\">bzip2 --"}`)),
		passes("control: a path glob", post("/s", json, `{"t":"\"./feature/*.js\": \"./feature/*.js\","}`)),
		passes("control: a code comment", post("/s", json, `{"t":"png_read(&image, NULL/*background*/, buffer,"}`)),
		passes("control: text about escapes", post("/s", json, `{"t":"surrounding quotes from string, \\' or \\\""}`)),
		passes("control: a list of options", get("/s?q=cfl%3D+or+cfi%3D")),
		passes("control: an emoticon", get("/s?q=isn%27t+it+now%3F%21+%3A%28")),
		passes("control: values in prose", post("/s", json, `{"t":"our core values ('integrity', 'care')"}`)),
		passes("control: a user", get("/s?q=remove+the+%27operator%27+user+(not+group)")),
		passes("control: a text body with prose", post("/s", text, "Delete from my cart; thanks")),
	}
	// The untyped bodies are read as the backend would read them: content_type_missing (which
	// would refuse them first) only records.
	harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"content_type_missing":"detect"}}`), cases)
}
