// Command runtimepatch writes a go build -overlay that makes the Go runtime safe on proxy-wasm
// hosts whose WASI lacks poll_oneoff (stock ngx_wasm_module, Envoy before 1.39). Every plugin
// .wasm is built with it (Makefile: WASM_OVERLAY).
//
// Why: after a garbage collection the runtime's background scavenger returns free heap pages to
// the OS and then paces itself by sleeping on a runtime timer. The first timer ever armed starts
// the runtime's poller, and from then on every stop-the-world (each GC) calls WASI poll_oneoff;
// on those hosts the call fails, the runtime throws, and the instance traps. Any Go module whose
// heap ever shrinks gets there (the strict-host test shows it within a few hundred requests).
// On wasm the scavenger frees nothing: linear memory never shrinks and the runtime's sbrk
// allocator makes page release a no-op. So the patch replaces the scavenger's timed sleep with a
// plain park; the next GC wakes it as before. Nothing else changes.
//
// The patch is one statement in bgscavenge (runtime/mgcscavenge.go). If a Go release changes
// that code, this command fails and says so: re-check the runtime before adjusting it.
//
// Usage: go run ./tools/runtimepatch <output dir>   (prints the overlay file's path). The directory
// should start with "_" so that "./..." patterns never take the patched file for a package.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	file     = "runtime/mgcscavenge.go"
	original = "\t\tmheap_.pages.scav.releasedBg.Add(released)\n\t\tscavenger.sleep(workTime)\n"
	patched  = "\t\tmheap_.pages.scav.releasedBg.Add(released)\n" +
		"\t\t// wasmward: park instead of a timed sleep; see tools/runtimepatch.\n" +
		"\t\t_ = workTime\n\t\tscavenger.park()\n"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: runtimepatch <output dir>")
		os.Exit(2)
	}
	path, err := write(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtimepatch:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

// write patches the toolchain's runtime source into dir and returns the overlay file's path.
func write(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "src", filepath.FromSlash(file))
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	if n := bytes.Count(data, []byte(original)); n != 1 {
		return "", fmt.Errorf("%s: found the scavenger's timed sleep %d times, want once: this Go release changed bgscavenge", src, n)
	}
	data = bytes.Replace(data, []byte(original), []byte(patched), 1)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(abs, filepath.Base(file))
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {src: dst}})
	path := filepath.Join(abs, "overlay.json")
	return path, os.WriteFile(path, overlay, 0o644)
}
