package sanitize

import "strings"

// SQL injection shapes that neither libinjection's tokenizer (it needs a whole parseable
// injection) nor the keyword lists of heuristics.go see: a string literal broken out of and
// closed by a comment, a stray leading quote before a statement, an escaped quote before a
// boolean operator, a comparison left open for the application's own quote, MySQL's executable
// comments, keywords glued to comments, JSON path comparisons. Each is a short scan of the
// case-folded value behind a byte-set prefilter (the bytes it needs: a quote, '/', '\', '$', a
// trailing '(' …), bounded per occurrence, so the whole check stays linear; nothing is compiled
// per request. The benign corpus and the controls in detect_test.go bound their false positives:
// prose has apostrophes, "or", "and", "like", parentheses and dashes, but not a closing quote
// followed by a SQL operator and a trailing comment.

// sqlShapeBytes and sqlShapeKeywords are what the shapes need on top of the heuristics' gate
// (detect.go: '(', quotes, '=', whitespace, "/*", the catalog names): a backtick; ')' opening
// "as x from" (spaces collapsed by sqlSpaces); ";--" or ";#" ending a statement; a \x escape;
// a catalog name spelled with '+' for spaces.
const sqlShapeBytes = "`"

func sqlShapeKeywords() []string {
	kw := []string{") as", ")as", ";--", ";#", "\\x2"}
	for _, p := range sqlNames.list() {
		if strings.Contains(p, " ") {
			kw = append(kw, strings.ReplaceAll(p, " ", "+"))
		}
	}
	return kw
}

// sqlShape reports one of the shapes above in folded (the case-folded value, b the bytes of the
// value) or spaced (folded after sqlSpaces: comments turned into spaces, whitespace collapsed).
func sqlShape(folded, spaced string, b *byteSet) bool {
	quotes := b.hasAny("'\"`")
	switch {
	case quotes && b.hasAny("-#;") && quoteOperatorComment(folded, spaced):
		return true
	case quotes && leadingQuoteKeyword(folded, spaced):
		return true
	case b.has('\\') && b.hasAny("'\"") && escapedQuoteOperator(spaced):
		return true
	case b.has('/') && b.has('*') && (versionComment(folded) || commentGluedKeyword(folded)):
		return true
	case b.has('$') && quotes && jsonPathComparison(spaced):
		return true
	case b.has('\\') && hexEscapedQuote(folded):
		return true
	case b.hasAny("=<>!") && openComparison(spaced):
		return true
	}
	return b.has('(') && (openCall(spaced) || emptyCall(spaced) || valuesList(spaced)) || b.has(')') && closedParenAlias(spaced) ||
		b.has(';') && terminatedStatement(spaced) || quotes && likeOpenQuote(folded, spaced)
}

// sqlOperatorWords are SQL's boolean, comparison and set operators written as words: what follows
// a string literal an injection has closed.
var sqlOperatorWords = setOf(
	"or", "and", "xor", "not", "is", "like", "rlike", "ilike", "regexp", "glob", "collate", "mod",
	"div", "sounds", "union", "notnull", "isnull", "similar", "between", "escape", "match",
	"limit", "order", "group", "having", "procedure", "into", "from", "where",
)

// sqlStatementWords open a statement (or continue one with a boolean operator) right after a
// stray leading quote.
var sqlStatementWords = setOf(
	"select", "union", "alter", "drop", "insert", "update", "delete", "exec", "execute", "declare",
	"create", "truncate", "waitfor", "shutdown", "grant", "or", "and", "having",
)

// wordAt returns the run of ASCII letters and '_' starting at s[i:] (at most 16 bytes).
func wordAt(s string, i int) string {
	j := i
	for j < len(s) && j-i < 16 && (isLetter(s[j]) || s[j] == '_') {
		j++
	}
	if j-i == 16 {
		return ""
	}
	return s[i:j]
}

// loneQuote reports that the value (folded, before sqlSpaces dropped its comments, which may hold
// quotes) has exactly one quote q.
func loneQuote(folded string, q byte) bool { return strings.Count(folded, string(q)) == 1 }

// isQuote reports a SQL string or identifier quote.
func isQuote(c byte) bool { return c == '\'' || c == '"' || c == '`' }

// endsInComment reports a value that ends (trailing spaces aside) in a SQL comment opener or a
// statement terminator: "--" (not a dash run "---"), "#" or ";". It returns where the ending
// starts and whether it is ';', or -1.
func endsInComment(s string) (int, bool) {
	t := strings.TrimRight(s, " \t\r\n")
	switch {
	case strings.HasSuffix(t, "--") && !strings.HasSuffix(t, "---"):
		return len(t) - 2, false
	case strings.HasSuffix(t, "#"):
		return len(t) - 1, false
	case strings.HasSuffix(t, ";"):
		return len(t) - 1, true
	}
	return -1, false
}

