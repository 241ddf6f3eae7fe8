package rbac

import (
	"fmt"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// matcher is a compiled matcher. match must not allocate, panic or block.
type matcher interface {
	match(c *evalCtx) bool
}

// Combinators: the Envoy any / and_ids / or_ids / not_id equivalents.
type (
	anyMatcher struct{}
	andMatcher []matcher
	orMatcher  []matcher
	notMatcher struct{ m matcher }
)

func (anyMatcher) match(*evalCtx) bool { return true }

func (a andMatcher) match(c *evalCtx) bool {
	for _, m := range a {
		if !m.match(c) {
			return false
		}
	}
	return true
}

func (o orMatcher) match(c *evalCtx) bool {
	for _, m := range o {
		if m.match(c) {
			return true
		}
	}
	return false
}

func (n notMatcher) match(c *evalCtx) bool { return c.negate(n.m) }

// slot is where a matcher appears; it decides which kinds are allowed.
type slot uint8

const (
	principalSlot slot = iota
	permissionSlot
	conditionSlot
	grantSlot // a role's grantedBy: principals without "role"
)

func (s slot) String() string {
	return [...]string{"principals", "permissions", "conditions", "grantedBy"}[s]
}

// kindSlots lists the matcher kinds (config keys) allowed in each slot. Combinators are
// allowed everywhere and keep their parent's slot.
var kindSlots = map[string][]slot{
	"any":            {principalSlot, permissionSlot, conditionSlot, grantSlot},
	"and":            {principalSlot, permissionSlot, conditionSlot, grantSlot},
	"or":             {principalSlot, permissionSlot, conditionSlot, grantSlot},
	"not":            {principalSlot, permissionSlot, conditionSlot, grantSlot},
	"authenticated":  {principalSlot, grantSlot},
	"claim":          {principalSlot, grantSlot, conditionSlot},
	"scope":          {principalSlot, grantSlot},
	"role":           {principalSlot},
	"peer":           {principalSlot, grantSlot},
	"directRemoteIp": {principalSlot, grantSlot, conditionSlot},
	"remoteIp":       {principalSlot, grantSlot, conditionSlot},
	"header":         {principalSlot, permissionSlot, conditionSlot, grantSlot},
	"method":         {permissionSlot},
	"path":           {permissionSlot},
	"host":           {permissionSlot},
	"port":           {permissionSlot},
	"time":           {conditionSlot},
	"device":         {conditionSlot},
	"stepUp":         {conditionSlot},
}

// maxDepth bounds and/or/not nesting.
const maxDepth = 16

// compiler compiles matchers of one rule (or role), recording errors that name the rule.
type compiler struct {
	es        *config.Errors
	owner     string // `rule "id"` or `role "name"`, prefixed to messages
	p         *Policy
	roles     map[string]int
	readsPeer bool // a matcher compiled so far reads the mTLS peer certificate
}

func (c *compiler) add(path, format string, args ...any) {
	c.es.Add(path, "%s: %s", c.owner, fmt.Sprintf(format, args...))
}

// list compiles a non-empty list of matchers of slot s, joined by join (or for principals and
// permissions, and for conditions).
func (c *compiler) list(path string, ms []Matcher, s slot, all bool) matcher {
	if len(ms) == 0 {
		c.add(path, "must not be empty (use [{\"any\": true}] to match everything)")
		return anyMatcher{}
	}
	out := make([]matcher, len(ms))
	for i := range ms {
		out[i] = c.one(config.Index(path, i), &ms[i], s, 0)
	}
	if len(out) == 1 {
		return out[0]
	}
	if all {
		return andMatcher(out)
	}
	return orMatcher(out)
}

// setKinds lists the members set in m, in declaration order.
func setKinds(m *Matcher) []string {
	var ks []string
	add := func(set bool, k string) {
		if set {
			ks = append(ks, k)
		}
	}
	add(m.Any != nil, "any")
	add(m.And != nil, "and")
	add(m.Or != nil, "or")
	add(m.Not != nil, "not")
	add(m.Authenticated != nil, "authenticated")
	add(m.Claim != nil, "claim")
	add(m.Scope != nil, "scope")
	add(m.Role != nil, "role")
	add(m.Peer != nil, "peer")
	add(m.DirectRemoteIP != nil, "directRemoteIp")
	add(m.RemoteIP != nil, "remoteIp")
	add(m.Header != nil, "header")
	add(m.Method != nil, "method")
	add(m.Path != nil, "path")
	add(m.Host != nil, "host")
	add(m.Port != nil, "port")
	add(m.Time != nil, "time")
	add(m.Device != nil, "device")
	add(m.StepUp != nil, "stepUp")
	return ks
}

// one compiles a single matcher object. On error it records it and returns a matcher that
// never matches, so compilation continues and reports every problem.
func (c *compiler) one(path string, m *Matcher, s slot, depth int) matcher {
	ks := setKinds(m)
	switch {
	case len(ks) == 0:
		c.add(path, "empty matcher: set exactly one of %s", allowedKinds(s))
		return never
	case len(ks) > 1:
		c.add(path, "set exactly one matcher, found %s", strings.Join(ks, " and "))
		return never
	}
	k := ks[0]
	sub := config.JoinPath(path, k)
	if !slotAllows(k, s) {
		c.add(sub, "%q is not allowed in %s (allowed: %s)", k, s, allowedKinds(s))
		return never
	}
	if depth >= maxDepth {
		c.add(sub, "nested deeper than %d levels", maxDepth)
		return never
	}
	switch k {
	case "any":
		if !*m.Any {
			c.add(sub, "must be true")
			return never
		}
		return anyMatcher{}
	case "and", "or":
		list := m.And
		if k == "or" {
			list = m.Or
		}
		if len(list) == 0 {
			c.add(sub, "must not be empty")
			return never
		}
		out := make([]matcher, len(list))
		for i := range list {
			out[i] = c.one(config.Index(sub, i), &list[i], s, depth+1)
		}
		if k == "and" {
			return andMatcher(out)
		}
		return orMatcher(out)
	case "not":
		if m.Not.Any != nil && *m.Not.Any {
			c.add(sub, "never matches (not any)")
			return never
		}
		return notMatcher{c.one(sub, m.Not, s, depth+1)}
	case "authenticated":
		return c.authenticated(sub, m.Authenticated)
	case "claim":
		return c.claim(sub, m.Claim)
	case "scope":
		return c.scope(sub, *m.Scope)
	case "role":
		return c.role(sub, *m.Role)
	case "peer":
		return c.peer(sub, m.Peer)
	case "directRemoteIp":
		return directIPMatcher{c.cidrs(sub, m.DirectRemoteIP)}
	case "remoteIp":
		return remoteIPMatcher{c.cidrs(sub, m.RemoteIP)}
	case "header":
		return c.header(sub, m.Header)
	case "method":
		return c.method(sub, m.Method)
	case "path":
		return c.path(sub, m.Path)
	case "host":
		return c.host(sub, m.Host)
	case "port":
		return c.port(sub, m.Port)
	case "time":
		return c.timeWindow(sub, m.Time)
	case "device":
		return c.device(sub, m.Device)
	case "stepUp":
		return c.stepUp(sub, m.StepUp)
	}
	c.add(sub, "unknown matcher")
	return never
}

// never is what an invalid matcher compiles to; it only exists in configs that Parse rejects.
var never = notMatcher{anyMatcher{}}

func slotAllows(kind string, s slot) bool {
	for _, a := range kindSlots[kind] {
		if a == s {
			return true
		}
	}
	return false
}

// allowedKinds lists the kinds allowed in s, in a stable order.
func allowedKinds(s slot) string {
	var ks []string
	for _, k := range []string{"any", "and", "or", "not", "authenticated", "claim", "scope", "role",
		"peer", "directRemoteIp", "remoteIp", "header", "method", "path", "host", "port", "time",
		"device", "stepUp"} {
		if slotAllows(k, s) {
			ks = append(ks, k)
		}
	}
	return strings.Join(ks, ", ")
}
