package sanitize

import (
	"strings"

	"github.com/corazawaf/libinjection-go"
)

// detector is one injection rule's check of a normalized value at a location: whether it fires
// and a detail for the audit line (the libinjection SQL fingerprint). Every check is linear in
// the value; nothing is compiled per request.
type detector struct {
	rule string
	// needs, when set, is what a value must hold for match to have any chance: match runs only
	// on values that pass it (see needs). A detector without needs runs on every value.
	needs *needs
	match func(r *route, v normalized, loc string) (bool, string)
}

// needs is a detector's gate, a necessary condition of its match computed from what one pass
// over the value found (the bytes it holds, the keywords it contains): the value must hold one
// of bytes, or contain one of keywords (in its folded form), or pass also. It must never be
// false on a value match fires on (through any decoding or rewriting match does first): when a
// detector changes, its needs must change with it: TestGatesChangeNothing runs every detector on
// every value of the whole wafbench corpus and fails, naming the rule and the value, when one
// fires where its gate would have skipped it (FuzzGates does the same on arbitrary values).
//
// wordless says also never holds on a value of ASCII letters, digits and '_' only (it needs a
// byte of another kind): such a value holding no gate keyword is not even offered to the
// detector (wordDetectors); TestWordlessGates checks it.
//
// at, when set, is the kinds of location the detector reads at all (a detector of upload file
// names fires nowhere else): the location must be one of them (kindsOf), and a gate with at
// only (no bytes, keywords or also) passes on any value there.
type needs struct {
	bytes    string
	keywords []string
	also     func(r *route, v normalized, loc string) bool
	wordless bool
	at       locKind
	// set is bytes as a set and bit the keywords' bit in a value's words (gateMatcher), both
	// filled at init; anyValue is set when the gate asks nothing of the value (at only).
	set      byteSet
	bit      uint64
	anyValue bool
}

// passes reports whether v at loc may make the detector fire; a nil gate always passes.
func (n *needs) passes(r *route, v *normalized, loc string) bool {
	return n.there(kindsOf(loc)) && (n.found(v) || n.also != nil && n.also(r, *v, loc))
}

// there reports whether the gate passes at a location of kinds (kindsOf): a nil gate and a
// gate without at do everywhere.
func (n *needs) there(kinds locKind) bool {
	return n == nil || n.at == 0 || n.at&kinds != 0
}

// found is passes without at and also: a nil gate, a gate that asks nothing of the value, or
// one of the gate's keywords or bytes in v. It is small enough to be inlined, which passes is
// not (detect spells passes out with it: in wasm a call per detector and value is a large part
// of a value's cost).
func (n *needs) found(v *normalized) bool {
	return n == nil || n.anyValue || v.words&n.bit != 0 || v.bytes.intersects(&n.set)
}

// locKind is a set of kinds of location, what needs.at asks of a value's location.
type locKind uint8

const (
	atPathSegment locKind = 1 << iota // a path segment, "path[<i>]"
	atFileName                        // a client's file name (isFileNameLocation)
	atParam                           // a query parameter or form field, "query.<name>", "form.<name>"
)

// kindsOf returns the kinds of location loc is, computed once per value where each detector
// reading only some locations would otherwise check its own. The first byte rules most
// locations out at once (JSON, cookies, most headers).
func kindsOf(loc string) (k locKind) {
	if loc == "" || loc[0] != 'p' && loc[0] != 'f' && loc[0] != 'q' && loc[0] != 'h' {
		return 0
	}
	if strings.HasPrefix(loc, "path[") {
		k |= atPathSegment
	}
	if isFileNameLocation(loc) {
		k |= atFileName
	}
	if strings.HasPrefix(loc, "query.") || strings.HasPrefix(loc, "form.") {
		k |= atParam
	}
	return k
}

