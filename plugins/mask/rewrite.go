package mask

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

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
	paths       []rulePath
	detectors   []detector
	needs       []need // by detector: what a value needs for it to match (need)
}

// ruleSet is the rules that apply in one direction (request or response bodies), in config order.
type ruleSet struct {
	rules     []*rule
	detecting []*rule // the rules with detectors or patterns
	tok       **tokenizer
	// w keeps the rewriter's scratch slices between bodies: fewer allocations per request
	// matter in a Go wasm VM, whose garbage collector only runs inside host calls.
	w rewriter
	// last is the audit labels of the last fired set (firedLabels).
	last firedLabels
}

// firedLabels is a decision's rule and audit details for one set of fired rules.
type firedLabels struct {
	fired   []bool
	rule    string
	details map[string]string
}

// labels returns the rule (the first fired, in config order) and the audit details ("rules":
// every fired rule's id) for fired, remembered for the last set seen: the responses of one API
// mostly fire the same rules, and building the list and its map on every masked response was
// about a fifth of a small response's masking in Go on Wasm. The map is shared by the decisions
// that reuse it (policy.Decision.Details is read-only). Called from one thread at a time, as
// rewrite.
func (set *ruleSet) labels(fired []bool) (rule string, details map[string]string) {
	if l := &set.last; l.details != nil && slices.Equal(l.fired, fired) {
		return l.rule, l.details
	}
	var ids []string
	for _, r := range set.rules {
		if fired[r.index] {
			ids = append(ids, r.id)
		}
	}
	set.last = firedLabels{fired: slices.Clone(fired), rule: ids[0],
		details: map[string]string{"rules": strings.Join(ids, ",")}}
	return set.last.rule, set.last.details
}

// selection is a value chosen by a rule's path: its offset in the body.
type selection struct {
	offset int
	r      *rule
}

// tagged is a detector match and the rule that found it.
type tagged struct {
	span
	r *rule
}

// rewriter is the state of one body rewrite.
type rewriter struct {
	set *ruleSet
	// selected are the values chosen by paths, by offset in the body, sorted. The walk visits
	// values in increasing offset order, so next only moves forward.
	selected []selection
	next     int
	out      []byte
	buf      []byte // scratch for one rewritten string
	fired    []bool // by rule index
	matches  []tagged
	scratch  []span
}

// rewrite applies the set's rules to a JSON body. It returns the new body and, by rule index,
// which rules changed something (valid until the next call); changed is false (and out nil) when
// nothing matched. The output is always valid JSON: untouched values are copied verbatim from the
// validated input and every value the rules produce is a freshly encoded JSON string.
//
// body is read in place, never modified nor retained: out is a new slice. Like every Policy
// method, rewrite is called from one thread at a time (it reuses set.w).
func (set *ruleSet) rewrite(body []byte, nrules int) (out []byte, fired []bool, changed bool, err error) {
	w := &set.w
	defer w.reset()
	src, err := w.start(set, body, nrules)
	if err != nil || len(w.selected) == 0 && len(set.detecting) == 0 {
		return nil, nil, false, err
	}
	w.out = make([]byte, 0, len(body)+len(body)/8)
	if _, drop := w.value(src, 0, nil); drop {
		w.out = append(w.out[:0], "null"...)
	}
	return w.result()
}

