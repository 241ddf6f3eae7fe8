package nginx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigureArguments reads the configure line from what `nginx -V` prints (to stderr), and
// says "unknown" when a binary prints none.
func TestConfigureArguments(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, script, want string }{
		{"release", "echo 'nginx version: nginx/1.27.4' >&2; echo 'built by gcc 12.2.0' >&2; " +
			"echo 'configure arguments: --prefix=/x --with-http_ssl_module --add-module=/m' >&2",
			"configure arguments: --prefix=/x --with-http_ssl_module --add-module=/m"},
		{"no configure line", "echo 'nginx version: nginx/1.27.4' >&2", "configure arguments: unknown"},
	} {
		bin := filepath.Join(dir, c.name)
		if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+c.script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if got := ConfigureArguments(bin); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestBinary accepts an nginx whose `nginx -V` names ngx_wasm_module's directory, or whose file
// holds the module's name (built from a directory of another name), and refuses one with neither.
func TestBinary(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, script string
		ok           bool
	}{
		{"named by -V", "echo 'configure arguments: --add-module=/src/ngx_wasm_module' >&2", true},
		{"module in the file", "# " + wasmModuleName + "\necho 'configure arguments: --add-module=/src/wasm' >&2", true},
		{"plain nginx", "echo 'configure arguments: --prefix=/x' >&2", false},
	} {
		bin := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+c.script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(BinaryEnv, bin)
		got, err := Binary()
		switch {
		case c.ok && (err != nil || got != bin):
			t.Errorf("%s: %q, %v; want the binary", c.name, got, err)
		case !c.ok && !errors.Is(err, ErrNoHost):
			t.Errorf("%s: %q, %v; want ErrNoHost", c.name, got, err)
		}
	}
}
