package glue

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// TestFoldFilterIsEqualFold: foldFilter.equal (and count) answers as strings.EqualFold on every pair of a
// set of names: cases, lengths, punctuation next to letters (0x40, 0x5b, 0x60, 0x7b fold with
// nothing), runes folding to ASCII ("ſ", the Kelvin sign), non-ASCII and invalid UTF-8 names.
// The index sentCount keeps (indexNames) never rules out a name an ASCII want equals, and
// carries (a response's headers) finds what strings.EqualFold finds.
func TestFoldFilterIsEqualFold(t *testing.T) {
	base := []string{"", "a", "A", "k", "K", "\u212a", "s", "ſ", "x-user", "X-User", "x-uſer", "x-user-email",
		"authorization", "Authorization", "AUTHORIZATION", "@uthorization", "[", "{", "`", "@", ":path", ":PATH",
		"x-wasmward-identity", "x-waſmward-identity", "ß", "ẞ", "é", "É", "\xff", "\xc5", "x\xffuser", "1x-user",
		"-x-user", "x-use", "x-userr", "\u212a-key", "k-key", "K-KEY"}
	var names []string
	for _, a := range base {
		names = append(names, a, strings.ToUpper(a), strings.ToLower(a), a+"x", "x"+a)
	}
	var pairs [][2]string
	for _, name := range names {
		pairs = append(pairs, [2]string{name, "v"})
	}
	var asciiPairs [][2]string // the ASCII names only, which count may rule out by length
	for _, p := range pairs {
		if indexNames([][2]string{p}).ascii {
			asciiPairs = append(asciiPairs, p)
		}
	}
	if indexNames(pairs).ascii || len(asciiPairs) == len(pairs) || !indexNames(asciiPairs).ascii {
		t.Fatal("indexNames: the set holds both ASCII and other names")
	}
	asciiCount := func(want string) int {
		n := 0
		for _, p := range asciiPairs {
			if strings.EqualFold(p[0], want) {
				n++
			}
		}
		return n
	}
	for _, want := range names {
		f := newFoldFilter(want)
		n := 0
		for _, name := range names {
			got, exp := f.equal(name), strings.EqualFold(name, want)
			if got != exp {
				t.Errorf("newFoldFilter(%q).equal(%q) = %v, strings.EqualFold says %v", want, name, got, exp)
			}
			if exp {
				n++
			}
		}
		for _, p := range asciiPairs {
			if f.ascii && strings.EqualFold(p[0], want) && indexNames([][2]string{p}).sigs&nameSig(want) == 0 {
				t.Errorf("indexNames rules out %q, which equals %q", p[0], want)
			}
		}
		if got := f.count(pairs, indexNames(pairs).ascii); got != n {
			t.Errorf("newFoldFilter(%q).count = %d, strings.EqualFold finds %d", want, got, n)
		}
		if got := f.count(asciiPairs, true); got != asciiCount(want) {
			t.Errorf("newFoldFilter(%q).count(ASCII names) = %d, strings.EqualFold finds %d", want, got, asciiCount(want))
		}
		for _, name := range names {
			if got, exp := carries(policy.Headers{{Name: "other"}, {Name: name}}, want), strings.EqualFold(name, want); got != exp {
				t.Errorf("carries([other %q], %q) = %v, strings.EqualFold says %v", name, want, got, exp)
			}
		}
	}
}

// TestIndexNamesFindsEveryNonASCIIByte: a byte outside ASCII at any position of a name of any
// length (in the eight-byte words orBytes reads or in their tail) makes the list non-ASCII.
func TestIndexNamesFindsEveryNonASCIIByte(t *testing.T) {
	for n := 1; n <= 24; n++ {
		name := strings.Repeat("a", n)
		if !indexNames([][2]string{{"host", "v"}, {name, "v"}}).ascii {
			t.Fatalf("%q read as non-ASCII", name)
		}
		for i := 0; i < n; i++ {
			b := []byte(name)
			b[i] = 0x80
			if indexNames([][2]string{{"host", "v"}, {string(b), "v"}}).ascii {
				t.Errorf("%q read as ASCII", b)
			}
		}
	}
}

// FuzzFoldFilter: foldFilter.equal is strings.EqualFold, and orBytes has a byte's top bit set
// exactly when the name holds a byte outside ASCII, for any two names.
func FuzzFoldFilter(f *testing.F) {
	for _, p := range [][2]string{{"Authorization", "authorization"}, {"x-user", "X-USER"}, {"@[`{", "`{@["},
		{"x-\u212aey", "x-key"}, {"aaaaaaaaZ", "aaaaaaaaz"}, {"abcdefghijklmnopq", "ABCDEFGHIJKLMNOPQ"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, name, want string) {
		if got, exp := newFoldFilter(want).equal(name), strings.EqualFold(name, want); got != exp {
			t.Fatalf("newFoldFilter(%q).equal(%q) = %v, strings.EqualFold says %v", want, name, got, exp)
		}
		ascii := true
		for i := 0; i < len(name); i++ {
			ascii = ascii && name[i] < 0x80
		}
		if got := orBytes(name)&highBits == 0; got != ascii {
			t.Fatalf("orBytes(%q) reads ASCII %v", name, got)
		}
	})
}
