package policy

import (
	"slices"
	"strings"

	"github.com/wasmward/wasmward/shared/pathnorm"
)

// Header is one header field. Names are lower case (HTTP/2 and proxy-wasm hosts lower-case them).
type Header struct {
	Name, Value string
}

// Headers is an ordered header list that may repeat names.
type Headers []Header

// Get returns the first value of the named header. name must be lower case.
func (h Headers) Get(name string) (string, bool) {
	for _, f := range h {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Values returns every value of the named header, in order. name must be lower case.
func (h Headers) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if f.Name == name {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Properties reads host properties (Envoy attributes) lazily. A missing property returns ok=false.
// Neither method may modify nor keep path: the request's reads pass shared slices (below).
//
// PropertyString is Property as a string. The glue's answers without allocating: in Go on Wasm
// the string is over the host's bytes, natively the value answered last for the path when it
// repeats (an address, a protocol, a route repeat from request to request; a string's
// allocation and the collection it brings would cost more than the read). Request reads the
// properties it keeps as strings through it. It is a method of this interface rather than of an
// optional one: asserting an optional interface is a runtime itab lookup on every read in Go on
// Wasm (about 6 % of ratelimit's request in wazero).
type Properties interface {
	Property(path ...string) (value []byte, ok bool)
	PropertyString(path ...string) (value string, ok bool)
}

// The property paths a Request reads, built once: a variadic argument to an interface method
// would otherwise be allocated on every read.
var (
	propDestinationPort = []string{"destination", "port"}
	propRequestProtocol = []string{"request", "protocol"}
	propSourceAddress   = []string{"source", "address"}
	propXDSRouteName    = []string{"xds", "route_name"}
	propRouteName       = []string{"route_name"}
)

// Request is one HTTP request as a policy sees it. Pseudo-headers are split out into Method,
// Scheme, Authority and Path; Headers holds the rest. Body is set only in the body phase.
//
// Host properties (source address, peer certificate, route) and the identity handed off by an
// earlier plugin are read lazily on first use, so a policy that never asks pays nothing.
type Request struct {
	// Awaited is set by the glue when it decides again after a Defer decision: the policy must
	// decide now, with whatever its callout brought.
	Awaited bool
	// Continuation is a policy's own state across a Defer (the chain: where it stopped); the
	// glue keeps the request, and with it this, until the policy decides again.
	Continuation any

	Method, Scheme, Authority, Path string
	Headers                         Headers
	Body                            []byte
	Trailers                        Headers

	props    Properties
	identity IdentityLoader
	loaded   uint8
	source   string
	peer     PeerIdentity
	route    string
	protocol string
	destPort int
	id       *Identity
	idCopy   Identity // CopyIdentity's storage

	pathOpts pathnorm.Options // see paths.go
	normFrom string           // the Path normPath and normErr were computed from
	normPath string
	normErr  error
	hostFrom string // the Authority normHost was computed from
	normHost string
}

const (
	loadedSource uint8 = 1 << iota
	loadedPeer
	loadedRoute
	loadedIdentity
	loadedDestPort
	loadedNormPath
	loadedProtocol
	loadedNormHost
)

// IdentityLoader loads the identity handed off to a request by an earlier plugin (see
// Request.Identity); the glue's reads it from the host.
type IdentityLoader interface {
	LoadIdentity(*Request) *Identity
}

// IdentityFunc is an IdentityLoader that ignores the request.
type IdentityFunc func() *Identity

// LoadIdentity calls f.
func (f IdentityFunc) LoadIdentity(*Request) *Identity { return f() }

// NewRequest builds a request from header pairs as the host gives them (pseudo-headers included),
// a property reader (may be nil) and an identity loader (may be nil).
func NewRequest(pairs [][2]string, props Properties, identity func() *Identity) *Request {
	r := new(Request)
	var load IdentityLoader
	if identity != nil {
		load = IdentityFunc(identity)
	}
	InitRequest(r, pairs, props, load)
	return r
}

// InitRequest makes *r, which must be the zero Request (new, or zeroed by its owner) but for
// Headers, the request NewRequest would build, with the identity loaded by load (may be nil) on
// first use: the glue's loader is one per plugin, where NewRequest's func would be a closure
// allocated per request. r.Headers may hold an ended request's list, whose storage is reused
// when it has room (the glue reuses a stream's Request; Go on Wasm allocates slowly). It sets
// fields one by one: assigning a whole Request literal builds it on the stack and copies it
// with write barriers, a measurable part of a request in Go on Wasm.
func InitRequest(r *Request, pairs [][2]string, props Properties, load IdentityLoader) {
	r.props, r.identity = props, load
	r.SetHeaderPairs(pairs)
}

// SetHeaderPairs sets Method, Scheme, Authority, Path and Headers from header pairs as the host
// gives them (pseudo-headers included), reusing Headers' storage; r's other fields are kept. It
// is InitRequest's reading of the pairs, and the glue's late one for a HeaderFreeDecider's
// request (whose header-derived fields are empty until then: it sets Authority only when empty).
func (r *Request) SetHeaderPairs(pairs [][2]string) {
	// Filled by index, not appended: in Go on Wasm a [2]string or Header copied (a range value,
	// an appended literal) is a memory.copy call.
	hs, n := slices.Grow(r.Headers[:0], len(pairs))[:len(pairs)], 0
	var arena []byte // the lowered uncommon names (lowerName)
	for i := range pairs {
		name, value := lowerName(pairs[i][0], &arena), pairs[i][1]
		if name != "" && name[0] == ':' {
			switch name {
			case ":method":
				r.Method = value
				continue
			case ":scheme":
				r.Scheme = value
				continue
			case ":authority":
				if r.Authority == "" {
					r.Authority = value
				}
				continue
			case ":path":
				r.Path = value
				continue
			}
		} else if name == "host" && r.Authority == "" {
			r.Authority = value
		}
		hs[n].Name, hs[n].Value = name, value
		n++
	}
	r.Headers = hs[:n]
}

// Header returns the first value of the named header (case-insensitive name).
func (r *Request) Header(name string) (string, bool) {
	return r.Headers.Get(strings.ToLower(name))
}

// PathOnly returns the path without its query string.
func (r *Request) PathOnly() string {
	if i := strings.IndexByte(r.Path, '?'); i >= 0 {
		return r.Path[:i]
	}
	return r.Path
}

// Query returns the raw query string (without '?'), or "".
func (r *Request) Query() string {
	if i := strings.IndexByte(r.Path, '?'); i >= 0 {
		return r.Path[i+1:]
	}
	return ""
}

// ID returns the request id (x-request-id) or "".
func (r *Request) ID() string {
	v, _ := r.Headers.Get("x-request-id")
	return v
}

// SetSourceAddress sets the downstream address (ip:port or ip) for tests and embedded hosts.
func (r *Request) SetSourceAddress(addr string) { r.source, r.loaded = addr, r.loaded|loadedSource }

// SetPeer sets the mTLS peer identity for tests and embedded hosts.
func (r *Request) SetPeer(p PeerIdentity) { r.peer, r.loaded = p, r.loaded|loadedPeer }

// SetDestinationPort sets the local (listener) port for tests and embedded hosts.
func (r *Request) SetDestinationPort(port int) {
	r.destPort, r.loaded = port, r.loaded|loadedDestPort
}

// DestinationPort returns the port the request arrived on (the listener's, property
// destination.port), 0 when the host does not say. It is the connection's, never the Host
// header's, which the client writes.
func (r *Request) DestinationPort() int {
	if r.loaded&loadedDestPort == 0 {
		r.loaded |= loadedDestPort
		if r.props != nil {
			if v, ok := r.props.Property(propDestinationPort...); ok {
				r.destPort = parsePort(v)
			}
		}
	}
	return r.destPort
}

// parsePort reads a port property: Envoy gives an int64 in 8 little-endian bytes,
// ngx_wasm_module decimal text. 0 when it is neither or out of range.
func parsePort(v []byte) int {
	n := 0
	if len(v) >= 1 && len(v) <= 5 {
		for _, c := range v {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 0 {
			return validPort(n)
		}
	}
	if len(v) != 8 {
		return 0
	}
	var u uint64
	for i := 7; i >= 0; i-- {
		u = u<<8 | uint64(v[i])
	}
	if u > 65535 {
		return 0
	}
	return int(u)
}

func validPort(n int) int {
	if n < 1 || n > 65535 {
		return 0
	}
	return n
}

// SetRoute sets the route name for tests and embedded hosts.
func (r *Request) SetRoute(name string) { r.route, r.loaded = name, r.loaded|loadedRoute }

// SetProtocol sets the request's protocol for tests and embedded hosts.
func (r *Request) SetProtocol(p string) { r.protocol, r.loaded = p, r.loaded|loadedProtocol }

// Protocol returns the request's protocol as the host reports it (property request.protocol:
// "HTTP/1.1", Envoy's "HTTP/2", nginx's "HTTP/2.0"), or "" when the host does not say. Read on
// first use only.
func (r *Request) Protocol() string {
	if r.loaded&loadedProtocol == 0 {
		r.loaded |= loadedProtocol
		if r.props != nil {
			if v, ok := r.props.PropertyString(propRequestProtocol...); ok {
				r.protocol = v
			}
		}
	}
	return r.protocol
}

// SetIdentity sets the verified identity (used by an in-VM chain and by tests).
func (r *Request) SetIdentity(id *Identity) { r.id, r.loaded = id, r.loaded|loadedIdentity }

// SourceAddress returns the downstream peer address as the host reports it ("ip:port"), or "".
// It is the address of the TCP peer, not X-Forwarded-For.
func (r *Request) SourceAddress() string {
	if r.loaded&loadedSource == 0 {
		r.loaded |= loadedSource
		if r.props != nil {
			if v, ok := r.props.PropertyString(propSourceAddress...); ok {
				r.source = v
			}
		}
	}
	return r.source
}

// Peer returns the mTLS peer certificate identity, empty when the host has none (no mTLS, or a
// host such as ngx_wasm_module that exposes no peer-certificate properties).
func (r *Request) Peer() PeerIdentity {
	if r.loaded&loadedPeer == 0 {
		r.loaded |= loadedPeer
		if r.props != nil {
			r.peer = readPeer(r.props)
		}
	}
	return r.peer
}

// Route returns the host's route name for this request, or "".
func (r *Request) Route() string {
	if r.loaded&loadedRoute == 0 {
		r.loaded |= loadedRoute
		if r.props != nil {
			if v, ok := r.props.PropertyString(propXDSRouteName...); ok {
				r.route = v
			} else if v, ok := r.props.PropertyString(propRouteName...); ok {
				r.route = v
			}
		}
	}
	return r.route
}

// Identity returns the verified identity handed off by an authentication plugin earlier in the
// chain, or nil. See docs/identity-handoff.md for how it travels between filters.
func (r *Request) Identity() *Identity {
	if r.loaded&loadedIdentity == 0 {
		r.loaded |= loadedIdentity
		if r.identity != nil {
			r.id = r.identity.LoadIdentity(r)
		}
	}
	return r.id
}

// CopyIdentity stores a copy of id in r and returns it: an IdentityLoader's per-request copy of an
// identity it keeps, with no allocation of its own (Go on Wasm allocates slowly). The copy is
// r's: it lives, and may be written, as long as r.
func (r *Request) CopyIdentity(id *Identity) *Identity {
	r.idCopy = *id
	return &r.idCopy
}

// Response is the upstream response as a policy sees it in the response phase.
type Response struct {
	Status  int
	Headers Headers
	Body    []byte
}

// NewResponse builds a response from header pairs as the host gives them.
func NewResponse(pairs [][2]string) *Response {
	r := new(Response)
	InitResponse(r, pairs)
	return r
}

// InitResponse makes *r the response NewResponse would build, in place (the glue keeps a
// stream's response in its context: no allocation per response), reusing the storage of the
// header list r.Headers holds when it has room, as InitRequest does. Filled by index, as in
// InitRequest.
func InitResponse(r *Response, pairs [][2]string) {
	hs, n, status := slices.Grow(r.Headers[:0], len(pairs))[:len(pairs)], 0, 0
	var arena []byte // the lowered uncommon names (lowerName)
	for i := range pairs {
		name := lowerName(pairs[i][0], &arena)
		if name == ":status" {
			status = StatusOf(pairs[i][1])
			continue
		}
		hs[n].Name, hs[n].Value = name, pairs[i][1]
		n++
	}
	r.Status, r.Headers, r.Body = status, hs[:n], nil
}

// StatusOf is the status a :status header's text holds: its three digits, or 0. A response the
// glue reads for a StatusOnlyResponse policy is Response{Status: StatusOf(text)}, Headers nil.
func StatusOf(s string) int {
	if len(s) != 3 {
		return 0
	}
	n := 0
	for i := 0; i < 3; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
