package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteOverlay: the overlay replaces mgcscavenge.go with the patched scavenger and adds the
// scheduler probe to the runtime package, both files written next to it.
func TestWriteOverlay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "_runtimepatch")
	path, err := write(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var overlay struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &overlay); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"mgcscavenge.go": "scavenger.park()", "wasmward_sched.go": "var wasmwardSchedulerIdle func() bool"}
	if len(overlay.Replace) != len(want) {
		t.Fatalf("overlay replaces %d files, want %d: %v", len(overlay.Replace), len(want), overlay.Replace)
	}
	for src, dst := range overlay.Replace {
		if filepath.Base(filepath.Dir(src)) != "runtime" || filepath.Base(src) != filepath.Base(dst) {
			t.Errorf("overlay entry %s -> %s: want a runtime file replaced by its namesake", src, dst)
		}
		body, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		if marker, ok := want[filepath.Base(src)]; !ok || !strings.Contains(string(body), marker) {
			t.Errorf("%s: missing %q", dst, marker)
		}
	}
}
