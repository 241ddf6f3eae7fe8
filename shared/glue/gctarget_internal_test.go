package glue

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's target (SetGCPercent returns the previous one).
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

// TestGCTargetTightDuringStart: the target is startGCPercent from a start until two collections
// have completed after it, then steadyGCPercent (the environment sets no GOGC); an operator's
// lower target or GOGC=off is never raised or turned on.
func TestGCTargetTightDuringStart(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	var g gcTarget
	g.tighten()
	g.tighten() // a second plugin start on the same VM
	if got := gcPercent(); got != startGCPercent {
		t.Fatalf("during start: GOGC %d, want %d", got, startGCPercent)
	}
	g.started()
	if want := gcCycles() + 2; g.relaxAt < want-1 || g.relaxAt > want { // a collection may end meanwhile
		t.Fatalf("relaxAt %d, want two collections after the start (%d)", g.relaxAt, want)
	}
	relaxAt := g.relaxAt
	g.relaxAt = gcCycles() + 1000
	g.relax()
	if got := gcPercent(); got != startGCPercent {
		t.Fatalf("before the collections: GOGC %d, want %d still", got, startGCPercent)
	}
	g.relaxAt = relaxAt
	runtime.GC() // the test drives collections; plugin code never forces one
	runtime.GC()
	g.relax()
	if got := gcPercent(); got != steadyGCPercent {
		t.Fatalf("after two collections: GOGC %d, want %d", got, steadyGCPercent)
	}

	for _, operator := range []int{-1, 5, startGCPercent} {
		debug.SetGCPercent(operator)
		var g gcTarget
		g.tighten()
		g.started()
		if got := gcPercent(); got != operator {
			t.Errorf("operator GOGC %d: %d during start, want it left alone", operator, got)
		}
		g.relax()
		if got := gcPercent(); got != operator {
			t.Errorf("operator GOGC %d: %d after start, want it left alone", operator, got)
		}
	}
}

// TestGCTargetSteady: after a start the target is steadyGCPercent, unless the environment sets
// GOGC (the operator's target is kept, higher or lower) or the target was already lower.
func TestGCTargetSteady(t *testing.T) {
	for _, tc := range []struct {
		env        string
		prev, want int
	}{
		{"", 100, steadyGCPercent},
		{"", 30, 30},
		{"200", 200, 200},
		{"100", 100, 100},
		{"25", 25, 25},
	} {
		t.Setenv("GOGC", tc.env)
		if got := steadyTarget(tc.prev); got != tc.want {
			t.Errorf("GOGC=%q, target %d before the start: %d after, want %d", tc.env, tc.prev, got, tc.want)
		}
	}
}

// TestStreamsCheckGCTargetEveryRelaxEvery: ending streams relaxes a tight target once its
// collections are done, checked every relaxEvery streams, not on each (each check stops the
// world while the target is tight).
func TestStreamsCheckGCTargetEveryRelaxEvery(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	startGC.tighten()
	startGC.mu.Lock()
	startGC.relaxAt = gcCycles() // the start's collections are done
	startGC.mu.Unlock()
	p := &pluginContext{}
	for range relaxEvery - 1 {
		p.streamDone()
	}
	if got := gcPercent(); got != startGCPercent {
		t.Fatalf("after %d streams: GOGC %d, want %d until the check", relaxEvery-1, got, startGCPercent)
	}
	p.streamDone()
	if got := gcPercent(); got != steadyGCPercent {
		t.Fatalf("after %d streams: GOGC %d, want %d", relaxEvery, got, steadyGCPercent)
	}
}
