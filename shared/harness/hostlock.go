package harness

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
)

// hostWaitWarning is how long NewHost waits for the emulated host before it says who holds it.
const hostWaitWarning = 20 * time.Second

// hostHolder says which Host holds hostMu, for lockHost's warning.
var hostHolder struct {
	sync.Mutex
	who string
}

// lockHost takes hostMu for the Host that who describes. proxytest is one emulator per process,
// so a second Host waits until the first is closed: a test that opens two at once (Start's
// Close runs at the test's end) would wait until the test binary's timeout, with nothing said.
// After warnAfter (NewHost: hostWaitWarning) it writes to w (stderr) which Host it waits for;
// the wait goes on, since another test running in parallel may hold the host as long as it
// needs.
func lockHost(who string, warnAfter time.Duration, w io.Writer) {
	if !hostMu.TryLock() {
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(warnAfter):
				hostHolder.Lock()
				held := hostHolder.who
				hostHolder.Unlock()
				fmt.Fprintf(w, "harness: the Host of %s has waited %v for the one emulated host, held by the Host of %s; "+
					"a test that opens a second Host before closing the first waits forever: close it first, or split the test\n",
					who, warnAfter, held)
			}
		}()
		hostMu.Lock()
		close(done)
	}
	hostHolder.Lock()
	hostHolder.who = who
	hostHolder.Unlock()
}

// openedBy describes the Host being opened: the plugin, the mode and the first caller outside
// this package's own code (the test's file and line).
func openedBy(plugin string, mode Mode) string {
	where := "?"
	pcs := make([]uintptr, 16)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "wasmward/shared/harness.") || strings.HasSuffix(f.File, "_test.go") {
			where = fmt.Sprintf("%s:%d", f.File, f.Line)
			break
		}
		if !more {
			break
		}
	}
	return fmt.Sprintf("%s (%s mode, opened at %s)", plugin, mode, where)
}
