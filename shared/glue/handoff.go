package glue

import (
	"strconv"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// stripHandoffHeader removes every incoming identity handoff header before an identity producer
// runs, from the host's request and from the pairs the policy will see. It counts them: on
// nginx more than one cannot be stripped (see duplicateEdit).
//
// Requests seldom carry the header: the names are indexed first (sentCount's index, which stays
// true of the pairs left: stripping only takes names away), and a request whose index rules the
// header out is not scanned. Else the pairs are only rewritten from the first copy on (each pair
// moved is a 32-byte copy, a host call in Go on Wasm).
func (c *httpContext) stripHandoffHeader(pairs [][2]string) [][2]string {
	c.sentNames = indexNames(pairs)
	if c.sentNames.ascii && c.sentNames.sigs&handoffSig == 0 {
		return pairs
	}
	first := 0
	for first < len(pairs) && !isHandoffHeader(pairs[first][0]) {
		first++
	}
	if first == len(pairs) {
		return pairs
	}
	out := pairs[:first]
	for _, p := range pairs[first:] {
		if isHandoffHeader(p[0]) {
			c.handoffCopies++
			continue
		}
		out = append(out, p)
	}
	if c.handoffCopies > 0 {
		c.removeRequestHeader(identity.HeaderName)
	}
	return out
}

// isHandoffHeader reports whether name is the handoff header in any case (strings.EqualFold),
// without the fold for most names (foldFilter).
func isHandoffHeader(name string) bool { return handoffHeader.equal(name) }

var (
	handoffHeader = newFoldFilter(identity.HeaderName)
	handoffSig    = nameSig(identity.HeaderName)
)

// identityPropertyPath is the identity property's path, serialized once (getProperty,
// setProperty).
var identityPropertyPath = newPropertyPath(identity.PropertyName)

// LoadIdentity reads the identity handed off to req by an earlier plugin (policy.IdentityLoader):
// the host property first (not on nginx, see identityProperty), then the signed header when
// this VM holds the handoff key. See package identity. The last value decoded on each channel
// is remembered (identityCache; the header's on each connection): consecutive requests of one
// caller carry the same value, and decoding it (JSON; for the header an HMAC too) was the
// largest part of a consumer's per-request cost. Each request gets its own copy of the Identity
// struct (Request.CopyIdentity); its Scopes and Claims are shared and, as everywhere, read-only.
// The plugin context is the loader of every request (no closure per request).
func (p *pluginContext) LoadIdentity(req *policy.Request) *policy.Identity {
	ic := &p.idCache
	if p.identityProperty() {
		if v, ok := getProperty(identityPropertyPath); ok && len(v) > 0 {
			if ic.prop != nil && string(v) == ic.propRaw {
				return req.CopyIdentity(ic.prop)
			}
			if id, err := identity.Unmarshal(v); err == nil {
				ic.propRaw, ic.prop = string(v), id
				return req.CopyIdentity(id)
			}
		}
	}
	if p.handoffKey == nil || p.producer {
		return nil
	}
	v, ok := req.Headers.Get(identity.HeaderName)
	if !ok {
		return nil
	}
	now, binding := p.host.Now(), p.handoffBinding()
	if c, ok := ic.headers[string(binding)]; ok && v == c.raw { // string(binding): no allocation
		// Same signature verified before on this connection: only its age can have changed
		// (identity.Verify).
		if age := now.Unix() - c.iat; age >= -5 && age <= int64(identity.MaxAge/time.Second) {
			return req.CopyIdentity(c.id)
		}
	}
	id, err := p.verifier.Verify(v, now, string(binding))
	if err != nil {
		p.count("", "handoff_rejected", "error")
		return nil
	}
	if _, rest, ok := strings.Cut(v, "."); ok { // "v1.<iat>.<payload>.<mac>", verified above
		if iat, _, ok := strings.Cut(rest, "."); ok {
			if n, err := strconv.ParseInt(iat, 10, 64); err == nil {
				// A copy: v shares the host's header map, whose memory chunk it would keep
				// alive for as long as it is remembered (hostalloc.go).
				ic.rememberHeader(string(binding), verifiedHeader{raw: strings.Clone(v), id: id, iat: n})
			}
		}
	}
	return req.CopyIdentity(id)
}

// identityCache is the last identity decoded from each handoff channel, per plugin context:
// the property's last value, and the signed header's last value on each connection. Keep-alive
// connections of one worker interleave, and the producer signs per connection (signIdentity),
// so one remembered header would be verified again on almost every request.
type identityCache struct {
	propRaw string
	prop    *policy.Identity
	// headers is the last header verified on each connection (by its binding): on another
	// connection the same header is verified again (and fails: it was replayed).
	headers map[string]verifiedHeader
}

// verifiedHeader is a signed handoff header that verified, and what it carried.
type verifiedHeader struct {
	raw string
	id  *policy.Identity
	iat int64 // the header's signing time (Unix seconds), for its age check
}

// maxVerifiedBindings bounds the connections whose last verified header is remembered; when
// full, the table starts again empty (the cost is one verification per connection).
const maxVerifiedBindings = 256

func (ic *identityCache) rememberHeader(binding string, h verifiedHeader) {
	if ic.headers == nil {
		ic.headers = map[string]verifiedHeader{}
	}
	if _, ok := ic.headers[binding]; !ok && len(ic.headers) >= maxVerifiedBindings {
		clear(ic.headers)
	}
	ic.headers[binding] = h
}

// handOff publishes id to later plugins: as the host property, and as the signed header when this
// VM holds the handoff key. It also becomes this request's identity for audit lines.
func (c *httpContext) handOff(id *policy.Identity) {
	c.req.SetIdentity(id)
	b, err := c.p.encodeIdentity(id)
	if err != nil {
		c.p.host.Log(policy.LogWarn, "identity not handed off: "+err.Error())
		return
	}
	propertySet := c.p.identityProperty() && setProperty(identityPropertyPath, b)
	if c.p.handoffKey != nil {
		v, err := c.p.signIdentity(id, c.p.handoffBinding())
		if err == nil {
			c.setRequestHeader(identity.HeaderName, v)
			return
		}
	}
	if !propertySet && !c.p.warnedNoHandoff {
		c.p.warnedNoHandoff = true
		c.p.host.Log(policy.LogWarn, "this host rejects the identity property; set "+identity.KeyEnv+
			" in every wasmward VM to hand identities off by signed header")
	}
}

// identityProperty reports whether the host can carry the identity property between filters
// (Envoy's filter state). ngx_wasm_module answers a get or set of any path outside ngx.*,
// wasmx.* and its own attributes with "not found" (ngx_proxy_wasm_properties.c, 3bed2783; the
// strict host's nginx profile reproduces it, harness.HostProfile.RefusedProperties): there
// neither a producer nor a consumer makes the call, which could never succeed. The signed
// header is the channel there.
func (p *pluginContext) identityProperty() bool { return p.host.caps.Kind != policy.HostNginx }

// signIdentity signs id for the header channel bound to binding (the connection). The
// signatures of one *Identity within one second (the signature's iat resolution) share a
// Sealer, which encodes the identity and hashes the signed part once; a connection's signature
// is remembered for the rest of that second. Connections are many and interleave (keep-alive
// clients of one worker take turns, clients without keep-alive bring a new one per request).
func (p *pluginContext) signIdentity(id *policy.Identity, binding []byte) (string, error) {
	now := p.host.Now().Unix()
	sc := &p.signed
	if id != sc.id || now != sc.at || sc.sealer == nil {
		encoded, err := p.encodeIdentity(id)
		if err != nil {
			return "", err
		}
		sealer, err := identity.NewSealer(encoded, p.handoffKey, time.Unix(now, 0))
		if err != nil {
			return "", err
		}
		sc.id, sc.at, sc.sealer = id, now, sealer
		clear(sc.byBinding)
		sc.recent = [len(sc.recent)]signedBinding{}
	}
	for i := range sc.recent {
		if e := &sc.recent[i]; e.value != "" && e.binding == string(binding) { // no allocation
			return e.value, nil
		}
	}
	if v, ok := sc.byBinding[string(binding)]; ok { // string(binding): no allocation
		return v, nil
	}
	key := string(binding)
	v := sc.sealer.Seal(key)
	if sc.byBinding == nil {
		sc.byBinding = map[string]string{}
	}
	if len(sc.byBinding) >= maxSignedBindings { // a burst of connections: start again
		clear(sc.byBinding)
	}
	sc.byBinding[key] = v
	sc.recent[sc.next] = signedBinding{key, v}
	sc.next = (sc.next + 1) % len(sc.recent)
	return v, nil
}

// maxSignedBindings bounds the signatures remembered within one second.
const maxSignedBindings = 256

// signedCache is the signatures made this second for one identity, by connection binding.
// recent holds the last few made, compared before the map is asked: a worker's keep-alive
// clients are few, and in Go on Wasm hashing the binding was most of a warm request's signing
// (nginx, jwtauthn: the map lookup about 110 of 170 samples per 100,000 requests).
type signedCache struct {
	id        *policy.Identity
	at        int64 // Unix seconds
	sealer    *identity.Sealer
	byBinding map[string]string
	recent    [4]signedBinding
	next      int // the entry of recent the next signature replaces
}

// signedBinding is a connection binding and its signature.
type signedBinding struct{ binding, value string }

// encodeIdentity marshals id, reusing the last encoding when a policy hands off the same
// *Identity again (jwtauthn's verified-token cache returns one pointer per cached token).
// Policies must treat an identity they handed off as immutable.
func (p *pluginContext) encodeIdentity(id *policy.Identity) ([]byte, error) {
	if id == p.lastIdentity {
		return p.lastEncoded, nil
	}
	b, err := identity.Marshal(id)
	if err != nil {
		return nil, err
	}
	p.lastIdentity, p.lastEncoded = id, b
	return b, nil
}

// handoffBinding is what a signed handoff header is bound to: the current request's connection
// id, the same for every filter of one proxy and not chosen by the client. A header captured
// from one request does not verify on another connection.
//
// The host's bytes, not a string: on a request whose connection was seen, its map lookups
// convert it without allocating.
func (p *pluginContext) handoffBinding() []byte {
	v, _ := getProperty(connectionIDProperty)
	return v
}

// connectionIDProperty is the connection id's property, serialized once. Both hosts answer it
// (nginxLacks does not list it, nginxPath maps it to itself), so it is read without the
// per-call checks and path serialization of hostProperties.
var connectionIDProperty = newPropertyPath("connection", "id")
