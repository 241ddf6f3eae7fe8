package rbac

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/wasmward/wasmward/shared/config"
)

// authnMatcher: "authenticated" — an identity with a non-empty subject.
type authnMatcher struct {
	subject, issuer *strMatcher
	providers       []string
}

func (c *compiler) authenticated(path string, s *AuthnSpec) matcher {
	m := authnMatcher{providers: s.Provider}
	if s.Subject != nil {
		sm := c.str(config.JoinPath(path, "subject"), s.Subject, false)
		m.subject = &sm
	}
	if s.Issuer != nil {
		sm := c.str(config.JoinPath(path, "issuer"), s.Issuer, false)
		m.issuer = &sm
	}
	for i, p := range s.Provider {
		if !config.ValidID(p) {
			c.add(config.Index(config.JoinPath(path, "provider"), i), "must be a provider id")
		}
	}
	return m
}

func (m authnMatcher) match(c *evalCtx) bool {
	id := c.identity()
	if id == nil || id.Subject == "" {
		return false
	}
	if m.subject != nil && !m.subject.match(id.Subject) {
		return false
	}
	if m.issuer != nil && !m.issuer.match(id.Issuer) {
		return false
	}
	if len(m.providers) == 0 {
		return true
	}
	for _, p := range m.providers {
		if p == id.Provider {
			return true
		}
	}
	return false
}

// claimOp is a claim matcher's operator.
type claimOp uint8

const (
	claimEquals claimOp = iota
	claimContains
	claimAnyOf
	claimPrefix
	claimSuffix
	claimExists
)

// claimMatcher: "claim" — the verified JWT claim at a gjson path.
type claimMatcher struct {
	path   string
	op     claimOp
	value  scalar   // equals, contains
	str    string   // prefix, suffix
	anyOf  []string // anyOf
	exists bool
	// Claim index (claimindex.go): pathIdx ≥ 0 when every value this matcher needs is indexed.
	pathIdx int
	bits    []uint16
}

// scalar is a JSON string, number or boolean from the config.
type scalar struct {
	typ gjson.Type
	str string  // string value
	num float64 // number value
}

// claimPathRE accepts dotted claim paths; a literal dot in a name is escaped as "\.". gjson's
// wildcards, queries and modifiers are refused: they cost allocations and surprise reviewers.
var claimPathRE = regexp.MustCompile(`^(?:[A-Za-z0-9_:/$+-]|\\\.)+(?:\.(?:[A-Za-z0-9_:/$+-]|\\\.)+)*$`)

func (c *compiler) claim(path string, s *ClaimSpec) matcher {
	m := claimMatcher{path: s.Path}
	if !claimPathRE.MatchString(s.Path) || len(s.Path) > 256 {
		c.add(config.JoinPath(path, "path"), "must be a dotted claim path such as realm_access.roles (escape a literal dot as \\.)")
	}
	var ops []string
	if s.Equals != nil {
		ops = append(ops, "equals")
		m.op, m.value = claimEquals, c.scalar(config.JoinPath(path, "equals"), s.Equals)
	}
	if s.Contains != nil {
		ops = append(ops, "contains")
		m.op, m.value = claimContains, c.scalar(config.JoinPath(path, "contains"), s.Contains)
	}
	if s.AnyOf != nil {
		ops = append(ops, "anyOf")
		m.op, m.anyOf = claimAnyOf, s.AnyOf
		if len(s.AnyOf) == 0 {
			c.add(config.JoinPath(path, "anyOf"), "must not be empty")
		}
	}
	if s.Prefix != nil {
		ops = append(ops, "prefix")
		m.op, m.str = claimPrefix, *s.Prefix
	}
	if s.Suffix != nil {
		ops = append(ops, "suffix")
		m.op, m.str = claimSuffix, *s.Suffix
	}
	if s.Exists != nil {
		ops = append(ops, "exists")
		m.op, m.exists = claimExists, *s.Exists
	}
	if len(ops) != 1 {
		c.add(path, "set exactly one of equals, contains, anyOf, prefix, suffix, exists")
		return never
	}
	if (m.op == claimPrefix || m.op == claimSuffix) && m.str == "" {
		c.add(config.JoinPath(path, ops[0]), "must not be empty")
	}
	m.pathIdx = c.index(&m)
	return m
}

// index registers the values of a string contains / equals / anyOf matcher in the claim index;
// it returns the path index, or -1 when the matcher is evaluated with gjson directly.
func (c *compiler) index(m *claimMatcher) int {
	var values []string
	switch {
	case (m.op == claimContains || m.op == claimEquals) && m.value.typ == gjson.String:
		values = []string{m.value.str}
	case m.op == claimAnyOf:
		values = m.anyOf
	default:
		return -1
	}
	pi := -1
	for _, v := range values {
		p, bit, ok := c.p.claimIndex.add(m.path, v)
		if !ok {
			m.bits = nil
			return -1
		}
		pi = p
		m.bits = append(m.bits, bit)
	}
	return pi
}

// scalar decodes a config value that must be a JSON string, number or boolean.
func (c *compiler) scalar(path string, raw json.RawMessage) scalar {
	raw = bytes.TrimSpace(raw)
	r := gjson.ParseBytes(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			c.add(path, "must be a string, number or boolean")
		}
		return scalar{typ: gjson.String, str: s}
	case r.Type == gjson.Number:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			c.add(path, "must be a string, number or boolean")
		}
		return scalar{typ: gjson.Number, num: f}
	case r.Type == gjson.True || r.Type == gjson.False:
		return scalar{typ: r.Type}
	}
	c.add(path, "must be a string, number or boolean")
	return scalar{typ: gjson.Null}
}