// quoteOperatorComment reports a string literal closed, extended and commented out: a closing
// quote followed by a SQL operator (a word such as or, and, is, like, collate, or a symbol such as
// |, -, ^) and, at most 80 bytes further, a "--" or "#" comment that ends the value:
// "x'|email--", "admin@x.op' and email ilike email--", "'or(glob 1)--". A quote that opens the
// value and is its only one of that kind needs no operator ("'test--", "'? # = --"), and may
// end in ';' when a word operator follows it ("'glob 1;"). Prose and code end in a comment
// opener rarely (code ends its lines in ';', hence the stricter ';' case), and a possessive
// before "or" ("the parents' or yours") does not end in one. '<' and '>' are left out: HTML
// attributes close quotes before them.
func quoteOperatorComment(folded, spaced string) bool {
	end, semicolon := endsInComment(spaced)
	if end < 0 {
		return false
	}
	s := spaced[:end]
	lead := len(s) - len(strings.TrimLeft(s, " "))
	if lead+1 < len(s) && isQuote(s[lead]) && loneQuote(folded, s[lead]) && (!semicolon || operatorAfter(s[lead+1:], false)) {
		return true // a lone quote opening the value
	}
	if semicolon {
		return false
	}
	for i := len(s) - 1; i >= max(1, len(s)-80); i-- {
		if isQuote(s[i]) && s[i-1] != ' ' && operatorAfter(s[i+1:], true) {
			return true
		}
	}
	return false
}

// operatorAfter reports a SQL operator word (or, with symbols, an operator symbol) at the start
// of s, spaces, '(' and ')' skipped.
func operatorAfter(s string, symbols bool) bool {
	j := 0
	for j < len(s) && (s[j] == ' ' || s[j] == ')' || s[j] == '(') {
		j++
	}
	if j == len(s) {
		return false
	}
	if symbols && strings.IndexByte("|&^+-*%=!~?", s[j]) >= 0 {
		return true
	}
	w := wordAt(s, j)
	return sqlOperatorWords[w] && !isIdent(at(s, j+len(w)))
}

// leadingQuoteKeyword reports a value that opens with a quote, its only one of that kind, followed
// by a statement keyword or boolean operator as a word or by a comment: "'alter a", "\" UNION
// A", "' or (exists)", "'select h", "'#mysql". A quoted phrase ("'Select' your plan") has its closing quote, and
// so has GNU-style quoting ("`declare' builtin").
func leadingQuoteKeyword(folded, spaced string) bool {
	s := strings.TrimLeft(spaced, " ")
	if s == "" || !isQuote(s[0]) || !loneQuote(folded, s[0]) || s[0] == '`' && strings.IndexByte(folded, '\'') >= 0 {
		return false
	}
	j := 1
	for j < len(s) && (s[j] == ' ' || s[j] == '(') {
		j++
	}
	if strings.HasPrefix(s[j:], "#") || strings.HasPrefix(s[j:], "--") {
		return true
	}
	w := wordAt(s, j)
	return sqlStatementWords[w] && !isIdent(at(s, j+len(w)))
}

// escapedQuoteOperator reports a backslash-escaped quote followed by a boolean operator: the
// probe for an escaping filter ("\'or'1", "x\' and 1", "op\' or json (id);"). Text about
// escape sequences ("\\' and", "\' or \"") escapes the backslash or names another escape next.
func escapedQuoteOperator(s string) bool {
	for _, q := range []string{"\\'", "\\\""} {
		if someIndex(s, q, func(i int) bool {
			if at(s, i-1) == '\\' {
				return false
			}
			j := i + 2
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if strings.HasPrefix(s[j:], "||") || strings.HasPrefix(s[j:], "&&") {
				return true
			}
			w := wordAt(s, j)
			if (w != "or" && w != "and" && w != "xor") || isIdent(at(s, j+len(w))) {
				return false
			}
			next := strings.TrimLeft(s[j+len(w):min(len(s), j+len(w)+16)], " ")
			return !strings.HasPrefix(next, "\\")
		}) {
			return true
		}
	}
	return false
}

// versionComment reports MySQL's executable comment: "/*!" followed by a version number or a
// letter ("/*!50000select", "/*!union*/"). A preserved licence comment ("/*! jQuery v3.7") has a
// space first.
func versionComment(folded string) bool {
	return someIndex(folded, "/*!", func(i int) bool {
		c := at(folded, i+3)
		return c >= '0' && c <= '9' || isLetter(c)
	})
}

// sqlCommentWords are the keywords an injection glues to a /* */ comment in place of a space.
var sqlCommentWords = setOf(
	"select", "union", "from", "where", "drop", "insert", "update", "delete", "and", "or", "having",
	"order", "group", "limit", "into", "table", "exec", "declare", "alter", "create", "truncate",
	"sleep", "waitfor", "values", "like", "xor", "case", "when", "then",
)

