//go:build !wasip1

package glue

import "time"

// hostClock is time.Now outside Wasm (native tests); the wasip1 build reads the wall clock
// alone (clock_wasip1.go).
func hostClock() time.Time { return time.Now() }
