package glue

import (
	"strings"
	"unicode/utf8"
)

// foldFilter compares names with one name in any case, as strings.EqualFold does, without the
// fold for most of them. Go on Wasm makes every call costly, and the glue compares a policy's
// header names with each of the request's (sentCount: over a hundred comparisons per jwtauthn
// request, measured in nginx), nearly all of them unequal.
type foldFilter struct {
	want  string
	ascii bool
}

func newFoldFilter(want string) foldFilter {
	ascii := want != ""
	for i := 0; i < len(want); i++ {
		ascii = ascii && want[i] < utf8.RuneSelf
	}
	return foldFilter{want: want, ascii: ascii}
}

// equal is strings.EqualFold(name, f.want). For an ASCII want (header names are):
//   - a shorter name never matches: each of its runes has at least one byte;
//   - a name as long matches only if it is ASCII too (a multi-byte rune would leave it fewer
//     runes than want), and between ASCII strings the fold is the ASCII letters' case;
//   - a longer name can match only through multi-byte runes folding to ASCII letters ("ſ" to s,
//     the Kelvin sign to k): only a name holding a non-ASCII byte goes to strings.EqualFold.
func (f foldFilter) equal(name string) bool {
	if !f.ascii {
		return strings.EqualFold(name, f.want)
	}
	w := f.want
	switch {
	case len(name) < len(w):
		return false
	case len(name) == len(w):
		for i := 0; i < len(w); i++ {
			if c, d := name[i], w[i]; c != d && (!isASCIILetter(c) || c|0x20 != d|0x20) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return strings.EqualFold(name, w)
		}
	}
	return false
}

// firstMayFold reports whether a name starting with byte c may fold to an ASCII name starting
// with d: c is d in either case, or starts a multi-byte rune.
func firstMayFold(c, d byte) bool {
	return c == d || c >= utf8.RuneSelf || isASCIILetter(c) && c|0x20 == d|0x20
}

// count is how many of pairs are named f.want in any case (equal). The names equal rules out
// by their length or first byte are skipped here, without a call per name. namesASCII says every
// name in pairs is ASCII (asciiNames): then only a name as long as an ASCII want can match, and
// the longer ones are skipped without a scan for multi-byte runes.
func (f foldFilter) count(pairs [][2]string, namesASCII bool) int {
	n := 0
	for i := range pairs { // by index: a [2]string copied is a host call (memory.copy) on Wasm
		name := pairs[i][0]
		if f.ascii && (len(name) < len(f.want) || namesASCII && len(name) != len(f.want) ||
			!firstMayFold(name[0], f.want[0])) {
			continue
		}
		if f.equal(name) {
			n++
		}
	}
	return n
}

// asciiNames reports whether every name in pairs is ASCII (foldFilter.count).
func asciiNames(pairs [][2]string) bool {
	for i := range pairs {
		name := pairs[i][0]
		for j := 0; j < len(name); j++ {
			if name[j] >= utf8.RuneSelf {
				return false
			}
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
