package glue

import (
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"

	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// stripHandoffHeader removes every incoming identity handoff header before an identity producer
// runs, from the host's request and from the pairs the policy will see. It counts them: on
// nginx more than one cannot be stripped (see duplicateEdit).
func (c *httpContext) stripHandoffHeader(pairs [][2]string) [][2]string {
	out := pairs[:0]
	for _, p := range pairs {
		if strings.EqualFold(p[0], identity.HeaderName) {
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

// loadIdentity reads the identity handed off by an earlier plugin: the host property first, then
// the signed header when this VM holds the handoff key. See package identity.
func (c *httpContext) loadIdentity() *policy.Identity {
	if v, err := proxywasm.GetProperty([]string{identity.PropertyName}); err == nil && len(v) > 0 {
		if id, err := identity.Unmarshal(v); err == nil {
			return id
		}
	}
	if c.p.handoffKey == nil || c.p.producer {
		return nil
	}
	v, ok := c.req.Headers.Get(identity.HeaderName)
	if !ok {
		return nil
	}
	id, err := identity.Verify(v, c.p.handoffKey, c.p.host.Now(), c.handoffBinding())
	if err != nil {
		c.p.count("", "handoff_rejected", "error")
		return nil
	}
	return id
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
	propertySet := proxywasm.SetProperty([]string{identity.PropertyName}, b) == nil
	if c.p.handoffKey != nil {
		v, err := identity.Sign(id, c.p.handoffKey, c.p.host.Now(), c.handoffBinding())
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

// handoffBinding is what a signed handoff header is bound to: the request's connection id, the
// same for every filter of one proxy and not chosen by the client. A header captured from one
// request does not verify on another connection.
func (c *httpContext) handoffBinding() string {
	v, _ := c.p.host.Property("connection", "id")
	return string(v)
}
