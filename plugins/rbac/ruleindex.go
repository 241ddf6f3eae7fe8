package rbac

import (
	"strings"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

// The rule index skips rules that cannot match a request's path. At Parse, each rule gets a
// necessary condition from its permissions: the set of first path segments it can match
// ("/orders/7" has first segment "orders"), derived from literal exact / prefix / template
// paths; a rule whose permissions do not pin the first segment is unconstrained. A request
// then walks only the rules of its first segment, in config order, so the evaluation order and
// every decision are exactly those of walking all rules (TestRuleIndexAgreesWithFullScan).

// maxIndexEntries bounds the index's memory; past it, every request walks every rule.
const maxIndexEntries = 1 << 16

// ruleList is one action's rules in config order, with their first-segment index.
type ruleList struct {
	all   []*rule
	bySeg map[string][]*rule // first segment → candidate rules; nil: no index
	other []*rule            // unconstrained rules: for segments no rule names
}

// build computes the index once all rules are added.
func (l *ruleList) build() {
	type constraint struct {
		segs []string
		ok   bool
	}
	cons := make([]constraint, len(l.all))
	segSet := map[string]bool{}
	for i, r := range l.all {
		segs, ok := firstSegments(r.m)
		cons[i] = constraint{segs, ok}
		if !ok {
			l.other = append(l.other, r)
		}
		for _, s := range segs {
			segSet[s] = true
		}
	}
	if len(segSet)*len(l.other) > maxIndexEntries {
		l.other = nil
		return
	}
	l.bySeg = make(map[string][]*rule, len(segSet))
	for s := range segSet {
		var list []*rule
		for i, r := range l.all {
			if !cons[i].ok || contains(cons[i].segs, s) {
				list = append(list, r)
			}
		}
		l.bySeg[s] = list
	}
}

// candidates returns the rules that may match a request whose path is path.
func (l *ruleList) candidates(path string) []*rule {
	if l.bySeg == nil {
		return l.all
	}
	if len(path) == 0 || path[0] != '/' {
		return l.other // every constrained rule needs a path starting with /
	}
	seg := path[1:]
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	if list, ok := l.bySeg[seg]; ok {
		return list
	}
	return l.other
}

// firstSegments returns the first path segments m can match, ok=false when m does not pin it.
func firstSegments(m matcher) (segs []string, ok bool) {
	switch m := m.(type) {
	case pathMatcher:
		return pathFirstSegment(&m.m)
	case roleGrant:
		return firstSegments(m.perms)
	case andMatcher: // any pinned conjunct is a necessary condition
		for _, sub := range m {
			if segs, ok := firstSegments(sub); ok {
				return segs, true
			}
		}
		return nil, false
	case orMatcher: // every alternative must be pinned
		for _, sub := range m {
			s, ok := firstSegments(sub)
			if !ok {
				return nil, false
			}
			segs = append(segs, s...)
		}
		return segs, len(m) > 0
	}
	return nil, false
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
