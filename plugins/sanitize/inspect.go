package sanitize

import (
	"strings"

	"github.com/wasmward/wasmward/shared/audit"
)

// Audit excerpt and location bounds.
const (
	maxExcerpt  = 48
	maxLocation = 96
	maxOthers   = 160 // the "others" audit detail
	// maxFindings bounds the findings collected per request phase.
	maxFindings = 16
)

// targetKind says where a finding's value lives, for sanitize mode.
type targetKind uint8

const (
	inPlace  targetKind = iota // cannot be sanitized (path, names, limits): reject instead
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
	excerpt string // audit.Excerpt of the raw value, "" for limits
	detail  string // libinjection fingerprint for sqli
	t       target
}

// scan collects the findings of one request phase on a route.
type scan struct {
	r        *route
	n        normalizer
	findings []finding
}

func (s *scan) add(f finding) {
	if len(s.findings) < maxFindings {
		s.findings = append(s.findings, f)
	}
}

// limit records a protocol or body finding (no input quoted).
func (s *scan) limit(rule, loc string) { s.add(finding{rule: rule, loc: loc}) }

// value normalizes raw (encoded as enc) and runs the detectors on it. part is "value" or
// "name"; names cannot be sanitized, so their target is inPlace.
func (s *scan) value(raw string, enc encoding, loc, part string, t target) {
	if raw == "" || len(s.findings) >= maxFindings {
		return
	}
	v, err := s.n.normalize(raw, enc)
	if err != nil {
		s.add(finding{rule: ruleOf(err), loc: loc, part: part, excerpt: excerpt(raw, loc)})
		return
	}
	if rule, detail := s.r.detect(v, loc); rule != "" {
		if part == "name" {
			t = target{}
		}
		s.add(finding{rule: rule, loc: loc, part: part, excerpt: excerpt(raw, loc), detail: detail, t: t})
	}
}

// excerpt is the audit excerpt of a value: truncated and escaped, and empty for cookies and
// headers, which carry session tokens and credentials that a false positive must not log.
func excerpt(raw, loc string) string {
	if strings.HasPrefix(loc, "cookie.") || strings.HasPrefix(loc, "header.") {
		return ""
	}
	return audit.Excerpt(raw, maxExcerpt)
}

// field inspects a name=value pair (query, form, cookie) at prefix.name.
func (s *scan) field(prefix string, enc encoding, rawName, rawValue string, t target) {
	name, err := percentDecode(rawName, enc == encQuery, false)
	if err != nil {
		name = rawName
	}
	loc := prefix + "." + name
	s.value(rawName, enc, loc, "name", t)
	s.value(rawValue, enc, loc, "value", t)
}
