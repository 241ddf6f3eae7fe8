package passthrough_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
)

// unpatchedWarning is how the glue's start warning for a module built without the runtime patch
// begins (shared/glue, unpatchedRuntime).
const unpatchedWarning = "module built without wasmward's Go runtime patch"

// TestRuntimePatchWarning: the shipped module (make build, with tools/runtimepatch's overlay)
// starts without the warning; one built by hand without the overlay still loads and runs (the
// glue then yields to the scheduler on every eighth stream end, as before the patch's probe) and
// says at start what it lacks.
func TestRuntimePatchWarning(t *testing.T) {
	shipped := harness.MustStart(t, harness.Wasm, passthrough.Definition, harness.BaselineConfig)
	if logs := strings.Join(shipped.Logs(), "\n"); strings.Contains(logs, unpatchedWarning) {
		t.Errorf("dist/passthrough.wasm was built without the runtime patch:\n%s", logs)
	}
	shipped.Close() // one emulated host at a time

	module := filepath.Join(t.TempDir(), "unpatched.wasm")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", module, "./plugins/passthrough/wasm")
	build.Dir = harness.RepoRoot()
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building without the overlay: %v\n%s", err, out)
	}
	h := harness.MustStart(t, harness.Wasm, passthrough.Definition, harness.BaselineConfig, harness.Options{WasmPath: module})
	for range 64 { // past several yields
		if res := h.Do(harness.Request{Path: "/x"}); res.Reply.Status != 200 {
			t.Fatalf("unpatched module answered %d", res.Reply.Status)
		}
	}
	if logs := strings.Join(h.Logs(), "\n"); !strings.Contains(logs, unpatchedWarning) {
		t.Errorf("a module built without the runtime patch started without saying so:\n%s", logs)
	}
}
