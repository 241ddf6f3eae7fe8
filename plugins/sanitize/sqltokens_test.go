package sanitize

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	_ "unsafe" // go:linkname: the library's keyword table is not exported

	"github.com/corazawaf/libinjection-go"
)

// libinjectionKeywords is libinjection-go's keyword table (sqli_data.go), read by the tests
// only, to check the copy sqlTokensInert uses (sqlKeywordList) and the reasoning it rests on.
//
//go:linkname libinjectionKeywords github.com/corazawaf/libinjection-go.sqlKeywords
var libinjectionKeywords map[string]byte

// fingerprintType is the table's type of its blacklisted fingerprints.
const fingerprintType = 'F'

// TestSQLKeywordListIsLibinjections checks that sqlKeywordList holds exactly the entries of the
// library's table that are not fingerprints, and that no fingerprint can be read as a word (they
// all start with '0', which parseNumber reads, and hold no space, so no phrase is one).
func TestSQLKeywordListIsLibinjections(t *testing.T) {
	if len(libinjectionKeywords) < 1000 {
		t.Fatalf("the library's table has %d entries: the linkname no longer finds it", len(libinjectionKeywords))
	}
	var want []string
	for k, typ := range libinjectionKeywords {
		if typ != fingerprintType {
			want = append(want, k)
			for i := 0; i < len(k); i++ {
				if k[i] >= 0x80 {
					t.Errorf("keyword %q is not ASCII: maxSQLKeywordBytes assumes it is", k)
				}
			}
		} else if !strings.HasPrefix(k, "0") || strings.Contains(k, " ") {
			t.Errorf("fingerprint %q does not start with '0' or holds a space", k)
		}
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(sqlKeywordList))
	if !slices.Equal(got, want) {
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Errorf("sqlKeywordList lacks %q", k)
			}
		}
		for _, k := range got {
			if _, ok := libinjectionKeywords[k]; !ok || libinjectionKeywords[k] == fingerprintType {
				t.Errorf("sqlKeywordList has %q, the library does not", k)
			}
		}
	}
}

// TestSQLInertFingerprints checks that no blacklisted fingerprint is made only of the token
// types sqlTokensInert lets through (upper-cased, as the library looks them up).
func TestSQLInertFingerprints(t *testing.T) {
	n := 0
	for k, typ := range libinjectionKeywords {
		if typ != fingerprintType {
			continue
		}
		n++
		for _, types := range []string{sqlInertTypes, sqlInertVarTypes, sqlInertQuotedTypes} {
			if fp := k[1:]; strings.Trim(fp, strings.ToUpper(types)) == "" {
				t.Errorf("blacklisted fingerprint %q is made of inert types %q only", fp, types)
			}
		}
	}
	if n < 1000 {
		t.Fatalf("%d fingerprints: the linkname no longer finds the table", n)
	}
}

// TestSQLInertOperators checks the operators sqlTokensInert lets through against the table:
// the two-byte lookups of ':', '&' and '=' (parseOperator2) find nothing but the operators "::",
// ":=" and "&=" and the "&&" the gate refuses, and no two inert operators fold into a phrase
// (merge), which could have another type.
func TestSQLInertOperators(t *testing.T) {
	for c := 0; c < 256; c++ {
		if !sqlInertBytes.has(byte(c)) {
			continue
		}
		if typ, ok := libinjectionKeywords[":"+string(byte(c))]; ok && (c != ':' && c != '=' || typ != 'o') {
			t.Errorf("%q is %q in the table", ":"+string(byte(c)), typ)
		}
		if typ, ok := libinjectionKeywords["&"+string(byte(c))]; ok && c != '&' && (c != '=' || typ != 'o') {
			t.Errorf("%q is %q in the table", "&"+string(byte(c)), typ)
		}
		if typ, ok := libinjectionKeywords["="+string(byte(c))]; ok {
			t.Errorf("%q is %q in the table", "="+string(byte(c)), typ)
		}
	}
	ops := []string{"+", "-", "%", "/", "::", "&", "=", ":=", "&="}
	for _, a := range ops {
		for _, b := range ops {
			if _, ok := libinjectionKeywords[a+" "+b]; ok {
				t.Errorf("%q is in the table", a+" "+b)
			}
		}
	}
}

