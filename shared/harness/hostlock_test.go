package harness

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer written by lockHost's goroutine and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A Host opened while another holds the emulator waits for it, and says after the warning's
// delay which Host it waits for and where that one was opened; it gets the emulator once the
// other is closed.
func TestLockHostSaysWhoHoldsTheHost(t *testing.T) {
	lockHost(openedBy("first", Native), time.Hour, &lockedBuffer{})
	var out lockedBuffer
	got := make(chan struct{})
	go func() {
		lockHost("second (native mode, opened at x_test.go:2)", 10*time.Millisecond, &out)
		close(got)
	}()
	for deadline := time.Now().Add(5 * time.Second); out.String() == "" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	msg := out.String()
	for _, want := range []string{"the Host of second", "held by the Host of first (native mode, opened at ", "hostlock_test.go:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning lacks %q: %s", want, msg)
		}
	}
	select {
	case <-got:
		t.Fatal("the second Host got the emulator while the first held it")
	default:
	}
	hostMu.Unlock() // the first Host closes
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the second Host did not get the emulator after the first closed")
	}
	hostMu.Unlock()
}
