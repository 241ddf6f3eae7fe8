package ratelimit

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// Entry value sources ("descriptor[j].type").
const (
	typeSourceIP = "sourceIP"
	typeHeader   = "header"
	typeClaim    = "claim"
	typePath     = "path"
	typeRoute    = "route"
	typeMethod   = "method"
	typeLiteral  = "literal"
)

var entryTypes = []string{typeSourceIP, typeHeader, typeClaim, typePath, typeRoute, typeMethod, typeLiteral}

// entryKeyPattern is what an entry key may be: it ends up in Envoy rate limit service
// descriptors and in override conditions, never in metrics.
var entryKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// entry is one compiled descriptor entry.
type entry struct {
	key      string
	typ      string
	hops     int
	header   string
	claim    string
	patterns []pathPattern
	value    string
}

// descriptor is an ordered list of entries, as in Envoy's rate limit service protocol: the
// request's descriptor is the list of (key, value) pairs.
type descriptor struct {
	entries []entry
	unknown bool    // a missing part maps to one shared "unknown" value instead of skipping
	proxies cidrSet // trustedProxies
	ban     bool    // a ban's: a sourceIP part that is a trusted proxy, or no address, skips it
	peer    peerMemo
	// headersFirst: a missing header skips the descriptor (onMissing "skip") and other parts
	// cost more to read (see eval).
	headersFirst bool
}

// peerMemo is the last peer address sourceIP looked at and its clientIP answer with no trusted
// hop (see sourceIP).
type peerMemo struct {
	src, value  string
	shared, set bool
}

// cidrSet is a list of address prefixes (trustedProxies).
type cidrSet []netip.Prefix

