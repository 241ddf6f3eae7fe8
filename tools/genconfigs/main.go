// Command genconfigs writes the generated Envoy, Istio and nginx configs and the policy test
// examples (package gen) from the plugins' testdata, and removes generated files no longer
// produced. Run it from the repository root after changing a plugin's testdata:
//
//	go run ./tools/genconfigs
//
// TestGeneratedFilesUpToDate fails when the committed files differ from its output.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmward/wasmward/shared/harness"
	"github.com/wasmward/wasmward/tools/genconfigs/gen"
)

func main() {
	root := harness.RepoRoot()
	if err := run(root); err != nil {
		fmt.Fprintf(os.Stderr, "genconfigs: %v\n", err)
		os.Exit(1)
	}
}

func run(root string) error {
	files, err := gen.Files(root)
	if err != nil {
		return err
	}
	for _, path := range gen.Sorted(files) {
		full := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, files[path], 0o644); err != nil {
			return err
		}
	}
	stale, err := gen.Stale(root, files)
	if err != nil {
		return err
	}
	for _, path := range stale {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(path))); err != nil && !os.IsNotExist(err) {
			return err
		}
		fmt.Printf("removed stale %s\n", path)
	}
	fmt.Printf("wrote %d files\n", len(files))
	return nil
}
