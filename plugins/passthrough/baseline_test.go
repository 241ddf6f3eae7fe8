package passthrough_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/shared/policy"
)

// TestHarnessBaselineIsPassthrough: the benchmark baseline fixture (harness.Baseline, which the
// harness keeps so as to import no plugin) is this plugin: same name (wasm mode loads this
// module), same configs accepted and refused, same decision.
func TestHarnessBaselineIsPassthrough(t *testing.T) {
	if harness.Baseline.Name != passthrough.Definition.Name {
		t.Fatalf("baseline name %q, plugin %q", harness.Baseline.Name, passthrough.Definition.Name)
	}
	for _, spec := range []string{`{}`, `{"x":1}`, `[]`, `null`} {
		p1, err1 := passthrough.Definition.Parse([]byte(spec))
		p2, err2 := harness.Baseline.Parse([]byte(spec))
		if (err1 == nil) != (err2 == nil) {
			t.Errorf("spec %s: plugin err %v, baseline err %v", spec, err1, err2)
		}
		if err1 != nil || err2 != nil {
			continue
		}
		req := &policy.Request{Method: "GET", Path: "/x"}
		if d1, d2 := p1.OnRequest(req), p2.OnRequest(req); d1.Verdict != d2.Verdict || d1.Rule != d2.Rule || d1.Reason != d2.Reason {
			t.Errorf("spec %s: plugin %+v, baseline %+v", spec, d1, d2)
		}
	}
}
