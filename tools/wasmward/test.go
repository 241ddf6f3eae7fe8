package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/wasmward/policytests"
)

// testCases runs policy test case files (package policytests) and prints one line per case, the
// diff of every failed one, and a closing "N passed, N failed" line. Any failed case exits 1.
func testCases(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", string(harness.Wasm), "where the plugin runs: wasm (the .wasm in the embedded wazero host) or native (its Go code)")
	verbose := fs.Bool("v", false, "print passing cases too")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 || (*mode != string(harness.Wasm) && *mode != string(harness.Native)) {
		fmt.Fprintln(stderr, "usage: wasmward test [-mode wasm|native] [-v] <cases.json>...")
		return exitUsage
	}
	code, passed, failed := exitOK, 0, 0
	for _, path := range fs.Args() {
		suite, err := policytests.Load(path, lookup)
		if err != nil {
			fmt.Fprintf(stderr, "wasmward test: %v\n", err)
			code = max(code, loadErrorCode(err))
			continue
		}
		results, err := suite.Run(harness.Mode(*mode))
		if err != nil {
			fmt.Fprintf(stderr, "wasmward test: %s: %v\n", path, err)
			code = max(code, runErrorCode(err))
			continue
		}
		for _, r := range results {
			if len(r.Diffs) == 0 {
				passed++
				if *verbose {
					fmt.Fprintf(stdout, "PASS %s: %s\n", path, r.Name)
				}
				continue
			}
			failed++
			code = max(code, exitInvalid)
			fmt.Fprintf(stdout, "FAIL %s: %s\n", path, r.Name)
			for _, d := range r.Diffs {
				fmt.Fprintf(stdout, "    %s\n", d)
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	return code
}

// loadErrorCode: a wrong case file or config is invalid input (1); an unreadable file is a usage
// error (2).
func loadErrorCode(err error) int {
	if errors.Is(err, policytests.ErrMalformed) || errors.Is(err, config.ErrInvalid) {
		return exitInvalid
	}
	return exitUsage
}

// runErrorCode: a module that is not built is a usage error (2); a plugin refusing to start is
// invalid input (1).
func runErrorCode(err error) int {
	if errors.Is(err, harness.ErrNoWasm) || errors.Is(err, os.ErrNotExist) {
		return exitUsage
	}
	return exitInvalid
}
