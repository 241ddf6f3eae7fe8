package sanitize

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wasmward/wasmward/shared/audit"
)

// Audit excerpt and location bounds.
const (
	maxExcerpt  = 48
	maxLocation = 96
	maxOthers   = 160 // the "others" audit detail
	// maxAuditFindings bounds the findings kept for the audit line's "others" detail. It bounds
	// what is reported, never what is inspected: every value is inspected until the phase's
	// inspection budget runs out.
	maxAuditFindings = 5
	// redacted replaces the excerpt of a value that may be a credential.
	redacted = "[redacted]"
)

// targetKind says where a finding's value lives, for sanitize mode.
type targetKind uint8

const (
	inPlace  targetKind = iota // cannot be sanitized (path, names, limits, multipart): reject instead
	inQuery                    // query parameter index
	inCookie                   // cookie index
	inHeader                   // header name
	inForm                     // form field index
	inJSON                     // JSON string byte span
)

type target struct {
	kind       targetKind
	index      int
	name       string
	start, end int
}

// finding is one rule firing at one location.
type finding struct {
	rule    string
	loc     string // for allow lists and audit ("query.q"); audit gets it excerpted
	part    string // "value" or "name"
	excerpt string // audit excerpt of the raw value (redacted when it may be a secret), "" for limits
	detail  string // libinjection fingerprint for sqli
	t       target
}

// scan collects the findings of one request phase on a route. It keeps what the decision needs
// (the first finding per mode, every sanitize target) and a bounded sample for the audit line,
// so memory does not grow with the number of findings beyond the sanitize targets.
//
// budget is the phase's inspection budget in bytes: every inspected value is charged its length
// plus its location's. When it runs out, one inspection_budget finding is recorded and nothing
// more is inspected (exhausted), so the phase fails closed.
type scan struct {
	r      *route
	n      normalizer
	budget int
	// exhausted is set once the budget ran out.
	exhausted bool
	// foreignReferer is set when the request's Referer is absent or names another host
	// (detect_session.go): session identifiers in its query or form are session fixation.
	foreignReferer bool
	// nested is set while inspecting what a value decoded to (decodeNested): decoding happens
	// once, never again inside the decoded value.
	nested bool
	// clean, when set, remembers the values found clean (cleancache.go).
	clean *cleanValues
	// count is the number of findings recorded in the phase.
	count                    int
	reject, sanitize, detect *finding
	drop                     []target
	sample                   []finding
}

// newScan starts a phase's scan on route r with the route's inspection budget, remembering clean
// values in clean. A phase that is done with it hands it back (release).
func newScan(r *route, n normalizer, clean *cleanValues) *scan {
	s := scans.Get().(*scan)
	*s = scan{r: r, n: n, clean: clean, budget: r.inspectBudget()}
	return s
}

// scans recycles the scans of finished phases: a scan escapes to the heap (the JSON walker
// keeps a pointer to it), and in Go on Wasm an allocation per phase, on every request, costs
// more than the pool.
var scans = sync.Pool{New: func() any { return new(scan) }}

// release hands s back to newScan, emptied: nothing of the phase is kept. The phase must not
// use s, or anything it returned pointing into s, afterwards (a decision holds copies).
func (s *scan) release() {
	*s = scan{}
	scans.Put(s)
}

// add records f under its rule's mode on the route.
func (s *scan) add(f finding) {
	f.loc = strings.Clone(f.loc)         // a JSON location may be a view of the walker's buffer (jsonWalker.child)
	f.excerpt = strings.Clone(f.excerpt) // and a JSON value a view of the body (walkJSON)
	s.count++
	if len(s.sample) < maxAuditFindings {
		s.sample = append(s.sample, f)
	}
	m := s.r.modeOf(f.rule)
	if m == Sanitize && f.t.kind == inPlace {
		m = Reject
	}
	switch {
	case m == Reject && s.reject == nil:
		s.reject = &f
	case m == Sanitize:
		s.drop = append(s.drop, f.t)
		if s.sanitize == nil {
			s.sanitize = &f
		}
	case m == Detect && s.detect == nil:
		s.detect = &f
	}
}

