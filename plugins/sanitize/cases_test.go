package sanitize_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/sanitize"
	"github.com/wasmward/wasmward/shared/harness"
)

// TestCaseFiles runs every testdata/cases/<name>.json against testdata/valid/<name>.json in
// native and wasm mode (make build first: dist/sanitize.wasm must be fresh).
func TestCaseFiles(t *testing.T) { harness.RunCaseFiles(t, sanitize.Definition) }
