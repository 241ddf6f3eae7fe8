package sanitize

import "strings"

// Heuristics complement the libinjection tokenizers, which only fire on input that parses as an
// injection in some SQL or HTML context: fragments such as "database(", "information_schema",
// "waitfor delay" or "<x onend=" are injection probes too (OWASP CRS flags them at paranoia
// level 1). Each heuristic is a fixed list matched on the case-folded, normalized value; the
// benign corpus test (corpus_test.go) keeps their false-positive rate in check.

// sqlFunctions are SQL functions an injection calls; a value containing one of them followed by
// "(" (spaces and /**/ comments allowed between) is sqli. Everyday words that are also SQL
// functions (user, count, length, left, right, if) are left out.
var sqlFunctions = setOf(
	"benchmark", "sleep", "pg_sleep", "concat", "concat_ws", "group_concat", "load_file",
	"extractvalue", "updatexml", "xmltype", "char", "chr", "ascii", "ord", "unhex", "substring",
	"substr", "mid", "database", "schema", "current_user", "session_user", "system_user",
	"coalesce", "compress", "uncompress", "decode", "encode", "md5", "sha1", "ifnull", "nullif",
	"isnull", "iif", "lo_get", "lo_import", "lo_export", "unistr", "json_build_object",
	"jsonb_pretty", "find_in_set", "sqlite_compileoption_used", "sqlite_compileoption_get",
	"sqlite_version", "randomblob", "make_set", "elt", "row_count", "starts_with", "div", "cos",
	"sys_context", "receive_message", "get_host_address", "hex", "bin", "conv", "export_set",
	"geometrycollection", "polygon", "multipoint", "linestring", "exp", "floor", "rand",
	"version", "convert", "cast", "procedure", "analyse", "name_const", "instr", "locate",
	"position", "regexp_like", "regexp_substr", "xp_cmdshell", "openrowset", "opendatasource",
	"dbms_pipe", "utl_http", "utl_inaddr", "ctxsys", "pg_read_file", "pg_ls_dir", "to_char",
	"to_number", "quote", "soundex", "charindex", "object_id", "db_name", "user_name",
	"suser_name", "host_name", "ascii_str", "string_agg", "array_agg", "xmlagg", "xmlelement",
	"waitfor", "exec", "execute", "dbms_lock", "sleep_for", "insert", "trim", "ltrim", "rtrim",
	"pow", "power", "sin", "tan", "sysdate", "strcmp", "json_extract", "json_value", "if",
	"pg_sleep", "user",
)

// sqlNames are catalog objects and statements that have no business in user input.
var sqlNames = newKeywordSet(
	"information_schema", "pg_catalog", "pg_shadow", "pg_user", "sysobjects", "syscolumns",
	"sysusers", "sysdatabases", "msysaccessobjects", "msysobjects", "mysql.user", "mysql.db",
	"sqlite_master", "sqlite_temp_master", "all_tables", "user_tables", "dba_users",
	"xp_cmdshell", "sp_executesql", "sp_password", "sp_oacreate", "tempdb", "msdb..", "master..",
	"northwind", "schema_name", "table_name", "column_name", "@@version", "@@datadir",
	"waitfor delay", "waitfor time", "into outfile", "into dumpfile", "load data infile",
	"union select", "union all select", "union distinct select", "union distinctrow select",
	"select @@", "declare @", "exec @", "exec(@", "create table", "drop table", "alter table",
	"truncate table", "drop database", "shutdown with nowait", "having 1=1", "' or '", "\" or \"",
	"' and '", "or 1=1", "and 1=1", "or true--", "' --", "regexp binary",
	"select char(", "select load_file", "order by 1--", "::jsonb", "::json", "::int", "::text",
	"::bool", "::varchar", "or '{", "or '[", "' <@", "' @>", "' ?|", "' ?&", "' #>", "msdb",
	"exec master.", "execute immediate", "declare @", "pg_sleep", "having count(", "having `",
	";insert ", ";drop ", ";truncate", ";replace ", ";delete ", ";update ", ";select ", ";declare ",
	";exec ", ";shutdown", "` as `", "` from", "` regexp", "json_extract(", "(select ",
	"(select(", ",(select", "select (case", "(case when", ",(case", "count(*) from", "sysibm.",
	"sysmaster:", "rdb$database", "generate_series(", "raise_error(", "utl_http.", "else 1/(",
	"end) from", "then 1 else", "from dual", "from sysdummy",
	// Conditions on a closed subquery, PHP's and Java's floating-point parser hang (the "magic
	// number" 2.2250738585072011e-308), hex literals selected, user
	// variables set after a stacked ';', Oracle's and MSSQL's network and remote-data functions.
	")like(", ") like (", ")like (", ") like(", "2.225073858507201", "select 0x", ";set @", "( select ", "utl_http", "utl_inaddr", "openrowset", "opendatasource",
)

