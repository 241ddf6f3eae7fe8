package sanitize

import (
	"math/rand/v2"
	"strings"
	"testing"
	_ "unsafe" // go:linkname: the library's attribute tables are not exported

	"github.com/corazawaf/libinjection-go"
)

// TestLibinjectionSkipsWords pins the first case of sqlTokensInert against the library: no value
// of ASCII letters, digits and '_' only is SQL injection to libinjection, whether it is a SQL
// keyword, a number, a number glued to a keyword ("1union", "0x1or") or random.
func TestLibinjectionSkipsWords(t *testing.T) {
	keywords := []string{"union", "select", "or", "and", "1", "0", "0x1", "0b1", "1e1", "null",
		"sleep", "benchmark", "xor", "div", "like", "rlike", "regexp", "sounds", "between", "is",
		"not", "as", "from", "where", "into", "load_file", "char", "exec", "declare", "waitfor",
		"drop", "delete", "insert", "update", "order", "by", "group", "having", "limit", "case",
		"when", "then", "else", "end", "true", "false", "utc_time", "sp_password", "x", "_"}
	check := func(s string) {
		if ok, fp := libinjection.IsSQLi(s); ok {
			t.Fatalf("libinjection.IsSQLi(%q) = true (%s): the onlyWord prefilter would miss it", s, fp)
		}
		if b := bytesOf(s); !b.onlyWord() {
			t.Fatalf("%q is not onlyWord", s)
		}
	}
	for _, a := range keywords {
		check(a)
		for _, b := range keywords {
			check(a + b)
			check(a + "_" + b)
			for _, c := range keywords[:12] {
				check(a + b + c)
			}
		}
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 0, 24)
	for i := 0; i < 200_000; i++ {
		buf = buf[:0]
		for n := 1 + r.IntN(20); n > 0; n-- {
			buf = append(buf, alphabet[r.IntN(len(alphabet))])
		}
		check(string(buf))
	}
	for _, s := range []string{"", "a b", "1'", "a-b", "a.b", "é", "a\x00"} {
		if b := bytesOf(s); b.onlyWord() {
			t.Errorf("onlyWord(%q) = true", s)
		}
	}
}

// TestKeywordSet checks the pair bitmap against a plain substring search.
func TestKeywordSet(t *testing.T) {
	k := newKeywordSet("ab", "abc", "x", "zz", "/etc/")
	for s, want := range map[string]bool{
		"": false, "a": false, "b": false, "ab": true, "cab": true, "a b": false, "yyx": true,
		"z": false, "zaz": false, "azz": true, "/etc": false, "/etc/passwd": true, "/et/etc/": true,
	} {
		if got := k.in(s); got != want {
			t.Errorf("in(%q) = %v, want %v", s, got, want)
		}
		if got, want := k.inAfter('/', s), k.in("/"+s); got != want {
			t.Errorf("inAfter('/', %q) = %v, want %v", s, got, want)
		}
	}
}

// TestCompactJS pins compactJS to the replacements it is documented to make.
func TestCompactJS(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "a b\tc": "abc", `window["alert"](1)`: "window.alert(1)",
		`w['x']`: "w.x", `a"]b`: "ab", `["`: ".", "java&tab;script&colon;x": "javascript:x",
		"a&newline;b": "ab", "a&amp;b": "a&amp;b", "ja/* c */va": "java", `["x`: `.x`, "[1]": "[1]",
		`"`: `"`, "&": "&",
	} {
		if got := compactJS(in); got != want {
			t.Errorf("compactJS(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLibinjectionXSSNeedsLtOrEq pins the gate of the libinjection XSS detector against the
// library: its HTML5 tokenizer reports tags, comments and doctypes only after '<', and judges
// an attribute's value only after '=' (a black attribute, a URL attribute, style), so a value
// without either is never XSS to it, whatever else it holds (schemes, quotes, back quotes,
// event handler names, '>').
func TestLibinjectionXSSNeedsLtOrEq(t *testing.T) {
	pieces := []string{"javascript:", "vbscript:", "data:text/html,", "alert(1)", "onerror", "onload",
		"style", "href", "src", "srcdoc", "formaction", "`", "'", "\"", " ", "\t", "\n", "/", ">", "!",
		"--", "?", "&#x3a;", "&colon;", "x", "svg", "script", "expression(", "url(", "import", "entity",
		"[if", "xml", "\x00", ":", ";", "(", ")", "\\", "%3c", "&lt;", "·", "é", "view-source:"}
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for i := 0; i < 200_000; i++ {
		b.Reset()
		for n := 1 + r.IntN(8); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		if s := b.String(); libinjection.IsXSS(s) {
			t.Fatalf("libinjection.IsXSS(%q) = true without '<' or '=': the XSS gate would miss it", s)
		}
	}
	for _, s := range []string{"<svg onload=alert(1)>", "x onerror=alert(1)", "' onfocus=alert(1) autofocus '"} {
		if !libinjection.IsXSS(s) {
			t.Errorf("libinjection.IsXSS(%q) = false: the pieces above no longer exercise the library", s)
		}
	}
}

// wantKind is firstWords' kind of w, from the lists it is built from.
func wantKind(w string) (k wordKind) {
	for kind, list := range map[wordKind]map[string]bool{strongCommand: strongCommands, weakCommand: weakCommands, commandWrapper: commandWrappers} {
		if list[w] {
			k |= kind
		}
	}
	if w == "if" || w == "for" {
		k |= batchKeyword
	}
	return k
}

// sqlKeywordMap is the words of sqlKeywordList, as a map.
var sqlKeywordMap = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range sqlKeywordList {
		for _, w := range strings.Split(k, " ") {
			m[w] = true
		}
	}
	return m
}()

// FuzzWordSet checks firstWords', sqlKeywordWords' and sessionParamWords' tables against the
// command lists, the library's keywords and the session parameter names on every word of them, their prefixes, extensions and neighbours, in either
// case, and arbitrary words, as strings and as bytes.
func FuzzWordSet(f *testing.F) {
	for _, list := range []map[string]bool{strongCommands, weakCommands, commandWrappers, sqlKeywordMap, sessionParams} {
		for w := range list {
			f.Add(w)
			f.Add(w[:len(w)-1])
			f.Add(w + "s")
			f.Add(strings.ToUpper(w))
			f.Add(strings.ToLower(w))
		}
	}
	for _, w := range []string{"", "if", "for", "fi", "Alyson", "web", "a-100", "id", strings.Repeat("a", 64), strings.Repeat("w", 70)} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if got, want := firstWords.kind(w), wantKind(w); got != want || wordKindOf(firstWords, []byte(w)) != want {
			t.Fatalf("firstWords.kind(%q) = %b, want %b", w, got, want)
		}
		if got, want := sqlKeywordWords.kind(w) == sqlKeyword, sqlKeywordMap[w]; got != want || (wordKindOf(sqlKeywordWords, []byte(w)) == sqlKeyword) != want {
			t.Fatalf("sqlKeywordWords.kind(%q) = %v, want %v", w, got, want)
		}
		if got, want := isSessionParam(w), sessionParams[strings.ToLower(w)]; got != want {
			t.Fatalf("isSessionParam(%q) = %v, want %v", w, got, want)
		}
	})
}

