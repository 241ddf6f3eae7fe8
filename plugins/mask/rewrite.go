package mask

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// errNotJSON is returned by rewrite for a body that is not valid JSON; the body passes untouched.
var errNotJSON = errors.New("body is not valid JSON")

// rule is one compiled entry of rules[].
type rule struct {
	index       int // position in rules[], for the fired set
	id          string
	action      string
	replacement string
	keepLast    int
	paths       []string
	detectors   []detector
}

// ruleSet is the rules that apply in one direction (request or response bodies), in config order.
type ruleSet struct {
	rules     []*rule
	detecting []*rule // the rules with detectors or patterns
	tok       **tokenizer
}

// tagged is a detector match and the rule that found it.
type tagged struct {
	span
	r *rule
}

// rewriter is the state of one body rewrite.
type rewriter struct {
	set      *ruleSet
	selected map[int]*rule // value offset in the body → the first rule whose path selects it
	offsets  []int         // the keys of selected, sorted
	out      []byte
	fired    []bool // by rule index
	matches  []tagged
	scratch  []span
}

// rewrite applies the set's rules to a JSON body. It returns the new body and, by rule index,
// which rules changed something; changed is false (and out nil) when nothing matched. The output
// is always valid JSON: untouched values are copied verbatim from the validated input and every
// value the rules produce is a freshly encoded JSON string.
func (set *ruleSet) rewrite(body []byte, nrules int) (out []byte, fired []bool, changed bool, err error) {
	if !gjson.ValidBytes(body) {
		return nil, nil, false, errNotJSON
	}
	// Offsets from gjson.Get and from walking gjson.Parse agree only when the value starts at 0.
	src := strings.TrimLeft(string(body), " \t\r\n")
	w := &rewriter{set: set, fired: make([]bool, nrules)}
	for _, r := range set.rules {
		for _, p := range r.paths {
			w.selectPath(src, p, r)
		}
	}
	slices.Sort(w.offsets)
	if len(w.selected) == 0 && len(set.detecting) == 0 {
		return nil, nil, false, nil
	}
	w.out = make([]byte, 0, len(body)+len(body)/8)
	if w.value(gjson.Parse(src), nil) {
		w.out = append(w.out[:0], "null"...)
	}
	if !slices.Contains(w.fired, true) {
		return nil, nil, false, nil
	}
	return w.out, w.fired, true, nil
}

// selectPath records the offsets of the values path selects. gjson reports Index 0 for values it
// synthesised (modifiers, nested '#' results); those select nothing, and the top-level value
// (offset 0 too) cannot be selected by a path.
func (w *rewriter) selectPath(src, path string, r *rule) {
	res := gjson.Get(src, path)
	add := func(off int) {
		if off <= 0 {
			return
		}
		if w.selected == nil {
			w.selected = map[int]*rule{}
		}
		if _, taken := w.selected[off]; !taken {
			w.selected[off] = r
			w.offsets = append(w.offsets, off)
		}
	}
	if res.Indexes != nil {
		for _, off := range res.Indexes {
			add(off)
		}
		return
	}
	if res.Exists() {
		add(res.Index)
	}
}

// hasSelectedWithin reports whether a selected value lies inside [start, end).
func (w *rewriter) hasSelectedWithin(start, end int) bool {
	if len(w.offsets) == 0 {
		return false
	}
	i, _ := slices.BinarySearch(w.offsets, start)
	return i < len(w.offsets) && w.offsets[i] < end
}

// value writes v (rewritten) to w.out and returns true when v must be dropped instead. forced is
// the rule of an enclosing selected container whose action applies to every scalar inside.
func (w *rewriter) value(v gjson.Result, forced *rule) (drop bool) {
	if forced == nil {
		if r, ok := w.selected[v.Index]; ok && v.Index > 0 {
			w.fired[r.index] = true
			return w.whole(v, r)
		}
		if len(w.set.detecting) == 0 && !w.hasSelectedWithin(v.Index, v.Index+len(v.Raw)) {
			w.out = append(w.out, v.Raw...)
			return false
		}
	}
	switch {
	case v.IsObject():
		w.container(v, forced, '{', '}', true)
	case v.IsArray():
		w.container(v, forced, '[', ']', false)
	case forced != nil:
		w.scalar(v, forced)
	case v.Type == gjson.String:
		return w.detect(v.Str, v.Raw)
	case v.Type == gjson.Number:
		return w.detect(v.Raw, v.Raw)
	default:
		w.out = append(w.out, v.Raw...)
	}
	return false
}

