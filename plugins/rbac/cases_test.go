package rbac_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/rbac"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestCases runs every testdata/cases/<name>.json against testdata/valid/<name>.json in native
// and wasm mode (run `make build` first so dist/rbac.wasm is fresh).
func TestCases(t *testing.T) { harness.RunCaseFiles(t, rbac.Definition) }
