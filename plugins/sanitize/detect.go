package sanitize

import (
	"strings"

	"github.com/corazawaf/libinjection-go"
)

// detect runs the injection detectors on a normalized value at loc and returns the first rule
// that fires and is not allow-listed there, with a detail (the libinjection SQL fingerprint), or
// "" when the value is clean.
func (r *route) detect(v normalized, loc string) (rule, detail string) {
	if v.text == "" {
		return "", ""
	}
	if !r.allowed(RuleSQLi, loc) {
		if ok, fp := isSQLiToken(v); ok {
			return RuleSQLi, fp
		}
		if isSQLHeuristic(v.folded) {
			return RuleSQLi, "heuristic"
		}
	}
	if !r.allowed(RuleXSS, loc) {
		if mayBeXSS(v.text) && libinjection.IsXSS(v.text) || isXSSHeuristic(v.folded) {
			return RuleXSS, ""
		}
	}
	if !r.allowed(RuleTraversal, loc) && isTraversal(v.folded) {
		return RuleTraversal, ""
	}
	if r.commandField(loc) && !r.allowed(RuleCmdInjection, loc) && hasShellMeta(v.text) {
		return RuleCmdInjection, ""
	}
	return "", ""
}

// mayBeXSS is a cheap prefilter: libinjection's XSS tokenizer only fires on markup ('<'),
// attribute syntax ('=', '`') or URLs with a scheme (':'), so values without any skip it.
func mayBeXSS(s string) bool { return strings.ContainsAny(s, "<=`:") }

// sensitiveFiles are well-known file paths read through path traversal or file inclusion
// (matched in the case-folded value, '\' treated as '/').
var sensitiveFiles = newKeywordSet(
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hosts", "/etc/issue", "/etc/sudoers",
	"/proc/self/", "/proc/version", "/.ssh/", "/id_rsa", "/.htaccess", "/.htpasswd",
	"/.git/", "/.svn/", "/.aws/credentials", "/web.config", "/win.ini", "/boot.ini",
	"/windows/system32", "/system32/", "/etc/mysql/", "/.bash_history", "/etc/", "/proc/",
	"/sys/class", "/sys/kernel", "/.docker/", "/.kube/", "/.env", ".sql.zip", ".sql.gz",
)

// isTraversal reports a parent-directory segment ("..", with '/' or '\' separators) or a
// sensitive file path in a case-folded value.
func isTraversal(folded string) bool {
	if !strings.Contains(folded, "..") && !strings.ContainsAny(folded, "/\\") {
		return false
	}
	s := folded
	if strings.IndexByte(s, '\\') >= 0 {
		s = strings.ReplaceAll(s, "\\", "/")
	}
	for i := strings.Index(s, ".."); i >= 0; {
		before := i == 0 || s[i-1] == '/' || s[i-1] == ';'
		after := i+2 == len(s) || s[i+2] == '/' || s[i+2] == ';'
		if before && after {
			return true
		}
		j := strings.Index(s[i+2:], "..")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return sensitiveFiles.in("/" + s)
}

// hasShellMeta reports a shell metacharacter: command separators, pipes, substitution and
// redirection. It is only run on fields configured in commandFields, where such characters
// have no business.
func hasShellMeta(s string) bool {
	return strings.ContainsAny(s, ";|&`$<>\n\r")
}
