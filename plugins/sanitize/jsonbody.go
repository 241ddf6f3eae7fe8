package sanitize

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unsafe" // locations as views of one buffer (child)

	"github.com/tidwall/gjson"
)

// validJSON is encoding/json.Valid, computed by gjson's validator: in wasm, encoding/json's
// scanner (a state function called per byte) cost several times more. They agree on every
// input (FuzzValidJSON, TestValidJSON) but one kind: encoding/json refuses nesting deeper than
// 10000 levels, gjson does not; a body that may nest so deep (more than 10000 '[' and '{') is
// left to encoding/json.
func validJSON(b []byte) bool {
	if len(b) > maxJSONNesting && bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) > maxJSONNesting {
		return json.Valid(b)
	}
	return gjson.ValidBytes(b)
}

// maxJSONNesting is encoding/json's nesting limit (scanner.go, maxNestingDepth).
const maxJSONNesting = 10000

// jsonWalker walks a JSON body that validJSON accepted, enforcing the route's JSON
// limits and inspecting every string (keys as names, values as values). Locations are
// "json" for the root, "json.user.name" for members and "json.items[2]" for elements.
type jsonWalker struct {
	data []byte
	// text is data as a string (walkJSON: a view of it, not a copy): decoded strings without
	// escapes are its substrings, not copies.
	text string
	pos  int
	keys int
	lim  JSONLimits
	s    *scan
	// over is set once a limit is exceeded; the walk stops.
	over bool
	// outer, when set, is the target of every finding: the value the JSON was nested in (a
	// form field holding JSON), not a span of data.
	outer *target
	// locs holds the location being walked (see child).
	locs []byte
}

// at is the target of the JSON string at data[start:end].
func (w *jsonWalker) at(start, end int) target {
	if w.outer != nil {
		return *w.outer
	}
	return target{kind: inJSON, start: start, end: end}
}

// walkJSON inspects data (valid JSON) on scan s.
func (s *scan) walkJSON(data []byte) {
	// A view, not a copy (a copy of the body was about 5 % of a small JSON request's p50 in Go on
	// Wasm, measured side by side): nothing modifies data while the strings cut from it live
	// (bodies are read-only here: blankStrings builds a new one), and what outlives the request
	// is copied first (scan.add, cleanValues).
	w := jsonWalker{data: data, text: unsafe.String(unsafe.SliceData(data), len(data)), lim: s.r.json, s: s}
	w.value("json", 1)
}

func (w *jsonWalker) ws() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// peek returns the byte at pos, 0 at the end (never reached on valid JSON).
func (w *jsonWalker) peek() byte {
	if w.pos < len(w.data) {
		return w.data[w.pos]
	}
	return 0
}

func (w *jsonWalker) fail(loc string) {
	if !w.over {
		w.over = true
		w.s.limit(RuleJSONLimits, loc)
	}
}

