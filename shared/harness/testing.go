package harness

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/policy"
)

// Start starts def with cfg in mode for a test and closes it at cleanup. A missing .wasm skips
// the test, except with CI=true, where it fails: CI must never pass without running wasm.
func Start(t testing.TB, mode Mode, def policy.Definition, cfg []byte, opts ...Options) *Host {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	h, err := NewHost(mode, def, cfg, o)
	if err != nil {
		FailOrSkipMissing(t, err)
	}
	t.Cleanup(h.Close)
	return h
}

// FailOrSkipMissing ends a test on err: a skip when the error is a module not built (ErrNoWasm)
// outside CI, a failure otherwise. With CI=true a missing module is a failure: CI must never
// pass without running wasm.
func FailOrSkipMissing(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoWasm) && os.Getenv("CI") != "true" {
		t.Skipf("%v", err)
	}
	if errors.Is(err, ErrNoWasm) {
		t.Fatalf("%v (CI=true: a missing module is a failure)", err)
	}
	t.Fatal(err)
}

// MustStart is Start that fails the test when the plugin refuses its config.
func MustStart(t testing.TB, mode Mode, def policy.Definition, cfg []byte, opts ...Options) *Host {
	t.Helper()
	h := Start(t, mode, def, cfg, opts...)
	if !h.Status {
		t.Fatalf("plugin refused to start: %s", strings.Join(h.CriticalLogs(), "\n"))
	}
	return h
}

// EachMode runs fn as a subtest per test mode ("native", "wasm", "strict").
func EachMode(t *testing.T, fn func(t *testing.T, mode Mode)) {
	for _, m := range TestModes {
		t.Run(string(m), func(t *testing.T) { fn(t, m) })
	}
}

// RunCases runs a case table against def started with cfg, in every test mode, one subtest per case.
// The same host serves every case of a mode, as one proxy worker serves many requests. A decision
// counter the cases make the glue define while serving (glue.LateCounterWarning: the policy's
// Outcomes leave it out) fails the mode.
func RunCases(t *testing.T, def policy.Definition, cfg []byte, cases []Case, opts ...Options) {
	EachMode(t, func(t *testing.T, mode Mode) {
		h := MustStart(t, mode, def, cfg, opts...)
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				for _, d := range c.Want.Check(h.Do(c.Request)) {
					t.Error(d)
				}
			})
		}
		for _, l := range h.LateCounters() {
			t.Error(l)
		}
	})
}

// RunCaseFiles runs every case file of the plugin whose directory is the working directory
// (testdata/cases/<x>.json against testdata/valid/<x>.json, see LoadCaseSets), in every test mode.
func RunCaseFiles(t *testing.T, def policy.Definition, opts ...Options) {
	t.Helper()
	sets, err := LoadCaseSets(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) == 0 {
		t.Fatal("no case files in testdata/cases")
	}
	for _, s := range sets {
		cfg, err := os.ReadFile(s.Config)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(s.File), ".json"), func(t *testing.T) {
			RunCases(t, def, cfg, s.Cases, opts...)
		})
	}
}
