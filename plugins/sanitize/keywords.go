package sanitize

import "strings"

// keywordSet finds whether any of a fixed list of substrings occurs in a value in one pass:
// patterns are bucketed by their first byte, and a bitmap of the bytes that follow it in a
// pattern skips most positions without comparing anything, so each position of the value is
// compared only with the few patterns that can start there. Built once at package init. Only the
// bytes that open a pattern get a bucket: full 256-entry tables took 15 KB per set, resident in
// every worker for good (a VM's heap pages never return; docs/performance.md).
type keywordSet struct {
	// first numbers the bytes that open a pattern from 1; heads[0], for the others, is empty.
	first [256]uint16
	heads []keywordHead
}

// keywordHead is the bucket of the patterns opening with one byte.
type keywordHead struct {
	patterns []string
	// second has bit b%64 of word b/64 set when a pattern is this byte then b; short is set when
	// the byte is a whole pattern by itself.
	second [4]uint64
	short  bool
}

func newKeywordSet(patterns ...string) *keywordSet {
	k := &keywordSet{heads: make([]keywordHead, 1)}
	for _, p := range patterns {
		if p == "" {
			continue
		}
		if k.first[p[0]] == 0 {
			k.first[p[0]] = uint16(len(k.heads))
			k.heads = append(k.heads, keywordHead{})
		}
		h := &k.heads[k.first[p[0]]]
		h.patterns = append(h.patterns, p)
		if len(p) == 1 {
			h.short = true
		} else {
			h.second[p[1]/64] |= 1 << (p[1] % 64)
		}
	}
	return k
}

// list returns the patterns of k by first byte (for a gate's keywords, detect.go).
func (k *keywordSet) list() []string {
	var out []string
	for _, i := range k.first {
		if i != 0 {
			out = append(out, k.heads[i].patterns...)
		}
	}
	return out
}

// mayStart reports whether a pattern can start at index i of s.
func (k *keywordSet) mayStart(s string, i int) bool {
	h := &k.heads[k.first[s[i]]]
	if h.short {
		return true
	}
	if i+1 >= len(s) {
		return false
	}
	d := s[i+1]
	return h.second[d/64]&(1<<(d%64)) != 0
}

// in reports whether some pattern occurs in s.
func (k *keywordSet) in(s string) bool {
	return k.some(s, func(int, string) bool { return true })
}

// some reports whether ok holds for some occurrence of a pattern p at index i of s, in one pass.
// A pattern's second byte is compared before the whole pattern: in Go on Wasm each comparison
// of strings is a call, and most patterns of a bucket differ from the value there.
func (k *keywordSet) some(s string, ok func(i int, p string) bool) bool {
	for i := 0; i < len(s); i++ {
		if k.first[s[i]] == 0 || !k.mayStart(s, i) {
			continue
		}
		rest := s[i:]
		for _, p := range k.heads[k.first[s[i]]].patterns {
			if len(p) <= len(rest) && (len(p) == 1 || p[1] == rest[1]) && rest[:len(p)] == p && ok(i, p) {
				return true
			}
		}
	}
	return false
}

// inAfter reports whether some pattern occurs in c followed by s, without building that string.
func (k *keywordSet) inAfter(c byte, s string) bool {
	h := &k.heads[k.first[c]]
	if h.short {
		return true
	}
	for _, p := range h.patterns {
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
// group a bit of the result, so that the detectors' gates (detect.go) ask a bitmask instead of
// each scanning the value for its own list: an Aho-Corasick automaton compiled to a DFA (one
// table lookup per byte). Bytes no pattern holds share one class, so do the ten digits, and
// patterns are cut to their first matcherPrefix bytes, which keeps the table small (about
// 1,900 states × 69 byte classes, 260 KB, here): the matcher may then report a group on a value
// holding only a pattern's prefix or other digits, which a gate, a necessary condition, allows.
//
// Hand-written: the Go Aho-Corasick package at hand (github.com/petar-dambovaliev/aho-corasick,
// in go.sum through Coraza) allocates on every search (the haystack as []byte, the iterator,
// each match) and dispatches through interfaces on every byte, which in Go on Wasm costs more
// than the scans it would replace; this walk allocates nothing.
type keywordMatcher struct {
	class   [256]uint8
	classes int
	// next is the transition table, state*classes + class; out the groups found on entering
	// a state (its patterns' and those of its failure chain).
	next []uint16
	out  []uint64
	// overflow is set when the patterns need more states than uint16 numbers: the matcher then
	// reports every group on every value (a gate passes, never fails wrongly).
	overflow bool
}

// matcherPrefix is the length patterns are cut to.
const matcherPrefix = 6

// newKeywordMatcher builds the automaton of groups: group i's patterns set bit i.
func newKeywordMatcher(groups [][]string) *keywordMatcher {
	m := &keywordMatcher{classes: 1}
	for _, patterns := range groups {
		for _, p := range patterns {
			for i := 0; i < len(p) && i < matcherPrefix; i++ {
				if m.class[p[i]] != 0 {
					continue
				}
				if c := p[i]; c >= '0' && c <= '9' {
					for d := '0'; d <= '9'; d++ {
						m.class[d] = uint8(m.classes)
					}
				} else {
					m.class[c] = uint8(m.classes)
				}
				m.classes++
			}
		}
	}
	// The trie is built in the table itself (a state per distinct pattern prefix, counted first
	// so that the table is allocated once at its size), then failure links breadth first (a
	// state's failure is the longest proper suffix of its path that is a path too), filling in
	// each missing transition as its failure's while the state is visited.
	prefixes := map[string]bool{}
	for _, patterns := range groups {
		for _, p := range patterns {
			for i := 1; i <= len(p) && i <= matcherPrefix; i++ {
				prefixes[m.classesOf(p[:i])] = true
			}
		}
	}
	states := 1 + len(prefixes)
	if states > 1<<16 {
		m.overflow = true // too many states for uint16: every group is reported
		return m
	}
	m.next = make([]uint16, states*m.classes)
	m.out = make([]uint64, states)
	used := 1
	for g, patterns := range groups {
		for _, p := range patterns {
			n := 0
			for i := 0; i < len(p) && i < matcherPrefix; i++ {
				t := &m.next[n*m.classes+int(m.class[p[i]])]
				if *t == 0 {
					*t = uint16(used)
					used++
				}
				n = int(*t)
			}
			if n != 0 {
				m.out[n] |= 1 << g
			}
		}
	}
	fail := make([]uint16, states)
	queue := make([]uint16, 1, states)
	for len(queue) > 0 {
		n := int(queue[0])
		queue = queue[1:]
		m.out[n] |= m.out[fail[n]]
		for k := 0; k < m.classes; k++ {
			t := &m.next[n*m.classes+k]
			switch {
			case *t == 0 && n != 0:
				*t = m.next[int(fail[n])*m.classes+k]
			case *t != 0:
				if n != 0 {
					fail[*t] = m.next[int(fail[n])*m.classes+k]
				}
				queue = append(queue, *t)
			}
		}
	}
	return m
}

// classesOf is s with every byte replaced by its class, the trie path s takes.
func (m *keywordMatcher) classesOf(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[i] = m.class[s[i]]
	}
	return string(b)
}

// groups returns the bits of the groups with a pattern occurring in s.
func (m *keywordMatcher) groups(s string) uint64 {
	if m.overflow {
		return ^uint64(0)
	}
	var found uint64
	n := 0
	for i := 0; i < len(s); i++ {
		n = int(m.next[n*m.classes+int(m.class[s[i]])])
		found |= m.out[n]
	}
	return found
}