// isSQLHeuristic reports a SQL function call, catalog name, statement fragment or injection
// shape (detect_sqli.go) in a folded value; b holds the value's bytes (case aside), for the
// prefilters.
func isSQLHeuristic(folded string, b *byteSet) bool {
	spaced := sqlSpaces(folded)
	if hasCall(spaced, sqlFunctions) {
		return true
	}
	if b.has('+') && !b.has(' ') && sqlName(strings.ReplaceAll(spaced, "+", " ")) {
		return true // a path segment or header in form encoding: "24'union+all+select+1"
	}
	// Each check behind what it cannot match without (sqlSpaces only turns bytes into spaces): a
	// quote for quoteThenComment, '=' for tautology's comparisons, a quote and ';' for
	// quoteThenStatement. Prose passes this detector's gate ("; ", '&') and would pay every scan.
	quotes := b.hasAny("'\"`")
	return sqlName(spaced) || quotes && quoteThenComment(spaced) ||
		b.has('=') && tautology(spaced, b.has('/') && strings.Contains(folded, "/*")) ||
		quotes && b.has(';') && quoteThenStatement(spaced) || sqlShape(folded, spaced, b)
}

// sqlName reports an entry of sqlNames; one that starts with a letter must not be glued to a
// letter before it ("headmaster..." is not "master..", "reunion select" not "union select").
func sqlName(s string) bool {
	return sqlNames.some(s, func(i int, p string) bool { return !isLetter(p[0]) || !isLetter(at(s, i-1)) })
}

// sqlStatements start a statement stacked after a closing quote and ';'.
var sqlStatements = []string{
	"select", "insert", "update", "delete", "drop", "exec", "declare", "shutdown", "waitfor",
	"create", "alter", "truncate", "union", "set ", "begin", "call", "load", "grant", "use ",
	"replace", "merge", "copy", "handler", "show", "--", "#", "/*", "%00",
}

// quoteThenStatement reports a closing quote, ';' (spaces or a comment between) and then the end
// of the value, a comment or a stacked statement ("x';", "1'; drop table t", "a\";--",
// "x'/* c */;"); after a backtick ("x`;") only the end of the value or a comment, since
// Markdown quotes code in backticks. A quoted list in a header ("\"Chromium\";v=\"128\"",
// Sec-CH-UA) or prose does not match.
func quoteThenStatement(s string) bool {
	ticks := -1 // the value's backticks, counted once when needed
	return someIndex(s, ";", func(i int) bool {
		j := i
		for j > 0 && i-j < 16 && s[j-1] == ' ' {
			j--
		}
		q := at(s, j-1)
		if !isQuote(q) {
			return false
		}
		rest := strings.TrimLeft(s[i+1:min(len(s), i+64)], " \t\r\n")
		atEnd := rest == "" && i+64 > len(s)
		if q == '`' {
			// Markdown closes its code spans: only a backtick that is the value's only one.
			if ticks < 0 {
				ticks = strings.Count(s, "`")
			}
			return ticks == 1 && (atEnd || strings.HasPrefix(rest, "--") || strings.HasPrefix(rest, "#"))
		}
		if atEnd {
			return true
		}
		for _, kw := range sqlStatements {
			if strings.HasPrefix(rest, kw) {
				return true
			}
		}
		return false
	})
}

