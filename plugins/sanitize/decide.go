package sanitize

import (
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/audit"
	"github.com/wasmward/wasmward/shared/policy"
)

// decide turns the findings into one decision:
//   - any finding whose rule is in reject mode denies with that rule's status; the reply names
//     the rule, never the input;
//   - otherwise sanitize findings are applied by apply (the phase's rewrite) and the request is
//     allowed with an audit line;
//   - otherwise (detect only) the decision is a shadow deny: recorded, not enforced.
//
// A sanitize finding that has no sanitizable target (a path segment, a parameter name) is
// rejected. The audit details name the first finding acted on and count the others.
func (s *scan) decide(apply func(d *policy.Decision, drop []target)) policy.Decision {
	var reject, sanitize, detect *finding
	var drop []target
	for i := range s.findings {
		f := &s.findings[i]
		m := s.r.modeOf(f.rule)
		if m == Sanitize && f.t.kind == inPlace {
			m = Reject
		}
		switch {
		case m == Reject && reject == nil:
			reject = f
		case m == Sanitize:
			drop = append(drop, f.t)
			if sanitize == nil {
				sanitize = f
			}
		case m == Detect && detect == nil:
			detect = f
		}
	}
	switch {
	case reject != nil:
		d := policy.Denied(status(reject.rule), s.r.id, reject.rule, replyBody(reject.rule),
			[2]string{"content-type", "application/json"})
		d.Details = s.details(reject)
		return d
	case sanitize != nil:
		d := policy.Decision{Rule: s.r.id, Reason: sanitize.rule, Audit: true, Details: s.details(sanitize)}
		d.Details["action"] = "sanitized"
		apply(&d, drop)
		return d
	default:
		return policy.Decision{Verdict: policy.Deny, Shadow: true, Rule: s.r.id, Reason: detect.rule, Details: s.details(detect)}
	}
}

// replyBody is the rejection body: the rule id only.
func replyBody(rule string) []byte {
	return []byte(`{"error":"request rejected","rule":"` + rule + `"}` + "\n")
}

// details are the audit fields of the primary finding f, plus the other findings as
// "rule@location" labels.
func (s *scan) details(f *finding) map[string]string {
	d := map[string]string{"rule": f.rule, "location": audit.Excerpt(f.loc, maxLocation)}
	if f.part != "" {
		d["part"] = f.part
	}
	if f.excerpt != "" {
		d["excerpt"] = f.excerpt
	}
	if f.detail != "" {
		d["fingerprint"] = audit.Excerpt(f.detail, 8)
	}
	if n := len(s.findings); n > 1 {
		d["findings"] = strconv.Itoa(n)
		var others []string
		for i := range s.findings {
			if o := &s.findings[i]; o != f && len(others) < 4 {
				others = append(others, o.rule+"@"+audit.Excerpt(o.loc, 32))
			}
		}
		d["others"] = audit.Excerpt(strings.Join(others, ","), maxOthers)
	}
	return d
}
