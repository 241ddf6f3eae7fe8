package sanitize

import "strings"

// The gate of libinjection's SQL tokenizer (github.com/corazawaf/libinjection-go v0.3.6,
// sqli.go and sqli_parse.go). The library reports SQL injection only when the fingerprint of a
// value (the types of its first five tokens, after folding) is in its blacklist. A value whose
// tokens can only be of the types sqlInertTypes cannot have such a fingerprint: no blacklisted
// fingerprint is made of them alone (TestSQLInertFingerprints checks the library's table).
// sqlTokensInert recognises such values from two things, without running the tokenizer:
//
//   - their bytes are all of sqlInertBytes, and "--" does not occur: letters, digits, '_' and
//     bytes of 0x80 and above make words (parseWord) or numbers and dots (parseNumber),
//     white space separates tokens (parseWhite), '+', '-', '%' and '/' are one-byte operators
//     ("--" would be a comment, "/*" needs '*'), '&' is one too unless doubled ("&&" is a
//     logical operator; "&=" is an operator), '=' is one ("=" opens no two-byte operator of the
//     table; ":=" is an operator too), '?' is a token of its own (parseOther), ',' and ';' are
//     their own types, ':' is a colon or the operator "::". Everything that opens a string, a
//     comment, a parenthesis or a brace, and the other operators, is left out;
//   - a value with a quote (' or ", which open strings, parseString) passes only without any
//     operator byte, ',', ';', ':' or '?' (sqlInertQuotedBytes): its tokens are barewords,
//     numbers, dots and strings (sqlInertQuotedTypes), in each of the contexts the library
//     reads it in (as is, and as if it followed a single or a double quote). The letters that
//     open the string forms b'…', e'…', n'…', q'…' and x'…' make strings or words too, and the
//     comments that make the library read the value again as MySQL need '-' or '#';
//   - '@' opens a variable (parseVar; its name runs to the next punctuation), which only a few
//     blacklisted fingerprints hold, each after an operator or with ';' ("1ov", "nov;",
//     "n1v;"): a value with '@' passes only without any operator byte, ';' or ':'
//     (sqlInertVarBytes, sqlInertVarTypes);
//   - none of their words is a word of the library's keyword table (sqlKeywordList, whose
//     phrases are split into words, so two barewords never fold into a phrase): a word is then a
//     bareword. Words are read as parseWord reads them: a run of letters, digits, '_', '.' and
//     bytes of 0x80 and above but 0xA0 (white space to the library), looked up whole and up to
//     each '.', upper-cased like the library does (strings.ToUpper). A run that starts with a
//     digit or '.' is read by parseNumber, which may stop anywhere in it; such runs must be
//     digits and dots only.
//
// This is hand-written because the library exports no way to ask which words it reads as
// keywords, and running its tokenizer on every value was the largest part of the plugin's cost
// in wasm (it allocates per token). TestSQLKeywordListIsLibinjections pins the copy of the
// table, TestSQLInertFingerprints and TestSQLInertOperators the reasoning above, and
// TestGatesChangeNothing and FuzzGates check the gate against the library on the whole corpus
// and on arbitrary values.

// sqlInertBytes are the bytes of values whose tokens can only be of sqlInertTypes (as long as no
// word is a keyword and "--" does not occur), sqlInertVarBytes and sqlInertQuotedBytes those of
// values with '@' and with quotes.
var sqlInertBytes, sqlInertVarBytes, sqlInertQuotedBytes = func() (byteSet, byteSet, byteSet) {
	b, v, q := bytesOf(wordChars+". \t\n\v\f\r+-%/&,;:=?"), bytesOf(wordChars+". \t\n\v\f\r,@"), bytesOf(wordChars+". \t\n\v\f\r'\"")
	b[2], b[3] = ^uint64(0), ^uint64(0) // 0x80 to 0xFF: word bytes, 0xA0 white space
	v[2], v[3] = b[2], b[3]
	q[2], q[3] = b[2], b[3]
	return b, v, q
}()

// sqlInertTypes are the token types the values sqlTokensInert accepts can hold: barewords,
// numbers, dots, operators, commas, semicolons, colons and '?'; sqlInertVarTypes those of values
// with '@': barewords, numbers, dots, commas and variables; sqlInertQuotedTypes those of values
// with quotes: barewords, numbers, dots and strings.
const (
	sqlInertTypes       = "n1.o,;:?"
	sqlInertVarTypes    = "n1.,v"
	sqlInertQuotedTypes = "n1.s"
)

