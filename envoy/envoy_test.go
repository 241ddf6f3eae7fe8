package envoy

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/shared/metrics"
	"github.com/wasmward/wasmward/tools/envoystats"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// Bootstrap is the part of an Envoy bootstrap config the checks read.
type Bootstrap struct {
	Admin struct {
		Address any `yaml:"address"`
	} `yaml:"admin"`
	StatsConfig struct {
		StatsTags []struct {
			TagName string `yaml:"tag_name"`
			Regex   string `yaml:"regex"`
		} `yaml:"stats_tags"`
	} `yaml:"stats_config"`
	StaticResources struct {
		Listeners []struct {
			FilterChains []struct {
				Filters []struct {
					Name        string `yaml:"name"`
					TypedConfig struct {
						RouteConfig struct {
							VirtualHosts []struct {
								Routes []struct {
									Route struct {
										Cluster string `yaml:"cluster"`
									} `yaml:"route"`
								} `yaml:"routes"`
							} `yaml:"virtual_hosts"`
						} `yaml:"route_config"`
						HTTPFilters []HTTPFilter `yaml:"http_filters"`
					} `yaml:"typed_config"`
				} `yaml:"filters"`
			} `yaml:"filter_chains"`
		} `yaml:"listeners"`
		Clusters []struct {
			Name string `yaml:"name"`
		} `yaml:"clusters"`
	} `yaml:"static_resources"`
}

// HTTPFilter is one HTTP filter; Wasm filters carry a config.
type HTTPFilter struct {
	Name        string `yaml:"name"`
	TypedConfig struct {
		Type   string `yaml:"@type"`
		Config struct {
			Name     string `yaml:"name"`
			VMConfig struct {
				VMID    string `yaml:"vm_id"`
				Runtime string `yaml:"runtime"`
				Code    struct {
					Local struct {
						Filename string `yaml:"filename"`
					} `yaml:"local"`
				} `yaml:"code"`
				EnvironmentVariables struct {
					HostEnvKeys []string `yaml:"host_env_keys"`
				} `yaml:"environment_variables"`
			} `yaml:"vm_config"`
			Configuration struct {
				Type  string `yaml:"@type"`
				Value string `yaml:"value"`
			} `yaml:"configuration"`
		} `yaml:"config"`
	} `yaml:"typed_config"`
}

const wasmFilterType = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"

// requireBuilt: with CI=true the modules the configs load must be built (make test runs after
// make build); elsewhere the plugin's source is enough.
var requireBuilt = os.Getenv("CI") == "true"

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML under %s: %v", dir, err)
	}
	return files
}

// TestBootstrapConfigs checks every Envoy bootstrap under envoy/ (all but istio/ and the
// stats-tags snippet): it parses strictly, its wasm filters load an existing plugin with a config
// that passes `wasmward validate`, pass the handoff key from the environment, every cluster a
// route or a plugin config names is defined, and its stats_tags split the decision counters into
// labels under Envoy's extraction (tools/envoystats).
func TestBootstrapConfigs(t *testing.T) {
	root := harness.RepoRoot()
	for _, path := range yamlFiles(t, ".") {
		if strings.HasPrefix(path, "istio/") || path == "stats-tags.yaml" {
			continue
		}
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var b Bootstrap
			if err := yaml.Unmarshal(data, &b); err != nil {
				t.Fatalf("parse: %v", err)
			}
			checkStatsTags(t, b)
			clusters := map[string]bool{}
			for _, c := range b.StaticResources.Clusters {
				clusters[c.Name] = true
			}
			if len(b.StaticResources.Listeners) == 0 {
				t.Fatal("no listener")
			}
			wasmFilters := 0
			for _, l := range b.StaticResources.Listeners {
				for _, fc := range l.FilterChains {
					for _, f := range fc.Filters {
						for _, vh := range f.TypedConfig.RouteConfig.VirtualHosts {
							for _, r := range vh.Routes {
								if !clusters[r.Route.Cluster] {
									t.Errorf("route to undefined cluster %q", r.Route.Cluster)
								}
							}
						}
						hf := f.TypedConfig.HTTPFilters
						if len(hf) == 0 || hf[len(hf)-1].Name != "envoy.filters.http.router" {
							t.Error("the router must be the last HTTP filter")
						}
						for _, h := range hf {
							if h.TypedConfig.Type == wasmFilterType {
								wasmFilters++
								checkWasmFilter(t, root, h, clusters)
							}
						}
					}
				}
			}
			if wasmFilters == 0 {
				t.Error("no wasmward filter")
			}
		})
	}
}

