package envoy

import (
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// hcmPaths is the path handling of an HTTP connection manager.
type hcmPaths struct {
	NormalizePath                bool   `yaml:"normalize_path"`
	MergeSlashes                 bool   `yaml:"merge_slashes"`
	PathWithEscapedSlashesAction string `yaml:"path_with_escaped_slashes_action"`
	StripTrailingHostDot         bool   `yaml:"strip_trailing_host_dot"`
}

// TestBootstrapsNormalizePaths: every shipped listener normalizes paths and hosts before the
// plugins run and refuses escaped slashes, so that no path rule sees "/a/../admin", "//admin",
// "/admin%2Fx" or "admin.example.com." (docs/security.md, issue 16 finding 4).
func TestBootstrapsNormalizePaths(t *testing.T) {
	want := hcmPaths{NormalizePath: true, MergeSlashes: true, PathWithEscapedSlashesAction: "REJECT_REQUEST", StripTrailingHostDot: true}
	for _, path := range yamlFiles(t, ".") {
		if strings.HasPrefix(path, "istio/") || path == "stats-tags.yaml" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			StaticResources struct {
				Listeners []struct {
					FilterChains []struct {
						Filters []struct {
							TypedConfig hcmPaths `yaml:"typed_config"`
						} `yaml:"filters"`
					} `yaml:"filter_chains"`
				} `yaml:"listeners"`
			} `yaml:"static_resources"`
		}
		if err := yaml.Unmarshal(data, &b); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n := 0
		for _, l := range b.StaticResources.Listeners {
			for _, fc := range l.FilterChains {
				for _, f := range fc.Filters {
					n++
					if f.TypedConfig != want {
						t.Errorf("%s: connection manager path settings %+v, want %+v", path, f.TypedConfig, want)
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no connection manager", path)
		}
	}
}
