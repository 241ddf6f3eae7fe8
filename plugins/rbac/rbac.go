// Package rbac is wasmward's access-control plugin: named, ordered ALLOW / DENY / LOG rules over
// the caller (verified identity and claims handed off by an authentication plugin, OAuth2
// scopes, roles derived from claims, mTLS peer, source network, headers), the operation
// (method, path, host, port, headers) and adaptive conditions (time windows in IANA time
// zones, device class, step-up authentication). It follows Envoy's rbac filter
// (envoy.extensions.filters.http.rbac.v3) and extends it; docs/rbac.md is the user guide and
// states the exact evaluation order.
//
// Everything is compiled in Parse: CIDRs, regexes, path templates, time zones (the IANA database
// is embedded with time/tzdata, since wasip1 has no zoneinfo files), role indices. A request's
// evaluation allocates nothing that grows with the policy: per-request facts (claims, client
// address, clock, device class, role membership) are computed once, lazily, in an evalCtx.
// Claims are queried with gjson on the raw verified payload.
//
// Libraries: gjson (claims), net/netip (CIDRs), regexp (RE2) and time/tzdata. The rule engine
// itself is hand-written: general policy engines (casbin, OPA/rego, cel-go) evaluate generic
// expressions with allocations per request and a large wasm footprint, and none has Envoy's
// rbac semantics (DENY over ALLOW, shadow rules, principal × permission policies) that this
// plugin must reproduce exactly.
package rbac

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schema []byte

// Definition registers the plugin.
var Definition = policy.Definition{Name: "rbac", Schema: schema, Parse: Parse}

// Limits on the config.
const (
	maxRoles         = 256 // role membership is memoized in a [4]uint64 per request
	maxDeviceClasses = 63  // device matchers are a uint64 bit set; index 0 is "unknown"
	maxHops          = 16
)

// Defaults, documented in schema.json and docs/rbac.md.
const (
	defaultBody         = "access denied\n"
	defaultContentType  = "text/plain; charset=utf-8"
	defaultDeviceHeader = "x-device-class"
	unknownDevice       = "unknown"
)

// Rule actions.
const (
	actionAllow = "ALLOW"
	actionDeny  = "DENY"
	actionLog   = "LOG"
)

// Policy is a compiled rbac config. It must be used from one goroutine at a time, as the glue
// does (see policy.Policy): OnRequest reuses one evaluation context.
type Policy struct {
	defaultDeny bool
	reply       policy.Reply
	hops        int
	proxies     cidrSet // trustedProxies

	// readHeaders are the headers the policy reads (header matchers, the device header): their
	// underscore spellings (x_device_class), which many upstreams read as the same header, are
	// always removed from the request.
	readHeaders map[string]bool

	deviceHeader  string
	deviceClasses []string // index 0 is "unknown"
	headerClasses int      // classes[1:1+headerClasses] may come from the header
	uaRules       []uaRule

	roles     []role
	roleIndex map[string]int

	deny, allow, log ruleList // in config order, enforced and shadow together

	claimIndex claimIndex
	zones      map[string]*time.Location // Parse only: zones loaded once

	// scratch is the evalCtx of the request being evaluated: a Policy serves one request at a
	// time (policy.Policy's contract), so the context is reused instead of allocated.
	scratch    evalCtx
	lastClaims claimsCheck // see evalCtx.claims
	lastDirect addrMemo    // see evalCtx.directIP

	clock         policy.Clock
	defaultDetail map[string]string // shadow deny over a default allow

	usesDevice bool // some rule has a device condition: the device header is policed
	usesPeer   bool // some rule or role matches the mTLS peer certificate
	noPeer     bool // ... and the host cannot give it (set at Start)
}

type uaRule struct {
	class    int
	contains []string
}

// role is a compiled RoleSpec.
type role struct {
	name      string
	grantedBy matcher
	perms     matcher
	peer      bool // grantedBy reads the mTLS peer certificate
}

// rule is a compiled RuleSpec.
type rule struct {
	id     string
	action string
	shadow bool
	peer   bool // m reads the mTLS peer certificate (itself or through a role)
	m      matcher
	order  int // the rule's place among its action's rules (ruleList.build)
	// Audit details, built once: see decide.
	enforcedDetail, shadowAllowDetail, logDetail map[string]string
}

// Parse strictly parses and compiles a spec. Errors name the JSON path and, for anything inside
// a rule or role, its id.
func Parse(data []byte) (policy.Policy, error) {
	var spec Spec
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	return compile(&spec)
}

