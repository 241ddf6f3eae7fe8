// Package metrics names wasmward's proxy-wasm counters so that Envoy's stats tag extraction and
// Prometheus can split them into labels. It is pure Go; the glue defines and increments them.
//
// A decision counter is named
//
//	wasmward.decisions.plugin=<plugin>.rule=<rule>.reason=<reason>.decision=<decision>
//
// Envoy puts wasm metrics under "wasmcustom."; the stats_tags in envoy/stats-tags.yaml (one
// regex per label, first group removed from the name, second group the value) turn it into
// envoy_wasmcustom_wasmward_decisions{plugin="…",rule="…",reason="…",decision="…"}.
// Labels only ever come from config ids and fixed vocabularies, never from request data.
package metrics

import "strings"

// Decision label values.
const (
	Allow      = "allow"
	Deny       = "deny"
	ShadowDeny = "shadow_deny"
	Error      = "error"
)

// Prefix starts every wasmward metric name.
const Prefix = "wasmward."

// Labels are the decision counter's labels in the order DecisionName writes them.
var Labels = []string{"plugin", "rule", "reason", "decision"}

// TagRegexes maps each label to the Envoy stats_tags regex that extracts it (RE2 syntax; the
// first group is removed from the name, the second is the value). Envoy runs every regex on the
// original name (TagProducerImpl keeps one extraction context), so each regex skips the labels
// written before its own. envoy/ configs embed these.
var TagRegexes = tagRegexes()

func tagRegexes() map[string]string {
	values := map[string]string{"plugin": `[^.]+`, "rule": `[^.]*`, "reason": `[^.]*`, "decision": `[^.]+`}
	out := map[string]string{}
	prefix := `^wasmcustom\.wasmward\.[a-z_]+`
	for _, l := range Labels {
		out[l] = prefix + `(\.` + l + `=(` + values[l] + `))`
		prefix += `(?:\.` + l + `=` + values[l] + `)?`
	}
	return out
}

// DecisionName is the counter name for one (plugin, rule, reason, decision) combination. Each
// part is passed through Label.
func DecisionName(plugin, rule, reason, decision string) string {
	var b strings.Builder
	b.Grow(64 + len(plugin) + len(rule) + len(reason))
	b.WriteString(Prefix + "decisions.plugin=")
	b.WriteString(Label(plugin))
	b.WriteString(".rule=")
	b.WriteString(Label(rule))
	b.WriteString(".reason=")
	b.WriteString(Label(reason))
	b.WriteString(".decision=")
	b.WriteString(Label(decision))
	return b.String()
}

// Name is a plugin-specific counter or gauge ("wasmward.<name>.plugin=<plugin>"), e.g. key
// counts or fetch failures. name must be lower-case letters and '_'.
func Name(plugin, name string) string {
	return Prefix + name + ".plugin=" + Label(plugin)
}

// Label returns s when it is 0-64 characters of [A-Za-z0-9_-], else "invalid": a label can
// never carry request data or break the name's structure.
func Label(s string) string {
	if len(s) > 64 {
		return "invalid"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "invalid"
		}
	}
	return s
}

// HeapMetric is the gauge (Name(plugin, HeapMetric)) where the glue records the VM's Go heap in
// bytes, sampled at start and every HeapSampleEvery streams: per-VM memory must plateau, and this
// shows whether it does.
const HeapMetric = "vm_heap_bytes"

// GCMetric is the gauge (Name(plugin, GCMetric)) where the glue records the VM's completed
// garbage collections, sampled with the heap: each GC is a stop-the-world that traps on hosts
// without WASI poll_oneoff if a Go timer was ever armed, so this shows how often a VM is exposed.
const GCMetric = "vm_gc_cycles"

// AllocsMetric is the counter (Name(plugin, AllocsMetric)) of heap objects the VM's Go code
// allocated, and AllocBytesMetric of their bytes, counted with each heap sample. In Go on Wasm
// an allocation, and the collections allocated bytes bring, is a large part of a request's
// cost: their rates over the request rate are a plugin's allocations per request.
const (
	AllocsMetric     = "vm_heap_allocs"
	AllocBytesMetric = "vm_heap_alloc_bytes"
)

// HeapSampleEvery is how many finished streams pass between heap samples.
const HeapSampleEvery = 1024
