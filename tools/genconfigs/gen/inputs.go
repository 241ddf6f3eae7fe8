// Package gen generates the proxy configurations, Istio manifests and policy test examples of
// wasmward from one source of truth: each plugin's testdata/valid/*.json and testdata/cases/*.json
// (via tools/pluginfiles), for every plugin in plugins/registry plus the chain. Files returns the
// whole generated tree; `go run ./tools/genconfigs` writes it and a test fails when the committed
// files differ.
package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

// Plugin is one plugin and its valid configs.
type Plugin struct {
	Def     policy.Definition
	Configs []Config
	// Preferred is the config standing for the plugin (pluginfiles.Preferred).
	Preferred Config
}

// Config is one valid config file.
type Config struct {
	Name string // file name without .json
	Path string // relative to the repository root, slash-separated
	Data []byte // the file as committed
	Env  *config.Envelope
}

// Compact is the config as one line of JSON, what a proxy's plugin configuration carries.
func (c Config) Compact() string {
	var out bytes.Buffer
	if err := json.Compact(&out, c.Data); err != nil {
		return string(c.Data)
	}
	return out.String()
}

// Text is the config as committed, without surrounding blank space: YAML renders a multi-line
// config as a readable literal block.
func (c Config) Text() string { return string(bytes.TrimSpace(c.Data)) }

// Definitions are the plugins configs are generated for: the registry's, then the chain.
func Definitions() []policy.Definition {
	return append(registry.All(), chain.Definition)
}

// Load reads every plugin's valid configs under root.
func Load(root string) ([]Plugin, error) {
	var plugins []Plugin
	for _, def := range Definitions() {
		p := Plugin{Def: def}
		for _, path := range pluginfiles.ValidConfigs(root, def.Name) {
			c, err := loadConfig(root, def, path)
			if err != nil {
				return nil, err
			}
			p.Configs = append(p.Configs, c)
		}
		if len(p.Configs) == 0 {
			continue // a plugin still being written: nothing to generate yet
		}
		pref, err := pluginfiles.Preferred(root, def.Name)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(p.Configs, func(c Config) bool { return c.Name == strings.TrimSuffix(filepath.Base(pref), ".json") })
		p.Preferred = p.Configs[i]
		plugins = append(plugins, p)
	}
	return plugins, nil
}

// LoadConfig reads one config file of plugin (path absolute or relative to the working
// directory; Config.Path is made relative to root).
func LoadConfig(root, plugin, path string) (Config, error) {
	def, ok := Lookup(plugin)
	if !ok {
		return Config{}, fmt.Errorf("unknown plugin %q", plugin)
	}
	return loadConfig(root, def, path)
}

func loadConfig(root string, def policy.Definition, path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	env, err := config.ParseEnvelope(data, def.Name)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return Config{}, err
	}
	return Config{Name: strings.TrimSuffix(filepath.Base(path), ".json"), Path: filepath.ToSlash(rel), Data: data, Env: env}, nil
}

// fullChain returns the plugins of pluginfiles.FullChain that exist, in chain order; with none,
// passthrough stands in so that the full-chain files always exist.
func fullChain(plugins []Plugin) []Plugin {
	var out []Plugin
	for _, name := range pluginfiles.FullChain {
		if p, ok := find(plugins, name); ok {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		if p, ok := find(plugins, "passthrough"); ok {
			out = append(out, p)
		}
	}
	return out
}

func find(plugins []Plugin, name string) (Plugin, bool) {
	for _, p := range plugins {
		if p.Def.Name == name {
			return p, true
		}
	}
	return Plugin{}, false
}

// chainConfig is the chain plugin config running the plugins' preferred specs.
func chainConfig(plugins []Plugin) Config {
	var spec chain.Spec
	for _, p := range plugins {
		spec.Policies = append(spec.Policies, chain.Entry{Plugin: p.Def.Name, Spec: p.Preferred.Env.Spec})
	}
	raw, _ := json.MarshalIndent(spec, "  ", "  ")
	data := fmt.Appendf(nil, "{\n  \"apiVersion\": %q,\n  \"plugin\": %q,\n  \"spec\": %s\n}\n", config.APIVersion, chain.Name, raw)
	env, _ := config.ParseEnvelope(data, chain.Name)
	return Config{Name: "full-chain", Path: "(generated from the full chain)", Data: data, Env: env}
}

// scan is pluginfiles.Scan: callout clusters and environment variables a spec names.
var scan = pluginfiles.Scan

// Lookup finds a plugin of Definitions by name.
func Lookup(name string) (policy.Definition, bool) {
	for _, d := range Definitions() {
		if d.Name == name {
			return d, true
		}
	}
	return policy.Definition{}, false
}
