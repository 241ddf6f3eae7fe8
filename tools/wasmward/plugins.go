package main

import (
	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/plugins/registry"
	"github.com/wasmward/wasmward/shared/policy"
)

// definitions lists every plugin the CLI knows: the registry's, then the chain (which the registry
// cannot list, since the chain is built from it).
func definitions() []policy.Definition {
	return append(registry.All(), chain.Definition)
}

// lookup finds a plugin the CLI knows by name.
func lookup(name string) (policy.Definition, bool) {
	for _, d := range definitions() {
		if d.Name == name {
			return d, true
		}
	}
	return policy.Definition{}, false
}

// pluginNames lists the names of definitions().
func pluginNames() []string {
	var names []string
	for _, d := range definitions() {
		names = append(names, d.Name)
	}
	return names
}
