package main

import (
	"fmt"
	"io"
	"os"

	"github.com/wasmward/wasmward/plugins/chain"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/schema"
)

// validate runs the plugin's Go parser (what the plugin runs at start) and its JSON Schema on
// each file and prints every field-level error of both.
func validate(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, "usage: wasmward validate <plugin> <config.json>...")
		return exitUsage
	}
	def, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "wasmward: unknown plugin %q (known: %v)\n", args[0], pluginNames())
		return exitUsage
	}
	code := exitOK
	for _, path := range args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "wasmward: %v\n", err)
			return exitUsage
		}
		parseErr, schemaErr := schema.Check(def, data)
		if def.Name == chain.Name && schemaErr == nil {
			schemaErr = chainSchemaErrors(data)
		}
		if parseErr == nil && schemaErr == nil {
			fmt.Fprintf(stdout, "%s: valid %s config\n", path, def.Name)
			continue
		}
		code = exitInvalid
		report(stdout, path, "parser", parseErr)
		report(stdout, path, "schema", schemaErr)
	}
	return code
}

func report(w io.Writer, path, checker string, err error) {
	if err == nil {
		return
	}
	fes := config.Fields(err)
	if len(fes) == 0 {
		fmt.Fprintf(w, "%s: %s: %v\n", path, checker, err)
		return
	}
	for _, fe := range fes {
		field := fe.Path
		if field == "" {
			field = "(config)"
		}
		fmt.Fprintf(w, "%s: %s: %s: %s\n", path, checker, field, fe.Msg)
	}
}

func printSchema(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: wasmward schema <plugin>")
		return exitUsage
	}
	def, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "wasmward: unknown plugin %q\n", args[0])
		return exitUsage
	}
	_, _ = stdout.Write(def.Schema)
	return exitOK
}
