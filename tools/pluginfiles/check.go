package pluginfiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/schema"
)

// CheckConfig runs `wasmward validate`'s checks (the plugin's parser and JSON Schema,
// schema.Check) on a config embedded in a proxy config.
func CheckConfig(def policy.Definition, data []byte) error {
	parseErr, schemaErr := schema.Check(def, data)
	if parseErr != nil || schemaErr != nil {
		return fmt.Errorf("%s config: %w", def.Name, errors.Join(parseErr, schemaErr))
	}
	return nil
}

// CheckModulePath checks that a module path of a proxy config, inside wasmDir (where the proxy
// mounts dist/), names a plugin whose source exists under root, and, when requireBuilt, that
// dist/<plugin>.wasm is built. It returns the plugin name.
func CheckModulePath(root, wasmDir, path string, requireBuilt bool) (string, error) {
	rel, ok := strings.CutPrefix(path, wasmDir+"/")
	plugin, isWasm := strings.CutSuffix(rel, ".wasm")
	if !ok || !isWasm || strings.Contains(plugin, "/") {
		return "", fmt.Errorf("module %s is not %s/<plugin>.wasm", path, wasmDir)
	}
	if _, err := os.Stat(filepath.Join(root, "plugins", plugin, "wasm", "main.go")); err != nil {
		return "", fmt.Errorf("module %s: no plugins/%s/wasm/main.go to build it from", path, plugin)
	}
	if requireBuilt {
		if _, err := os.Stat(filepath.Join(root, "dist", plugin+".wasm")); err != nil {
			return "", fmt.Errorf("module %s: dist/%s.wasm not built", path, plugin)
		}
	}
	return plugin, nil
}
