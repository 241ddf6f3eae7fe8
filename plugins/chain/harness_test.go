package chain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// TestCases runs testdata/cases/<name>.json against testdata/valid/<name>.json in both modes.
func TestCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/cases/*.json")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := os.ReadFile(filepath.Join("testdata", "valid", filepath.Base(f)))
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
			harness.RunCases(t, Definition, cfg, cases)
		})
	}
}
