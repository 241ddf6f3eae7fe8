package sanitize

import "strings"

// Server-side template injection: a value that a template engine would evaluate. Two kinds of
// evidence fire:
//
//   - markers that only template exploitation uses, anywhere in the value: Python object
//     internals reached from a template ("__class__", "__globals__", "__subclasses__"), Twig's
//     environment ("_self.env"), Jinja's attr filter ("|attr("), FreeMarker and Velocity
//     directives ("<#assign", "?new(", "#set("), Spring EL type references
//     ("T(java.lang.Runtime)"), Smarty's "{php}";
//   - an expression between template delimiters ("{{…}}", "${…}", "#{…}", "*{…}", "@{…}",
//     "{%…%}", "<%…%>") whose body is arithmetic on numbers ("{{7*7}}", "${7*'7'}", the probes
//     every SSTI scanner sends first), starts with an object templates expose ("{{config}}",
//     "{{cycler…}}", "{{request.application}}", "{{settings.SECRET_KEY}}") or, except in
//     "${…}", calls into the runtime ("popen(", "system(", "exec(", "eval(", "getruntime").
//
// Plain placeholders are NOT findings: "{{name}}", "{{ user.first_name | title }}",
// "${price}", "#{id}", "{% if user %}" are what templating documentation, e-mail templates
// and code snippets people post are made of, and rendering them is harmless.
var sstiMarkers = newKeywordSet(
	"__class__", "__globals__", "__subclasses__", "__mro__", "__builtins__", "__import__",
	"__base__", "__bases__", "__getattribute__", "__dict__.",
	"get_flashed_messages", "url_for.__", "_self.env", "|attr(", "| attr(", "<#assign", "<#list",
	"<#import", "?new(", "?api.", "freemarker.template", "#set(", "#set (", "$class.inspect",
	"#foreach(", "t(java.lang", "getruntime()", "{php}", "{system(", "{{request|", "{{self.",
	"{{config.", "{{[].", "{{''.", "{{\"\".", "{{().", "{% import", "{%import", "{{_self",
)

// templateOpeners are template expression delimiters and their closers. calls says whether a
// runtime call in the body counts: not in "${…}", which is also a JavaScript template literal in
// the code snippets people post ("${regex.exec(s)}").
var templateOpeners = []struct {
	open, close string
	calls       bool
}{
	{"{{", "}}", true}, {"${", "}", false}, {"#{", "}", true}, {"*{", "}", true}, {"@{", "}", true},
	{"{%", "%}", true}, {"<%", "%>", true},
}

// sstiObjects are objects template engines expose that lead to configuration or code.
var sstiObjects = []string{
	"config", "self", "request", "settings", "_self", "lipsum", "cycler", "joiner", "namespace",
	"url_for", "get_flashed_messages", "getclass", "runtime", "constructor", "''.", "\"\".",
	"().", "[].",
}

// sstiCalls are runtime calls inside a template expression.
var sstiCalls = newKeywordSet(
	"popen(", "system(", "exec(", "eval(", "import(", "getruntime", "processbuilder",
	"subprocess", "child_process", "require(", "readfile(", "file_get_contents(", "passthru(",
	"shell_exec(", "`", "file.open", "file.read", "io.popen", "kernel.",
)

// isSSTI reports a template injection in a folded value.
func isSSTI(folded string) bool {
	if !strings.ContainsAny(folded, "{%_#?|$") {
		return false
	}
	if sstiMarkers.in(folded) {
		return true
	}
	for _, d := range templateOpeners {
		for i := strings.Index(folded, d.open); i >= 0; {
			rest := folded[i+len(d.open):]
			end := strings.Index(rest, d.close)
			if end < 0 {
				break
			}
			if templateExpression(strings.Trim(rest[:end], " \t\r\n=-+~"), d.calls) {
				return true
			}
			k := strings.Index(rest[end:], d.open)
			if k < 0 {
				break
			}
			i += len(d.open) + end + k
		}
	}
	return false
}

// templateExpression reports a template body that is arithmetic on numbers, starts with an
// exposed object or (when calls is set) calls into the runtime (see isSSTI).
func templateExpression(body string, calls bool) bool {
	if body == "" || len(body) > 2048 {
		return false
	}
	if isArithmetic(body) {
		return true
	}
	for _, o := range sstiObjects {
		if strings.HasPrefix(body, o) {
			if rest := body[len(o):]; rest == "" || !isIdent(rest[0]) {
				return true
			}
		}
	}
	return calls && sstiCalls.in(body)
}

// isArithmetic reports "number operator number" (quotes and spaces allowed around the numbers):
// "7*7", "7*'7'", "1337+1", "7 * 7".
func isArithmetic(s string) bool {
	n, ops := 0, 0
	digits := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if !digits {
				n++
			}
			digits = true
			continue
		case c == '*' || c == '+' || c == '-' || c == '/' || c == '%':
			ops++
		case c == ' ' || c == '\'' || c == '"' || c == '(' || c == ')' || c == '.':
		default:
			return false
		}
		digits = false
	}
	return n >= 2 && ops >= 1
}
