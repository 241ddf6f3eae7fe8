package glue

import (
	"strings"
	"testing"
)

// TestFoldFilterIsEqualFold: foldFilter.equal (and count) answers as strings.EqualFold on every pair of a
// set of names: cases, lengths, punctuation next to letters (0x40, 0x5b, 0x60, 0x7b fold with
// nothing), runes folding to ASCII ("ſ", the Kelvin sign), non-ASCII and invalid UTF-8 names.
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
		if asciiNames([][2]string{p}) {
			asciiPairs = append(asciiPairs, p)
		}
	}
	if asciiNames(pairs) || len(asciiPairs) == len(pairs) || !asciiNames(asciiPairs) {
		t.Fatal("asciiNames: the set holds both ASCII and other names")
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
		if got := f.count(pairs, asciiNames(pairs)); got != n {
			t.Errorf("newFoldFilter(%q).count = %d, strings.EqualFold finds %d", want, got, n)
		}
		if got := f.count(asciiPairs, true); got != asciiCount(want) {
			t.Errorf("newFoldFilter(%q).count(ASCII names) = %d, strings.EqualFold finds %d", want, got, asciiCount(want))
		}
	}
}