// start checks that body is valid JSON, returns it as a string from its value's first byte on,
// and records the values the set's paths select, in order.
func (w *rewriter) start(set *ruleSet, body []byte, nrules int) (src string, err error) {
	if !gjson.ValidBytes(body) {
		return "", errNotJSON
	}
	// gjson reads strings; viewing the body as one avoids copying it. Nothing derived from src
	// outlives the rewrite: the output copies what it keeps.
	src = unsafe.String(unsafe.SliceData(body), len(body))
	// Offsets from gjson.Get and from the walk agree only when the value starts at 0.
	// A loop: strings.TrimLeft builds a set from its cutset on every call.
	for len(src) > 0 && (src[0] == ' ' || src[0] == '\t' || src[0] == '\r' || src[0] == '\n') {
		src = src[1:]
	}
	w.set = set
	w.fired = slices.Grow(w.fired[:0], nrules)[:nrules]
	clear(w.fired)
	// A body without a backslash spells every key as it is: a path's first key is then absent
	// when its quoted form is.
	unescaped := strings.IndexByte(src, '\\') < 0
	for _, r := range set.rules {
		for i := range r.paths {
			p := &r.paths[i]
			if p.key != "" && unescaped && !containsQuoted(src, p.key) {
				continue
			}
			w.selectPath(src, p.path, r)
		}
	}
	// Stable: for one offset, the first rule in config order comes first and wins.
	if len(w.selected) > 1 {
		slices.SortStableFunc(w.selected, func(a, b selection) int { return a.offset - b.offset })
	}
	return src, nil
}

// result is rewrite's answer once the walk has written w.out.
func (w *rewriter) result() (out []byte, fired []bool, changed bool, err error) {
	if !slices.Contains(w.fired, true) {
		return nil, nil, false, nil
	}
	return w.out, w.fired, true, nil
}

// reset forgets one body's state and keeps the scratch slices' storage.
func (w *rewriter) reset() {
	w.selected, w.next, w.out = w.selected[:0], 0, nil
	w.matches, w.scratch, w.buf = w.matches[:0], w.scratch[:0], w.buf[:0]
}

// rulePath is one of a rule's gjson paths.
type rulePath struct {
	path string
	// key is the path's first key when the path can select values only inside that member of
	// a top-level object (keyOf), else "". A body that does not contain it in quotes (and has
	// no escapes) is not searched: gjson.Get parses the body up to its end to find the key
	// missing, which in Go on Wasm cost as much as masking a small response's values.
	key string
}

// containsQuoted reports whether s contains key between double quotes. It looks for key's first
// byte: strings.Contains, finding a quote at every string, soon falls back to Rabin-Karp hashing
// of every byte, which in Go on Wasm cost half of what the skip saves.
func containsQuoted(s, key string) bool {
	for i := 1; i+len(key) < len(s); i++ {
		j := strings.IndexByte(s[i:len(s)-len(key)], key[0])
		if j < 0 {
			return false
		}
		i += j
		if s[i-1] == '"' && s[i:i+len(key)] == key && s[i+len(key)] == '"' {
			return true
		}
	}
	return false
}

// keyOf returns the key when path's first component is a plain key: a letter or '_', then
// letters, digits, '_' or '-', up to a '.' or the path's end. gjson matches such a component
// only against an object's keys, byte for byte once unescaped (on an array it is no index, it
// has no wildcard, escape, query or modifier), so everything the path selects lies inside a
// top-level member so named. Any other path gives "" (FuzzPathKey).
func keyOf(path string) string {
	end := strings.IndexByte(path, '.')
	if end < 0 {
		end = len(path)
	}
	key := path[:end]
	if key == "" || isDigit(key[0]) || key[0] == '-' {
		return ""
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; !isAlnum(c) && c != '_' && c != '-' {
			return ""
		}
	}
	return key
}