func compile(spec *Spec) (*Policy, error) {
	var es config.Errors
	p := &Policy{defaultDetail: map[string]string{"enforced": "default_allow"}}
	switch spec.DefaultAction {
	case "", actionDeny:
		p.defaultDeny = true
	case actionAllow:
	default:
		es.Add("defaultAction", "must be %q or %q", actionAllow, actionDeny)
	}
	p.reply = compileReply(&es, spec.Deny)
	if spec.TrustedProxyHops < 0 || spec.TrustedProxyHops > maxHops {
		es.Add("trustedProxyHops", "must be 0-%d", maxHops)
	}
	p.hops = spec.TrustedProxyHops
	for i, s := range spec.TrustedProxies {
		pr, msg := parseCIDR(s)
		if msg != "" {
			es.Add(config.Index("trustedProxies", i), "%s", msg)
			continue
		}
		p.proxies = append(p.proxies, pr)
	}
	if p.hops > 0 && len(spec.TrustedProxies) == 0 {
		es.Add("trustedProxyHops", "needs trustedProxies (the CIDRs of those proxies): without them any client could write the X-Forwarded-For entries it is judged by")
	}
	p.readHeaders = map[string]bool{}
	p.compileDevice(&es, spec.Device)
	p.compileRoles(&es, spec.Roles)
	p.compileRules(&es, spec.Rules)
	if p.usesDevice {
		p.readHeaders[p.deviceHeader] = true
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

func compileReply(es *config.Errors, d DenySpec) policy.Reply {
	body, ct := defaultBody, defaultContentType
	if d.Body != nil {
		body = *d.Body
		if len(body) > 4096 {
			es.Add("deny.body", "longer than 4096 bytes")
		}
	}
	if d.ContentType != "" {
		ct = d.ContentType
		if strings.ContainsAny(ct, "\r\n") || len(ct) > 128 {
			es.Add("deny.contentType", "must be one line of at most 128 bytes")
		}
	}
	return policy.Reply{Status: 403, Headers: [][2]string{{"content-type", ct}}, Body: []byte(body)}
}

func (p *Policy) compileDevice(es *config.Errors, d DeviceSpec) {
	p.deviceHeader = defaultDeviceHeader
	if d.Header != "" {
		p.deviceHeader = d.Header
		if !headerNameRE.MatchString(d.Header) {
			es.Add("device.header", "must be a lower-case header name")
		}
	}
	p.deviceClasses = []string{unknownDevice}
	addClass := func(path, name string) int {
		if !config.ValidID(name) || name == unknownDevice {
			es.Add(path, "must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-', not %q", unknownDevice)
			return -1
		}
		if i := p.deviceIndex(name); i >= 0 {
			return i
		}
		if len(p.deviceClasses) > maxDeviceClasses {
			es.Add(path, "more than %d device classes", maxDeviceClasses)
			return -1
		}
		p.deviceClasses = append(p.deviceClasses, name)
		return len(p.deviceClasses) - 1
	}
	for i, cl := range d.Classes {
		addClass(config.Index("device.classes", i), cl)
	}
	p.headerClasses = len(p.deviceClasses) - 1
	for i, ua := range d.UserAgent {
		path := config.Index("device.userAgent", i)
		idx := addClass(config.JoinPath(path, "class"), ua.Class)
		if len(ua.Contains) == 0 {
			es.Add(config.JoinPath(path, "contains"), "must not be empty")
		}
		for j, s := range ua.Contains {
			if s == "" {
				es.Add(config.Index(config.JoinPath(path, "contains"), j), "must not be empty")
			}
		}
		p.uaRules = append(p.uaRules, uaRule{class: idx, contains: ua.Contains})
	}
}

// deviceIndex returns a device class's index, -1 if unknown.
func (p *Policy) deviceIndex(name string) int {
	for i, c := range p.deviceClasses {
		if c == name {
			return i
		}
	}
	return -1
}

func (p *Policy) compileRoles(es *config.Errors, specs map[string]RoleSpec) {
	names := make([]string, 0, len(specs))
	for name := range specs {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) > maxRoles {
		es.Add("roles", "more than %d roles", maxRoles)
		return
	}
	p.roleIndex = make(map[string]int, len(names))
	for i, name := range names {
		p.roleIndex[name] = i
	}
	for _, name := range names {
		path := config.JoinPath("roles", name)
		es.CheckID(path, name)
		s := specs[name]
		c := &compiler{es: es, owner: "role " + quote(name), p: p, roles: p.roleIndex}
		p.roles = append(p.roles, role{
			name:      name,
			grantedBy: c.list(config.JoinPath(path, "grantedBy"), s.GrantedBy, grantSlot, false),
			perms:     c.list(config.JoinPath(path, "permissions"), s.Permissions, permissionSlot, false),
		})
		p.roles[len(p.roles)-1].peer = c.readsPeer
	}
}

// knownRoles describes the declared roles for an error message.
func (p *Policy) knownRoles() string {
	if len(p.roles) == 0 {
		return "no roles are declared in roles"
	}
	names := make([]string, len(p.roles))
	for i, r := range p.roles {
		names[i] = r.name
	}
	return "declared: " + strings.Join(names, ", ")
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