// detectors run in this order; the first that fires names the finding. More specific rules come
// before the broader ones that may also match the same value (a log4shell string also looks like
// a template expression, a DTD like markup).
var detectors = []detector{
	{RuleScanner, &needs{keywords: scannerAgents.list()}, func(_ *route, v normalized, loc string) (bool, string) {
		return loc == scannerLocation && isScanner(v.folded), ""
	}},
	{RuleNoSQL, &needs{keywords: append(mongoJS.list(), mongoOperators...)}, func(_ *route, v normalized, _ string) (bool, string) {
		return isNoSQL(v.folded), ""
	}},
	// libinjection's SQL tokenizer, skipped on values whose tokens cannot make a blacklisted
	// fingerprint (sqlTokensInert).
	{RuleSQLi, &needs{also: func(_ *route, v normalized, _ string) bool { return !sqlTokensInert(&v) }, wordless: true},
		func(_ *route, v normalized, _ string) (bool, string) { return libinjection.IsSQLi(v.text) }},
	// A call needs '(', the quote and tautology checks a quote or '='; sqlSpaces rewrites
	// comments and whitespace before the catalog names are looked for; the injection shapes
	// of detect_sqli.go need what sqlShapeNeeds adds.
	{RuleSQLi, &needs{bytes: "('\"=\t\n\r\v\f" + sqlShapeBytes, keywords: append(sqlNames.list(), append(sqlShapeKeywords(), "/*", "  ", "; ")...)},
		func(_ *route, v normalized, _ string) (bool, string) {
			return isSQLHeuristic(v.folded, &v.bytes), "heuristic"
		}},
	{RuleXXE, &needs{bytes: "%", keywords: []string{"<!entity", "<!doctype", "system", "public"}}, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("<'\"%") && isXXE(v.folded), ""
	}},
	// libinjection's XSS tokenizer fires on tags (after '<') and on the value of a blacklisted
	// attribute (a name of xssAttributeNames, then '='); NUL bytes, which it drops from names,
	// let it run too. TestLibinjectionXSSNeedsLtOrEq and TestXSSAttributeNames pin this against
	// the library.
	{RuleXSS, &needs{bytes: "<\x00", also: mayBeXSSAttribute, wordless: true}, func(_ *route, v normalized, _ string) (bool, string) {
		return libinjection.IsXSS(v.text), ""
	}},
	// Tags need '<', event handlers '='; the script sinks are matched after compactJS, which
	// leaves values without compactable bytes as they are (mayCompactToXSS).
	{RuleXSS, &needs{bytes: "<=", keywords: xssMarkers.list(), also: mayCompactToXSS, wordless: true}, func(_ *route, v normalized, _ string) (bool, string) {
		return isXSSHeuristic(v.folded), ""
	}},
	// ".." segments; the file names, also after the '/' inAfter puts before the value and with
	// '\' read as '/'.
	{RuleTraversal, &needs{bytes: "\\", keywords: append(sensitiveFiles.list(), append(afterSlash(sensitiveFiles.list()), "..")...)},
		func(_ *route, v normalized, _ string) (bool, string) { return isTraversal(v.folded), "" }},
	// Backup copies in the path, hidden or server files as upload names: the location decides.
	{RuleTraversal, &needs{at: atPathSegment | atFileName}, func(_ *route, v normalized, loc string) (bool, string) {
		return strings.HasPrefix(loc, "path[") && isBackupFile(v.folded) || isRestrictedUploadName(loc, v.folded), ""
	}},
	{RuleJNDI, &needs{keywords: append(braceSpellingsFrom(), "${")}, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("$\\") && isJNDI(v.folded), ""
	}},
	{RuleSSTI, &needs{keywords: append(sstiMarkers.list(), templateOpenerList()...)}, func(_ *route, v normalized, _ string) (bool, string) {
		return v.bytes.hasAny("{%_#?|$") && isSSTI(v.folded), ""
	}},
	// The serialization stream markers are matched in the text; folded holds them in lower case.
	{RuleJava, &needs{keywords: append(javaClasses.list(), append(javaPackages.list(), "ro0ab", "cs7qaf", "kztaau", "\xac\xed\x00\x05", "aced0005", "org.apache.commons")...), also: mayBeBase64},
		func(_ *route, v normalized, _ string) (bool, string) { return isJava(v), "" }},
	{RuleJava, &needs{at: atFileName}, func(_ *route, v normalized, loc string) (bool, string) { return isJSPUploadName(loc, v.folded), "" }},
	// Without a separator, substitution, quote, expansion, assignment or path, only the value's
	// first word can be a command.
	{RuleCmdInjection, &needs{bytes: ";|&\n\r{`($'\"\\=/%~@*<>", keywords: cmdMarkers.list(), also: mayBeCommand}, func(r *route, v normalized, loc string) (bool, string) {
		// A command field is strict: any metacharacter, on top of what fires everywhere.
		return r.commandField(loc) && hasShellMeta(v.text) || isCmdInjection(v.folded, &v.bytes), ""
	}},
	{RuleCode, &needs{keywords: append(codeMarkers.list(), "while")}, func(_ *route, v normalized, _ string) (bool, string) { return isCode(v.folded), "" }},
	{RulePHP, &needs{bytes: "<[$:(=;", keywords: phpRiskyFunctions.list()}, func(_ *route, v normalized, _ string) (bool, string) {
		return isPHP(v.folded), ""
	}},
	{RulePHP, &needs{at: atFileName}, func(_ *route, v normalized, loc string) (bool, string) { return isPHPUploadName(loc, v.folded), "" }},
	// A Referer or Origin names the client's page (http://localhost:3000 in development), not a
	// URL the server fetches: request headers are no SSRF location.
	{RuleSSRF, &needs{bytes: "@", keywords: append(ssrfMarkers.list(), "http", "ftp", "localhost", ".internal", ".cluster.local", ".svc", "://", "file", "unix:")},
		func(_ *route, v normalized, loc string) (bool, string) {
			return !strings.HasPrefix(loc, "header.") && isSSRF(v.folded), ""
		}},
	// A URL in a parameter named for a file or page to include (CRS 931).
	{RuleSSRF, &needs{at: atParam}, func(_ *route, v normalized, loc string) (bool, string) {
		return !strings.HasPrefix(loc, "header.") && rfiParameter(loc) && remoteURL(v.folded), ""
	}},
	// The line breaks isCRLF reads as CR and LF are the keywords but " http/".
	{RuleCRLF, &needs{bytes: "\r\n", keywords: []string{" http/", "\xe5\x98", "\u2028", "\u0085"}},
		func(_ *route, v normalized, loc string) (bool, string) { return isCRLFAt(v.folded, loc), "" }},
	// Breakouts hold ")(" and one of "|&!", or '*' and ')'; filters "(attribute=" (mayBeLDAP).
	{RuleLDAP, &needs{also: mayBeLDAP, wordless: true}, func(_ *route, v normalized, _ string) (bool, string) { return isLDAP(v.folded), "" }},
}

