package rbac

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/wasmward/wasmward/shared/policy"
)

// Reasons: the fixed vocabulary of Decision.Reason (metric label and audit field).
const (
	reasonAllowed      = "allowed"       // an enforced ALLOW rule matched, no enforced DENY did
	reasonDenied       = "denied"        // an enforced DENY rule matched
	reasonDefaultAllow = "default_allow" // no enforced rule matched, defaultAction ALLOW
	reasonDefaultDeny  = "default_deny"  // no enforced rule matched, defaultAction DENY
	reasonShadowDenied = "shadow_denied" // allowed, but a shadow DENY rule matched
	// reasonUnavailable: a DENY rule needed a fact the host cannot give (the mTLS peer
	// certificate on ngx_wasm_module), so it denies rather than let the request through.
	reasonUnavailable = "host_unavailable"
)

// Start keeps the host clock for time and step-up conditions, and notes whether the host gives
// the mTLS peer certificate.
func (p *Policy) Start(host policy.Host) error {
	p.clock = host
	p.noPeer = p.usesPeer && !host.Capabilities().PeerCertificate
	return nil
}

// Limits implements policy.Limited: without peer-certificate properties, rules that match the
// mTLS peer fail closed.
func (p *Policy) Limits(caps policy.Capabilities) []string {
	if p.usesPeer && !caps.PeerCertificate {
		return []string{"peer certificate identity unavailable: ALLOW rules that need it never grant, DENY rules that need it deny"}
	}
	return nil
}

// OnRequest evaluates the rules in the order docs/rbac.md states:
//
//  1. DENY rules in config order; the first enforced match denies (shadow DENY matches are
//     remembered, the first one counts).
//  2. Otherwise ALLOW rules in config order; the first enforced match allows.
//  3. Otherwise defaultAction.
//  4. LOG rules in config order; the first match asks for an audit line, whatever the verdict.
//
// Shadow rules never change the verdict: an allowed request that a shadow DENY rule matches
// becomes a shadow deny (recorded, not enforced); a default deny that a shadow ALLOW rule would
// have allowed records that rule in the audit line.
func (p *Policy) OnRequest(req *policy.Request) policy.Decision {
	path, err := req.NormalizedPath()
	if err != nil {
		return policy.PathRejected(err) // 400 before any rule: docs/security.md
	}
	c := &p.scratch
	*c = evalCtx{p: p, req: req, path: path}
	defer func() { *c = evalCtx{} }() // keep nothing of the request
	var enfDeny, shDeny, enfAllow, shAllow, logged *rule
	for _, r := range p.deny.candidates(c) {
		if r.shadow {
			if shDeny == nil && c.denyMatch(r) {
				shDeny = r
			}
			continue
		}
		if c.denyMatch(r) {
			enfDeny = r
			break
		}
	}
	unavailable := enfDeny != nil && c.unavailable
	if enfDeny == nil {
		for _, r := range p.allow.candidates(c) {
			if r.shadow {
				if shAllow == nil && shDeny == nil && c.grants(r) {
					shAllow = r
				}
				continue
			}
			if c.grants(r) {
				enfAllow = r
				break
			}
		}
	}
	for _, r := range p.log.candidates(c) {
		if r.m.match(c) {
			logged = r
			break
		}
	}
	d := p.decide(unavailable, enfDeny, shDeny, enfAllow, shAllow, logged)
	d.RemoveHeaders = c.untrustedHeaders()
	return d
}

// grants matches an ALLOW rule: a rule that negated a fact the request lacks (see negate)
// never grants.
func (c *evalCtx) grants(r *rule) bool {
	c.negMissing = false
	return r.m.match(c) && !c.negMissing
}

// negate evaluates a "not". Matchers of facts the host or connection may lack (the peer
// certificate, the peer or client address, the destination port) set missing when the fact is
// absent; a negation over such a matcher is noted in negMissing, so that "not from X" never
// grants a request of which nothing is known (docs/rbac.md). In a DENY rule the negation still
// matches: it fails closed.
func (c *evalCtx) negate(m matcher) bool {
	outer := c.missing
	c.missing = false
	r := m.match(c)
	if c.missing {
		c.negMissing = true
	}
	c.missing = outer || c.missing
	return !r
}

