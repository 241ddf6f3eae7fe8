package nginx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/identity"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
	"github.com/wasmward/wasmward/tools/pluginfiles"
)

func confFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".conf") {
			files = append(files, path)
		}
		return err
	})
	if len(files) == 0 {
		t.Fatal("no .conf files")
	}
	return files
}

// TestConfigs checks every nginx config: it parses, declares a wasm block with an shm_kv zone,
// its modules are wasmward plugins that exist, every proxy_wasm names a declared module and
// carries a config passing `wasmward validate`, and the handoff key is passed to the workers.
func TestConfigs(t *testing.T) {
	root := harness.RepoRoot()
	requireBuilt := os.Getenv("CI") == "true"
	for _, path := range confFiles(t) {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			conf, err := parseConf(string(src))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			wasm := find(conf, "wasm")
			if len(wasm) != 1 || !wasm[0].isBlock {
				t.Fatal("want one wasm { } block")
			}
			if kv := find(wasm[0].block, "shm_kv"); len(kv) == 0 || kv[0].args[0] != "*" {
				t.Error("wasm block lacks `shm_kv * <size>;`: no shared data on this host without it")
			}
			modules := map[string]string{}
			for _, m := range find(wasm[0].block, "module") {
				if len(m.args) != 2 {
					t.Errorf("module %v: want <name> <path>", m.args)
					continue
				}
				plugin, err := pluginfiles.CheckModulePath(root, gen.WasmDir, m.args[1], requireBuilt)
				if err != nil {
					t.Error(err)
				}
				modules[m.args[0]] = plugin
			}
			filters := find(conf, "proxy_wasm")
			if len(filters) == 0 {
				t.Fatal("no proxy_wasm directive")
			}
			for _, f := range filters {
				if len(f.args) != 2 {
					t.Errorf("proxy_wasm %v: want <module> '<config>'", f.args)
					continue
				}
				plugin, ok := modules[f.args[0]]
				if !ok {
					t.Errorf("proxy_wasm names undeclared module %q", f.args[0])
					continue
				}
				def, ok := gen.Lookup(plugin)
				if !ok {
					t.Errorf("module %s is not a wasmward plugin", plugin)
					continue
				}
				cfg := []byte(f.args[1])
				if name, ok := strings.CutPrefix(f.args[1], "env:"); ok {
					// A config too long for an argument: its variable holds <conf>.json.
					if !declaresEnv(conf, name) {
						t.Errorf("proxy_wasm %s reads %s, but `env %s;` is missing", f.args[0], name, name)
					}
					if cfg, err = os.ReadFile(strings.TrimSuffix(path, ".conf") + ".json"); err != nil {
						t.Errorf("proxy_wasm %s: %v", f.args[0], err)
						continue
					}
				}
				if err := pluginfiles.CheckConfig(def, cfg); err != nil {
					t.Errorf("proxy_wasm %s: %v", f.args[0], err)
				}
			}
			for _, d := range walk(conf) {
				for _, a := range d.args {
					if len(a) > gen.NginxMaxArgument-2 {
						t.Errorf("%s: an argument of %d bytes: nginx refuses more than %d (too long parameter)", d.name, len(a), gen.NginxMaxArgument)
					}
				}
			}
			for _, need := range []string{"client_body_buffer_size", "client_max_body_size"} {
				if len(find(conf, need)) == 0 {
					t.Errorf("%s missing: bodies past nginx's default buffer go to a temp file proxy-wasm cannot read", need)
				}
			}
			if !resets(conf, identity.HeaderName) {
				t.Errorf("no `proxy_set_header %s ...`: a removed handoff header would still reach the upstream", identity.HeaderName)
			}
			for _, p := range find(conf, "proxy_pass") {
				if !strings.HasSuffix(p.args[0], "/") {
					t.Errorf("proxy_pass %s: without a URI part nginx sends the original request line, not a rewritten :path", p.args[0])
				}
			}
			if !declaresEnv(conf, identity.KeyEnv) {
				t.Errorf("`env %s;` missing: workers would not see the handoff key", identity.KeyEnv)
			}
		})
	}
}

func declaresEnv(conf []directive, name string) bool {
	for _, e := range find(conf, "env") {
		if len(e.args) == 1 && e.args[0] == name {
			return true
		}
	}
	return false
}

func resets(conf []directive, header string) bool {
	for _, d := range find(conf, "proxy_set_header") {
		if strings.EqualFold(d.args[0], header) {
			return true
		}
	}
	return false
}

// TestReadmeCoversEveryPlugin: nginx/README.md says what each plugin does on this host.
func TestReadmeCoversEveryPlugin(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, def := range gen.Definitions() {
		if !strings.Contains(string(readme), "| "+def.Name+" |") {
			t.Errorf("README.md has no row for %s", def.Name)
		}
	}
}

func TestParseConfRejectsBrokenSyntax(t *testing.T) {
	for _, src := range []string{"a b", "a {", "a }", "a 'x;", "}"} {
		if _, err := parseConf(src); err == nil {
			t.Errorf("%q parsed", src)
		}
	}
	ds, err := parseConf(`x 'it\'s \\d';`)
	if err != nil || ds[0].args[0] != `it's \d` {
		t.Errorf("got %+v, %v", ds, err)
	}
}