// container rewrites an object or array member by member; dropped members leave no trace.
func (w *rewriter) container(v gjson.Result, forced *rule, open, close byte, object bool) {
	w.out = append(w.out, open)
	first := true
	v.ForEach(func(k, el gjson.Result) bool {
		mark := len(w.out)
		if !first {
			w.out = append(w.out, ',')
		}
		if object {
			w.out = append(w.out, k.Raw...)
			w.out = append(w.out, ':')
		}
		if w.value(el, forced) {
			w.out = w.out[:mark]
		} else {
			first = false
		}
		return true
	})
	w.out = append(w.out, close)
}

// whole applies r to a value selected by one of its paths.
func (w *rewriter) whole(v gjson.Result, r *rule) (drop bool) {
	switch {
	case r.action == actionDrop:
		return true
	case r.action == actionRedact:
		w.out = appendString(w.out, r.replacement)
	case v.IsObject():
		w.container(v, r, '{', '}', true)
	case v.IsArray():
		w.container(v, r, '[', ']', false)
	default:
		w.scalar(v, r)
	}
	return false
}

// scalar applies a partial or hmac rule to a string or number; true, false and null have nothing
// to mask and stay.
func (w *rewriter) scalar(v gjson.Result, r *rule) {
	switch v.Type {
	case gjson.String:
		w.out = appendString(w.out, w.transform(v.Str, r))
	case gjson.Number:
		w.out = appendString(w.out, w.transform(v.Raw, r))
	default:
		if r.action == actionRedact {
			w.out = appendString(w.out, r.replacement)
			return
		}
		w.out = append(w.out, v.Raw...)
	}
}

// transform is what rule r's action makes of the sensitive text s (never called for drop).
func (w *rewriter) transform(s string, r *rule) string {
	switch r.action {
	case actionPartial:
		return partial(s, r.keepLast)
	case actionHMAC:
		return (*w.set.tok).token(s)
	}
	return r.replacement
}

// detect runs the detecting rules over s (a string's text, or a number's literal) and writes
// the value with each match replaced, or raw unchanged when nothing matched. Matches of earlier
// rules win over overlapping matches of later ones. A match of a drop rule drops the whole value.
func (w *rewriter) detect(s, raw string) (drop bool) {
	w.matches = w.matches[:0]
	for _, r := range w.set.detecting {
		for _, d := range r.detectors {
			w.scratch = d.find(s, w.scratch[:0])
			for _, sp := range w.scratch {
				if !overlaps(w.matches, sp) {
					w.matches = append(w.matches, tagged{sp, r})
				}
			}
		}
	}
	if len(w.matches) == 0 {
		w.out = append(w.out, raw...)
		return false
	}
	for _, m := range w.matches {
		w.fired[m.r.index] = true
		if m.r.action == actionDrop {
			return true
		}
	}
	slices.SortFunc(w.matches, func(a, b tagged) int { return a.start - b.start })
	var b []byte
	prev := 0
	for _, m := range w.matches {
		b = append(b, s[prev:m.start]...)
		b = append(b, w.transform(s[m.start:m.end], m.r)...)
		prev = m.end
	}
	b = append(b, s[prev:]...)
	w.out = appendString(w.out, string(b))
	return false
}

func overlaps(ms []tagged, sp span) bool {
	for _, m := range ms {
		if sp.start < m.end && m.start < sp.end {
			return true
		}
	}
	return false
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, so the result is always
// valid JSON whatever the input held.
func appendString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', c)
			case c < 0x20:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\ufffd"...)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return append(out, '"')
}