// checkStatsTags runs Envoy's tag extraction with the config's stats_tags on a decision counter:
// it must become envoy_wasmcustom_wasmward_decisions with all four labels.
func checkStatsTags(t *testing.T, b Bootstrap) {
	t.Helper()
	var tags []envoystats.Tag
	for _, tag := range b.StatsConfig.StatsTags {
		tags = append(tags, envoystats.Tag{Name: tag.TagName, Regex: tag.Regex})
	}
	name, labels := envoystats.Export(metrics.DecisionName("rbac", "admins", "no_match", metrics.Deny), tags)
	want := map[string]string{"plugin": "rbac", "rule": "admins", "reason": "no_match", "decision": "deny"}
	if name != "envoy_wasmcustom_wasmward_decisions" || !maps.Equal(labels, want) {
		t.Errorf("stats_tags turn a decision counter into %s%v, want envoy_wasmcustom_wasmward_decisions%v", name, labels, want)
	}
}

func checkWasmFilter(t *testing.T, root string, h HTTPFilter, clusters map[string]bool) {
	t.Helper()
	c := h.TypedConfig.Config
	plugin, err := pluginfiles.CheckModulePath(root, gen.WasmDir, c.VMConfig.Code.Local.Filename, requireBuilt)
	if err != nil {
		t.Error(err)
		return
	}
	def, ok := gen.Lookup(plugin)
	if !ok {
		t.Errorf("filter %s loads unknown plugin %s", h.Name, plugin)
		return
	}
	if c.Configuration.Type != "type.googleapis.com/google.protobuf.StringValue" {
		t.Errorf("filter %s: configuration type %q", h.Name, c.Configuration.Type)
	}
	if err := pluginfiles.CheckConfig(def, []byte(c.Configuration.Value)); err != nil {
		t.Errorf("filter %s: %v", h.Name, err)
	}
	if !slices.Contains(c.VMConfig.EnvironmentVariables.HostEnvKeys, identity.KeyEnv) {
		t.Errorf("filter %s does not pass %s from the environment", h.Name, identity.KeyEnv)
	}
	if c.VMConfig.VMID == "" || c.VMConfig.Runtime == "" {
		t.Errorf("filter %s: vm_id and runtime are required (shared data is per vm_id)", h.Name)
	}
	for _, cl := range calloutClusters(t, c.Configuration.Value) {
		if !clusters[cl] {
			t.Errorf("filter %s calls out to undefined cluster %q", h.Name, cl)
		}
	}
}

// calloutClusters collects the string values of "cluster" members anywhere in a plugin config.
func calloutClusters(t *testing.T, cfg string) []string {
	var v any
	if err := json.Unmarshal([]byte(cfg), &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				walk(k, sub)
			}
		case []any:
			for _, sub := range x {
				walk(key, sub)
			}
		case string:
			if key == "cluster" {
				out = append(out, x)
			}
		}
	}
	walk("", v)
	return out
}

// WasmPlugin is the part of an Istio WasmPlugin the checks read.
type WasmPlugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		URL          string         `yaml:"url"`
		Phase        string         `yaml:"phase"`
		FailStrategy string         `yaml:"failStrategy"`
		PluginConfig map[string]any `yaml:"pluginConfig"`
		VMConfig     struct {
			Env []struct {
				Name      string `yaml:"name"`
				ValueFrom string `yaml:"valueFrom"`
			} `yaml:"env"`
		} `yaml:"vmConfig"`
	} `yaml:"spec"`
}

// TestIstioManifests checks every WasmPlugin under envoy/istio: it pulls an OCI image of a known
// plugin, and its pluginConfig passes `wasmward validate`.
func TestIstioManifests(t *testing.T) {
	for _, path := range yamlFiles(t, "istio") {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i, doc := range strings.Split(string(data), "\n---\n") {
				var wp WasmPlugin
				if err := yaml.Unmarshal([]byte(doc), &wp); err != nil {
					t.Fatalf("document %d: %v", i, err)
				}
				if wp.APIVersion != "extensions.istio.io/v1alpha1" || wp.Kind != "WasmPlugin" {
					t.Errorf("document %d is %s %s", i, wp.APIVersion, wp.Kind)
				}
				rest, ok := strings.CutPrefix(wp.Spec.URL, "oci://")
				name, _, tagged := strings.Cut(rest[strings.LastIndex(rest, "/")+1:], ":")
				if !ok || !tagged {
					t.Errorf("url %q is not oci://<registry>/<plugin>:<tag>", wp.Spec.URL)
				}
				def, known := gen.Lookup(name)
				if !known {
					t.Errorf("url %q pulls unknown plugin %q", wp.Spec.URL, name)
					continue
				}
				cfg, err := json.Marshal(wp.Spec.PluginConfig)
				if err != nil {
					t.Fatal(err)
				}
				if err := pluginfiles.CheckConfig(def, cfg); err != nil {
					t.Errorf("document %d: pluginConfig: %v", i, err)
				}
				if len(wp.Spec.VMConfig.Env) == 0 || wp.Spec.VMConfig.Env[0].Name != identity.KeyEnv {
					t.Errorf("document %d: vmConfig.env must pass %s", i, identity.KeyEnv)
				}
			}
		})
	}
}
