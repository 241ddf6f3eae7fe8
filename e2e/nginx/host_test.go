package nginx

import (
	"os"
	"path/filepath"
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