// commentGluedKeyword reports a SQL keyword glued to a /* */ comment (closed within 128 bytes),
// before or after it: "drop/*x*/t", "select/**/password", "x/**/from". Code comments have
// spaces around them; a path glob ("exec/*") is no comment.
func commentGluedKeyword(folded string) bool {
	return someIndex(folded, "/*", func(i int) bool {
		e := strings.Index(folded[i+2:min(len(folded), i+2+128)], "*/")
		if e < 0 {
			return false
		}
		k := i
		for k > 0 && i-k < 16 && isLetter(folded[k-1]) {
			k--
		}
		if k < i && sqlCommentWords[folded[k:i]] && !isIdent(at(folded, k-1)) {
			return true
		}
		j := i + 2 + e + 2
		w := wordAt(folded, j)
		return sqlCommentWords[w] && !isIdent(at(folded, j+len(w)))
	})
}

// jsonPathComparison reports a JSON path literal compared or extracted in SQL: "' < '$.c[2].f'",
// "->'$.a'", "= \"$[0]\"".
func jsonPathComparison(s string) bool {
	for _, p := range []string{"$.", "$["} {
		if someIndex(s, p, func(i int) bool {
			if !isQuote(at(s, i-1)) {
				return false
			}
			j := i - 1
			for j > 0 && s[j-1] == ' ' {
				j--
			}
			c := at(s, j-1)
			return c == '<' || c == '>' || c == '='
		}) {
			return true
		}
	}
	return false
}

// openComparison reports a boolean operator, an operand and a comparison left open at the end of
// the value, for the application's own quote or parenthesis to complete: "and 7639=(",
// "or 1='", "|| arg == '", "and object_type = '", "or class!=\"", "AND (name = \"", or, after
// a word operator, "==" or "!=" with nothing after it ("oR pmw=="). Prose may end in "or x="
// (a list of options), C in "&& y ==" (a line break), neither in "or x='".
func openComparison(s string) bool {
	t := strings.TrimRight(s, " ")
	j := len(t)
	open := false
	if c := at(t, j-1); c == '(' || c == '\'' || c == '"' {
		j--
		open = true
	}
	for j > 0 && t[j-1] == ' ' {
		j--
	}
	op := j
	for j > 0 && op-j < 3 && strings.IndexByte("=!<>", t[j-1]) >= 0 {
		j--
	}
	cmp := t[j:op]
	if !strings.Contains(cmp, "=") && cmp != "<>" || !open && cmp != "==" && cmp != "!=" {
		return false
	}
	for j > 0 && t[j-1] == ' ' {
		j--
	}
	end := j
	for j > 0 && end-j < 32 && (isIdent(t[j-1]) || t[j-1] == '.') {
		j--
	}
	if j == end {
		return false
	}
	for j > 0 && (t[j-1] == ' ' || t[j-1] == '(') {
		j--
	}
	if strings.HasSuffix(t[:j], "||") || strings.HasSuffix(t[:j], "&&") {
		return open
	}
	k := j
	for k > 0 && j-k < 4 && isLetter(t[k-1]) {
		k--
	}
	w := t[k:j]
	return (w == "or" || w == "and" || w == "xor") && !isIdent(at(t, k-1))
}

// sqlCallNames are SQL functions, the everyday-word ones included, that a probe sends as an
// unfinished call ending the value: "max(", "ln (", "quarter. (", "user/?(".
var sqlCallNames = setOf(
	"abs", "pi", "max", "min", "avg", "sum", "count", "left", "right", "lower", "upper", "replace",
	"round", "time", "date", "day", "month", "year", "hour", "minute", "second", "quarter", "week",
	"log", "ln", "exp", "format", "default", "local", "values", "version", "user", "length", "if",
	"now", "floor", "ceil", "ceiling", "mod", "trim", "substr", "substring", "concat", "char",
	"ascii", "sleep", "benchmark", "database", "schema", "cast", "convert", "coalesce", "ifnull",
	"nullif", "md5", "sha1", "hex", "unhex", "rand", "sqrt", "power", "sign", "greatest", "least",
	"instr", "locate", "position", "reverse", "repeat", "space", "soundex", "elt", "field",
	"password", "exists", "in", "current_user", "session_user", "system_user", "uuid", "sysdate",
	"curdate", "curtime", "current_date", "current_time", "current_timestamp", "localtimestamp",
	"getdate", "connection_id", "last_insert_id", "row_count", "found_rows",
)