// sqlKeywordWords are the words of sqlKeywordList's entries (phrases split at spaces), of kind
// sqlKeyword.
var sqlKeywordWords, sqlKeywordMaxLen = func() (*wordSet, int) {
	words, longest := map[string]wordKind{}, 0
	for _, k := range sqlKeywordList {
		for _, w := range strings.Split(k, " ") {
			words[w] = sqlKeyword
			longest = max(longest, len(w))
		}
	}
	return newWordSet(words), longest
}()

// sqlTokensInert reports a value libinjection's SQL tokenizer cannot find injection in (see
// above): it is skipped. A value of letters, digits and '_' only is one too
// (TestLibinjectionSkipsWords).
func sqlTokensInert(v *normalized) bool {
	if v.bytes.onlyWord() {
		return true
	}
	allowed := &sqlInertBytes
	switch {
	case v.bytes.has('@'):
		allowed = &sqlInertVarBytes
	case v.bytes.has('\'') || v.bytes.has('"'):
		allowed = &sqlInertQuotedBytes
	}
	for i := range v.bytes {
		if v.bytes[i]&^allowed[i] != 0 {
			return false
		}
	}
	if v.bytes.has('-') && hasDouble(v.text, '-') || v.bytes.has('&') && hasDouble(v.text, '&') {
		return false
	}
	s := v.text
	for i := 0; i < len(s); {
		if !isSQLRunByte(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isSQLRunByte(s[j]) {
			j++
		}
		if !sqlRunInert(s[i:j]) {
			return false
		}
		i = j
	}
	return true
}

// hasDouble reports c twice in a row in s: strings.Contains(s, "cc") without the calls it
// costs in wasm on every value with a '-' ("A-100", dates, UUIDs).
func hasDouble(s string, c byte) bool {
	for i := 1; i < len(s); i++ {
		if s[i] == c && s[i-1] == c {
			return true
		}
	}
	return false
}

// isSQLRunByte reports a byte libinjection's parseWord reads as part of a word (of
// sqlInertBytes: 0xA0 and the punctuation end a word).
func isSQLRunByte(c byte) bool {
	return c >= 0x80 && c != 0xa0 || c == '.' || c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// sqlRunInert reports a run of word bytes that the tokenizer reads as barewords, numbers and
// dots only.
func sqlRunInert(run string) bool {
	if c := run[0]; c == '.' || c >= '0' && c <= '9' {
		for i := 1; i < len(run); i++ {
			if c := run[i]; c != '.' && (c < '0' || c > '9') {
				return false
			}
		}
		return true
	}
	for i := 1; i < min(len(run), maxSQLKeywordBytes+1); i++ {
		if run[i] == '.' && isSQLKeywordWord(run[:i]) {
			return false
		}
	}
	return !isSQLKeywordWord(run)
}

// maxSQLKeywordBytes bounds the words that may upper-case to a keyword: strings.ToUpper maps
// rune to rune, a rune is at most 4 bytes and the keywords are ASCII. It keeps sqlRunInert
// linear in runs with many dots.
var maxSQLKeywordBytes = 4 * sqlKeywordMaxLen

// isSQLKeywordWord reports a word the library's table holds, upper-cased as the library does.
func isSQLKeywordWord(w string) bool {
	if len(w) > maxSQLKeywordBytes {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			if !upperASCIIOnly(w[i:]) {
				return false
			}
			return sqlKeywordWords.kind(strings.ToUpper(w)) != 0
		}
	}
	if len(w) > sqlKeywordMaxLen {
		return false
	}
	var buf [64]byte
	if len(w) > len(buf) {
		return sqlKeywordWords.kind(strings.ToUpper(w)) != 0
	}
	up := buf[:len(w)]
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return wordKindOf(sqlKeywordWords, up) != 0
}

// upperASCIIOnly reports whether strings.ToUpper may turn every non-ASCII rune of s into ASCII,
// which a keyword of the table (all ASCII) needs: only U+0131 (dotless i, to 'I') and U+017F
// (long s, to 'S') upper-case to ASCII (TestUpperToASCII); invalid UTF-8 becomes U+FFFD. Words of
// accented text hold other letters: they are not upper-cased (an allocation and a call per rune
// in Go-on-Wasm) to be looked up in vain.
func upperASCIIOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x80 {
			continue
		}
		if !strings.HasPrefix(s[i:], "\u0131") && !strings.HasPrefix(s[i:], "\u017f") {
			return false
		}
		i++ // both are two bytes
	}
	return true
}
