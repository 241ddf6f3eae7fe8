package sanitize

import "strings"

// keywordSet finds whether any of a fixed list of substrings occurs in a value in one pass:
// patterns are bucketed by their first byte, and a bitmap of the byte pairs that open a pattern
// skips most positions without comparing anything, so each position of the value is compared
// only with the few patterns that can start there. Built once at package init.
type keywordSet struct {
	byFirst [256][]string
	// pairs has bit b of word a*4+b/64 set when a pattern starts with bytes a, b; short is set
	// for a first byte that is a whole pattern by itself.
	pairs [256 * 4]uint64
	short [256]bool
}

func newKeywordSet(patterns ...string) *keywordSet {
	k := &keywordSet{}
	for _, p := range patterns {
		if p == "" {
			continue
		}
		k.byFirst[p[0]] = append(k.byFirst[p[0]], p)
		if len(p) == 1 {
			k.short[p[0]] = true
		} else {
			k.pairs[int(p[0])*4+int(p[1])/64] |= 1 << (p[1] % 64)
		}
	}
	return k
}

// mayStart reports whether a pattern can start at index i of s.
func (k *keywordSet) mayStart(s string, i int) bool {
	c := s[i]
	if k.short[c] {
		return true
	}
	if i+1 >= len(s) {
		return false
	}
	d := s[i+1]
	return k.pairs[int(c)*4+int(d)/64]&(1<<(d%64)) != 0
}

// in reports whether some pattern occurs in s.
func (k *keywordSet) in(s string) bool {
	return k.some(s, func(int, string) bool { return true })
}

// some reports whether ok holds for some occurrence of a pattern p at index i of s, in one pass.
func (k *keywordSet) some(s string, ok func(i int, p string) bool) bool {
	for i := 0; i < len(s); i++ {
		if !k.mayStart(s, i) {
			continue
		}
		for _, p := range k.byFirst[s[i]] {
			if strings.HasPrefix(s[i:], p) && ok(i, p) {
				return true
			}
		}
	}
	return false
}

// inAfter reports whether some pattern occurs in c followed by s, without building that string.
func (k *keywordSet) inAfter(c byte, s string) bool {
	if k.short[c] {
		return true
	}
	for _, p := range k.byFirst[c] {
		if len(p) > 1 && strings.HasPrefix(s, p[1:]) {
			return true
		}
	}
	return k.in(s)
}

// someIndex reports whether f holds at some index of s where sub starts, trying them from left
// to right (overlapping ones too): the scan every detector does for its markers. The search is
// linear in s plus the work of f, which each caller bounds.
func someIndex(s, sub string, f func(i int) bool) bool {
	for i := strings.Index(s, sub); i >= 0; {
		if f(i) {
			return true
		}
		k := strings.Index(s[i+1:], sub)
		if k < 0 {
			return false
		}
		i += 1 + k
	}
	return false
}
