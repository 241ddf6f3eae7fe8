//go:build wasip1

package glue

import "time"

// hostClock is the host's wall clock, read with one WASI call: time.Now reads the wall clock and
// the monotonic clock, a host call each in Go on Wasm, and policies compare host times with one
// another and with the times tokens and counters carry, never with a monotonic reading. If the
// host refuses the call it falls back to time.Now, which throws where the host has no clock.
func hostClock() time.Time {
	var ns uint64
	if clockTimeGet(clockRealtime, 0, &ns) != 0 {
		return time.Now()
	}
	return time.Unix(0, int64(ns))
}

// clockRealtime is WASI's wall clock id.
const clockRealtime = 0

//go:wasmimport wasi_snapshot_preview1 clock_time_get
//go:noescape
func clockTimeGet(id uint32, precision uint64, time *uint64) uint32

// testClock is a test host's clock (see TestClockProperty): the WASI wall clock, as on a real
// host, so that tests run the clock read production runs. shared/harness gives wazero the clock
// its tests drive.
var testClock = hostClock
