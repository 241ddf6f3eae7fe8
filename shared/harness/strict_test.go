package harness_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
)

// misbehaving stands for dist/test/misbehaving.wasm (tools/wasmrules/testdata/misbehaving): the
// module is what runs; the harness reads only its name and ProxyNeeds.
var misbehaving = policy.Definition{Name: "misbehaving", Schema: []byte(`{}`),
	Parse: func(data []byte) (policy.Policy, error) {
		return misbehavingNeeds{}, config.DecodeStrict(data, &struct {
			StartProperty string `json:"startProperty"`
			Refuse        bool   `json:"refuse"`
		}{})
	}}

// misbehavingNeeds is what the module's ProxyNeeds says.
type misbehavingNeeds struct{}

func (misbehavingNeeds) OnRequest(*policy.Request) policy.Decision { return policy.Allowed() }

func (misbehavingNeeds) ProxyNeeds() policy.ProxyNeeds {
	return policy.ProxyNeeds{EditedRequestHeaders: []string{"x-user"}}
}

// misbehavingSets is one pass: a request that misbehaves as told, then plain requests whose
// allocations bring garbage collections.
func misbehavingSets(how string) []harness.CaseSet {
	cases := []harness.Case{{Name: how, Request: harness.Request{Headers: [][2]string{{"x-misbehave", how}}}, Want: harness.Expect{Status: 200}}}
	for range 50 {
		cases = append(cases, harness.Case{Name: "plain", Want: harness.Expect{Status: 200}})
	}
	return []harness.CaseSet{{File: how + ".json", Config: filepath.Join(harness.RepoRoot(), "tools", "wasmrules", "testdata", "misbehaving", "config.json"), Cases: cases}}
}

func soakMisbehaving(t *testing.T, how string, profile harness.HostProfile) harness.SoakResult {
	t.Helper()
	res, err := harness.Soak(misbehaving, misbehavingSets(how), 2000, harness.Options{
		Profile: profile, WasmPath: filepath.Join(harness.RepoRoot(), "dist", "test", "misbehaving.wasm")})
	if err != nil {
		harness.FailOrSkipMissing(t, err)
	}
	return res
}

// TestStrictHostCatchesTimers proves the strict host can fail: a plugin that reads crypto/rand
// or sleeps traps in it, as it would on stock ngx_wasm_module, while proxytest's host runs it.
func TestStrictHostCatchesTimers(t *testing.T) {
	for _, how := range []string{"crypto-rand", "sleep"} {
		for _, profile := range []harness.HostProfile{harness.OldEnvoy, harness.Nginx} {
			t.Run(how+"/"+profile.Name, func(t *testing.T) {
				res := soakMisbehaving(t, how, profile)
				require.NotEmpty(t, res.Stats.Traps, "the module survived %d requests", res.Requests)
				require.Positive(t, res.Stats.PollOneoff)
				require.Less(t, res.Requests, 2000)
				t.Logf("trapped after %d requests: %s", res.Requests, res.Stats.Traps[0])
			})
		}
	}
}

// TestStrictHostWellBehaved is the control: the same module without the bad call serves every
// request through many garbage collections, and a panic is recovered by the glue (500).
func TestStrictHostWellBehaved(t *testing.T) {
	res := soakMisbehaving(t, "nothing", harness.Nginx)
	require.Empty(t, res.Stats.Traps)
	require.Empty(t, res.Mismatches)
	require.GreaterOrEqual(t, res.Requests, 2000)
	require.Greater(t, res.GCCycles, uint64(10))
	require.Zero(t, res.Stats.PollOneoff)

	sets := misbehavingSets("panic")
	sets[0].Cases[0].Want = harness.Expect{Status: 500, BodyContains: "internal policy error"}
	res, err := harness.Soak(misbehaving, sets, 2000, harness.Options{Profile: harness.Nginx,
		WasmPath: filepath.Join(harness.RepoRoot(), "dist", "test", "misbehaving.wasm")})
	require.NoError(t, err)
	require.Empty(t, res.Stats.Traps)
	require.Empty(t, res.Mismatches)
}
