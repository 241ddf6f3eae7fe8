package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the CLI in process and returns its exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// skipWithoutWasm skips a test needing dist/<plugin>.wasm when it is not built, except with
// CI=true, where a missing module is a failure.
func skipWithoutWasm(t *testing.T, plugin string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("..", "..", "dist", plugin+".wasm")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dist/%s.wasm not built (CI=true: a missing module is a failure)", plugin)
		}
		t.Skipf("dist/%s.wasm not built (run make build)", plugin)
	}
}

func TestTestCommandPasses(t *testing.T) {
	skipWithoutWasm(t, "passthrough")
	code, out, errOut := runCLI("test", "-v", "testdata/policytests/passing.json")
	if code != exitOK || !strings.Contains(out, "PASS testdata/policytests/passing.json: get") || !strings.HasSuffix(out, "1 passed, 0 failed\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestTestCommandPathsRelativeToTheFile: config, wasm and cases given as paths relative to the
// case file.
func TestTestCommandPathsRelativeToTheFile(t *testing.T) {
	skipWithoutWasm(t, "passthrough")
	code, out, errOut := runCLI("test", "testdata/policytests/explicit-wasm.json")
	if code != exitOK || !strings.HasSuffix(out, "2 passed, 0 failed\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	missing := filepath.Join(t.TempDir(), "cases.json")
	os.WriteFile(missing, []byte(`{"plugin":"passthrough","config":{"apiVersion":"wasmward/v1","plugin":"passthrough","spec":{}},
		"wasm":"nope.wasm","cases":[{"name":"a","want":{"status":200}}]}`), 0o644)
	if code, _, errOut := runCLI("test", missing); code != exitUsage || !strings.Contains(errOut, "nope.wasm") {
		t.Errorf("missing module: exit %d, %s", code, errOut)
	}
}

func TestTestCommandNativeMode(t *testing.T) {
	code, out, errOut := runCLI("test", "-mode", "native", "testdata/policytests/passing.json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestTestCommandMismatchExitsOneWithDiff(t *testing.T) {
	skipWithoutWasm(t, "passthrough")
	code, out, _ := runCLI("test", "testdata/policytests/failing.json")
	if code != exitInvalid {
		t.Errorf("exit %d, want %d", code, exitInvalid)
	}
	for _, want := range []string{
		`FAIL testdata/policytests/failing.json: wrong status`,
		`status: want 403, got 200 (from the upstream`,
		`reply header x-denied: want "yes", absent`,
		"1 passed, 1 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestTestCommandMalformedCaseFile: every error names the case (index and name) and the field.
func TestTestCommandMalformedCaseFile(t *testing.T) {
	const cfg = `{"apiVersion":"wasmward/v1","plugin":"passthrough","spec":{}}`
	for _, tc := range []struct{ name, file, want string }{
		{"unknown case field", `{"plugin":"passthrough","config":` + cfg + `,"cases":[{"name":"a","want":{"status":200}},{"name":"b","reqest":{},"want":{"status":200}}]}`,
			`cases[1].reqest: case "b": unknown field`},
		{"mistyped status", `{"plugin":"passthrough","config":` + cfg + `,"cases":[{"name":"slow","want":{"status":"200"}}]}`,
			`cases[0].want.status: case "slow": must be an integer`},
		{"missing status", `{"plugin":"passthrough","config":` + cfg + `,"cases":[{"name":"nostatus","want":{}}]}`,
			`cases[0].want.status: case "nostatus": is required`},
		{"missing name", `{"plugin":"passthrough","config":` + cfg + `,"cases":[{"want":{"status":200}}]}`,
			`cases[0].name: is required`},
		{"duplicate name", `{"plugin":"passthrough","config":` + cfg + `,"cases":[{"name":"a","want":{"status":200}},{"name":"a","want":{"status":200}}]}`,
			`cases[1].name: case "a": duplicates the name of cases[0]`},
		{"header not a pair", `{"plugin":"passthrough","config":` + cfg + `,"cases":[{"name":"h","request":{"headers":[["a","b","c"]]},"want":{"status":200}}]}`,
			`cases[0].request.headers[0]: case "h"`},
		{"unknown top-level field", `{"plugin":"passthrough","config":` + cfg + `,"case":[]}`, `case: unknown field`},
		{"unknown plugin", `{"plugin":"nope","config":` + cfg + `,"cases":[]}`, `plugin: unknown plugin "nope"`},
		{"no cases", `{"plugin":"passthrough","config":` + cfg + `,"cases":[]}`, `cases: must hold at least one case`},
		{"config not found", `{"plugin":"passthrough","config":"missing.json","cases":[{"name":"a","want":{"status":200}}]}`, `config: open`},
		{"invalid config", `{"plugin":"passthrough","config":{"apiVersion":"wasmward/v1","plugin":"passthrough","spec":{"x":1}},"cases":[{"name":"a","want":{"status":200}}]}`,
			`spec.x: unknown field`},
		{"not JSON", `{"plugin":`, `malformed JSON`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cases.json")
			if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI("test", path)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("error does not say %q:\n%s%s", tc.want, out, errOut)
			}
		})
	}
}

func TestTestCommandUsage(t *testing.T) {
	if code, _, _ := runCLI("test"); code != exitUsage {
		t.Errorf("no file: exit %d", code)
	}
	if code, _, _ := runCLI("test", "-mode", "proxy", "x.json"); code != exitUsage {
		t.Errorf("bad mode: exit %d", code)
	}
	if code, _, _ := runCLI("test", "does-not-exist.json"); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
}