// gateMatcher finds every gate's keywords in a value in one pass: the detectors' keyword lists
// as needs copy them, one bit each. wordDetectors are the detectors (by index in the table)
// whose gate may pass on a value of letters, digits and '_' holding none of the gates' keywords
// (most JSON keys, path segments, identifiers): those without a gate, with a check that may hold
// on such a value (not wordless) or asking nothing of the value, and those that need a word
// byte; the others are not even asked. Both are compiled from the table at
// init; a gate with keywords past the 64th is dropped (its detector runs on every value).
var gateMatcher, wordDetectors = compileGates()

func compileGates() (*keywordMatcher, detectorSet) {
	var groups [][]string
	var word detectorSet
	for i := range detectors {
		n := detectors[i].needs
		if n != nil && len(n.keywords) > 0 {
			if len(groups) == 64 {
				detectors[i].needs, n = nil, nil
			} else {
				n.bit = 1 << len(groups)
				groups = append(groups, n.keywords)
			}
		}
		if n != nil {
			n.set = bytesOf(n.bytes)
			n.anyValue = n.bytes == "" && len(n.keywords) == 0 && n.also == nil
		}
		if i < 64 && (n == nil || n.anyValue || n.also != nil && !n.wordless || strings.ContainsAny(n.bytes, wordChars)) {
			word |= 1 << i
		}
	}
	return newKeywordMatcher(groups), word
}

// detectorSet is a set of detectors by index in the table; the 65th and later are always in it.
type detectorSet uint64

func (m detectorSet) has(i int) bool { return i >= 64 || m&(1<<i) != 0 }

// detect runs the injection detectors on a normalized value at loc and returns the first rule
// that fires and is not allow-listed there, with a detail (the libinjection SQL fingerprint), or
// "" when the value is clean. A detector runs only when the value passes its needs.
//
// v is passed by reference (a copy of it is a call to memmove in wasm); detect fills in v.words.
func (r *route) detect(v *normalized, loc string) (rule, detail string) {
	if v.text == "" {
		return "", ""
	}
	v.words = gateMatcher.groups(v.folded)
	word := v.words == 0 && v.bytes.onlyWord()
	kinds := kindsOf(loc)
	for i := range detectors {
		d := &detectors[i]
		if word && !wordDetectors.has(i) || !d.needs.there(kinds) ||
			!d.needs.found(v) && (d.needs.also == nil || !d.needs.also(r, *v, loc)) || r.allowed(d.rule, loc) {
			continue // the same as !d.needs.passes(r, v, loc), without a call on most values
		}
		if ok, detail := d.match(r, *v, loc); ok {
			return d.rule, detail
		}
	}
	return "", ""
}