// tautology reports a boolean operator followed by a comparison of two equal numbers or quoted
// strings, the probe of blind SQL injection: "or 2=2", "and 5914=5914", "||1=1", "and
// (('vxqt'='vxqt" (comments already turned into spaces by sqlSpaces). Prose compares different
// things ("1 or 2=3" is not equal); different numbers count too when a comment follows them
// ("and 2=0#") or the value held a /* */ comment (commented, "/*x*/and/**/2=0").
func tautology(s string, commented bool) bool {
	for _, op := range []string{"or ", "and ", "||", "&&"} {
		if someIndex(s, op, func(i int) bool {
			return (i == 0 || !isIdent(s[i-1])) && (numberComparison(s[i+len(op):], commented) || equalStrings(s[i+len(op):]))
		}) {
			return true
		}
	}
	return false
}

// numberComparison reports "<n>=<m>" or "<n>==<m>" (spaces and '(' allowed) at the start of s
// with n equal to m, or, when any is true or a comment ('#', "--") follows, any m.
func numberComparison(s string, any bool) bool {
	rest := strings.TrimLeft(s[:min(len(s), 64)], " (")
	a, b, ok := strings.Cut(rest, "=")
	b = strings.TrimLeft(strings.TrimPrefix(b, "="), " ")
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	a = strings.TrimRight(a, " ")
	if !ok || n == 0 || isIdent(at(b, n)) || !isNumber(a) {
		return false
	}
	after := strings.TrimLeft(b[n:], " )")
	return b[:n] == a || any || strings.HasPrefix(after, "#") || strings.HasPrefix(after, "--")
}

// equalStrings reports "'<x>'='<x>" (the same quote and text, at most 32 bytes; the last closing
// quote may be missing: the application adds it) at the start of s, spaces and '(' allowed.
func equalStrings(s string) bool {
	rest := strings.TrimLeft(s[:min(len(s), 96)], " (")
	if rest == "" || !isQuote(rest[0]) {
		return false
	}
	q := rest[0]
	k := strings.IndexByte(rest[1:], q)
	if k < 0 || k > 32 {
		return false
	}
	x := rest[1 : 1+k]
	b := strings.TrimLeft(rest[2+k:], " ")
	if !strings.HasPrefix(b, "=") {
		return false
	}
	b = strings.TrimLeft(b[1:], " ")
	return len(b) > 0 && b[0] == q && strings.HasPrefix(b[1:], x) && (len(b) == 1+len(x) || b[1+len(x)] == q)
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// quoteThenComment reports a closing quote followed by a SQL comment: the login bypass
// "admin'#", "admin' #", "admin'-- " (MySQL's comment needs the space, which libinjection does
// not see as one), "admin'--", "admin')/*". A quote counts as closing when a non-space byte
// precedes it; ')' and spaces may sit between it and the comment. An opening quote ("my '#1'
// pick"), an apostrophe inside a word ("it's -- fine", "O'Brien") and a bare "#hashtag" do not
// match.
func quoteThenComment(s string) bool {
	for i := strings.IndexAny(s, "'\""); i >= 0; {
		if i > 0 && s[i-1] != ' ' {
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == ')') {
				j++
			}
			if rest := s[j:]; strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "--") || strings.HasPrefix(rest, "/*") {
				return true
			}
		}
		k := strings.IndexAny(s[i+1:], "'\"")
		if k < 0 {
			return false
		}
		i += 1 + k
	}
	return false
}

// stripComments replaces every /* */ comment of s with repl (an unterminated one runs to the
// end and is dropped), in one pass.
func stripComments(s, repl string) string {
	i := strings.Index(s, "/*")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		b.WriteString(repl)
		s = s[i+2+j+2:]
		i = strings.Index(s, "/*")
	}
	b.WriteString(s)
	return b.String()
}