func (s scalar) equal(r gjson.Result) bool {
	if r.Type != s.typ {
		return false
	}
	switch r.Type {
	case gjson.String:
		return r.Str == s.str
	case gjson.Number:
		return r.Num == s.num
	}
	return true // true == true, false == false
}

func (m claimMatcher) match(c *evalCtx) bool {
	if m.pathIdx >= 0 {
		return m.matchIndexed(c.indexed(m.pathIdx))
	}
	r := gjson.Get(c.claims(), m.path)
	switch m.op {
	case claimExists:
		return r.Exists() == m.exists
	case claimEquals:
		return m.value.equal(r)
	case claimContains:
		if !r.IsArray() {
			return false
		}
		found := false
		r.ForEach(func(_, el gjson.Result) bool {
			found = m.value.equal(el)
			return !found
		})
		return found
	}
	// anyOf, prefix, suffix: a string claim, or any string element of an array claim.
	if r.Type == gjson.String {
		return m.strMatch(r.Str)
	}
	if !r.IsArray() {
		return false
	}
	found := false
	r.ForEach(func(_, el gjson.Result) bool {
		found = el.Type == gjson.String && m.strMatch(el.Str)
		return !found
	})
	return found
}

// matchIndexed is match for indexed matchers: a bit test per configured value.
func (m *claimMatcher) matchIndexed(b *claimBits) bool {
	for _, bit := range m.bits {
		switch m.op {
		case claimContains:
			return b.has(&b.elem, bit)
		case claimEquals:
			return b.has(&b.scalar, bit)
		}
		if b.has(&b.scalar, bit) || b.has(&b.elem, bit) { // anyOf
			return true
		}
	}
	return false
}

func (m *claimMatcher) strMatch(v string) bool {
	switch m.op {
	case claimPrefix:
		return strings.HasPrefix(v, m.str)
	case claimSuffix:
		return strings.HasSuffix(v, m.str)
	}
	for _, want := range m.anyOf {
		if v == want {
			return true
		}
	}
	return false
}

// scopeMatcher: "scope" — the identity carries this OAuth2 scope.
type scopeMatcher struct{ scope string }

func (c *compiler) scope(path, s string) matcher {
	if s == "" || strings.ContainsAny(s, " \t") {
		c.add(path, "must be one non-empty scope without spaces")
	}
	return scopeMatcher{s}
}

func (m scopeMatcher) match(c *evalCtx) bool { return c.identity().HasScope(m.scope) }

// roleMatcher: "role" — the caller holds the role (any of its grantedBy matches).
type roleMatcher struct{ idx int }

func (c *compiler) role(path, name string) matcher {
	idx, ok := c.roles[name]
	if !ok {
		c.add(path, "unknown role %q (%s)", name, c.p.knownRoles())
		return never
	}
	return roleMatcher{idx}
}

func (m roleMatcher) match(c *evalCtx) bool { return c.holds(m.idx) }

// peerMatcher: "peer" — the mTLS peer certificate.
type peerMatcher struct {
	field uint8 // 0 URI SAN, 1 DNS SAN, 2 subject
	m     strMatcher
}

func (c *compiler) peer(path string, s *PeerSpec) matcher {
	n := 0
	var m peerMatcher
	if s.URISAN != nil {
		n++
		m = peerMatcher{0, c.str(config.JoinPath(path, "uriSan"), s.URISAN, false)}
	}
	if s.DNSSAN != nil {
		n++
		m = peerMatcher{1, c.str(config.JoinPath(path, "dnsSan"), s.DNSSAN, false)}
	}
	if s.Subject != nil {
		n++
		m = peerMatcher{2, c.str(config.JoinPath(path, "subject"), s.Subject, false)}
	}
	if n != 1 {
		c.add(path, "set exactly one of uriSan, dnsSan, subject")
		return never
	}
	c.p.usesPeer, c.readsPeer = true, true
	return m
}

// match fails closed on a host without peer-certificate properties: no match, and the
// evaluation is told (a DENY rule then denies, see denyMatch).
func (m peerMatcher) match(c *evalCtx) bool {
	if c.p.noPeer {
		c.unavailable, c.missing = true, true
		return false
	}
	p := c.peer()
	if p.Empty() {
		c.missing = true // no certificate: a negation of this matcher never grants
		return false
	}
	var sans []string
	switch m.field {
	case 2:
		return p.Subject != "" && m.m.match(p.Subject)
	case 0:
		sans = p.URISANs
	default:
		sans = p.DNSSANs
	}
	for _, s := range sans {
		if m.m.match(s) {
			return true
		}
	}
	return false
}

// headerMatcher: "header" — a request header's presence or value.
type headerMatcher struct {
	name    string
	present *bool
	m       strMatcher
}

var headerNameRE = regexp.MustCompile(`^[a-z0-9!#$%&'*+.^_|~-]+$`)

func (c *compiler) header(path string, s *HeaderSpec) matcher {
	m := headerMatcher{name: s.Name}
	c.p.readHeaders[s.Name] = true
	if !headerNameRE.MatchString(s.Name) {
		c.add(config.JoinPath(path, "name"), "must be a lower-case header name")
	}
	if s.Present != nil {
		if s.StringSpec != (StringSpec{}) {
			c.add(path, "set either present or one value matcher, not both")
		}
		m.present = s.Present
		return m
	}
	m.m = c.str(path, &s.StringSpec, false)
	return m
}

func (m headerMatcher) match(c *evalCtx) bool {
	v, n := c.header(m.name)
	if m.present != nil {
		return (n > 0) == *m.present
	}
	return n > 0 && m.m.match(v)
}
