package chain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
)

// TestCases runs testdata/cases/<name>.json against testdata/valid/full.json in both modes.
func TestCases(t *testing.T) {
	cfg, err := os.ReadFile("testdata/valid/full.json")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/cases/*.json")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
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
