package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateChainChecksEachPolicySchema: `wasmward validate chain` reports a chained policy's
// schema errors under spec.policies[i].spec, and accepts the chain's valid testdata.
func TestValidateChainChecksEachPolicySchema(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "chain.json")
	os.WriteFile(bad, []byte(`{"apiVersion":"wasmward/v1","plugin":"chain","spec":{"policies":[
		{"plugin":"passthrough","spec":{}},{"plugin":"passthrough","spec":{"x":1}}]}}`), 0o644)
	code, out, _ := runCLI("validate", "chain", bad)
	if code != exitInvalid || !strings.Contains(out, "schema: spec.policies[1].spec") || !strings.Contains(out, "parser: spec.policies[1].spec.x") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	good, _ := filepath.Glob(filepath.Join("..", "..", "plugins", "chain", "testdata", "valid", "*.json"))
	code, out, errOut := runCLI(append([]string{"validate", "chain"}, good...)...)
	if code != exitOK {
		t.Errorf("valid chain configs: exit %d\n%s%s", code, out, errOut)
	}
}
