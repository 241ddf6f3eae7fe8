// Command jumpthread rewrites Go-built WebAssembly modules in place so that a jump forward
// between a function's basic blocks branches to its target directly, where Go's code goes back
// through the function's dispatch loop and its br_table (thread.go says how). In Go on Wasm
// every such jump is an indirect one: the plugins' request path runs a few percent faster
// without them (docs/performance.md, "Jumps threaded"). `make build` runs it on every module
// after the Go build, before wasm-opt.
//
//	go run ./tools/jumpthread dist/jwtauthn.wasm [more.wasm ...]
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
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: jumpthread module.wasm ...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		if err := threadFile(path); err != nil {
			fmt.Fprintf(os.Stderr, "jumpthread: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func threadFile(path string) error {
	b, err := os.ReadFile(path)
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
	fmt.Printf("%s: %d jumps threaded, %d left to the dispatch (backward), in %d functions\n",
		path, st.Threaded, st.Dispatched, st.Functions)
	return os.WriteFile(path, out, 0o644)
}
