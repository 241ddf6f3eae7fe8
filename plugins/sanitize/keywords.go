package sanitize

import "strings"

// keywordSet finds whether any of a fixed list of substrings occurs in a value in one pass:
// patterns are bucketed by their first byte, so each position of the value is compared only
// with the few patterns that can start there, and a bitmap of the patterns' first two bytes
// skips most positions without looking at a bucket. Built once at package init. (Hand-written:
// the lists are small and fixed, and this is a few lines where an Aho-Corasick library would be
// a dependency for the same linear scan.)
type keywordSet struct {
	byFirst [256][]string
	// pairs has bit b of pairs[a] set when a pattern starts with the bytes a, b; short holds
	// the first bytes of one-byte patterns.
	pairs [256][4]uint64
	short byteSet
}

func newKeywordSet(patterns ...string) *keywordSet {
	k := &keywordSet{}
	for _, p := range patterns {
		switch len(p) {
		case 0:
			continue
		case 1:
			k.short[p[0]>>6] |= 1 << (p[0] & 63)
		default:
			k.pairs[p[0]][p[1]>>6] |= 1 << (p[1] & 63)
		}
		k.byFirst[p[0]] = append(k.byFirst[p[0]], p)
	}
	return k
}

// in reports whether some pattern occurs in s.
func (k *keywordSet) in(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if k.short.has(c) {
			return true
		}
		if i+1 == len(s) {
			break
		}
		if d := s[i+1]; k.pairs[c][d>>6]&(1<<(d&63)) == 0 {
			continue
		}
		for _, p := range k.byFirst[c] {
			if strings.HasPrefix(s[i:], p) {
				return true
			}
		}
	}
	return false
}

// inAfter reports whether some pattern occurs in c followed by s, without building that string.
func (k *keywordSet) inAfter(c byte, s string) bool {
	if k.short.has(c) {
		return true
	}
	for _, p := range k.byFirst[c] {
		if len(p) > 1 && strings.HasPrefix(s, p[1:]) {
			return true
		}
	}
	return k.in(s)
}

// Replacers built once (building one per call cost more than the detectors using them).
var (
	dropWhitespace = strings.NewReplacer(" ", "", "\t", "", "\n", "", "\r", "") // spaces, tabs, line breaks
	dropBlanks     = strings.NewReplacer(" ", "", "\t", "")                     // spaces and tabs
)