// spend charges n bytes of inspection work at loc and reports whether inspection may go on. The
// first charge past the budget records the inspection_budget finding.
func (s *scan) spend(n int, loc string) bool {
	if s.exhausted {
		return false
	}
	if s.budget -= n; s.budget < 0 {
		s.exhausted = true
		s.add(finding{rule: RuleInspectionBudget, loc: loc})
		return false
	}
	return true
}

// limit records a protocol or body finding (no input quoted).
func (s *scan) limit(rule, loc string) { s.add(finding{rule: rule, loc: loc}) }

// value normalizes raw (encoded as enc) and runs the detectors on the result. part is "value" or
// "name"; names cannot be sanitized, so their target is inPlace. An encoding problem (malformed
// escape, overlong UTF-8, NUL) is recorded as its own finding and the detectors still run on the
// leniently decoded value: a malformed escape never hides the rest of the value.
func (s *scan) value(raw string, enc encoding, loc, part string, t target) {
	s.inspect(raw, enc, loc, part, t, !s.nested && s.clean.keeps(loc, raw, part))
}

// headerValue is value for the value of a header named hn.
func (s *scan) headerValue(raw string, hn *headerName, t target) {
	s.inspect(raw, encNone, hn.loc, "value", t, !s.nested && s.clean.keepsHeader(raw, hn.secret))
}

// inspect is value, with whether the clean-value cache may keep raw at loc (cleanValues.keeps).
func (s *scan) inspect(raw string, enc encoding, loc, part string, t target, keep bool) {
	if raw == "" || !s.spend(len(raw)+len(loc), loc) {
		return
	}
	if keep && s.clean.has(s.r, loc, raw, part) {
		return
	}
	count, budget := s.count, s.budget
	if part == "name" {
		t = target{}
	}
	v, err := s.n.normalize(raw, enc)
	if err != nil {
		ex := excerpt(raw, loc)
		if errors.Is(err, errNUL) {
			s.add(finding{rule: RuleNulByte, loc: loc, part: part, excerpt: ex, t: t})
		}
		if errors.Is(err, errMalformed) || errors.Is(err, errOverlong) {
			s.add(finding{rule: RuleBadEncoding, loc: loc, part: part, excerpt: ex, t: t})
		}
	}
	if rule, detail := s.r.detect(&v, loc); rule != "" {
		s.add(finding{rule: rule, loc: loc, part: part, excerpt: excerpt(raw, loc), detail: detail, t: t})
	}
	if part == "value" && !s.nested {
		s.decodeNested(v, loc, t)
	}
	if keep && s.count == count && s.budget == budget {
		s.clean.add(s.r, loc, raw, part, 0)
	}
}

// decodeNested inspects what a value holds once decoded, once (not again inside it), each
// decoded value charged to the budget like any other and its findings acting on the outer
// value's target (a form field, a query parameter, a JSON string):
//   - JSON text (an object or an array, well-formed) is walked like a JSON body at
//     "<loc>|json…" ("form.data|json.user.name"), under the route's JSON limits;
//   - a base64 value (standard or URL alphabet, at least minBase64 characters, upper and lower
//     case letters) that decodes to printable text (looksLikeText) is inspected at
//     "<loc>|base64". Random tokens and binary data decode to bytes that are not UTF-8 text
//     and are left alone.
func (s *scan) decodeNested(v normalized, loc string, t target) {
	text := strings.TrimSpace(v.text)
	if len(text) < 2 {
		return
	}
	switch first, last := text[0], text[len(text)-1]; {
	case first == '{' && last == '}' || first == '[' && last == ']':
		if s.spend(len(text), loc) && validJSON([]byte(text)) {
			outer := t // declared here: it escapes, only for values that are JSON
			w := jsonWalker{data: []byte(text), text: text, lim: s.r.json, s: s, outer: &outer}
			s.nested = true
			w.value(loc+"|json", 1)
			s.nested = false
		}
	case len(text) >= minBase64 && isBase64Alphabet(&v.bytes) && v.bytes[1]&upperBytes[1] != 0 && v.bytes[1]&lowerBytes[1] != 0:
		if dec, ok := decodeBase64(text); ok && s.spend(len(text), loc) {
			s.nested = true
			s.value(dec, encNone, loc+"|base64", "value", t)
			s.nested = false
		}
	}
}

