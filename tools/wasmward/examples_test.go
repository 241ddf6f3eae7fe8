package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/tools/wasmward/policytests"
)

// TestPolicyTestExamples runs every shipped case file (examples/policy-tests, generated from the
// plugins' testdata/cases by tools/genconfigs) through `wasmward test`, as a user's CI would.
// A module that is not built skips the file, except with CI=true, where it fails.
func TestPolicyTestExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "policy-tests", "*.json"))
	if len(files) == 0 {
		t.Fatal("no examples/policy-tests/*.json: run go run ./tools/genconfigs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			suite, err := policytests.Load(f, lookup)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(suite.WasmPath); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s not built (CI=true: a missing module is a failure)", suite.WasmPath)
				}
				t.Skipf("%s not built (run make build)", suite.WasmPath)
			}
			code, out, errOut := runCLI("test", f)
			if code != exitOK {
				t.Errorf("wasmward test %s: exit %d\n%s%s", f, code, out, errOut)
			}
			if !strings.Contains(out, " passed, 0 failed") {
				t.Errorf("no summary line:\n%s", out)
			}
		})
	}
}
