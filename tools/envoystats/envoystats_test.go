package envoystats

import (
	"maps"
	"testing"

	"github.com/wasmward/wasmward/shared/metrics"
)

func TestDecisionCounterSplitsIntoFourLabels(t *testing.T) {
	for _, tc := range []struct {
		plugin, rule, reason, decision string
	}{
		{"rbac", "admins", "no_match", metrics.Deny},
		{"jwtauthn", "", "", metrics.Allow},
		{"ratelimit", "per-ip", "", metrics.ShadowDeny},
		{"chain", "", "internal_error", metrics.Error},
	} {
		name, labels := Export(metrics.DecisionName(tc.plugin, tc.rule, tc.reason, tc.decision), Tags())
		want := map[string]string{"plugin": tc.plugin, "rule": tc.rule, "reason": tc.reason, "decision": tc.decision}
		if name != "envoy_wasmcustom_wasmward_decisions" || !maps.Equal(labels, want) {
			t.Errorf("%+v: got %s %v", tc, name, labels)
		}
	}
}

func TestPluginGaugeSplitsThePluginLabel(t *testing.T) {
	name, labels := Export(metrics.Name("mask", metrics.HeapMetric), Tags())
	if name != "envoy_wasmcustom_wasmward_vm_heap_bytes" || !maps.Equal(labels, map[string]string{"plugin": "mask"}) {
		t.Errorf("got %s %v", name, labels)
	}
}
