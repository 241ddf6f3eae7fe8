package main

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// A request counts as blocked exactly when it did not reach the upstream, and the client sends
// the request-target as it is (no normalisation of "..", raw bytes), to each engine.
func TestHTTPRunCountsWhatReachesTheUpstream(t *testing.T) {
	up, err := startUpstream()
	if err != nil {
		t.Fatal(err)
	}
	defer up.ln.Close()
	items := []corpus.Item{
		{ID: "a", Req: corpus.Place(corpus.PosPath, "../../etc/passwd", false)},
		{ID: "b", Req: corpus.Place(corpus.PosJSON, "x", false)},
		{ID: "c", Req: corpus.Request{Method: "GET", Target: "/a b"}}, // Go's server refuses a raw space: 400, not reached
	}
	// Two engines in front of the same upstream, each item sent to both in turn.
	runs := runInterleaved(up, []*httpEngine{{addr: up.addr()}, {addr: up.addr()}}, items)
	for k, r := range runs {
		if r.blocked[0] || r.blocked[1] || !r.blocked[2] {
			t.Errorf("engine %d: blocked %v, statuses %v", k, r.blocked, r.statuses)
		}
		if r.statuses[400] != 1 || r.lat[0] <= 0 || r.lat[1] <= 0 {
			t.Errorf("engine %d: statuses %v, latencies %v", k, r.statuses, r.lat)
		}
	}
	if got := up.hits.Load(); got != 4 {
		t.Errorf("the upstream saw %d requests, want 2 items × 2 engines", got)
	}
}

// The table has a row per class and set, in-sample and held-out cells, the goals and notes.
func TestRender(t *testing.T) {
	items := []corpus.Item{
		{ID: "crs/942100-1", Set: "crs", Class: "sqli", Rule: 942100, HeldOut: true},
		{ID: "sqli/x@query", Set: "payloads", Class: "sqli", Position: corpus.PosQuery},
		{ID: "words-en/y@json", Set: "words-en", Position: corpus.PosJSON,
			Req: corpus.Request{Headers: [][2]string{{"Content-Type", "application/json"}}}},
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	runs := []engineRun{
		{name: "sanitize (wasm)", blocked: []bool{true, false, false}, lat: []time.Duration{0, 0, ms(2)}, base: []time.Duration{0, 0, ms(1)}},
		{name: "Coraza PL1", blocked: []bool{true, true, true}, lat: []time.Duration{0, 0, ms(3)}},
		{name: "ModSecurity PL1", skipped: "not installed"},
	}
	out := render(items, runs, []string{"a note"}, time.Second)
	for _, want := range []string{
		"| CRS 942 sqli | 0/1 | – / 100.0 | – / 100.0 |",
		"| sqli | 1/0 | 0.0 / – | 100.0 / – |",
		"| words-en | 1/0 | 0.0 / – | 100.0 / – |",
		"| sanitize (wasm) | 1000.0 µs |",
		"MET: false positives ≤ 0.1%",
		"ModSecurity PL1: skipped: not installed",
		"- a note",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// Each engine is held against sanitize deployed as it is: ModSecurity (behind nginx's parser)
// against sanitize in nginx, Coraza (in process) against sanitize in process. A request line
// only nginx refuses is a miss for neither; a class sanitize misses where its peer catches it is
// a miss named with the pair.
func TestGoalsCompareEachEngineWithSanitizeDeployedAlike(t *testing.T) {
	items := []corpus.Item{
		{ID: "protocol/HTTP/2.0", Set: "payloads", Class: "protocol", HeldOut: true},
		{ID: "sqli/x@query", Set: "payloads", Class: "sqli", HeldOut: true},
	}
	attack, _, _ := rows(items)
	run := func(name string, blocked ...bool) engineRun { return engineRun{name: name, blocked: blocked} }
	for _, tc := range []struct {
		name string
		live []engineRun
		want string
	}{
		{"nginx refuses the request line for both", []engineRun{
			run("sanitize (wasm)", false, true), run("sanitize (nginx)", true, true),
			run("Coraza PL1", false, true), run("ModSecurity PL1", true, true)},
			"MET: every class"},
		{"sanitize in nginx misses what ModSecurity catches", []engineRun{
			run("sanitize (wasm)", true, false), run("sanitize (nginx)", true, false),
			run("Coraza PL1", true, false), run("ModSecurity PL1", true, true)},
			"missed sqli 0.0<100.0 (sanitize (nginx) against ModSecurity PL1)"},
		{"without sanitize in nginx, sanitize in process stands in", []engineRun{
			run("sanitize (wasm)", false, true), run("Coraza PL1", false, true), run("ModSecurity PL1", true, true)},
			"missed protocol 0.0<100.0 (sanitize (wasm) against ModSecurity PL1)"},
		{"sanitize in process misses what Coraza catches", []engineRun{
			run("sanitize (wasm)", false, true), run("sanitize (nginx)", true, true),
			run("Coraza PL1", true, true), run("ModSecurity PL1", true, true)},
			"missed protocol 0.0<100.0 (sanitize (wasm) against Coraza PL1)"},
	} {
		got := goals(items, tc.live, attack, nil, nil)[0]
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q lacks %q", tc.name, got, tc.want)
		}
	}
}