// value walks one value at loc, depth levels deep.
func (w *jsonWalker) value(loc string, depth int) {
	if w.over {
		return
	}
	w.ws()
	if w.pos >= len(w.data) {
		return
	}
	switch w.data[w.pos] {
	case '{':
		if depth > w.lim.MaxDepth {
			w.fail(loc)
			return
		}
		w.pos++
		for !w.over && !w.s.exhausted {
			w.ws()
			switch w.peek() {
			case '}', 0:
				w.pos++
				return
			case ',':
				w.pos++
				w.ws()
			}
			if w.keys++; w.keys > w.lim.MaxKeys {
				w.fail(loc)
				return
			}
			key, start, end, ok := w.str(loc)
			if !ok {
				return
			}
			sub := w.child(loc, ".", key, -1)
			w.s.value(key, encNone, sub, "name", w.at(start, end))
			w.ws()
			w.pos++ // ':'
			w.value(sub, depth+1)
		}
	case '[':
		if depth > w.lim.MaxDepth {
			w.fail(loc)
			return
		}
		w.pos++
		for i := 0; !w.over && !w.s.exhausted; i++ {
			w.ws()
			switch w.peek() {
			case ']', 0:
				w.pos++
				return
			case ',':
				w.pos++
				w.ws()
			}
			switch w.peek() {
			case '{', '[', '"': // scalars other than strings need no location
				sub := w.child(loc, "", "", i)
				if w.peek() == '"' || w.s.spend(len(sub), sub) {
					w.value(sub, depth+1)
				}
			default:
				w.value(loc, depth+1)
			}
		}
	case '"':
		if v, start, end, ok := w.str(loc); ok {
			w.s.value(v, encNone, loc, "value", w.at(start, end))
		}
	default: // number, true, false, null
		for w.pos < len(w.data) {
			switch w.data[w.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			w.pos++
		}
	}
}

// maxLocBuild bounds the locations built while walking a JSON body: a deeper or longer path is
// cut there, so long keys cannot make every nested location a copy of them.
const maxLocBuild = 256

// child is the location of a member (name) or an element (index >= 0, "[index]") of the value
// at loc: loc+sep+name cut to maxLocBuild bytes. It is written in w.locs right after loc, which
// is either the walk's root or the location child returned for the enclosing value (whose bytes
// are already there), and returned as a view of w.locs rather than a new string: a JSON body
// would otherwise allocate one per key and element. A view is valid until the walk moves to the
// value's next sibling; a location kept beyond that (a finding's) is copied (scan.add).
func (w *jsonWalker) child(loc, sep, name string, index int) string {
	room := maxLocBuild - len(loc) - len(sep)
	if room <= 0 {
		return loc
	}
	if w.locs == nil {
		w.locs = make([]byte, 0, maxLocBuild)
	}
	var b []byte
	if loc != "" && unsafe.StringData(loc) == unsafe.SliceData(w.locs[:1]) {
		b = w.locs[:len(loc)] // loc is the view child returned for the enclosing value: in place
	} else {
		b = append(w.locs[:0], loc...)
	}
	b = append(b, sep...)
	if index >= 0 {
		var digits [24]byte
		elem := append(digits[:0], '[')
		if index < 10 {
			elem = append(elem, byte('0'+index)) // most arrays are short: no strconv call
		} else {
			elem = strconv.AppendInt(elem, int64(index), 10)
		}
		b = append(b, append(elem, ']')[:min(len(elem)+1, room)]...)
	} else {
		b = append(b, name[:min(len(name), room)]...)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// str reads the string at pos and returns it decoded with its byte span (quotes included).
func (w *jsonWalker) str(loc string) (s string, start, end int, ok bool) {
	start = w.pos
	escaped := false
	i := w.pos + 1
	for ; i < len(w.data); i++ {
		c := w.data[i]
		if c == '\\' {
			escaped = true
			i++
			continue
		}
		if c == '"' {
			break
		}
	}
	if i >= len(w.data) {
		w.pos = len(w.data)
		return "", 0, 0, false
	}
	end = i + 1
	w.pos = end
	if end-start-2 > w.lim.MaxStringBytes {
		w.fail(loc)
		return "", 0, 0, false
	}
	if !escaped {
		return w.text[start+1 : end-1], start, end, true
	}
	var dec string // declared here: it escapes to the heap, only for strings with escapes
	if err := json.Unmarshal(w.data[start:end], &dec); err != nil {
		return "", 0, 0, false
	}
	return dec, start, end, true
}

// blankStrings returns data with every span replaced by "" (an empty JSON string). Spans are
// in walk order, hence ascending and disjoint.
func blankStrings(data []byte, drop []target) []byte {
	out := make([]byte, 0, len(data))
	last := 0
	for _, t := range drop {
		if t.kind != inJSON || t.start < last {
			continue
		}
		out = append(out, data[last:t.start]...)
		out = append(out, `""`...)
		last = t.end
	}
	return append(out, data[last:]...)
}