// detectSQLi runs the sql_injection detectors alone on v (the whole path, inspectPath), each
// behind its gate, and reports whether one fired, with its detail.
func (r *route) detectSQLi(v normalized) (bool, string) {
	for i := range detectors {
		if d := &detectors[i]; d.rule == RuleSQLi && d.needs.passes(r, &v, "path") {
			if ok, detail := d.match(r, v, "path"); ok {
				return true, detail
			}
		}
	}
	return false, ""
}

// compactable are the bytes without which compactJS returns a value as it is.
const compactable = " \t\n\r\f\v[]&/"

// xssBytes are the bytes of every xssMarkers entry but xssWords (a ':' compactJS reads from
// "&colon;", a '.' from `["`).
const xssBytes = "<=(:.!+$`-[&"

// xssWords are the xssMarkers entries without any of xssBytes: lower-case letters only
// (TestXSSWordsAreLetters).
var xssWords = func() (words []string) {
	for _, m := range xssMarkers.list() {
		if !strings.ContainsAny(m, xssBytes) {
			words = append(words, m)
		}
	}
	return words
}()

// mayCompactToXSS reports a value that compactJS shortens (its prefilter's bytes) and that may
// then hold a script sink: one of xssBytes, or every letter of one of xssWords in either case,
// which the shortening may join from pieces ("from charcode", "FROM CHAR CODE").
func mayCompactToXSS(_ *route, v normalized, _ string) bool {
	if !v.bytes.hasAny(compactable) {
		return false
	}
	if v.bytes.hasAny(xssBytes) {
		return true
	}
	for _, w := range xssWords {
		if v.bytes.hasAllLetters(w) { // in either case: isXSSHeuristic reads the folded value
			return true
		}
	}
	return false
}

// xssAttributeNames are what the attribute names libinjection's XSS check blacklists
// (isBlackAttr) contain, in lower case: the event handlers ("on…"), xmlns, xlink, and its list
// of attributes holding URLs, styles or attribute names (the shortest that cover the others:
// "src" covers "datasrc", "dynsrc" and "lowsrc", "action" "formaction").
var xssAttributeNames = newKeywordSet("on", "xmlns", "xlink", "action", "attributename", "by", "background",
	"dataformatas", "filter", "folder", "from", "handler", "href", "poster", "src", "style", "to", "values")

// mayBeXSSAttribute is the gate of libinjection's XSS check for a value without '<': without a
// tag, the library fires only on the value of an attribute it blacklists, an attribute name
// (a run of the value, upper-cased in ASCII) followed by '=', so the value holds '=' and one of
// xssAttributeNames in its folded form.
func mayBeXSSAttribute(_ *route, v normalized, _ string) bool {
	return v.bytes.has('=') && xssAttributeNames.in(v.folded)
}

// mayBeLDAP is the gate of ldap_injection: what isLDAP's breakouts ("*)(", "*))", ")(|", ")(&",
// ")(!") and filters ('(' then an attribute and '=', ":=", "~=", ">=" or "<=") cannot match
// without. A browser's User-Agent holds parentheses, but none of "*|&!=".
func mayBeLDAP(_ *route, v normalized, _ string) bool {
	b := &v.bytes
	return b.has(')') && (b.has('*') || b.has('(') && b.hasAny("|&!")) || b.has('(') && b.has('=')
}

// braceSpellingsFrom returns what braceSpellings rewrites to "${".
func braceSpellingsFrom() (out []string) {
	for i := 0; i < len(braceSpellingPairs); i += 2 {
		out = append(out, braceSpellingPairs[i])
	}
	return out
}

// templateOpenerList returns the opening delimiters of templateOpeners.
func templateOpenerList() (out []string) {
	for _, d := range templateOpeners {
		out = append(out, d.open)
	}
	return out
}

// afterSlash returns the patterns that start with '/' without it.
func afterSlash(patterns []string) (out []string) {
	for _, p := range patterns {
		if len(p) > 1 && p[0] == '/' {
			out = append(out, p[1:])
		}
	}
	return out
}