// selectPath records the offsets of the values path selects. gjson reports Index 0 for values it
// synthesised (modifiers, nested '#' results); those select nothing, and the top-level value
// (offset 0 too) cannot be selected by a path.
func (w *rewriter) selectPath(src, path string, r *rule) {
	res := gjson.Get(src, path)
	add := func(off int) {
		if off > 0 {
			w.selected = append(w.selected, selection{off, r})
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

// seek moves past selections before offset and returns the rule selecting the value at offset,
// if any.
func (w *rewriter) seek(offset int) *rule {
	for w.next < len(w.selected) && w.selected[w.next].offset < offset {
		w.next++
	}
	if w.next < len(w.selected) && w.selected[w.next].offset == offset {
		return w.selected[w.next].r
	}
	return nil
}

// selectedBefore reports whether a selection lies before end (after seek: inside the value).
func (w *rewriter) selectedBefore(end int) bool {
	return w.next < len(w.selected) && w.selected[w.next].offset < end
}

// The walk over the body is hand-written rather than gjson's ForEach: in Go on Wasm every
// gjson.Result (80 bytes) passed by value is a memory.copy call and every ForEach element a
// closure call, which made the walk a third of a small response's masking. It reads a body
// gjson.ValidBytes accepted, so it has no errors to handle; offsets are the values' first bytes,
// as gjson.Get reports them; strings with escapes are decoded by gjson (unescapeString).
// FuzzWalk compares it with the walk through gjson.Result.

// value writes the value starting at src[i] (rewritten) to w.out and returns its end, and true
// when it must be dropped instead. forced is the rule of an enclosing selected container whose
// action applies to every scalar inside.
func (w *rewriter) value(src string, i int, forced *rule) (end int, drop bool) {
	if forced == nil && i > 0 {
		if r := w.seek(i); r != nil {
			w.fired[r.index] = true
			return w.whole(src, i, r)
		}
		if len(w.set.detecting) == 0 {
			if end = valueEnd(src, i); !w.selectedBefore(end) {
				w.out = append(w.out, src[i:end]...)
				return end, false
			}
		}
	}
	switch c := src[i]; {
	case c == '{' || c == '[':
		return w.container(src, i, forced), false
	case c == '"':
		end, escaped := stringEnd(src, i)
		text := unescapeString(src[i:end], escaped)
		if forced != nil {
			w.masked(text, forced)
			return end, false
		}
		return end, w.detect(text, src[i:end])
	case c == 't' || c == 'f' || c == 'n': // nothing to mask
		end = literalEnd(src, i)
		w.out = append(w.out, src[i:end]...)
		return end, false
	default:
		end = numberEnd(src, i)
		if forced != nil {
			w.masked(src[i:end], forced)
			return end, false
		}
		return end, w.detect(src[i:end], src[i:end])
	}
}

// container rewrites the object or array starting at src[i] member by member and returns its
// end; dropped members leave no trace, nor does whitespace between tokens.
func (w *rewriter) container(src string, i int, forced *rule) (end int) {
	object := src[i] == '{'
	closing := byte(']')
	if object {
		closing = '}'
	}
	w.out = append(w.out, src[i])
	first := true
	for i = skipSpace(src, i+1); src[i] != closing; {
		mark := len(w.out)
		if !first {
			w.out = append(w.out, ',')
		}
		if object {
			kend, _ := stringEnd(src, i)
			w.out = append(w.out, src[i:kend]...)
			w.out = append(w.out, ':')
			i = skipSpace(src, skipSpace(src, kend)+1) // past the colon
		}
		var drop bool
		if i, drop = w.value(src, i, forced); drop {
			w.out = w.out[:mark]
		} else {
			first = false
		}
		if i = skipSpace(src, i); src[i] == ',' {
			i = skipSpace(src, i+1)
		}
	}
	w.out = append(w.out, closing)
	return i + 1
}

// whole applies r to the value starting at src[i], selected by one of its paths, and returns
// its end. Partial and hmac apply to the value, or to every string and number inside it.
func (w *rewriter) whole(src string, i int, r *rule) (end int, drop bool) {
	switch r.action {
	case actionDrop:
		return valueEnd(src, i), true
	case actionRedact:
		w.out = appendString(w.out, r.replacement)
		return valueEnd(src, i), false
	}
	return w.value(src, i, r)
}

// masked writes a string (text its decoded content) or number (text its literal) as a partial
// or hmac rule makes it.
func (w *rewriter) masked(text string, r *rule) {
	w.buf = w.appendMasked(w.buf[:0], text, r)
	w.out = appendBytes(w.out, w.buf)
}

// skipSpace returns the offset of the first byte at or after i that is not JSON whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the end of the string starting at s[i] (past its closing quote) and
// whether it holds escapes.
func stringEnd(s string, i int) (end int, escaped bool) {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(s), escaped
}

// unescapeString returns the content of the JSON string raw: raw without its quotes, or decoded
// by gjson when it holds escapes.
func unescapeString(raw string, escaped bool) string {
	if !escaped {
		return raw[1 : len(raw)-1]
	}
	return gjson.Parse(raw).Str
}

// literalEnd returns the end of true, false or null starting at s[i].
func literalEnd(s string, i int) int {
	if s[i] == 'f' {
		return i + len("false")
	}
	return i + len("true")
}

// numberEnd returns the end of the number starting at s[i].
func numberEnd(s string, i int) int {
	for i < len(s) && s[i] > ' ' && s[i] != ',' && s[i] != ']' && s[i] != '}' {
		i++
	}
	return i
}

// valueEnd returns the end of the value starting at s[i].
func valueEnd(s string, i int) int {
	switch c := s[i]; {
	case c == '"':
		end, _ := stringEnd(s, i)
		return end
	case c == 't' || c == 'f' || c == 'n':
		return literalEnd(s, i)
	case c != '{' && c != '[':
		return numberEnd(s, i)
	}
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			end, _ := stringEnd(s, i)
			i = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// appendMasked appends what rule r's action makes of the sensitive text s (never called for
// drop).
func (w *rewriter) appendMasked(dst []byte, s string, r *rule) []byte {
	switch r.action {
	case actionPartial:
		return appendPartial(dst, s, r.keepLast)
	case actionHMAC:
		if tok := *w.set.tok; tok != nil {
			return tok.appendToken(dst, s)
		}
		// Start (which reads the key) always runs first in the glue; should it not have,
		// redact rather than fail the request.
	}
	return append(dst, r.replacement...)
}

// detect runs the detecting rules over s (a string's text, or a number's literal) and writes
// the value with each match replaced, or raw unchanged when nothing matched. Matches of earlier
// rules win over overlapping matches of later ones. A match of a drop rule drops the whole value.
//
// Loops index rather than range over tagged values: in Go on Wasm copying a struct over 16
// bytes is a call to the host's memory.copy.
func (w *rewriter) detect(s, raw string) (drop bool) {
	w.matches = w.matches[:0]
	f := factsOf(s)
	for _, r := range w.set.detecting {
		for i, d := range r.detectors {
			if !r.needs[i].metBy(&f) {
				continue
			}
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
	sorted := true
	for i := range w.matches {
		m := &w.matches[i]
		w.fired[m.r.index] = true
		if m.r.action == actionDrop {
			return true
		}
		sorted = sorted && (i == 0 || w.matches[i-1].start <= m.start)
	}
	if !sorted { // one match, or one detector's, are in order already
		slices.SortFunc(w.matches, func(a, b tagged) int { return a.start - b.start })
	}
	b := w.buf[:0]
	prev := 0
	for i := range w.matches {
		m := &w.matches[i]
		b = append(b, s[prev:m.start]...)
		b = w.appendMasked(b, s[m.start:m.end], m.r)
		prev = m.end
	}
	b = append(b, s[prev:]...)
	w.buf = b
	w.out = appendBytes(w.out, b)
	return false
}

func overlaps(ms []tagged, sp span) bool {
	for i := range ms {
		if sp.start < ms[i].end && ms[i].start < sp.end {
			return true
		}
	}
	return false
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, so the result is always
// valid JSON whatever the input held.
func appendString(out []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return appendEscaped(out, s)
}

// appendBytes is appendString for bytes.
func appendBytes(out, b []byte) []byte {
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return appendEscaped(out, b)
}

// appendEscaped appends valid UTF-8 text as a JSON string: quotes, backslashes and control
// characters escaped, everything else copied in runs.
func appendEscaped[S string | []byte](out []byte, s S) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		out = append(out, s[start:i]...)
		if c < 0x20 {
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		} else {
			out = append(out, '\\', c)
		}
		start = i + 1
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
