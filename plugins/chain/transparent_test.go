package chain_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// TestChainOfOneIsTransparent runs every registered plugin's case files through a chain holding
// only that plugin, with the plugin's config (envelope settings kept): the chain must give the
// same replies and forwarded requests as the plugin alone. Configs that read environment
// variables run natively only (the wasm harness cannot pass them), with test values.
func TestChainOfOneIsTransparent(t *testing.T) {
	root := harness.RepoRoot()
	for _, def := range registry.All() {
		for _, casesFile := range pluginfiles.CaseFiles(root, def.Name) {
			t.Run(def.Name+"/"+filepath.Base(casesFile), func(t *testing.T) {
				cfgPath, err := pluginfiles.ConfigForCases(root, def.Name, casesFile)
				if err != nil {
					t.Fatal(err)
				}
				cfg, envs := asChain(t, cfgPath)
				var cases []harness.Case
				data, err := os.ReadFile(casesFile)
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(data, &cases); err != nil {
					t.Fatal(err)
				}
				if len(envs) == 0 {
					harness.RunCases(t, chain.Definition, cfg, cases)
					return
				}
				env := map[string]string{}
				for _, name := range envs {
					env[name] = "Q2hhaW4gdHJhbnNwYXJlbmN5IHRlc3Qga2V5IDAxMjM0NTY3ODk"
				}
				h := harness.MustStart(t, harness.Native, chain.Definition, cfg, harness.Options{Env: env})
				for _, c := range cases {
					t.Run(c.Name, func(t *testing.T) {
						for _, d := range c.Want.Check(h.Do(c.Request)) {
							t.Error(d)
						}
					})
				}
			})
		}
	}
}

// asChain turns a plugin config into a chain config holding only that plugin, with the same
// envelope settings, and returns the environment variables its spec reads.
func asChain(t *testing.T, path string) ([]byte, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	var plugin string
	json.Unmarshal(env["plugin"], &plugin)
	policies, _ := json.Marshal(chain.Spec{Policies: []chain.Entry{{Plugin: plugin, Spec: env["spec"]}}})
	env["plugin"], env["spec"] = json.RawMessage(`"chain"`), policies
	out, _ := json.Marshal(env)
	_, envs := pluginfiles.Scan(policies)
	return out, envs
}