// sqlSpaces replaces /* */ comments with a space, collapses whitespace runs to one space and
// removes spaces after ';', so "union/**/  select" and "; drop" match the lists. Values without
// any of these are returned as is.
func sqlSpaces(s string) string {
	if !strings.Contains(s, "/*") && !strings.Contains(s, "  ") && !strings.ContainsAny(s, "\t\n\r\v\f") && !strings.Contains(s, "; ") {
		return s
	}
	s = stripComments(s, " ")
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			c = ' '
		}
		if c == ' ' && len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == ';') {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// htmlTags are tags an XSS payload opens.
var htmlTags = setOf(
	"script", "img", "svg", "iframe", "frame", "frameset", "object", "embed", "form", "input",
	"body", "style", "link", "meta", "base", "math", "video", "audio", "source", "details",
	"marquee", "isindex", "dialog", "applet", "textarea", "button", "select", "option",
	"template", "animate", "set", "image", "xss", "x", "a", "div", "span", "table", "td", "html",
	"head", "title", "bgsound", "layer", "ilayer", "xml", "import", "keygen", "menu", "picture",
	"portal", "noscript", "plaintext", "xmp", "listing", "object", "param", "track", "canvas",
)

// xssMarkers are script sinks and URL schemes (matched with whitespace removed).
var xssMarkers = newKeywordSet(
	"javascript:", "vbscript:", "livescript:", "data:text/html", "document.cookie",
	"document.domain", "document.write", "document.location", "window.location", ".innerhtml",
	"fromcharcode", "expression(", "-moz-binding", "alert(", "prompt(", "confirm(", "eval(",
	"settimeout(", "setinterval(", "constructor(", "srcdoc=", "formaction=", "xlink:href",
	"<!--", "<![cdata[", "<?xml", "getscript(", "import(", ".src=", "atob(", "document.body",
	"document.createelement", "document.queryselector", ".textcontent=", ".outerhtml",
	"window.alert", "window.document", "!entity", "xi:include", "![]", "+[]", "reflect.",
	".call`", "${alert", "${eval", "newfunction(", "btoa(", "(document).", "vmlframe", "+adw-",
	"url(javascript", "window.location",
)

// isXSSHeuristic reports an HTML tag opening ("<svg", "< s c r i p t"), an event-handler
// attribute ("onload=") or a script sink or scheme in a folded value.
func isXSSHeuristic(folded string) bool {
	if strings.IndexByte(folded, '<') >= 0 && opensTag(folded) {
		return true
	}
	compact := compactJS(folded)
	if hasEventHandler(compact) {
		return true
	}
	return xssMarkers.in(compact)
}

// compactJS removes what is noise before matching script sinks: whitespace, /* */ comments and
// bracket-notation quotes (window["alert"] reads as window.alert); HTML5 whitespace entities
// written in lower case (which html.UnescapeString leaves alone) are dropped too, and "&colon;"
// read as ':'. Values with none of them are returned as is, without allocating. One pass
// (hand-written: strings.Replacer's generic algorithm was a tenth of the plugin's time).
func compactJS(s string) string {
	if !strings.ContainsAny(s, " \t\n\r\f\v[]&/") {
		return s
	}
	s = stripComments(s, "")
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
		case '[':
			if q := at(s, i+1); q == '"' || q == '\'' {
				b, i = append(b, '.'), i+1
			} else {
				b = append(b, c)
			}
		case '"', '\'':
			if at(s, i+1) == ']' {
				i++
			} else {
				b = append(b, c)
			}
		case '&':
			switch rest := s[i:]; {
			case strings.HasPrefix(rest, "&tab;"):
				i += len("&tab;") - 1
			case strings.HasPrefix(rest, "&newline;"):
				i += len("&newline;") - 1
			case strings.HasPrefix(rest, "&colon;"):
				b, i = append(b, ':'), i+len("&colon;")-1
			default:
				b = append(b, c)
			}
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// opensTag reports '<' (or '</') followed by a known tag name, letters possibly spaced out,
// ending at a non-letter.
func opensTag(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		j := i + 1
		for j < len(s) && (s[j] == '/' || s[j] == '!' || s[j] == ' ' && j == i+1) {
			j++
		}
		var name []byte
		for j < len(s) && len(name) < 16 {
			c := s[j]
			if c >= 'a' && c <= 'z' {
				name = append(name, c)
			} else if c != ' ' || len(name) == 0 || j+1 >= len(s) || !(s[j+1] >= 'a' && s[j+1] <= 'z') {
				break
			}
			j++
		}
		if len(name) > 0 && htmlTags[string(name)] && (len(name) > 1 || j == len(s) || !isIdent(s[j])) {
			if len(name) > 1 || j < len(s) && (s[j] == ' ' || s[j] == '/' || s[j] == '>') {
				return true
			}
		}
		k := strings.IndexByte(s[i+1:], '<')
		if k < 0 {
			return false
		}
		i += 1 + k
	}
	return false
}

// hasEventHandler reports "on<letters>=" preceded by a non-identifier byte (an attribute).
func hasEventHandler(s string) bool {
	for i := strings.Index(s, "on"); i >= 0; {
		j := i + 2
		// Event names are short: bounding the scan keeps "ononon…" linear.
		for j < len(s) && j-i < 64 && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		if j-i >= 5 && j < len(s) && s[j] == '=' && (i == 0 || !isIdent(s[i-1])) {
			return true
		}
		k := strings.Index(s[i+2:], "on")
		if k < 0 {
			return false
		}
		i += 2 + k
	}
	return false
}

// sqlWordFunctions are the SQL functions named like English words: prose writes "coalesce (79)",
// "benchmark (2024)", "version (2)" in the middle of a sentence. Called with a space before '('
// they count only in a SQL context (see sqlContext); "sleep(5)", "char(65)" glued always count.
// "user" counts glued only: prose writes "the 'admin' user (not group)".
var sqlWordFunctions = setOf(
	"sleep", "char", "ascii", "ord", "mid", "database", "schema", "coalesce", "compress",
	"uncompress", "decode", "encode", "div", "cos", "hex", "bin", "exp", "floor", "rand", "version",
	"convert", "cast", "procedure", "analyse", "locate", "position", "quote", "insert", "trim",
	"power", "pow", "sin", "tan", "if", "exec", "execute", "substring", "polygon", "benchmark",
	"concat", "instr", "user",
)

// sqlContextWords precede a function call in SQL.
var sqlContextWords = setOf(
	"select", "and", "or", "xor", "not", "where", "union", "if", "case", "when", "then", "else",
	"by", "having", "like", "rlike", "regexp", "in", "from", "exec", "execute", "waitfor",
	"return", "set", "values", "limit", "all", "distinct", "into", "procedure",
)

// sqlContext reports a SQL context before index j of s: the start of the value, an operator,
// quote or parenthesis, or a SQL keyword, spaces skipped. Commas and dashes are left out: prose
// has them before any word ("…, coalesce (79)", "- version (2)").
func sqlContext(s string, j int) bool {
	for n := 0; j > 0 && n < 16 && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\n'); n++ {
		j--
	}
	if j == 0 {
		return true // the value opens with the call: "database (", "exec (@"
	}
	if strings.IndexByte("'\"=(+*/|&<>;@", s[j-1]) >= 0 {
		return true
	}
	k := j
	for k > 0 && j-k < 16 && isLetter(s[k-1]) {
		k--
	}
	return sqlContextWords[s[k:j]]
}

