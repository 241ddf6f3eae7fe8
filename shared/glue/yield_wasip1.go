//go:build wasip1

package glue

import (
	"runtime"
	_ "unsafe" // go:linkname
)

// yieldToRuntime lets the Go runtime's other goroutines run before control returns to the host.
// In a wasip1 module the host calls in and out on one thread, and the garbage collector's
// background mark workers are goroutines: without a yield they rarely run and the heap grows far
// past its target. Gosched only runs what is runnable; it never sleeps or arms a timer.
//
// A Gosched costs several microseconds in Go on Wasm even when the scheduler finds nothing but
// its caller to run, which is what most yields find (no collection under way): in nginx that was
// 40 % of the glue's Go time at stream end, 9 % of pass-through's (docs/performance.md, "Yields
// and the host's chunks"). So the scheduler is entered only when it has something else to run
// (schedulerIdle).
func yieldToRuntime() {
	if schedulerIdle == nil || !schedulerIdle() {
		runtime.Gosched()
	}
}

// schedulerIdle is runtime.wasmwardSchedulerIdle, which the runtime patch every module is built
// with adds (tools/runtimepatch): whether a Gosched would only resume its caller. A variable the
// patch sets, not a function: built without the patch the module still links, schedulerIdle is
// nil and every yield runs the scheduler (and runtimePatched says so at start).
//
//go:linkname schedulerIdle runtime.wasmwardSchedulerIdle
var schedulerIdle func() bool

// runtimePatched reports whether the module was built with wasmward's runtime patch
// (tools/runtimepatch), whose scheduler probe it carries.
func runtimePatched() bool { return schedulerIdle != nil }
