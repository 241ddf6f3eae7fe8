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
// have completed after it, then the previous one again; an operator's lower target or GOGC=off
// is never raised or turned on.
func TestGCTargetTightDuringStart(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
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
	if got := gcPercent(); got != 100 {
		t.Fatalf("after two collections: GOGC %d, want 100 restored", got)
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
