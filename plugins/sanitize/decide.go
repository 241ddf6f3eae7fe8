package sanitize

import (
	"strconv"
	"strings"

	"github.com/wasmward/wasmward/shared/audit"
	"github.com/wasmward/wasmward/shared/policy"
)

// decide turns the phase's findings (at least one) into one decision:
//   - any finding whose rule is in reject mode denies with that rule's status; the reply names
//     the rule, never the input;
//   - otherwise sanitize findings are applied by apply (the phase's rewrite) and the request is
//     allowed with an audit line;
//   - otherwise (detect only) the decision is a shadow deny: recorded, not enforced.
//
// A sanitize finding that has no sanitizable target (a path segment, a parameter name) is
// rejected (scan.add). The audit details name the first finding acted on and count the others.
func (s *scan) decide(apply func(d *policy.Decision, drop []target)) policy.Decision {
	switch {
	case s.reject != nil:
		d := policy.Denied(status(s.reject.rule), s.r.id, s.reject.rule, replyBody(s.reject.rule),
			[2]string{"content-type", "application/json"})
		d.Details = s.details(s.reject)
		return d
	case s.sanitize != nil:
		d := policy.Decision{Rule: s.r.id, Reason: s.sanitize.rule, Audit: true, Details: s.details(s.sanitize)}
		d.Details["action"] = "sanitized"
		apply(&d, s.drop)
		return d
	default:
		return policy.Decision{Verdict: policy.Deny, Shadow: true, Rule: s.r.id, Reason: s.detect.rule, Details: s.details(s.detect)}
	}
}

// replyBody is the rejection body: the rule id only.
func replyBody(rule string) []byte {
	return []byte(`{"error":"request rejected","rule":"` + rule + `"}` + "\n")
}

// details are the audit fields of the primary finding f, plus the number of findings and up to
// four others as "rule@location" labels (from the bounded sample).
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
	if s.count > 1 {
		d["findings"] = strconv.Itoa(s.count)
		var others []string
		for i := range s.sample {
			o := &s.sample[i]
			if o.rule == f.rule && o.loc == f.loc && o.part == f.part || len(others) == 4 {
				continue
			}
			others = append(others, o.rule+"@"+audit.Excerpt(o.loc, 32))
		}
		if len(others) > 0 {
			d["others"] = audit.Excerpt(strings.Join(others, ","), maxOthers)
		}
	}
	return d
}