// TestSQLTokensInert pins the gate on values it must skip (prose, SKUs, phone numbers,
// addresses) and on values it must not (keywords, operators that open strings or comments,
// numbers glued to words), and checks libinjection on random inert values built from words,
// keywords, numbers and the inert punctuation.
func TestSQLTokensInert(t *testing.T) {
	for s, want := range map[string]bool{
		"Dublin": true, "TSHIRT-RED-M": true, "+353 1 234 5678": true, "12 Main St.": true, "D02 X285": true,
		"Siobhán Ní Bhriain": true, "10:30, 11:45; 19.99/2": true, "example.ie": true,
		"1e5": true, "5pm": true, "1 union select": false, "a or b": false, "at 5pm": false, "1e5 x": false, "x--": false, "8--": false,
		"O'Brien": true, "Shari'a's": true, `say "hi"`: true, "q'x'": true, "N'abc'": true, "x'41' b'01' e'a'": true, "it's 5 o'clock": true,
		"' or '1'='1": false, "1' union select 1": false, "admin'#": false, "admin'--": false, "a'b,c": false, "a'+b": false, "a';": false,
		"a'(": false, "a' @b": false, "it's-a": false, "`a`'": false, "a'\\'": false,
		"https://www.example.com/search?q=shoes": true, "a?b": true, "a:=b": true, "a&=b": true, "1=1": true, "a==b": true, "x?q=1' or 1=1": false,
		"a@b.ie": true, "siobhan.ni-bhriain@example.ie": false, "a@b;": false, "1 1@x": true, "a@b, c": true,
		"a & b": true, "R&D": true, "a && b": false, "a&&b": false, "a &= b": true, "a & @b": false, "a(b)": false, "select.x": false, ".com": false,
		"ſelect x": false, "Bé ſelect": false, "a/*b": false, "x\x01y": false, "2nd x": false, "a=b": true, "a=b or c": false,
	} {
		v := normalized{text: s, bytes: bytesOf(s)} // not NFKC: "ſ" is read by strings.ToUpper
		if got := sqlTokensInert(&v); got != want {
			t.Errorf("sqlTokensInert(%q) = %v, want %v", s, got, want)
		}
		if ok, fp := libinjection.IsSQLi(s); ok && want {
			t.Errorf("libinjection.IsSQLi(%q) = true (%s), which sqlTokensInert skips", s, fp)
		}
	}
	parts := []string{"union", "select", "or", "and", "1", "0", "0x1", "1e1", "null", "sleep", "is", "not",
		"Dublin", "Main", "St", "x", "_", "é", "ſ", "1.5", ".", "..", " ", "  ", "+", "-", "%", "/", ",", ";", ":", "::",
		"\t", "\xa0", "\xc3\xa0", "a.b", "char", "sys", "at time", "zone", "&", "@", "@@", "@version", "x@y.ie",
		"=", "==", "?", ":=", "&=", "'", "\"", "q'", "Q'", "n'", "N'", "x'", "b'", "e'", "E'", "u'", "'s", "0x", "q'(", "''"}
	r := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for i := 0; i < 300_000; i++ {
		var b strings.Builder
		for n := 1 + r.IntN(8); n > 0; n-- {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		s := b.String()
		v := normalized{text: s, bytes: bytesOf(s)}
		if !sqlTokensInert(&v) {
			continue
		}
		checked++
		if ok, fp := libinjection.IsSQLi(s); ok {
			t.Fatalf("libinjection.IsSQLi(%q) = true (%s), which sqlTokensInert skips", s, fp)
		}
	}
	t.Logf("%d inert values checked", checked)
}

// FuzzSQLTokensInert checks the gate against the library on arbitrary values.
func FuzzSQLTokensInert(f *testing.F) {
	for _, s := range append(fuzzSeeds, "TSHIRT-RED-M", "+353 1 234 5678", "12 Main St.", "1 union select", "a@b.ie", "Tom & Jerry", "1 & 1") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := normalized{text: s, bytes: bytesOf(s)}
		if sqlTokensInert(&v) {
			if ok, fp := libinjection.IsSQLi(s); ok {
				t.Fatalf("libinjection.IsSQLi(%q) = true (%s), which sqlTokensInert skips", s, fp)
			}
		}
	})
}

// TestUpperToASCII pins upperASCIIOnly's premise: the only non-ASCII runes unicode.ToUpper (what
// strings.ToUpper maps with) turns into ASCII are U+0131 and U+017F.
func TestUpperToASCII(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if u := unicode.ToUpper(r); u < 0x80 && r != '\u0131' && r != '\u017f' {
			t.Errorf("unicode.ToUpper(%U) = %q", r, u)
		}
	}
	for s, want := range map[string]bool{"ſelect": true, "unıon": true, "é": false, "ſé": false, "\xff": false, "abc": true, "\xc4": false} {
		if got := upperASCIIOnly(s); got != want {
			t.Errorf("upperASCIIOnly(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzHasDouble checks hasDouble against strings.Contains.
func FuzzHasDouble(f *testing.F) {
	for _, s := range []string{"", "-", "--", "a-b-c", "a--b", "&&", "x&", "&x&&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []byte("-&") {
			if got, want := hasDouble(s, c), strings.Contains(s, string([]byte{c, c})); got != want {
				t.Fatalf("hasDouble(%q, %q) = %v, want %v", s, c, got, want)
			}
		}
	})
}
