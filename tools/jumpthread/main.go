// Command jumpthread rewrites a Go-built WebAssembly module so that the jumps between a
// function's basic blocks branch where they go, where Go's code sends each back through the
// function's dispatch loop and its br_table, an indirect jump (thread.go says how): a forward
// jump to its target, a loop into a Wasm loop of its own. jwtauthn's request runs about 10 %
// faster in the emulator, the one-VM chain takes a fifth less of an nginx worker's CPU
// (docs/performance.md, "Jumps threaded"). `make build` runs it on every module after the Go
// build, before wasm-opt.
//
//	go run ./tools/jumpthread in.wasm [out.wasm]
//
// out defaults to in (rewritten in place). Run it once on Go's own output: a module it wrote is
// still Go's shape, and threading it again would move loops again.
//
// Hand-written: binaryen's wasm-opt does not thread these jumps (its relooper sees a switch on
// a local, not the jumps' targets; measured with --flatten --rereloop), and no Go library
// decodes and re-encodes function bodies.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: jumpthread in.wasm [out.wasm]")
		os.Exit(2)
	}
	in, out := os.Args[1], os.Args[len(os.Args)-1]
	if err := threadFile(in, out); err != nil {
		fmt.Fprintf(os.Stderr, "jumpthread: %s: %v\n", in, err)
		os.Exit(1)
	}
}

func threadFile(in, path string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	out, st, err := Thread(b)
	if err != nil {
		return err
	}
	if st.Skipped > 0 {
		return fmt.Errorf("%d function bodies hold instructions this pass does not decode: is it a Go-built module?", st.Skipped)
	}
	fmt.Printf("%s: %d jumps threaded, %d loops of their own (%d resumed inside), %d jumps left to the dispatch, in %d functions (%d kept as they were)\n",
		path, st.Threaded, st.Loops, st.Reentered, st.Dispatched, st.Functions, st.Kept)
	return os.WriteFile(path, out, 0o644)
}
