// Package pluginfiles finds a plugin's files on disk (testdata configs and case files, the built
// module) by the layout docs/adding-a-plugin.md prescribes, so that generators and tests cover
// every registered plugin without a list to keep up to date.
package pluginfiles

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// PreferredConfigs are the valid config names tried, in order, when one config must stand for a
// plugin (the full-chain config, the e2e scenario); failing those, the first valid config by name.
var PreferredConfigs = []string{"full.json", "minimal.json"}

// ValidConfigs returns the plugin's testdata/valid/*.json paths under root, sorted.
func ValidConfigs(root, plugin string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "plugins", plugin, "testdata", "valid", "*.json"))
	slices.Sort(files)
	return files
}

// CaseFiles returns the plugin's testdata/cases/*.json paths under root, sorted.
func CaseFiles(root, plugin string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "plugins", plugin, "testdata", "cases", "*.json"))
	slices.Sort(files)
	return files
}

// Preferred returns the path of the config that stands for the plugin (see PreferredConfigs).
func Preferred(root, plugin string) (string, error) {
	files := ValidConfigs(root, plugin)
	if len(files) == 0 {
		return "", fmt.Errorf("plugin %s has no testdata/valid/*.json", plugin)
	}
	for _, name := range PreferredConfigs {
		for _, f := range files {
			if filepath.Base(f) == name {
				return f, nil
			}
		}
	}
	return files[0], nil
}

// ConfigForCases returns the config a case file runs against: testdata/valid/<same name> when
// it exists (the convention harness.LoadCaseSets follows), else the preferred config.
func ConfigForCases(root, plugin, caseFile string) (string, error) {
	same := filepath.Join(root, "plugins", plugin, "testdata", "valid", filepath.Base(caseFile))
	if _, err := os.Stat(same); err == nil {
		return same, nil
	}
	return Preferred(root, plugin)
}

// FullChain is the order of the full policy chain (envoy/full-chain*.yaml, nginx/full-chain*.conf, the chain benchmark):
// authentication, authorization, rate limiting, request sanitizing, then response masking.
// Plugins not registered yet are left out.
var FullChain = []string{"jwtauthn", "rbac", "ratelimit", "sanitize", "mask"}