// hasCall reports name( for a name in fns, with spaces or /**/ comments before '('; a name of
// sqlWordFunctions with a gap before '(' only in a SQL context.
func hasCall(s string, fns map[string]bool) bool {
	for i := strings.IndexByte(s, '('); i >= 0; {
		j := i
		if at(s, j-1) == '\\' {
			j-- // "md5\(": an escaped parenthesis is still a call to a shell-quoting backend
		}
		glued := j
		for {
			for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\n') {
				j--
			}
			if j >= 4 && s[j-2:j] == "*/" {
				// A comment of at most 128 bytes: an unbounded search back from every '(' would
				// make "*/(*/(*/(…" quadratic.
				from := max(0, j-2-128)
				if k := strings.LastIndex(s[from:j-2], "/*"); k >= 0 {
					j = from + k
					continue
				}
			}
			break
		}
		end := j
		for j > 0 && (isIdent(s[j-1]) || s[j-1] == '.') {
			j--
		}
		name := s[j:end]
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			name = name[k+1:]
		}
		if fns[name] && !strings.HasPrefix(s[i+1:], "s)") && (end == glued || !sqlWordFunctions[name] || name != "user" && sqlContext(s, j)) {
			return true
		}
		k := strings.IndexByte(s[i+1:], '(')
		if k < 0 {
			return false
		}
		i += 1 + k
	}
	return false
}

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isName reports a non-empty s of identifier bytes only (isIdent).
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIdent(s[i]) {
			return false
		}
	}
	return s != ""
}

// at returns s[i], or 0 outside s.
func at(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
