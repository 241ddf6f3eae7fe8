//go:build !wasip1

package glue

import (
	"encoding/binary"
	"time"
)

// hostClock is time.Now outside Wasm (native tests); the wasip1 build reads the wall clock
// alone (clock_wasip1.go).
func hostClock() time.Time { return time.Now() }

// testClock is a native test host's clock (see TestClockProperty): proxytest cannot set what
// time.Now returns, so tests drive the clock through a property. It returns the zero time when
// the property is absent or not 8 bytes long.
func testClock() time.Time {
	v, ok := getProperty(testClockPath)
	if !ok || len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.LittleEndian.Uint64(v)))
}

// testClockPath is TestClockProperty, serialized once (getProperty).
var testClockPath = newPropertyPath(TestClockProperty...)
