package chain

import (
	"maps"
	"slices"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
)

// DetailPolicy is the audit detail naming the policy whose decision the chain returns.
const DetailPolicy = "policy"

// DetailShadowDeny is the audit detail naming a policy whose shadow deny was folded into an allow
// that also carries mutations (the glue applies no mutations on a shadow deny).
const DetailShadowDeny = "shadow_deny"

// merger combines the decisions of one phase into the one decision the glue applies.
type merger struct {
	acc     policy.Decision  // the combined allow: accumulated mutations and labels
	mutated bool             // acc carries a mutation
	shadow  *policy.Decision // the first shadow deny, if any
}

// add folds d, decided by the named policy, into the phase's result. It returns the final
// decision and true when d is an enforced deny: the chain stops there.
func (m *merger) add(name string, d policy.Decision) (policy.Decision, bool) {
	if d.Verdict == policy.Deny {
		d.Details = withDetail(d.Details, DetailPolicy, name)
		if !d.Shadow {
			// The earlier steps' removals ride along: if the chain itself runs in shadow mode,
			// the glue strips them although it does not enforce the deny.
			if len(m.acc.RemoveHeaders) > 0 {
				d.RemoveHeaders = append(slices.Clip(m.acc.RemoveHeaders), d.RemoveHeaders...)
			}
			return d, true
		}
		if m.shadow == nil {
			m.shadow = &d
		}
		m.remove(d.RemoveHeaders) // stripping is never shadowed, only the deny
		return policy.Decision{}, false
	}
	if m.acc.Rule == "" && m.acc.Reason == "" && (d.Rule != "" || d.Reason != "") {
		m.acc.Rule, m.acc.Reason = d.Rule, d.Reason
		m.acc.Details = withDetail(m.acc.Details, DetailPolicy, name)
	}
	m.acc.Audit = m.acc.Audit || d.Audit
	for k, v := range d.Details {
		m.acc.Details = withDetail(m.acc.Details, k, v)
	}
	m.remove(d.RemoveHeaders)
	for _, h := range d.SetHeaders {
		m.acc.SetHeaders = append(dropHeader(m.acc.SetHeaders, h[0]), h)
	}
	if d.ReplaceBody != nil {
		m.acc.ReplaceBody = d.ReplaceBody
	}
	if d.Identity != nil {
		m.acc.Identity = d.Identity
	}
	m.mutated = m.mutated || len(d.SetHeaders) > 0 || d.ReplaceBody != nil || d.Identity != nil
	return policy.Decision{}, false
}

// remove folds header removals into the combined allow.
func (m *merger) remove(names []string) {
	for _, name := range names {
		m.acc.SetHeaders = dropHeader(m.acc.SetHeaders, name)
		m.acc.RemoveHeaders = append(m.acc.RemoveHeaders, name)
	}
	m.mutated = m.mutated || len(names) > 0
}

// result is the phase's decision when no policy denied: the combined allow, or the first shadow
// deny. A shadow deny is returned as such only when no mutation would be lost with it; otherwise
// the allow carries its labels, an audit line and the DetailShadowDeny detail.
func (m *merger) result() policy.Decision {
	if m.shadow == nil {
		return m.acc
	}
	if !m.mutated {
		return *m.shadow
	}
	d := m.acc
	d.Rule, d.Reason, d.Audit = m.shadow.Rule, m.shadow.Reason, true
	d.Details = withDetail(d.Details, DetailShadowDeny, m.shadow.Details[DetailPolicy])
	return d
}

// withDetail returns details plus k=v, copying so that no policy's map is modified.
func withDetail(details map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(details)+1)
	maps.Copy(out, details)
	out[k] = v
	return out
}

// dropHeader removes every pair named name (case-insensitive) from hs.
func dropHeader(hs [][2]string, name string) [][2]string {
	out := hs[:0:0]
	for _, h := range hs {
		if !strings.EqualFold(h[0], name) {
			out = append(out, h)
		}
	}
	return out
}

// applyHeaders applies an allowed decision's header mutations to the headers the next policy
// sees, in the glue's order: removals, then replacements.
func applyHeaders(hs *policy.Headers, d policy.Decision) {
	for _, name := range d.RemoveHeaders {
		*hs = removeHeader(*hs, strings.ToLower(name))
	}
	for _, h := range d.SetHeaders {
		name := strings.ToLower(h[0])
		*hs = append(removeHeader(*hs, name), policy.Header{Name: name, Value: h[1]})
	}
}

func removeHeader(hs policy.Headers, name string) policy.Headers {
	out := hs[:0]
	for _, h := range hs {
		if h.Name != name {
			out = append(out, h)
		}
	}
	return out
}
