package sanitize

import (
	"strings"

	"github.com/corazawaf/libinjection-go"
)

// detector is one injection rule's check of a normalized value at a location: whether it fires
// and a detail for the audit line (the libinjection SQL fingerprint). Every check starts with a
// cheap prefilter (a byte scan or a few substring searches) and is linear in the value; nothing
// is compiled per request.
type detector struct {
	rule  string
	match func(r *route, v normalized, loc string) (bool, string)
}

// v.bytes gates a detector on the bytes its first check needs ('$' or a '\' escaping it for a
// Log4j lookup, '<', a quote or '%' for a DTD, an external identifier or a parameter entity,
// '(' or ')' for an LDAP filter): a set lookup instead of a scan.
//
// detectors run in this order; the first that fires names the finding. More specific rules come
// before the broader ones that may also match the same value (a log4shell string also looks like
// a template expression, a DTD like markup).
var detectors = []detector{
	{RuleScanner, func(_ *route, v normalized, loc string) (bool, string) {
		return loc == "header.user-agent" && isScanner(v.folded), ""
	}},
	{RuleNoSQL, func(_ *route, v normalized, _ string) (bool, string) {
		return isNoSQL(v.folded), ""
	}},
	{RuleSQLi, func(_ *route, v normalized, _ string) (bool, string) {
		if ok, fp := isSQLiToken(v); ok {
			return true, fp
		}
		return isSQLHeuristic(v.folded), "heuristic"
	}},
	{RuleXXE, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("<'\"%") && isXXE(v.folded), ""
	}},
	{RuleXSS, func(_ *route, v normalized, _ string) (bool, string) {
		return mayBeXSS(&v.bytes) && libinjection.IsXSS(v.text) || isXSSHeuristic(v.folded), ""
	}},
	{RuleTraversal, func(_ *route, v normalized, loc string) (bool, string) {
		return isTraversal(v.folded) || strings.HasPrefix(loc, "path[") && isBackupFile(v.folded) ||
			isRestrictedUploadName(loc, v.folded), ""
	}},
	{RuleJNDI, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("$\\") && isJNDI(v.folded), ""
	}},
	{RuleSSTI, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("{%_#?|$") && isSSTI(v.folded), ""
	}},
	{RuleJava, func(_ *route, v normalized, loc string) (bool, string) {
		return isJava(v) || isJSPUploadName(loc, v.folded), ""
	}},
	{RuleCmdInjection, func(r *route, v normalized, loc string) (bool, string) {
		// A command field is strict: any metacharacter, on top of what fires everywhere.
		return r.commandField(loc) && hasShellMeta(v.text) || isCmdInjection(v.folded), ""
	}},
	{RuleCode, func(_ *route, v normalized, _ string) (bool, string) { return isCode(v.folded), "" }},
	{RulePHP, func(_ *route, v normalized, loc string) (bool, string) {
		return isPHP(v.folded) || isPHPUploadName(loc, v.folded), ""
	}},
	// A Referer or Origin names the client's page (http://localhost:3000 in development), not a
	// URL the server fetches: request headers are no SSRF location.
	{RuleSSRF, func(_ *route, v normalized, loc string) (bool, string) {
		return !strings.HasPrefix(loc, "header.") && (isSSRF(v.folded) || rfiParameter(loc) && remoteURL(v.folded)), ""
	}},
	{RuleCRLF, func(_ *route, v normalized, loc string) (bool, string) { return isCRLFAt(v.folded, loc), "" }},
	{RuleLDAP, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("()") && isLDAP(v.folded), ""
	}},
}

// detect runs the injection detectors on a normalized value at loc and returns the first rule
// that fires and is not allow-listed there, with a detail (the libinjection SQL fingerprint), or
// "" when the value is clean.
func (r *route) detect(v normalized, loc string) (rule, detail string) {
	if v.text == "" {
		return "", ""
	}
	for _, d := range detectors {
		if r.allowed(d.rule, loc) {
			continue
		}
		if ok, detail := d.match(r, v, loc); ok {
			return d.rule, detail
		}
	}
	return "", ""
}

// mayBeXSS is a cheap prefilter: libinjection's XSS tokenizer only fires on markup ('<'),
// attribute syntax ('=', '`') or URLs with a scheme (':'), so values without any skip it.
func mayBeXSS(b *byteSet) bool { return b.hasAny("<=`:") }

// sensitiveFiles are well-known file paths read through path traversal or file inclusion
// (matched in the case-folded value, '\' treated as '/').
var sensitiveFiles = newKeywordSet(
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hosts", "/etc/issue", "/etc/sudoers",
	"/proc/self/", "/proc/version", "/.ssh/", "/id_rsa", "/.htaccess", "/.htpasswd",
	"/.git/", "/.svn/", "/.aws/credentials", "/web.config", "/win.ini", "/boot.ini",
	"/windows/system32", "/system32/", "/etc/mysql/", "/.bash_history", "/etc/", "/proc/",
	"/sys/class", "/sys/kernel", "/.docker/", "/.kube/", "/.env", ".sql.zip", ".sql.gz",
	"etc/passwd", "etc/shadow", "boot.ini", "win.ini", "/inetpub/", "/wwwroot/", "global.asa",
	"0x2e0x2e", "..0x5c", "..0x2f", "/wp-content/debug.log", "/wp-config.php", "/wp-content/error",
)

// isTraversal reports a parent-directory segment ("..", with '/' or '\' separators) or a
// sensitive file path in a case-folded value.
func isTraversal(folded string) bool {
	if !strings.Contains(folded, "..") && !strings.ContainsAny(folded, "/\\") && !strings.Contains(folded, ".sql.") &&
		!strings.Contains(folded, ".ini") && !strings.Contains(folded, "0x2e") {
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
	return sensitiveFiles.inAfter('/', s) || oddSeparators(s)
}

// oddSeparators reports ".." followed by a '%' or a non-ASCII byte twice or more: "..%u2216..",
// "..∕..", "..%c0%af..": dot-dot segments separated by a character some platform reads as a
// slash (NFKC does not map U+2215 or U+2216).
func oddSeparators(s string) bool {
	n := 0
	return someIndex(s, "..", func(i int) bool {
		if c := at(s, i+2); c == '%' || c >= 0x80 {
			n++
		}
		return n >= 2
	})
}

// hasShellMeta reports a shell metacharacter: command separators, pipes, substitution and
// redirection. It is the strict check of the locations configured in commandFields, where such
// characters have no business; elsewhere isCmdInjection needs a command too.
func hasShellMeta(s string) bool {
	return strings.ContainsAny(s, ";|&`$<>\n\r")
}
