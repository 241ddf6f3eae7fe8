package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmward/wasmward/shared/config"
)

// CaseSet is one plugin case file (plugins/<name>/testdata/cases/<x>.json, a JSON array of Case)
// with the config it runs against: testdata/valid/<x>.json when it exists, else the first file
// in testdata/valid.
type CaseSet struct {
	File   string
	Config string
	Cases  []Case
}

// LoadCaseSets reads every case file of a plugin directory (plugins/<name>).
func LoadCaseSets(pluginDir string) ([]CaseSet, error) {
	files, _ := filepath.Glob(filepath.Join(pluginDir, "testdata", "cases", "*.json"))
	valid, _ := filepath.Glob(filepath.Join(pluginDir, "testdata", "valid", "*.json"))
	var sets []CaseSet
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var cases []Case
		if err := config.DecodeStrict(wrapArray(data), &struct {
			Cases *[]Case `json:"cases"`
		}{&cases}); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		cfg := filepath.Join(pluginDir, "testdata", "valid", filepath.Base(f))
		if _, err := os.Stat(cfg); err != nil {
			if len(valid) == 0 {
				return nil, fmt.Errorf("%s: no config in testdata/valid to run against", f)
			}
			cfg = valid[0]
		}
		sets = append(sets, CaseSet{File: f, Config: cfg, Cases: cases})
	}
	return sets, nil
}

// wrapArray lets DecodeStrict (which wants an object) check a top-level array with paths
// like "cases[2].want.status".
func wrapArray(data []byte) []byte {
	return []byte(`{"cases":` + strings.TrimSpace(string(data)) + `}`)
}
