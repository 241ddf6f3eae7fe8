package rbac

import (
	"encoding/json"

	"github.com/wasmward/wasmward/shared/config"
)

// maxRules bounds the number of rules.
const maxRules = 4096

// roleGrant matches when the caller holds the role and the request is one of its permissions.
type roleGrant struct {
	idx   int
	perms matcher
}

func (g roleGrant) match(c *evalCtx) bool { return g.perms.match(c) && c.holds(g.idx) }

func (p *Policy) compileRules(es *config.Errors, specs []RuleSpec) {
	if specs == nil {
		es.Add("rules", "is required (an empty list applies defaultAction to every request)")
	}
	if len(specs) > maxRules {
		es.Add("rules", "more than %d rules", maxRules)
		return
	}
	ids := map[string]int{}
	sigs := make([]string, len(specs))
	for i := range specs {
		s := &specs[i]
		path := config.Index("rules", i)
		owner := "rule " + quote(s.ID)
		es.CheckID(config.JoinPath(path, "id"), s.ID)
		if j, dup := ids[s.ID]; dup {
			es.Add(config.JoinPath(path, "id"), "%s: duplicate id (also rules[%d])", owner, j)
		}
		ids[s.ID] = i
		c := &compiler{es: es, owner: owner, p: p, roles: p.roleIndex}
		r := p.compileRule(c, path, s)
		sigs[i] = signature(s)
		switch r.action {
		case actionAllow:
			p.allow.all = append(p.allow.all, r)
		case actionDeny:
			p.deny.all = append(p.deny.all, r)
		case actionLog:
			p.log.all = append(p.log.all, r)
		}
	}
	checkContradictions(es, specs, sigs)
	p.deny.build()
	p.allow.build()
	p.log.build()
}

func (p *Policy) compileRule(c *compiler, path string, s *RuleSpec) *rule {
	r := &rule{id: s.ID, action: s.Action, shadow: s.Shadow}
	switch s.Action {
	case actionAllow, actionDeny:
	case actionLog:
		if s.Shadow {
			c.add(config.JoinPath(path, "shadow"), "a LOG rule only records: shadow contradicts it")
		}
	default:
		c.add(config.JoinPath(path, "action"), "must be %q, %q or %q", actionAllow, actionDeny, actionLog)
	}
	var base matcher
	switch {
	case s.Roles != nil && (s.Principals != nil || s.Permissions != nil):
		c.add(config.JoinPath(path, "roles"), "set roles, or principals and permissions, not both (a role already carries its permissions)")
		base = never
	case s.Roles != nil:
		base = c.roleGrants(config.JoinPath(path, "roles"), s.Roles)
	default:
		// Permissions first: they only read the request line and headers, so most rules are
		// rejected before any claim, network or peer fact is computed.
		principals := c.list(config.JoinPath(path, "principals"), s.Principals, principalSlot, false)
		base = andMatcher{
			c.list(config.JoinPath(path, "permissions"), s.Permissions, permissionSlot, false),
			principals,
		}
	}
	if s.Conditions != nil {
		base = andMatcher{base, c.list(config.JoinPath(path, "conditions"), s.Conditions, conditionSlot, true)}
	}
	r.m, r.peer = base, c.readsPeer
	r.enforcedDetail = map[string]string{"enforced_rule": s.ID}
	r.shadowAllowDetail = map[string]string{"shadow_rule": s.ID, "shadow_verdict": "allow"}
	r.logDetail = map[string]string{"log_rule": s.ID}
	return r
}

func (c *compiler) roleGrants(path string, names []string) matcher {
	if len(names) == 0 {
		c.add(path, "must not be empty")
		return never
	}
	out := make(orMatcher, 0, len(names))
	for i, name := range names {
		idx, ok := c.roles[name]
		if !ok {
			c.add(config.Index(path, i), "unknown role %q (%s)", name, c.p.knownRoles())
			continue
		}
		out = append(out, roleGrant{idx: idx, perms: c.p.roles[idx].perms})
		c.readsPeer = c.readsPeer || c.p.roles[idx].peer
	}
	return out
}

// signature is a rule's match in canonical JSON, to find rules that contradict each other.
func signature(s *RuleSpec) string {
	b, _ := json.Marshal(struct {
		Roles                               []string
		Principals, Permissions, Conditions []Matcher
	}{s.Roles, s.Principals, s.Permissions, s.Conditions})
	return string(b)
}

var matchAll = signature(&RuleSpec{
	Principals:  []Matcher{{Any: ptr(true)}},
	Permissions: []Matcher{{Any: ptr(true)}},
})

// checkContradictions refuses enforced ALLOW rules that can never allow: one with exactly the
// match of an enforced DENY rule, or any, when an enforced DENY rule matches every request.
func checkContradictions(es *config.Errors, specs []RuleSpec, sigs []string) {
	for i, a := range specs {
		if a.Action != actionAllow || a.Shadow {
			continue
		}
		for j, d := range specs {
			if d.Action != actionDeny || d.Shadow {
				continue
			}
			if sigs[j] == sigs[i] {
				es.Add(config.Index("rules", i), "rule %s: same match as DENY rule %s (rules[%d]); DENY wins, so it never allows",
					quote(a.ID), quote(d.ID), j)
				break
			}
			if sigs[j] == matchAll {
				es.Add(config.Index("rules", i), "rule %s: DENY rule %s (rules[%d]) matches every request, so it never allows",
					quote(a.ID), quote(d.ID), j)
				break
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