// libinjectionBlackAttrs and libinjectionBlackEvents are the library's blacklisted attribute
// names (upper case) and event handler names (upper case, without "ON"): isBlackAttr.
//
//go:linkname libinjectionBlackAttrs github.com/corazawaf/libinjection-go.blacksMap
var libinjectionBlackAttrs map[string]int

//go:linkname libinjectionBlackEvents github.com/corazawaf/libinjection-go.blackEventsMap
var libinjectionBlackEvents map[string]int

// TestXSSAttributeNames checks that every attribute name libinjection's XSS check blacklists
// (its tables, and XMLNS and XLINK, which it tests by name) contains one of xssAttributeNames in
// lower case: mayBeXSSAttribute then passes on every value naming one before an '='.
func TestXSSAttributeNames(t *testing.T) {
	if len(libinjectionBlackAttrs) < 10 || len(libinjectionBlackEvents) < 100 {
		t.Fatalf("%d attributes, %d events: the linkname no longer finds the tables", len(libinjectionBlackAttrs), len(libinjectionBlackEvents))
	}
	names := []string{"XMLNS", "XLINK"}
	for name := range libinjectionBlackAttrs {
		names = append(names, name)
	}
	for event := range libinjectionBlackEvents {
		names = append(names, "ON"+event)
	}
	for _, name := range names {
		if !xssAttributeNames.in(strings.ToLower(name)) {
			t.Errorf("libinjection blacklists the attribute %s, which holds none of xssAttributeNames", name)
		}
	}
}

// TestLibinjectionXSSNeedsAttribute pins the gate of the libinjection XSS detector for values
// without '<' against the library: whatever else they hold ('=', quotes, URLs with schemes,
// white space, '>', '/', entities), values holding none of xssAttributeNames are never XSS to
// it: without a tag it only judges a blacklisted attribute's value.
func TestLibinjectionXSSNeedsAttribute(t *testing.T) {
	pieces := []string{"javascript:", "vbscript:", "data:text/html,", "alert(1)", "=", "==", "x=", "a=b",
		"`", "'", "\"", " ", "\t", "\n", "\v", "\f", "\r", "/", ">", "!", "--", "?", "&#x3a;", "&colon;", "x",
		"svg", "script", "expression(", "url(", "import", "entity", "[if", "xml", ":", ";", "(", ")",
		"\\", "%3c", "&lt;", "·", "é", "view-source:", "https://www.example.com/search?q=", "&", "#", "ASCII",
		"img", "div", "class", "id", "name", "title", "alt", "width", "height", "type", "value", "data"}
	r := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	tried := 0
	for i := 0; i < 300_000; i++ {
		b.Reset()
		for n := 1 + r.IntN(10); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if xssAttributeNames.in(strings.ToLower(s)) {
			continue
		}
		tried++
		if libinjection.IsXSS(s) {
			t.Fatalf("libinjection.IsXSS(%q) = true without '<' or an attribute of xssAttributeNames: the XSS gate would miss it", s)
		}
	}
	if tried < 100_000 {
		t.Fatalf("only %d values without an attribute name: the pieces no longer exercise the gate", tried)
	}
	for _, s := range []string{"x onerror=alert(1)", "' onfocus=alert(1) autofocus '", "x style=x", "a href=javascript:alert(1)", "\" xmlns=x", "ONLOAD=alert(1)"} {
		v := normalized{text: s, folded: strings.ToLower(s), bytes: bytesOf(s)}
		if !libinjection.IsXSS(s) || !mayBeXSSAttribute(nil, v, "query.q") {
			t.Errorf("%q: IsXSS %v, gate %v: both should hold", s, libinjection.IsXSS(s), mayBeXSSAttribute(nil, v, "query.q"))
		}
	}
}