func (s cidrSet) contains(a netip.Addr) bool {
	for _, p := range s {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// compileDescriptor checks and compiles "descriptor" at path.
func compileDescriptor(es *config.Errors, path string, specs []EntrySpec, onMissing string) descriptor {
	d := descriptor{unknown: oneOf(es, joinSibling(path, "onMissing"), onMissing, onMissingSkip,
		onMissingSkip, onMissingUnknown) == onMissingUnknown}
	if len(specs) == 0 || len(specs) > maxEntries {
		es.Add(path, "must have 1 to %d entries", maxEntries)
	}
	seen := map[string]bool{}
	for j, s := range specs {
		p := config.Index(path, j)
		if !entryKeyPattern.MatchString(s.Key) {
			es.Add(p+".key", "must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', ':' or '-'")
		} else if seen[s.Key] {
			es.Add(p+".key", "duplicate entry key %q", s.Key)
		}
		seen[s.Key] = true
		e := entry{key: s.Key, typ: oneOf(es, p+".type", s.Type, "", entryTypes...)}
		if s.Type == "" {
			es.Add(p+".type", "is required (one of %q)", entryTypes)
		}
		only := func(field string, set bool, want string) {
			if set && e.typ != want {
				es.Add(p+"."+field, "is only allowed with type %q", want)
			}
			if !set && e.typ == want && want != typeSourceIP {
				es.Add(p+"."+field, "is required with type %q", want)
			}
		}
		only("trustedHops", s.TrustedHops != nil, typeSourceIP)
		only("header", s.Header != "", typeHeader)
		only("claim", s.Claim != "", typeClaim)
		only("patterns", len(s.Patterns) > 0, typePath)
		only("value", s.Value != "", typeLiteral)
		if s.TrustedHops != nil {
			if *s.TrustedHops < 0 || *s.TrustedHops > 16 {
				es.Add(p+".trustedHops", "must be 0 to 16")
			} else {
				e.hops = *s.TrustedHops
			}
		}
		e.header = strings.ToLower(s.Header)
		if s.Header != "" && !validHeaderName(e.header) {
			es.Add(p+".header", "must be a header name")
		}
		e.claim = s.Claim
		if len(s.Claim) > 256 { // gjson paths are free-form: any string is a path

			es.Add(p+".claim", "must be at most 256 characters")
		}
		for k, pat := range s.Patterns {
			pp, err := compilePattern(pat)
			if err != nil {
				es.Add(config.Index(p+".patterns", k), "%v", err)
				continue
			}
			e.patterns = append(e.patterns, pp)
		}
		e.value = s.Value
		d.entries = append(d.entries, e)
	}
	headers := 0
	for _, e := range d.entries {
		if e.typ == typeHeader {
			headers++
		}
	}
	d.headersFirst = !d.unknown && headers > 0 && headers < len(d.entries)
	return d
}

// joinSibling returns the path of a field next to the one at path ("limits[0].descriptor" →
// "limits[0].onMissing").
func joinSibling(path, field string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i+1] + field
	}
	return field
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// eval appends the request's value for every entry to vals (missing parts as unknownValue when
// the descriptor says so). ok is false when a part is missing and the descriptor is skipped.
func (d *descriptor) eval(req *policy.Request, vals []string) (_ []string, ok bool) {
	if d.headersFirst && !d.hasHeaders(req) {
		return vals, false // as the loop would, without reading the path, route or claims first
	}
	for i := range d.entries {
		e := &d.entries[i]
		if e.typ == typeSourceIP {
			v, shared := d.sourceIP(req, e.hops)
			if shared && d.ban {
				return vals, false
			}
			vals = append(vals, v)
			continue
		}
		v, found := e.valueOf(req)
		if !found {
			if !d.unknown {
				return vals, false
			}
			v = unknownValue
		}
		vals = append(vals, v)
	}
	return vals, true
}

// addressOnly reports a descriptor whose parts are all the client's address or literals: it
// applies to every request but a trusted proxy's own or one with no address (see eval).
func (d *descriptor) addressOnly() bool {
	for i := range d.entries {
		if t := d.entries[i].typ; t != typeSourceIP && t != typeLiteral {
			return false
		}
	}
	return true
}

// headerFree reports a descriptor whose every part is read without the request's headers: the
// client's address as the host gives it (sourceIP without trustedHops, which reads
// x-forwarded-for), the route (a host property) or a literal. The other types read a header,
// the path, the method or the identity (handed off in a header on nginx); a type this switch
// does not name reads as needing them.
func (d *descriptor) headerFree() bool {
	for i := range d.entries {
		switch e := &d.entries[i]; e.typ {
		case typeLiteral, typeRoute:
		case typeSourceIP:
			if e.hops != 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// hasHeaders reports whether the request has a value for every header entry.
func (d *descriptor) hasHeaders(req *policy.Request) bool {
	for i := range d.entries {
		if e := &d.entries[i]; e.typ == typeHeader {
			if _, found := e.valueOf(req); !found {
				return false
			}
		}
	}
	return true
}

// unknownValue stands for a missing part in "unknown" mode. It contains a NUL byte, which no
// header, claim or address can, so it never equals a real value.
const unknownValue = "\x00unknown"

// valueOf reads one entry's value from the request.
func (e *entry) valueOf(req *policy.Request) (string, bool) {
	switch e.typ {
	case typeHeader:
		v, ok := req.Headers.Get(e.header)
		return v, ok && v != ""
	case typeClaim:
		id := req.Identity()
		if id == nil || len(id.Claims) == 0 {
			return "", false
		}
		r := gjson.GetBytes(id.Claims, e.claim)
		if !r.Exists() || r.Type == gjson.Null {
			return "", false
		}
		return r.String(), true
	case typePath:
		path := req.PathOnly()
		for i := range e.patterns {
			if e.patterns[i].match(path) {
				return e.patterns[i].text, true
			}
		}
		return "", false
	case typeRoute:
		r := req.Route()
		return r, r != ""
	case typeMethod:
		return req.Method, req.Method != ""
	case typeLiteral:
		return e.value, true
	}
	return "", false
}

// anonymousValue is the sourceIP value of a request without a usable peer address: one bucket
// shared by all of them. Like unknownValue it holds a NUL byte, which no address text has.
const anonymousValue = "\x00anonymous"

// clientIP is the client address, never missing. With hops 0 it is the TCP peer. With hops
// N > 0, X-Forwarded-For is read only while the address at hand is a trusted proxy: starting
// from the peer, each step takes the next entry from the right (each trusted proxy appended its
// own peer), at most N steps, as Envoy's xff_num_trusted_hops but never trusting XFF from a
// peer outside proxies. An XFF that runs out or holds an unparsable entry leaves the last
// trusted proxy's address: every such request through that proxy shares its bucket. No peer
// address at all gives anonymousValue. shared reports a value that stands for more than one
// client (a trusted proxy's address, or anonymousValue), which a ban never keys on.
func clientIP(req *policy.Request, hops int, proxies cidrSet) (value string, shared bool) {
	cur, text, ok := parseIP(req.SourceAddress())
	if !ok {
		return anonymousValue, true
	}
	if hops > 0 && proxies.contains(cur) {
		xff := strings.Join(req.Headers.Values("x-forwarded-for"), ",")
		for i := 0; i < hops && proxies.contains(cur) && xff != ""; i++ {
			last := xff
			if j := strings.LastIndexByte(xff, ','); j >= 0 {
				last, xff = xff[j+1:], xff[:j]
			} else {
				xff = ""
			}
			a, t, ok := parseIP(strings.TrimSpace(last))
			if !ok {
				break
			}
			cur, text = a, t
		}
	}
	if text == "" {
		text = cur.String()
	}
	return text, proxies.contains(cur)
}

// sourceIP is clientIP(req, hops, d.proxies). With no trusted hop the answer depends on the
// peer address alone, so it is remembered for the last one: a worker's requests come from few
// peers (keep-alive connections, a load balancer), and parsing an address is a measurable share
// of a request in Go on Wasm. The policy is called from one thread at a time (Policy).
func (d *descriptor) sourceIP(req *policy.Request, hops int) (string, bool) {
	if hops != 0 {
		return clientIP(req, hops, d.proxies)
	}
	src := req.SourceAddress()
	if m := &d.peer; m.set && m.src == src {
		return m.value, m.shared
	}
	v, shared := clientIP(req, 0, d.proxies)
	d.peer = peerMemo{src: src, value: v, shared: shared, set: true}
	return v, shared
}

// parseIP parses "ip", "ip:port" or "[ipv6]:port" (IPv4-mapped IPv6 unmapped, no zone). text is
// a.String() when s starts with it (dotted-decimal IPv4, alone or with a port), else "": the
// caller builds it only then, saving an allocation per request. Such text is read by
// parseIPv4Port; anything else by parseIPNetip.
func parseIP(s string) (a netip.Addr, text string, ok bool) {
	if a, n, ok := parseIPv4Port(s); ok {
		return a, s[:n], true
	}
	a, ok = parseIPNetip(s)
	return a, "", ok
}

// parseIPv4Port reads s when it is dotted-decimal IPv4 text as netip accepts it (four fields of
// 0-255 without leading zeros), alone or followed by ":" and a port of 1 to 5 digits up to 65535;
// n is the length of the address text. Anything else is not ok, also text netip accepts (a
// longer port, IPv6), which parseIP leaves to netip. It is a hand-written shortcut because
// netip.ParseAddrPort and building the text were about a fifth of a request's policy time in
// Go on Wasm (wazero profile of BenchmarkOneLimit); FuzzParseIP pins its answers to netip's.
func parseIPv4Port(s string) (a netip.Addr, n int, ok bool) {
	var b [4]byte
	field, digits, val := 0, 0, 0
	for ; n < len(s) && s[n] != ':'; n++ {
		switch c := s[n]; {
		case c >= '0' && c <= '9':
			if digits == 1 && val == 0 {
				return netip.Addr{}, 0, false // a leading zero
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return netip.Addr{}, 0, false
			}
		case c == '.' && digits > 0 && field < 3:
			b[field] = byte(val)
			field, digits, val = field+1, 0, 0
		default:
			return netip.Addr{}, 0, false
		}
	}
	if field != 3 || digits == 0 {
		return netip.Addr{}, 0, false
	}
	b[3] = byte(val)
	if n < len(s) {
		port := s[n+1:]
		if len(port) == 0 || len(port) > 5 {
			return netip.Addr{}, 0, false
		}
		p := 0
		for i := 0; i < len(port); i++ {
			if c := port[i]; c >= '0' && c <= '9' {
				p = p*10 + int(c-'0')
			} else {
				return netip.Addr{}, 0, false
			}
		}
		if p > 65535 {
			return netip.Addr{}, 0, false
		}
	}
	return netip.AddrFrom4(b), n, true
}

// parseIPNetip is parseIP's answer for any text, read with netip. Text with one colon (IPv4
// and port) or a bracket is parsed with its port directly: trying it as a bare address first
// would fail and allocate the error, on every request from a host that reports the port.
func parseIPNetip(s string) (netip.Addr, bool) {
	var a netip.Addr
	var err error
	if i := strings.IndexByte(s, ':'); i >= 0 && strings.LastIndexByte(s, ':') == i || strings.HasPrefix(s, "[") {
		var ap netip.AddrPort
		ap, err = netip.ParseAddrPort(s)
		a = ap.Addr()
	} else {
		a, err = netip.ParseAddr(s)
	}
	if err != nil {
		return netip.Addr{}, false
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// pathPattern matches a request path segment by segment: a literal segment matches itself, "*"
// any one segment, and a final "**" any remainder (including none).
type pathPattern struct {
	text     string
	segments []string
	rest     bool
}

func compilePattern(p string) (pathPattern, error) {
	if !strings.HasPrefix(p, "/") {
		return pathPattern{}, fmt.Errorf("must start with /")
	}
	if len(p) > 512 || strings.ContainsAny(p, "?#\x00") {
		return pathPattern{}, fmt.Errorf("must be at most 512 characters without '?', '#' or NUL")
	}
	segs := strings.Split(p[1:], "/")
	pp := pathPattern{text: p}
	for i, s := range segs {
		if s == "**" {
			if i != len(segs)-1 {
				return pathPattern{}, fmt.Errorf("\"**\" is only allowed as the last segment")
			}
			pp.rest = true
			break
		}
		if strings.Contains(s, "*") && s != "*" {
			return pathPattern{}, fmt.Errorf("a segment is either \"*\", \"**\" or contains no '*'")
		}
		pp.segments = append(pp.segments, s)
	}
	return pp, nil
}

func (pp *pathPattern) match(path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	rest := path[1:]
	for i, seg := range pp.segments {
		var cur string
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			cur, rest = rest, ""
			if i != len(pp.segments)-1 {
				return false
			}
		} else {
			cur, rest = rest[:j], rest[j+1:]
			if i == len(pp.segments)-1 && !pp.rest {
				return false
			}
		}
		if seg != "*" && seg != cur {
			return false
		}
		if seg == "*" && cur == "" {
			return false
		}
	}
	return pp.rest || rest == ""
}
