package ratelimit_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// outcomes starts a testdata config on host and returns its Outcomes.
func outcomes(t *testing.T, file string, host *policytest.Host) []policy.Outcome {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	_, p, err := config.Load(data, "ratelimit", ratelimit.Parse)
	require.NoError(t, err)
	require.NoError(t, p.(policy.Starter).Start(host))
	return p.(policy.OutcomeLister).Outcomes()
}

func TestOutcomes(t *testing.T) {
	deny := func(rule, reason string) policy.Outcome {
		return policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Deny}
	}
	shadow := func(rule, reason string) policy.Outcome {
		return policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Deny, Shadow: true}
	}
	allow := func(rule, reason string) policy.Outcome { return policy.Outcome{Rule: rule, Reason: reason} }
	wait := func(rule string) policy.Outcome { return policy.Outcome{Rule: rule, Verdict: policy.Defer} }

	t.Run("full: atCap reject, onConflict allow, a shadow limit", func(t *testing.T) {
		host := policytest.NewHost()
		host.EnvVars["RATELIMIT_HASH_KEY"] = "0123456789abcdef0123"
		assert.ElementsMatch(t, []policy.Outcome{
			deny("per-client", "rate_limited"), deny("per-client", "key_cap"),
			allow("per-client", "contention"), allow("per-client", "store_error"),
			deny("per-tier", "rate_limited"), deny("per-tier", "key_cap"),
			allow("per-tier", "contention"), allow("per-tier", "store_error"),
			shadow("orders-writes", "rate_limited"), shadow("orders-writes", "key_cap"),
			allow("orders-writes", "contention"), allow("orders-writes", "store_error"),
			deny("auth-failures", "banned"), allow("auth-failures", "store_error"),
			allow("auth-failures", "ban_started"), allow("auth-failures", "key_cap"), allow("auth-failures", "contention"),
		}, outcomes(t, "testdata/valid/full.json", host))
	})

	t.Run("rls: callouts, both failure modes, onConflict deny", func(t *testing.T) {
		assert.ElementsMatch(t, []policy.Outcome{
			deny("per-client", "rate_limited"), wait("per-client"), allow("per-client", "rls_unavailable"),
			deny("per-client", "store_error"),
			deny("per-api", "rate_limited"), wait("per-api"), deny("per-api", "rls_unavailable"),
			deny("burst", "rate_limited"), deny("burst", "contention"), deny("burst", "store_error"),
			deny("auth-failures", "banned"), deny("auth-failures", "store_error"), wait("auth-failures"),
			allow("auth-failures", "rls_unavailable"),
			deny("", "rls_unavailable"),
			allow("auth-failures", "ban_started"), allow("auth-failures", "contention"), allow("auth-failures", "store_error"),
		}, outcomes(t, "testdata/rls/cluster.json", policytest.NewHost()))
	})

	t.Run("burst without shared data: the per-VM store never fails", func(t *testing.T) {
		host := policytest.NewHost()
		host.NoShared = true
		assert.ElementsMatch(t, []policy.Outcome{
			deny("per-ip", "rate_limited"), deny("auth-failures", "banned"), allow("auth-failures", "ban_started"),
		}, outcomes(t, "testdata/valid/burst.json", host))
	})
}