// openCall reports a value that ends in a SQL function name and an opening parenthesis with
// nothing inside, up to 8 bytes of spaces and punctuation allowed between ("max(", "ln (",
// "quarter. (", "user/?(", "length||(", "version=("): a function probe, not prose (which closes
// its parentheses). A method ("console.log(", a line of code cut), an emoticon ("now :(") and
// a shell process substitution ("if <(") do not count.
func openCall(s string) bool {
	t := strings.TrimRight(s, " ")
	if !strings.HasSuffix(t, "(") {
		return false
	}
	j := len(t) - 1
	for j > 0 && j > len(t)-9 && t[j-1] < 0x80 && !isIdent(t[j-1]) && strings.IndexByte("(<>:;", t[j-1]) < 0 {
		j--
	}
	end := j
	for j > 0 && end-j < 16 && isLetter(t[j-1]) {
		j--
	}
	return sqlCallNames[t[j:end]] && !isIdent(at(t, j-1)) && at(t, j-1) != '.'
}

// emptyCall reports a value that is only a call of a SQL function without arguments, spaces
// allowed around it and its parentheses ("now()", "version ( )", "PI()"): a probe of what the
// backend evaluates. A name with a call in a sentence ("call now() to…"), a method
// ("Date.now()") or any other name ("open()") does not count.
func emptyCall(s string) bool {
	t := strings.Trim(s, " ")
	if !strings.HasSuffix(t, ")") {
		return false
	}
	t = strings.TrimRight(t[:len(t)-1], " ")
	if !strings.HasSuffix(t, "(") {
		return false
	}
	return sqlCallNames[strings.TrimRight(t[:len(t)-1], " ")]
}

// closedParenAlias reports a value that opens with ')' and goes on "as <alias> from": the rest of
// a subquery after the application's own opening parenthesis (") as t from", ") AS 'x' FROM").
func closedParenAlias(s string) bool {
	t := strings.TrimLeft(s, " ")
	if !strings.HasPrefix(t, ")") {
		return false
	}
	t = strings.TrimLeft(t[1:], " ")
	if !strings.HasPrefix(t, "as ") {
		return false
	}
	t = strings.TrimLeft(t[3:], " ")
	j := 0
	for j < len(t) && j < 64 && (isIdent(t[j]) || isQuote(t[j])) {
		j++
	}
	rest := strings.TrimLeft(t[j:], " ")
	return j > 0 && strings.HasPrefix(rest, "from") && !isIdent(at(rest, 4))
}

// valuesList reports a value that opens with an INSERT's value list, after a set operator or
// alone: "values ('192.168.0.1', 'test')", "except values(1,2)". Prose puts words before
// "values (" or after its number ("values (128 bits …").
func valuesList(s string) bool {
	t := strings.TrimLeft(s, " ")
	for _, op := range []string{"except ", "union ", "intersect "} {
		if strings.HasPrefix(t, op) {
			t = t[len(op):]
			break
		}
	}
	if !strings.HasPrefix(t, "values") {
		return false
	}
	t = strings.TrimLeft(t[len("values"):], " ")
	if at(t, 0) != '(' {
		return false
	}
	if isQuote(at(t, 1)) {
		return true
	}
	j := 1
	for j < len(t) && j < 24 && t[j] >= '0' && t[j] <= '9' {
		j++
	}
	return j > 1 && (at(t, j) == ',' || at(t, j) == ')')
}

// likeOpenQuote reports a value that ends in LIKE and a quote, its only one of that kind, that the
// application's own quote closes: "something like '".
func likeOpenQuote(folded, spaced string) bool {
	t := strings.TrimRight(spaced, " ")
	q := at(t, len(t)-1)
	if !isQuote(q) {
		return false
	}
	t = strings.TrimRight(t[:len(t)-1], " ")
	return strings.HasSuffix(t, "like") && !isLetter(at(t, len(t)-5)) && at(t, len(t)-5) != 0 && loneQuote(folded, q)
}

// terminatedStatement reports a value that opens with a statement keyword and ends in ";" and a
// comment: "delete from users;--" in a header.
func terminatedStatement(s string) bool {
	t := strings.TrimRight(s, " ")
	if !strings.HasSuffix(t, ";--") && !strings.HasSuffix(t, ";#") && !strings.HasSuffix(t, "; --") {
		return false
	}
	t = strings.TrimLeft(t, " ")
	w := wordAt(t, 0)
	return sqlStatementWords[w] && w != "or" && w != "and" && at(t, len(w)) == ' '
}

// hexEscapedQuote reports a quote or '#' written as a \x escape ("\x27", "\x22", "\x23") glued
// to the end of the value, another escape or a word: "\x27\x4f\x52 select", "\x3d \x27".
// Text about escapes puts a space or punctuation after it ("two \x27 characters").
func hexEscapedQuote(s string) bool {
	return someIndex(s, "\\x2", func(i int) bool {
		if c := at(s, i+3); c != '2' && c != '3' && c != '7' {
			return false
		}
		next := at(s, i+4)
		return next == 0 || next == '\\' || isIdent(next)
	})
}
