package rbac

import (
	"slices"
	"strings"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

// The rule index skips rules that cannot match a request. At Parse, each rule gets a necessary
// condition from its permissions (which every rule evaluates first, before any principal or
// condition):
//   - the set of first path segments it can match ("/orders/7" has first segment "orders"),
//     derived from literal exact / prefix / template paths;
//   - else the hosts it can match, from exact hosts and suffixes that start at a label
//     (".tenant-7.example"): a request's normalized host names the rules its host can match;
//   - else none: the rule is unconstrained.
//
// A request then walks only its first segment's rules, the rules its host names and the
// unconstrained ones, in config order, so the evaluation order and every decision are exactly
// those of walking all rules (TestRuleIndexAgreesWithFullScan, FuzzEvaluate).

// maxIndexEntries bounds the index's memory; past it, every request walks every rule.
const maxIndexEntries = 1 << 16

// ruleList is one action's rules in config order, with their index.
type ruleList struct {
	all   []*rule
	bySeg map[string]*segRules // first segment → candidate rules (host-pinned ones aside); nil: no index
	other []*rule              // rules pinned by neither segment nor host: for segments no rule names
	// hosts holds the rules pinned by their host, nil when none is.
	hosts *hostIndex
	// What the last requests looked up, for the next (a Policy evaluates one request at a
	// time): in Go on Wasm a string's hash is a slow loop, and consecutive requests mostly
	// share their first segment and host. seg is the last first segment (bySeg's own key, or a
	// copy: the request's strings may point into the host's buffers) with its rules segList;
	// hits are the rules the host hitsHost (a copy) pins; merged is the last candidate list
	// built with them (withHostRules).
	seg, hitsHost       string
	segList             []*rule
	segKnown, hitsKnown bool
	hits, merged        []*rule
}

// segRules is the candidate rules of a first segment.
type segRules struct {
	seg   string
	rules []*rule
}

// hostIndex finds the rules whose permissions pin the host: exact hosts, and suffixes that
// start with a dot, by their number of labels.
type hostIndex struct {
	exact    map[string][]*rule
	suffix   map[string][]*rule
	suffixes []int   // the dot counts of the suffixes, each once
	all      []*rule // every rule pinned by its host, in config order
}

// build computes the index once all rules are added.
func (l *ruleList) build() {
	type constraint struct {
		segs []string
		ok   bool
		host bool // pinned by its host instead
	}
	cons := make([]constraint, len(l.all))
	segSet := map[string]bool{}
	var hosts hostIndex
	var other []*rule
	for i, r := range l.all {
		r.order = i
		segs, ok := firstSegments(r.m)
		cons[i] = constraint{segs: segs, ok: ok, host: !ok && hosts.add(r)}
		if !ok && !cons[i].host {
			other = append(other, r)
		}
		for _, s := range segs {
			segSet[s] = true
		}
	}
	if len(segSet)*len(other) > maxIndexEntries {
		return
	}
	if hosts.exact != nil {
		l.hosts = &hosts
	}
	l.other = other
	l.bySeg = make(map[string]*segRules, len(segSet))
	for s := range segSet {
		var list []*rule
		for i, r := range l.all {
			if cons[i].ok && slices.Contains(cons[i].segs, s) || !cons[i].ok && !cons[i].host {
				list = append(list, r)
			}
		}
		l.bySeg[s] = &segRules{s, list}
	}
}

// candidates returns the rules that may match the request c evaluates, in config order.
func (l *ruleList) candidates(c *evalCtx) []*rule {
	if l.bySeg == nil {
		return l.all
	}
	list := l.other // every segment-pinned rule needs a path starting with /
	if path := c.path; len(path) > 0 && path[0] == '/' {
		seg := path[1:]
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			seg = seg[:i]
		}
		if !l.segKnown || seg != l.seg {
			if e, ok := l.bySeg[seg]; ok {
				l.seg, l.segList = e.seg, e.rules
			} else {
				l.seg, l.segList = strings.Clone(seg), l.other
			}
			l.segKnown = true
		}
		list = l.segList
	}
	if l.hosts == nil {
		return list
	}
	return l.withHostRules(list, c.req.NormalizedHost())
}

// add pins r by the hosts its permissions can match; false when they do not pin it.
func (h *hostIndex) add(r *rule) bool {
	pins, ok := hostPins(r.m)
	if !ok {
		return false
	}
	if h.exact == nil {
		h.exact, h.suffix = map[string][]*rule{}, map[string][]*rule{}
	}
	h.all = append(h.all, r)
	for _, s := range pins.exact {
		if !slices.Contains(h.exact[s], r) {
			h.exact[s] = append(h.exact[s], r)
		}
	}
	for _, s := range pins.suffix {
		if !slices.Contains(h.suffix[s], r) {
			h.suffix[s] = append(h.suffix[s], r)
		}
		if n := strings.Count(s, "."); !slices.Contains(h.suffixes, n) {
			h.suffixes = append(h.suffixes, n)
		}
	}
	return true
}

// withHostRules returns list with the rules host pins added, in config order: list itself when
// host pins none, else l.merged, rebuilt (a Policy evaluates one request at a time).
func (l *ruleList) withHostRules(list []*rule, host string) []*rule {
	if !l.hitsKnown || host != l.hitsHost {
		l.hits, l.hitsHost, l.hitsKnown = l.hosts.pinned(l.hits[:0], host), strings.Clone(host), true
	}
	hits := l.hits
	if len(hits) == 0 {
		return list
	}
	out := l.merged[:0]
	for len(list) > 0 || len(hits) > 0 { // two lists in config order, merged
		if len(hits) == 0 || len(list) > 0 && list[0].order < hits[0].order {
			out, list = append(out, list[0]), list[1:]
		} else {
			out, hits = append(out, hits[0]), hits[1:]
		}
	}
	l.merged = out
	return out
}