// mayBeCommand is the gate of cmd_injection for a value without separators, substitutions,
// quotes, expansions, assignments or paths (the bytes of its needs): a command field, or a value
// whose first word, after the bytes isCommandAt skips, is a command, a wrapper, "if" or "for".
func mayBeCommand(r *route, v normalized, loc string) bool {
	s := v.folded
	i := 0
	for n := 0; n < 8 && i < len(s) && commandLead.has(s[i]); n++ {
		i++
	}
	w, _ := shellWord(s, i)
	return firstWords.kind(w) != 0 || r.commandField(loc)
}

// commandLead are the bytes isCommandAt skips before a command: " \t({!@".
var commandLead = bytesOf(" \t({!@")

// firstWords are the words isCommandAt may find a command with at the start of a value: the
// commands, the wrappers, and "if" and "for" for Windows batch, each with what it is.
var firstWords = func() *wordSet {
	kinds := map[string]wordKind{"if": batchKeyword, "for": batchKeyword}
	for k, list := range map[wordKind]map[string]bool{strongCommand: strongCommands, weakCommand: weakCommands, commandWrapper: commandWrappers} {
		for w := range list {
			kinds[w] |= k
		}
	}
	return newWordSet(kinds)
}()

// wordKind is what a word of a wordSet is, a set of these.
type wordKind uint8

const (
	strongCommand  wordKind = 1 << iota // strongCommands
	weakCommand                         // weakCommands
	commandWrapper                      // commandWrappers
	batchKeyword                        // "if", "for"
	sqlKeyword                          // sqlKeywordWords
	sessionParam                        // sessionParams
)

// wordSet is a set of words, each with its kinds, looked up without hashing the whole word: a
// filter rejects most other words at once (the lengths under 64 of the set's words, by first
// byte), and an open-addressing table (linear probing, at least two slots per word: it is
// filled at most half, and the filter sends it few words that are absent) indexed by
// the word's length and first, middle and last bytes finds a word with a string comparison or
// two. Hand-written: a Go map hashes every byte and, in Go on Wasm, costs a call chain per
// look-up, on a value's first word for every value the command detector's gate sees (and on
// every word of the values sqlTokensInert reads).
type wordSet struct {
	lengths [256]uint64
	slots   []wordSlot
}

type wordSlot struct {
	word string // "" for an empty slot
	kind wordKind
}

// newWordSet builds the set of kinds' words.
func newWordSet(kinds map[string]wordKind) *wordSet {
	n := 16
	for n < 2*len(kinds) {
		n *= 2
	}
	ws := &wordSet{slots: make([]wordSlot, n)}
	for w, k := range kinds {
		if w == "" {
			continue
		}
		if len(w) < 64 {
			ws.lengths[w[0]] |= 1 << len(w)
		}
		i := wordSlotOf(ws, w)
		for ws.slots[i].word != "" {
			i = (i + 1) & (len(ws.slots) - 1)
		}
		ws.slots[i] = wordSlot{word: w, kind: k}
	}
	return ws
}

// wordSlotOf is the first slot w, not empty, may be in.
func wordSlotOf[W string | []byte](ws *wordSet, w W) int {
	h := uint32(len(w)) | uint32(w[0])<<8 | uint32(w[len(w)/2])<<16 | uint32(w[len(w)-1])<<24
	return int((h * 0x9e3779b1) >> 16 & uint32(len(ws.slots)-1))
}

// kind returns the kinds of w, 0 when w is not in the set.
func (ws *wordSet) kind(w string) wordKind { return wordKindOf(ws, w) }

// wordKindOf is ws.kind of a string or of bytes (a word upper-cased in a buffer), without
// converting them.
func wordKindOf[W string | []byte](ws *wordSet, w W) wordKind {
	if len(w) == 0 || len(w) < 64 && ws.lengths[w[0]]&(1<<len(w)) == 0 {
		return 0
	}
	for i := wordSlotOf(ws, w); ws.slots[i].word != ""; i = (i + 1) & (len(ws.slots) - 1) {
		if ws.slots[i].word == string(w) {
			return ws.slots[i].kind
		}
	}
	return 0
}

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

// mayBeBase64 reports a value isJava decodes as base64 (of the alphabet, both cases, 8 bytes or more).
func mayBeBase64(_ *route, v normalized, _ string) bool {
	return len(v.text) >= 8 && isBase64Alphabet(&v.bytes) && v.bytes[1]&upperBytes[1] != 0 && v.bytes[1]&lowerBytes[1] != 0
}
