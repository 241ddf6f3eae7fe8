package sanitize

import "strings"

// codeMarkers are Node.js, Ruby and Perl code injection and JavaScript prototype pollution
// (CRS 934 "generic"): node-serialize's function marker, reaching child_process or the module
// loader, walking constructors to Function, Ruby process and IO calls, Perl's "@{[ … ]}"
// interpolation, and writes through __proto__ or constructor.prototype. PHP and Java have rules
// of their own (php_injection, java_injection).
var codeMarkers = newKeywordSet(
	"_$$nd_func$$_", "child_process", "process.mainmodule", "process.binding(", "require.main",
	"this.constructor.constructor", ".constructor.constructor(", "module.exports=",
	"module.exports =", "global.process", "require('fs')", "require(\"fs\")", "require('net')",
	"require('vm')", "vm.runinnewcontext", "vm.runinthiscontext", "__proto__", "constructor.prototype",
	"constructor[prototype]", "[constructor][prototype]", "process.spawn(", "kernel.exec(",
	"kernel.system(", "io.popen(", "open3.", "pty.spawn", "@{[", "$$[", "object.instance_eval",
	"instance_eval(", "class_eval(", "send(:system", ".send(:eval", "process.env", "process[",
	"require[", "process.kill(", "process.exit(",
)

// isCode reports Node.js, Ruby or Perl code injection, prototype pollution or an endless loop in
// a folded value.
func isCode(folded string) bool {
	return codeMarkers.in(folded) || strings.Contains(folded, "while") && endlessLoop(folded)
}

// constantTokens are the words a loop condition that never changes is made of: literals and
// globals that are always truthy or falsy.
var constantTokens = []string{
	"true", "false", "null", "undefined", "nan", "infinity", "this", "string", "object", "array",
	"number", "boolean", "math", "date", "json", "window", "globalthis",
}

// endlessLoop reports "while(<condition>)" whose condition is a constant: literals, quotes
// pairs and the operators !, +, - ("while(true)", "while(!0)", "while(!!”)", "while(-Infinity)",
// "while(String)"): a Node.js or browser event loop blocked for good (CRS 934160). Prose
// ("a while (1 hour)") has words that are no constant.
func endlessLoop(s string) bool {
	return someIndex(s, "while", func(i int) bool {
		if isIdent(at(s, i-1)) {
			return false
		}
		j := i + len("while")
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if at(s, j) != '(' {
			return false
		}
		depth, k := 0, j
		for ; k < len(s) && k-j < 64; k++ {
			if s[k] == '(' {
				depth++
			} else if s[k] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if depth != 0 {
			return false
		}
		return constantCondition(s[j+1 : k])
	})
}

// constantCondition reports a condition made only of constantTokens, digits, empty quote pairs,
// parentheses, white space and the operators !, +, -.
func constantCondition(c string) bool {
	seen := false
	for c != "" {
		switch {
		case strings.IndexByte(" \t()!+-", c[0]) >= 0:
			c = c[1:]
			continue
		case c[0] >= '0' && c[0] <= '9' || c[0] == '.':
			c = c[1:]
		case strings.HasPrefix(c, `""`) || strings.HasPrefix(c, "''") || strings.HasPrefix(c, "``"):
			c = c[2:]
		default:
			matched := false
			for _, t := range constantTokens {
				if strings.HasPrefix(c, t) && !isIdent(at(c, len(t))) {
					c, matched = c[len(t):], true
					break
				}
			}
			if !matched {
				return false
			}
		}
		seen = true
	}
	return seen
}
