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

// list returns the patterns of k (for a gate's keywords, detect.go).
func (k *keywordSet) list() []string {
	var out []string
	for _, bucket := range k.byFirst {
		out = append(out, bucket...)
	}
	return out
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

// keywordMatcher finds in one pass over a value which groups of substrings occur in it, each
// group a bit of the result: an Aho-Corasick automaton over every group's patterns, so that the
// detectors' gates (detect.go) ask a bitmask instead of each scanning the value for its own list.
// The root has a transition for every byte; other nodes keep their few children in a list, and
// a node's output holds the groups of every pattern ending there or at its failure chain.
//
// Hand-written: the Go Aho-Corasick package at hand (github.com/petar-dambovaliev/aho-corasick,
// in go.sum through Coraza) allocates on every search (the haystack as []byte, the iterator,
// each match) and dispatches through interfaces on every byte, which in Go on Wasm costs more
// than the scans it would replace; this walk allocates nothing and does a table lookup per byte.
type keywordMatcher struct {
	root  [256]int32
	fail  []int32
	out   []uint64
	first []int32 // node i's children are edges first[i]:first[i+1]
	label []byte
	next  []int32
}

// newKeywordMatcher builds the automaton of groups: group i's patterns set bit i.
func newKeywordMatcher(groups [][]string) *keywordMatcher {
	children := []map[byte]int32{{}}
	out := []uint64{0}
	for g, patterns := range groups {
		for _, p := range patterns {
			n := int32(0)
			for i := 0; i < len(p); i++ {
				c, ok := children[n][p[i]]
				if !ok {
					c = int32(len(children))
					children = append(children, map[byte]int32{})
					out = append(out, 0)
					children[n][p[i]] = c
				}
				n = c
			}
			if n != 0 {
				out[n] |= 1 << g
			}
		}
	}
	m := &keywordMatcher{fail: make([]int32, len(children)), out: out, first: make([]int32, len(children)+1)}
	for c, n := range children[0] {
		m.root[c] = n
	}
	// Breadth first: a node's failure is the longest proper suffix of its path that is a path
	// too, found from its parent's failure.
	queue := make([]int32, 0, len(children))
	for _, n := range children[0] {
		queue = append(queue, n)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		m.out[n] |= m.out[m.fail[n]]
		for c, child := range children[n] {
			f := m.fail[n]
			for f != 0 && children[f][c] == 0 {
				f = m.fail[f]
			}
			m.fail[child] = children[f][c]
			queue = append(queue, child)
		}
	}
	for n := range children {
		m.first[n] = int32(len(m.label))
		for c, child := range children[n] {
			m.label = append(m.label, c)
			m.next = append(m.next, child)
		}
	}
	m.first[len(children)] = int32(len(m.label))
	return m
}

// groups returns the bits of the groups with a pattern occurring in s.
func (m *keywordMatcher) groups(s string) uint64 {
	var found uint64
	n := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		for n != 0 && !m.step(&n, c) {
			n = m.fail[n]
		}
		if n == 0 {
			n = m.root[c]
		}
		found |= m.out[n]
	}
	return found
}

// step moves node *n to its child on c, if it has one.
func (m *keywordMatcher) step(n *int32, c byte) bool {
	for e := m.first[*n]; e < m.first[*n+1]; e++ {
		if m.label[e] == c {
			*n = m.next[e]
			return true
		}
	}
	return false
}