// minBase64 is the shortest value tried as base64 (9 bytes of text: "<svg/onl…").
const minBase64 = 12

var (
	lowerBytes  = bytesOf("abcdefghijklmnopqrstuvwxyz")
	base64Bytes = bytesOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=")
)

// isBase64Alphabet reports a value whose bytes are all of the base64 alphabets.
func isBase64Alphabet(b *byteSet) bool {
	for i := range b {
		if b[i]&^base64Bytes[i] != 0 {
			return false
		}
	}
	return true
}

// decodeBase64 decodes s in whichever base64 form it is (standard or URL alphabet, padded or
// not) and returns it when it is text (looksLikeText).
func decodeBase64(s string) (string, bool) {
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	dec, err := enc.DecodeString(s)
	if err != nil || !looksLikeText(dec) {
		return "", false
	}
	return string(dec), true
}

// looksLikeText reports valid UTF-8 of which at most one byte in ten is a control character
// (tab, CR and LF are text).
func looksLikeText(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	ctl := 0
	for _, c := range b {
		if c < ' ' && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			ctl++
		}
	}
	return ctl*10 <= len(b)
}

// secretNames are substrings of field names (matched case-insensitively anywhere in a location)
// whose values are credentials or personal payment data: their audit excerpt is redacted.
var secretNames = newKeywordSet(
	"password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "apikey", "api-key",
	"authorization", "auth", "cookie", "session", "credential", "private_key", "signature",
	"credit", "card", "ccnum", "cc_num", "cc-num", "cvv", "cvc", "iban",
)

// excerpt is the audit excerpt of a value: truncated and escaped. It is redacted for cookies and
// headers (session tokens and credentials), for any location whose field name looks like a
// secret (secretNames: "json.user.password", "form.api_key", "query.access_token") and for
// values that look like credentials themselves (see looksLikeCredential), so that neither a
// false positive nor a real attack logs a secret.
func excerpt(raw, loc string) string {
	if strings.HasPrefix(loc, "cookie.") || strings.HasPrefix(loc, "header.") ||
		secretNames.in(lower(loc)) || looksLikeCredential(raw) {
		return redacted
	}
	return audit.Excerpt(raw, maxExcerpt)
}

// credentialMarkers are authentication schemes and token prefixes (case-folded).
var credentialMarkers = newKeywordSet("bearer ", "basic ", "digest ", "negotiate ", "eyj", "-----begin")

// looksLikeCredential reports an authentication scheme or a JWT/PEM prefix in a value.
func looksLikeCredential(raw string) bool {
	if len(raw) > 4096 {
		raw = raw[:4096]
	}
	return credentialMarkers.in(lower(raw))
}

// field inspects a name=value pair (query, form) at prefix.name, and checks a method override
// parameter's value like the method (methodOverrideParam).
func (s *scan) field(prefix string, enc encoding, rawName, rawValue string, t target) {
	name, _ := percentDecode(rawName, enc == encQuery)
	loc := prefix + "." + name
	s.value(rawName, enc, loc, "name", t)
	s.value(rawValue, enc, loc, "value", t)
	if strings.ContainsAny(name, "\r\n") && !s.r.allowed(RuleCRLF, loc) {
		// No application names a parameter with a line break ("parameter%0d%0a=…"): a backend
		// that copies names into headers or logs is being probed.
		s.add(finding{rule: RuleCRLF, loc: loc, part: "name", excerpt: excerpt(rawName, loc), t: t})
	}
	if name == methodOverrideParam {
		m, _ := percentDecode(rawValue, enc == encQuery)
		s.checkMethod(strings.ToUpper(strings.TrimSpace(m)), loc)
	}
	if s.foreignReferer && (prefix == "query" || prefix == "form") && isSessionParam(name) && !s.r.allowed(RuleSessionFixation, loc) {
		s.add(finding{rule: RuleSessionFixation, loc: loc, part: "name", excerpt: excerpt(rawName, loc), t: t})
	}
}
