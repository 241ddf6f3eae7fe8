package sanitize_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestCases runs every testdata/cases/<name>.json against testdata/valid/<name>.json in native
// and wasm mode (make build first: dist/sanitize.wasm must be fresh).
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
				t.Fatal(err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var cases []harness.Case
			if err := json.Unmarshal(data, &cases); err != nil {
				t.Fatal(err)
			}
			harness.RunCases(t, sanitize.Definition, cfg, cases)
		})
	}
}
