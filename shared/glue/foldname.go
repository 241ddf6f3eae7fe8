package glue

import (
	"strings"
	"unicode/utf8"
)

// foldFilter rules out, without strings.EqualFold, most names that cannot equal one name in any
// case. Go on Wasm makes every call costly, and the glue compares a policy's header names with
// each of the request's (sentCount: about a hundred folds per jwtauthn request, measured in
// nginx), nearly all of them unequal.
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

// equal is strings.EqualFold(name, f.want). For an ASCII want (header names are) a name folding
// to it is at least as long (each of its runes has at least one byte) and starts with want's
// first character in either case, or with a multi-byte rune (the only non-ASCII runes folding to
// ASCII letters, "ſ" to s and the Kelvin sign to k, have two and three bytes): other names are
// answered without the fold.
func (f foldFilter) equal(name string) bool {
	if f.ascii {
		if len(name) < len(f.want) {
			return false
		}
		c, w := name[0], f.want[0]
		if c != w && c < utf8.RuneSelf && !(isASCIILetter(c) && c|0x20 == w|0x20) {
			return false
		}
	}
	return strings.EqualFold(name, f.want)
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