// pinned appends to hits the rules host pins, in config order. A host with a byte outside ASCII
// pins every host-pinned rule: strings.EqualFold, which host matchers use, folds some multi-byte
// runes to ASCII letters (the Kelvin sign to k), so "\u212aube.example" matches the exact host
// "kube.example", and no lookup by bytes finds that.
func (h *hostIndex) pinned(hits []*rule, host string) []*rule {
	if !isASCII(host) {
		return append(hits, h.all...)
	}
	hits = appendNew(hits, h.exact[host])
	for _, dots := range h.suffixes {
		if s, ok := labelSuffix(host, dots); ok {
			hits = appendNew(hits, h.suffix[s])
		}
	}
	slices.SortFunc(hits, func(a, b *rule) int { return a.order - b.order })
	return hits
}

// appendNew appends the rules of rs that list does not hold yet.
func appendNew(list, rs []*rule) []*rule {
	for _, r := range rs {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	return list
}

// labelSuffix is host from its dots-th last dot on (".b.c" for "a.b.c" and 2); false when host
// has fewer dots. A host ends with a suffix of that many dots that starts with a dot exactly
// when this is the suffix.
func labelSuffix(host string, dots int) (string, bool) {
	i := len(host)
	for ; dots > 0; dots-- {
		if i = strings.LastIndexByte(host[:i], '.'); i < 0 {
			return "", false
		}
	}
	return host[i:], true
}

// hostPinSet is the exact hosts and the label suffixes a matcher can match.
type hostPinSet struct{ exact, suffix []string }

// hostPins returns the hosts m can match, ok=false when m does not pin the host.
func hostPins(m matcher) (hostPinSet, bool) {
	return necessary(m, func(m matcher) (hostPinSet, bool) {
		if h, ok := m.(hostMatcher); ok {
			return hostPin(&h.m)
		}
		return hostPinSet{}, false
	}, func(a, b hostPinSet) hostPinSet {
		return hostPinSet{append(a.exact, b.exact...), append(a.suffix, b.suffix...)}
	})
}

// hostPin pins an exact host or a suffix starting with a dot, of ASCII. The host
// matched is the normalized one (policy.Request.NormalizedHost: ASCII lower-cased), and for an
// ASCII host (see pinned) a case-insensitive comparison (strings.EqualFold) with an ASCII
// pattern holds only for bytes equal but for case: here, for bytes equal.
func hostPin(m *strMatcher) (hostPinSet, bool) {
	for i := 0; i < len(m.s); i++ {
		if c := m.s[i]; c >= 0x80 || !m.ignoreCase && c >= 'A' && c <= 'Z' {
			return hostPinSet{}, false
		}
	}
	s := strings.ToLower(m.s) // ASCII: what a case-insensitive pattern matches, lower-cased
	switch {
	case m.op == opExact:
		return hostPinSet{exact: []string{s}}, true
	case m.op == opSuffix && strings.HasPrefix(s, "."):
		return hostPinSet{suffix: []string{s}}, true
	}
	return hostPinSet{}, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// firstSegments returns the first path segments m can match, ok=false when m does not pin it.
func firstSegments(m matcher) (segs []string, ok bool) {
	return necessary(m, func(m matcher) ([]string, bool) {
		if p, ok := m.(pathMatcher); ok {
			return pathFirstSegment(&p.m)
		}
		return nil, false
	}, func(a, b []string) []string { return append(a, b...) })
}

// necessary finds in m a necessary condition that leaf finds in a single matcher: one of an
// and's conjuncts (the first that has one), every alternative of an or (joined), a role's
// permissions. Negations and everything else have none.
func necessary[T any](m matcher, leaf func(matcher) (T, bool), join func(a, b T) T) (T, bool) {
	var none T
	switch m := m.(type) {
	case roleGrant:
		return necessary(m.perms, leaf, join)
	case andMatcher:
		for _, sub := range m {
			if v, ok := necessary(sub, leaf, join); ok {
				return v, true
			}
		}
		return none, false
	case orMatcher:
		var all T
		for _, sub := range m {
			v, ok := necessary(sub, leaf, join)
			if !ok {
				return none, false
			}
			all = join(all, v)
		}
		return all, len(m) > 0
	}
	return leaf(m)
}

// pathFirstSegment pins the first segment of a case-sensitive exact, prefix or template path.
// A segment with an upper-case letter is not pinned: a request path lower-cased for a
// case-insensitive upstream (paths.caseInsensitive) must still find the rule.
func pathFirstSegment(m *strMatcher) ([]string, bool) {
	segs, ok := literalFirstSegment(m)
	if !ok || pathnorm.Fold(segs[0]) != segs[0] {
		return nil, false
	}
	return segs, true
}

// literalFirstSegment is the first segment an exact, prefix or template path pins.
func literalFirstSegment(m *strMatcher) ([]string, bool) {
	if m.ignoreCase {
		return nil, false
	}
	switch m.op {
	case opExact, opPrefix:
		if !strings.HasPrefix(m.s, "/") {
			return nil, false
		}
		rest := m.s[1:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return []string{rest[:i]}, true
		}
		if m.op == opExact {
			return []string{rest}, true
		}
	case opTemplate:
		if len(m.tmpl) > 0 && m.tmpl[0] != "*" && m.tmpl[0] != "**" {
			return []string{m.tmpl[0]}, true
		}
	}
	return nil, false
}
