package registry_test

import (
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/policy"
)

// soakRequests is how many requests each plugin serves per host profile in the strict host:
// enough for dozens of garbage collections in every module.
const soakRequests = 20000

// soakHandoffKey is the identity handoff key of the soak's nginx VMs (identity.KeyEnv).
const soakHandoffKey = "soak-handoff-key-0123456789abcdef0123456789"

// TestStrictHostSoak runs every plugin's .wasm, with its testdata configs and case files, in the
// strict host (a WASI whose poll_oneoff and sched_yield fail, as on stock ngx_wasm_module and
// Envoy before 1.39) under each host profile: it must serve soakRequests requests, mixed allow
// and deny, bodies included, with no trap and every decision right. With -v it prints what the
// closing notes quote: requests, garbage collections, heap, host calls per callback.
func TestStrictHostSoak(t *testing.T) {
	defs := append(registry.All(), chain.Definition)
	for _, def := range defs {
		for _, profile := range []harness.HostProfile{harness.OldEnvoy, harness.Nginx} {
			t.Run(def.Name+"/"+profile.Name, func(t *testing.T) {
				soak(t, def, profile)
			})
		}
	}
}

func soak(t *testing.T, def policy.Definition, profile harness.HostProfile) {
	dir := filepath.Join(harness.RepoRoot(), "plugins", def.Name)
	sets, err := harness.LoadCaseSets(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := harness.Options{Profile: profile}
	if profile.Nginx {
		// nginx refuses the identity property (HostProfile.RefusedProperties): identities are
		// handed off by signed header, with the key in every VM as the generated nginx configs set it.
		opts.Env = map[string]string{identity.KeyEnv: soakHandoffKey}
	}
	res, err := harness.Soak(def, sets, soakRequests, opts)
	if err != nil {
		harness.FailOrSkipMissing(t, err)
	}
	for _, tr := range res.Stats.Traps {
		t.Errorf("trap after %d requests: %s", res.Requests, tr)
	}
	for _, v := range res.Stats.Violations {
		t.Errorf("host violation: %s", v)
	}
	for _, m := range res.Mismatches {
		t.Errorf("wrong outcome: %s", m)
	}
	if res.Requests < soakRequests {
		t.Errorf("served %d requests, want %d", res.Requests, soakRequests)
	}
	t.Logf("%s on %s: %d requests, %d garbage collections, heap %.1f MiB, poll_oneoff %d, sched_yield %d",
		def.Name, profile.Name, res.Requests, res.GCCycles, float64(res.HeapBytes)/(1<<20), res.Stats.PollOneoff, res.Stats.SchedYield)
	for _, l := range res.Stats.CallList() {
		t.Log("  " + l)
	}
	for _, r := range res.Stats.RandomGet {
		t.Errorf("random_get on the request path (arms a timer; predictable on ngx_wasm_module): %s", r)
	}
}
