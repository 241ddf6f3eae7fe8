package gen

import (
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/config"
)

// TestRenderModuleFile: a filter's Module replaces WasmDir/<plugin>.wasm in the module line;
// without it the module comes from WasmDir.
func TestRenderModuleFile(t *testing.T) {
	cfg := Config{Name: "x", Data: []byte(`{}`), Env: &config.Envelope{}}
	conf := NginxConf{WasmDir: "/dist", Upstream: "127.0.0.1:1", Servers: []NginxServer{{Listen: "1",
		Filters: []NginxFilter{{Plugin: "floor", Config: cfg, Module: "/dist/test/floor.wasm"}, {Plugin: "passthrough", Config: cfg}}}}}
	out := string(conf.Render())
	for _, want := range []string{"module floor /dist/test/floor.wasm;", "module passthrough /dist/passthrough.wasm;"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