// noteMissing records an absent address for negate; it reports whether a is valid.
func (c *evalCtx) noteMissing(a netip.Addr) bool {
	if !a.IsValid() {
		c.missing = true
	}
	return a.IsValid()
}

// trustedPeer reports whether the direct peer is one of trustedProxies: only such a hop may
// set the headers adaptive conditions read.
func (c *evalCtx) trustedPeer() bool { return c.p.proxies.contains(c.directIP()) }

// untrustedHeaders lists the request headers to remove before forwarding: the device header
// when the peer is no trusted proxy (a client may not claim a device class), and the
// underscore spelling of any header the policy reads ("x_device_class", "x_user"), which
// upstreams that map both spellings to one name (CGI, WSGI, Rack) would take for it. nil
// when there are none (the usual case: no allocation).
func (c *evalCtx) untrustedHeaders() []string {
	var out []string
	for _, h := range c.req.Headers {
		switch {
		case h.Name == c.p.deviceHeader && c.p.usesDevice && !c.trustedPeer():
		case strings.IndexByte(h.Name, '_') >= 0 && c.p.readHeaders[strings.ReplaceAll(h.Name, "_", "-")]:
		default:
			continue
		}
		if !slices.Contains(out, h.Name) {
			out = append(out, h.Name)
		}
	}
	return out
}

// denyMatch matches a DENY rule, failing closed: a rule that needed a fact the host cannot give
// counts as matched (c.unavailable then stays set for the decision's reason).
func (c *evalCtx) denyMatch(r *rule) bool {
	c.unavailable = false
	return r.m.match(c) || c.unavailable
}

// decide turns the matched rules into a decision; its details maps are built at Parse.
// unavailable says the enforced DENY rule matched only by failing closed.
func (p *Policy) decide(unavailable bool, enfDeny, shDeny, enfAllow, shAllow, logged *rule) policy.Decision {
	var d policy.Decision
	switch {
	case unavailable:
		d = p.denied(enfDeny.id, reasonUnavailable)
	case enfDeny != nil:
		d = p.denied(enfDeny.id, reasonDenied)
	case shDeny != nil && (enfAllow != nil || !p.defaultDeny):
		d = p.denied(shDeny.id, reasonShadowDenied)
		d.Shadow = true
		d.Details = p.defaultDetail
		if enfAllow != nil {
			d.Details = enfAllow.enforcedDetail
		}
	case enfAllow != nil:
		d = policy.Decision{Rule: enfAllow.id, Reason: reasonAllowed}
	case p.defaultDeny:
		d = p.denied("", reasonDefaultDeny)
		if shAllow != nil {
			d.Details = shAllow.shadowAllowDetail
		}
	default:
		d = policy.Decision{Reason: reasonDefaultAllow}
	}
	if logged != nil {
		d.Audit = true
		if d.Details == nil {
			d.Details = logged.logDetail
		} else {
			merged := make(map[string]string, len(d.Details)+1)
			for k, v := range d.Details {
				merged[k] = v
			}
			merged["log_rule"] = logged.id
			d.Details = merged
		}
	}
	return d
}

func (p *Policy) denied(ruleID, reason string) policy.Decision {
	return policy.Decision{Verdict: policy.Deny, Rule: ruleID, Reason: reason, Reply: p.reply}
}

// evalCtx holds one request's lazily computed facts, so that each is computed at most once
// however many rules ask. Its size does not depend on the policy.
type evalCtx struct {
	p    *Policy
	req  *policy.Request
	path string // without the query string
	// unavailable is set when a matcher needed a fact the host cannot give.
	unavailable bool
	// missing: a matcher found its fact absent (see negate); negMissing: a negation did.
	missing, negMissing bool

	loaded   uint8
	claimStr string
	peerID   policy.PeerIdentity
	direct   netip.Addr
	remote   netip.Addr
	clock    time.Time
	device   uint8
	roleSeen [maxRoles / 64]uint64
	roleHeld [maxRoles / 64]uint64
}

const (
	loadedClaims uint8 = 1 << iota
	loadedPeer
	loadedDirect
	loadedRemote
	loadedClock
	loadedDevice
)

func (c *evalCtx) identity() *policy.Identity { return c.req.Identity() }

// claims returns the verified claims as a JSON object string, or "" when there is no identity
// or its claims are not a well-formed JSON object (then every claim matcher sees no claim).
func (c *evalCtx) claims() string {
	if c.loaded&loadedClaims == 0 {
		c.loaded |= loadedClaims
		if id := c.identity(); id != nil && len(id.Claims) > 0 {
			c.claimStr = c.p.lastClaims.check(id.Claims)
		}
	}
	return c.claimStr
}

