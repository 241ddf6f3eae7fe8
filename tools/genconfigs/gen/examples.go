package gen

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// ExamplesDir holds the policy test case files `wasmward test` runs in `make test`.
const ExamplesDir = "examples/policy-tests"

// exampleFile is the case file format of `wasmward test` (tools/wasmward/policytests), with the
// config and the cases referenced by path so that the plugin's testdata stays the one source.
type exampleFile struct {
	Plugin string `json:"plugin"`
	Config string `json:"config"`
	Cases  string `json:"cases"`
}

// exampleFiles generates examples/policy-tests/<plugin>-<cases>.json for every case file of
// every plugin, paired with testdata/valid/<same name>.json or the plugin's preferred config
// (pluginfiles.ConfigForCases).
func exampleFiles(root string, plugins []Plugin, out map[string][]byte) error {
	for _, p := range plugins {
		for _, cases := range pluginfiles.CaseFiles(root, p.Def.Name) {
			cfg, err := pluginfiles.ConfigForCases(root, p.Def.Name, cases)
			if err != nil {
				return err
			}
			rel := func(path string) string {
				r, _ := filepath.Rel(filepath.Join(root, ExamplesDir), path)
				return filepath.ToSlash(r)
			}
			b, err := json.MarshalIndent(exampleFile{Plugin: p.Def.Name, Config: rel(cfg), Cases: rel(cases)}, "", "  ")
			if err != nil {
				return err
			}
			name := p.Def.Name + "-" + strings.TrimSuffix(filepath.Base(cases), ".json") + ".json"
			out[ExamplesDir+"/"+name] = append(b, '\n')
		}
	}
	return nil
}
