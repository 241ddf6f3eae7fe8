// Package registry lists every wasmward plugin, for the CLI and cross-plugin tests. A new plugin
// adds its Definition to All.
package registry

import (
	"github.com/wasmward/wasmward/plugins/jwtauthn"
	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/plugins/ratelimit"
	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/policy"
)

// All returns every plugin's definition, in the order of a typical filter chain.
func All() []policy.Definition {
	return []policy.Definition{
		passthrough.Definition,
		jwtauthn.Definition,
		rbac.Definition,
		ratelimit.Definition,
		sanitize.Definition,
		mask.Definition,
	}
}

// Lookup finds a plugin by name.
func Lookup(name string) (policy.Definition, bool) {
	for _, d := range All() {
		if d.Name == name {
			return d, true
		}
	}
	return policy.Definition{}, false
}

// Names lists the plugin names.
func Names() []string {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
	}
	return names
}
