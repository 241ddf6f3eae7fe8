package rbac_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestCases runs every testdata/cases/<name>.json against testdata/valid/<name>.json in native
// and wasm mode (run `make build` first so dist/rbac.wasm is fresh).
func TestCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/cases/*.json")
	if len(files) == 0 {
		t.Fatal("no case files")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			cfg, err := os.ReadFile(filepath.Join("testdata", "valid", name+".json"))
			if err != nil {
				t.Fatalf("config for %s: %v", f, err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var cases []harness.Case
			if err := json.Unmarshal(data, &cases); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			harness.RunCases(t, rbac.Definition, cfg, cases)
		})
	}
}
