package rbac

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// TestPeerUnavailableFailsClosed: on a host without peer-certificate properties a DENY rule on
// the peer denies every request it is evaluated for, an ALLOW rule on the peer never grants, and
// the start says so.
func TestPeerUnavailableFailsClosed(t *testing.T) {
	spec := `{"defaultAction":"ALLOW","rules":[
	  {"id":"no-legacy","action":"DENY","principals":[{"peer":{"uriSan":{"prefix":"spiffe://corp/legacy/"}}}],"permissions":[{"any":true}]},
	  {"id":"mesh-admin","action":"ALLOW","principals":[{"peer":{"uriSan":{"exact":"spiffe://corp/admin"}}}],"permissions":[{"path":{"prefix":"/admin"}}]}]}`
	pol, err := Parse([]byte(spec))
	require.NoError(t, err)
	p := pol.(*Policy)
	host := policytest.NewHost()
	host.Caps = policy.Capabilities{Kind: policy.HostNginx}
	require.NoError(t, p.Start(host))
	assert.Len(t, p.Limits(host.Caps), 1)
	assert.Empty(t, p.Limits(policy.FullCapabilities))

	req := policy.NewRequest([][2]string{{":method", "GET"}, {":path", "/x"}}, nil, nil)
	d := p.OnRequest(req)
	assert.Equal(t, policy.Deny, d.Verdict)
	assert.Equal(t, "no-legacy", d.Rule)
	assert.Equal(t, reasonUnavailable, d.Reason)

	// On Envoy the same request, without a legacy peer, passes.
	p2, _ := Parse([]byte(spec))
	require.NoError(t, p2.(*Policy).Start(policytest.NewHost()))
	assert.Equal(t, policy.Allow, p2.OnRequest(policy.NewRequest([][2]string{{":method", "GET"}, {":path", "/x"}}, nil, nil)).Verdict)
}
