// Command wasmward is the project's CLI: offline config validation and the tools users put in
// their own pipelines. Run `go run ./tools/wasmward help`.
//
// Exit codes: 0 success; 1 the input was checked and is wrong (invalid config, failed case);
// 2 usage error (unknown command or plugin, unreadable file).
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"validate", "<plugin> <config.json>...", "check configs with the plugin's parser and JSON Schema", validate},
		{"schema", "<plugin>", "print the plugin's JSON Schema", printSchema},
		{"test", "[-mode m] [-v] <cases.json>...", "run policy test cases against a plugin .wasm (exit 1 on a mismatch)", testCases},
		{"pack", "[-format f] [-tag t] -o <out> <.wasm>...", "pack modules into OCI images (layout dir or .tar)", pack},
		{"push", "[-format f] [-insecure] <src> <ref>", "push a module or a packed image to a registry", push},
	}
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "wasmward: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: wasmward <command> [arguments]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %-42s %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "plugins: %s\n", strings.Join(pluginNames(), ", "))
	fmt.Fprintln(w, "exit codes: 0 ok, 1 invalid input, 2 usage error")
}
