package harness_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHarnessImportsNoPlugin: shared/harness runs plugins but depends on none (the benchmark
// baseline is a fixture, harness.Baseline): no package under plugins/ among its dependencies.
func TestHarnessImportsNoPlugin(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/wasmward/wasmward/shared/harness").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v: %s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/wasmward/wasmward/plugins/") {
			t.Errorf("shared/harness depends on %s", pkg)
		}
	}
}
