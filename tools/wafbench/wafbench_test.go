package main

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmward/wasmward/tools/wafbench/corpus"
)

// A request counts as blocked exactly when it did not reach the upstream, and the client sends
// the request-target as it is (no normalisation of "..", raw bytes).
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
	e := &httpEngine{addr: up.addr()}
	blocked, lat, statuses := e.run(up, items)
	if blocked[0] || blocked[1] || !blocked[2] {
		t.Errorf("blocked %v, statuses %v", blocked, statuses)
	}
	if statuses[400] != 1 || lat[0] <= 0 {
		t.Errorf("statuses %v, latencies %v", statuses, lat)
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
