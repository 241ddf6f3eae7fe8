// Package freshclone checks the README's promise that its commands work on a fresh clone with
// nothing run before them: empty Go module and build caches, no dist/, no setup step.
package freshclone

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/shared/harness"
)

// SkipEnv, set to 1, skips the check (it takes minutes: every module is built from empty
// caches). It runs by default in CI (CI=true) and with WASMWARD_FRESH_CLONE=1.
const SkipEnv = "WASMWARD_SKIP_FRESH_CLONE"

// TestFreshClone clones the repository's committed HEAD into a temporary directory and, with
// GOMODCACHE and GOCACHE pointing at empty directories, runs `make demo` and the test that once
// needed a hidden `go mod download` (the CRS corpus read from the module cache). Bounded: 25
// minutes in all.
func TestFreshClone(t *testing.T) {
	switch {
	case os.Getenv(SkipEnv) == "1":
		t.Skipf("%s=1", SkipEnv)
	case os.Getenv("CI") != "true" && os.Getenv("WASMWARD_FRESH_CLONE") != "1":
		t.Skip("fresh-clone check: runs in CI, or with WASMWARD_FRESH_CLONE=1 (minutes)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	clone := filepath.Join(tmp, "wasmward")
	run := func(dir string, env []string, name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(out), 40))
		}
		t.Logf("%s %s: ok in %s", name, strings.Join(args, " "), time.Since(start).Round(time.Second))
	}
	run(harness.RepoRoot(), nil, "git", "clone", "--quiet", "--no-local", harness.RepoRoot(), clone)
	env := []string{
		"GOMODCACHE=" + filepath.Join(tmp, "gomodcache"),
		"GOCACHE=" + filepath.Join(tmp, "gocache"),
		"GOFLAGS=-modcacherw", // so that t.TempDir can remove the module cache
		"CI=",                 // the clone's own tests run as a user's would
	}
	run(clone, env, "make", "demo")
	run(clone, env, "make", "test-deps")
	run(clone, env, "go", "test", "-count=1", "-run", "TestCRSCorpus", "./plugins/sanitize/")
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
