package registry_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
)

// TestEveryPolicyListsItsOutcomes: every plugin's policy is a policy.OutcomeLister, so the glue
// defines its counters before a worker serves (ngx_wasm_module's metrics race, docs/hosts.md).
// Whether a list is complete is what TestStrictHostSoak's nginx profile checks on every case file.
func TestEveryPolicyListsItsOutcomes(t *testing.T) {
	for _, def := range append(registry.All(), chain.Definition) {
		data, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "plugins", def.Name, "testdata", "valid", "minimal.json"))
		if err != nil {
			t.Fatal(err)
		}
		_, pol, err := config.Load(data, def.Name, def.Parse)
		if err != nil {
			t.Fatalf("%s: %v", def.Name, err)
		}
		if _, ok := pol.(policy.OutcomeLister); !ok {
			t.Errorf("%s: %T is no policy.OutcomeLister", def.Name, pol)
		}
	}
}
