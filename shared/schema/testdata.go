package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// TestConfigDirs is the shared config test every plugin runs: each file in dir/valid passes both
// the Go parser and the schema; each file in dir/invalid fails both, and the parser's error names
// a field (except for an empty file, which has none).
func TestConfigDirs(t *testing.T, def policy.Definition, dir string) {
	t.Helper()
	valid, _ := filepath.Glob(filepath.Join(dir, "valid", "*.json"))
	invalid, _ := filepath.Glob(filepath.Join(dir, "invalid", "*.json"))
	if len(valid) == 0 || len(invalid) == 0 {
		t.Fatalf("%s: need files in valid/ and invalid/", dir)
	}
	for _, f := range valid {
		t.Run("valid/"+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parseErr, schemaErr := Check(def, data)
			if parseErr != nil {
				t.Errorf("parser rejects a valid config: %v", parseErr)
			}
			if schemaErr != nil {
				t.Errorf("schema rejects a valid config: %v", schemaErr)
			}
		})
	}
	for _, f := range invalid {
		t.Run("invalid/"+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parseErr, schemaErr := Check(def, data)
			if parseErr == nil {
				t.Errorf("parser accepts an invalid config")
			} else if fes := config.Fields(parseErr); len(strings.TrimSpace(string(data))) > 0 && (len(fes) == 0 || fes[0].Path == "") {
				t.Errorf("parser error names no field: %v", parseErr)
			}
			if schemaErr == nil {
				t.Errorf("schema accepts an invalid config")
			}
		})
	}
}