// claimsCheck remembers the last claims checked: consecutive requests of one caller carry the
// same claims, which are then neither copied nor validated again, nor their indexed paths read
// again (bits, see evalCtx.indexed).
type claimsCheck struct {
	raw  string // the claims last checked
	ok   bool   // raw is a well-formed JSON object
	bits claimBits
}

// check returns claims as a string when they are a well-formed JSON object, else "".
func (cc *claimsCheck) check(claims []byte) string {
	if string(claims) != cc.raw || cc.raw == "" { // the comparison copies nothing
		cc.raw = string(claims)
		cc.ok = gjson.Valid(cc.raw) && strings.HasPrefix(strings.TrimLeft(cc.raw, " \t\r\n"), "{")
		cc.bits = claimBits{}
	}
	if !cc.ok {
		return ""
	}
	return cc.raw
}

func (c *evalCtx) peer() *policy.PeerIdentity {
	if c.loaded&loadedPeer == 0 {
		c.loaded |= loadedPeer
		c.peerID = c.req.Peer()
	}
	return &c.peerID
}

func (c *evalCtx) directIP() netip.Addr {
	if c.loaded&loadedDirect == 0 {
		c.loaded |= loadedDirect
		c.direct = c.p.lastDirect.parse(c.req.SourceAddress())
	}
	return c.direct
}

func (c *evalCtx) remoteIP() netip.Addr {
	if c.loaded&loadedRemote == 0 {
		c.loaded |= loadedRemote
		c.remote = clientIP(c.directIP(), c.req.Headers, c.p.hops, c.p.proxies)
	}
	return c.remote
}

// now is the host clock; ok is false when the policy was never started (no clock).
func (c *evalCtx) now() (time.Time, bool) {
	if c.loaded&loadedClock == 0 {
		c.loaded |= loadedClock
		if c.p.clock != nil {
			c.clock = c.p.clock.Now()
		}
	}
	return c.clock, !c.clock.IsZero()
}

// header returns a header's value (repeated headers joined with ",", as Envoy does) and how
// many times it occurs.
func (c *evalCtx) header(name string) (string, int) {
	var first string
	n := 0
	for _, h := range c.req.Headers {
		if h.Name == name {
			if n == 0 {
				first = h.Value
			}
			n++
		}
	}
	if n <= 1 {
		return first, n
	}
	var b strings.Builder
	for _, h := range c.req.Headers {
		if h.Name == name {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(h.Value)
		}
	}
	return b.String(), n
}

// deviceClass returns the request's device class index (0: unknown).
func (c *evalCtx) deviceClass() uint8 {
	if c.loaded&loadedDevice == 0 {
		c.loaded |= loadedDevice
		c.device = c.p.classify(c.req, c.trustedPeer())
	}
	return c.device
}

// classify finds the device class: from the device header only when a trusted proxy sent the
// request (trusted), else from User-Agent rules, else unknown.
func (p *Policy) classify(req *policy.Request, trusted bool) uint8 {
	if v, ok := req.Headers.Get(p.deviceHeader); ok && trusted {
		v = strings.TrimSpace(v)
		for i := 1; i <= p.headerClasses; i++ {
			if strings.EqualFold(v, p.deviceClasses[i]) {
				return uint8(i)
			}
		}
	}
	if len(p.uaRules) > 0 {
		ua, _ := req.Headers.Get("user-agent")
		for _, r := range p.uaRules {
			for _, s := range r.contains {
				if strings.Contains(ua, s) {
					return uint8(r.class)
				}
			}
		}
	}
	return 0
}

// holds reports whether the caller holds role idx, evaluating its grantedBy once per request.
func (c *evalCtx) holds(idx int) bool {
	w, bit := idx/64, uint64(1)<<(idx%64)
	if c.roleSeen[w]&bit == 0 {
		c.roleSeen[w] |= bit
		outer := c.negMissing
		c.negMissing = false
		if c.p.roles[idx].grantedBy.match(c) && !c.negMissing { // see grants
			c.roleHeld[w] |= bit
		}
		c.negMissing = outer
	}
	return c.roleHeld[w]&bit != 0
}
