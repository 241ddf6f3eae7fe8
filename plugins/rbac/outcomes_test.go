package rbac

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// TestOutcomes: the decisions listed for a config are the ones its rules and default action can
// return on the host it started on.
func TestOutcomes(t *testing.T) {
	deny := func(rule, reason string) policy.Outcome {
		return policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Deny}
	}
	paths := policy.PathOutcomes()
	peerRules := `[
	  {"id":"no-legacy","action":"DENY","principals":[{"peer":{"uriSan":{"prefix":"spiffe://corp/legacy/"}}}],"permissions":[{"any":true}]},
	  {"id":"no-role-peer","action":"DENY","roles":["mesh"]},
	  {"id":"no-debug","action":"DENY","principals":[{"any":true}],"permissions":[{"header":{"name":"x-debug","present":true}}]},
	  {"id":"try-block","action":"DENY","shadow":true,"principals":[{"any":true}],"permissions":[{"path":{"prefix":"/beta"}}]}]`
	roles := `{"mesh":{"grantedBy":[{"peer":{"dnsSan":{"exact":"mesh.internal"}}}],"permissions":[{"path":{"prefix":"/mesh"}}]}}`
	tests := []struct {
		name, spec string
		caps       policy.Capabilities // zero: Envoy
		want       []policy.Outcome
	}{
		{name: "no rules", spec: `{"rules":[]}`, want: append(paths, deny("", reasonDefaultDeny))},
		{name: "peer rules on envoy", spec: `{"defaultAction":"ALLOW","roles":` + roles + `,"rules":` + peerRules + `}`,
			want: append(paths, deny("no-legacy", reasonDenied), deny("no-role-peer", reasonDenied), deny("no-debug", reasonDenied),
				policy.Outcome{Rule: "try-block", Reason: reasonShadowDenied, Verdict: policy.Deny, Shadow: true},
				policy.Outcome{Reason: reasonDefaultAllow})},
		{name: "peer rules on nginx", spec: `{"defaultAction":"ALLOW","roles":` + roles + `,"rules":` + peerRules + `}`,
			caps: policy.Capabilities{Kind: policy.HostNginx},
			want: append(paths, deny("no-legacy", reasonDenied), deny("no-legacy", reasonUnavailable),
				deny("no-role-peer", reasonDenied), deny("no-role-peer", reasonUnavailable), deny("no-debug", reasonDenied),
				policy.Outcome{Rule: "try-block", Reason: reasonShadowDenied, Verdict: policy.Deny, Shadow: true},
				policy.Outcome{Reason: reasonDefaultAllow})},
		{name: "shadow deny under a default deny with nothing to allow", spec: `{"rules":[
		  {"id":"try-block","action":"DENY","shadow":true,"principals":[{"any":true}],"permissions":[{"any":true}]},
		  {"id":"try-allow","action":"ALLOW","shadow":true,"principals":[{"any":true}],"permissions":[{"any":true}]}]}`,
			want: append(paths, deny("", reasonDefaultDeny))},
		{name: "enforced allow under a default deny", spec: `{"rules":[
		  {"id":"try-block","action":"DENY","shadow":true,"principals":[{"any":true}],"permissions":[{"path":{"prefix":"/beta"}}]},
		  {"id":"health","action":"ALLOW","principals":[{"any":true}],"permissions":[{"path":{"exact":"/healthz"}}]},
		  {"id":"audit","action":"LOG","principals":[{"any":true}],"permissions":[{"any":true}]}]}`,
			want: append(paths, policy.Outcome{Rule: "health", Reason: reasonAllowed},
				policy.Outcome{Rule: "try-block", Reason: reasonShadowDenied, Verdict: policy.Deny, Shadow: true},
				deny("", reasonDefaultDeny))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol, err := Parse([]byte(tc.spec))
			require.NoError(t, err)
			host := policytest.NewHost()
			host.Caps = tc.caps
			require.NoError(t, pol.(*Policy).Start(host))
			assert.ElementsMatch(t, tc.want, pol.(policy.OutcomeLister).Outcomes())
		})
	}
}
