package wasmrules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPluginsArmNoTimers guards the rule on every plugin and the glue, dependencies included.
func TestPluginsArmNoTimers(t *testing.T) {
	findings, err := Check(filepath.Join("..", ".."), "./plugins/...", "./shared/glue/...")
	require.NoError(t, err)
	for _, f := range findings {
		t.Errorf("arms a runtime timer or forces a GC (traps on hosts without poll_oneoff): %s", f)
	}
}

// TestCheckFindsEachForbiddenUse proves the check can fail.
func TestCheckFindsEachForbiddenUse(t *testing.T) {
	findings, err := checkFile(filepath.Join("testdata", "bad", "bad.go"))
	require.NoError(t, err)
	var names []string
	for _, f := range findings {
		names = append(names, f.Name)
	}
	require.Equal(t, "crypto/rand.Read context.WithTimeout time.Sleep time.AfterFunc runtime.GC", strings.Join(names, " "))
}
