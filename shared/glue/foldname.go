package glue

import (
	"strings"
	"unicode/utf8"
	"unsafe"
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
	return foldFilter{want: want, ascii: want != "" && orBytes(want)&highBits == 0}
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
		return sameLengthFold(name, w)
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
// name in pairs is ASCII (indexNames): then only a name as long as an ASCII want can match, and
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

// nameIndex is what sentCount learns of a header list's names, once per stream (indexNames).
type nameIndex struct {
	known bool   // the names were looked at
	ascii bool   // every name is ASCII (foldFilter.count)
	sigs  uint64 // when ascii: the nameSig bits of every name
}

// indexNames looks at every name in pairs.
func indexNames(pairs [][2]string) nameIndex {
	var bytes, sigs uint64
	for i := range pairs { // by index: a [2]string copied is a host call (memory.copy) on Wasm
		name := pairs[i][0]
		bytes |= orBytes(name)
		sigs |= nameSig(name)
	}
	if bytes&highBits != 0 {
		return nameIndex{known: true}
	}
	return nameIndex{known: true, ascii: true, sigs: sigs}
}

// orBytes is the bitwise or of s's bytes, in the lanes of a word: s is ASCII when no lane has its
// top bit set (highBits). Hand-written (as jwtauthn's sameToken): in Go on Wasm every byte read
// and test is an instruction of its own, and a loop's round costs several times its work, while
// a request's names are a hundred bytes and more. So it reads eight bytes at a time and the
// tail as one more word overlapping the last (four bytes twice for a name of four to seven),
// bytes one by one only below four. The unaligned loads are plain i64.load and i32.load on Wasm,
// and allowed on amd64 and arm64 too.
func orBytes(s string) uint64 {
	n := len(s)
	p := unsafe.Pointer(unsafe.StringData(s))
	switch {
	case n >= 8:
		or := load64(p, n-8)
		for i := 0; i < n-8; i += 8 {
			or |= load64(p, i)
		}
		return or
	case n >= 4:
		return uint64(load32(p, 0) | load32(p, n-4))
	}
	var or uint64
	for i := 0; i < n; i++ {
		or |= uint64(s[i])
	}
	return or
}

// sameLengthFold is strings.EqualFold between a name and an ASCII want of the same length (see
// foldFilter.equal), in words as orBytes reads them: the two are equal when each word of one,
// its ASCII capitals lowered (lowerWord), is the other's at the same place.
func sameLengthFold(name, want string) bool {
	n := len(want)
	p, q := unsafe.Pointer(unsafe.StringData(name)), unsafe.Pointer(unsafe.StringData(want))
	switch {
	case n >= 8:
		if lowerWord(load64(p, n-8)) != lowerWord(load64(q, n-8)) {
			return false
		}
		for i := 0; i < n-8; i += 8 {
			if lowerWord(load64(p, i)) != lowerWord(load64(q, i)) {
				return false
			}
		}
		return true
	case n >= 4:
		return lowerWord(uint64(load32(p, 0))) == lowerWord(uint64(load32(q, 0))) &&
			lowerWord(uint64(load32(p, n-4))) == lowerWord(uint64(load32(q, n-4)))
	}
	for i := 0; i < n; i++ {
		if c, d := name[i], want[i]; c != d && (!isASCIILetter(c) || c|0x20 != d|0x20) {
			return false
		}
	}
	return true
}

// highBits is each byte's top bit in a word: set in a byte outside ASCII.
const highBits = 0x8080808080808080

// lowerWord sets the 0x20 bit of each byte of w that is an ASCII capital (A-Z), leaving every
// other byte as it is: one byte's test never carries into the next, as each adds to the byte's
// low seven bits only, and a byte with its top bit set is never a capital.
func lowerWord(w uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	h := w & low7
	atLeastA := h + 0x3f3f3f3f3f3f3f3f // top bit set where the byte is 'A' (0x41) or above
	aboveZ := h + 0x2525252525252525   // top bit set where the byte is above 'Z' (0x5a)
	capital := atLeastA &^ aboveZ &^ w & highBits
	return w | capital>>2 // 0x80 >> 2 is 0x20
}

// load64 and load32 read a little-endian word at p+i, unaligned.
func load64(p unsafe.Pointer, i int) uint64 { return *(*uint64)(unsafe.Add(p, i)) }
func load32(p unsafe.Pointer, i int) uint32 { return *(*uint32)(unsafe.Add(p, i)) }

// nameSig is one bit of 64 chosen by an ASCII name's length and its first and last bytes, the
// letters in either case: names that are equal in any case (as strings.EqualFold, between ASCII
// names, compares them) have the same bit, so a list none of whose names has want's bit holds
// no name equal to want. Any other byte folded with 0x20 as well costs only a false match, which
// the full comparison then rules out.
func nameSig(name string) uint64 {
	n := uint(len(name))
	if n == 0 {
		return 1
	}
	return 1 << ((n + 5*uint(name[0]|0x20) + 3*uint(name[n-1]|0x20)) & 63)
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
